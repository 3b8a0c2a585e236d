//! Background jobs: auto-close of resolved tickets (R-INC4) and expiry of idempotency keys.
//!
//! Safe with several instances on one database: each ticket is closed in its own transaction
//! with a version check, so when two instances race, one closes it and the other skips it.

use std::time::Duration;

use chrono::{DateTime, Utc};
use domain::{Actor, IncidentStatus};
use persistence::StoreError;

use crate::incidents::status_entry;
use crate::state::AppState;

/// Closes tickets resolved more than `auto_close_after` ago. Returns how many it closed.
pub fn auto_close_resolved(state: &AppState, now: DateTime<Utc>) -> Result<usize, StoreError> {
    let cutoff = now - state.settings.auto_close_after;
    let mut closed = 0;
    loop {
        let batch = state
            .db
            .read(|conn| persistence::incidents::resolved_before(conn, cutoff, 100))?;
        let batch_len = batch.len();
        let mut progressed = false;
        for ticket in batch {
            let result = state.db.write(|conn| {
                persistence::incidents::change(
                    conn,
                    ticket,
                    None,
                    None,
                    state.sla(),
                    now,
                    |incident| {
                        let days = state.settings.auto_close_after.num_days();
                        let reason = format!("closed automatically {days} days after resolution");
                        let change = incident.transition(
                            Actor::System,
                            IncidentStatus::Closed,
                            Some(&reason),
                            None,
                            now,
                        )?;
                        Ok(vec![status_entry("system", &change, incident)])
                    },
                )
            });
            match result {
                Ok(_) => {
                    closed += 1;
                    progressed = true;
                }
                // Reopened or closed meanwhile, possibly by another instance: nothing to do.
                Err(StoreError::Conflict { .. }) | Err(StoreError::Domain(_)) => {}
                Err(e) => return Err(e),
            }
        }
        if batch_len < 100 || !progressed {
            return Ok(closed);
        }
    }
}

/// Runs the jobs every `background_interval` on a thread of its own until the process ends.
pub fn spawn(state: AppState) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("background-jobs".into())
        .spawn(move || loop {
            let now = crate::state::now();
            match auto_close_resolved(&state, now) {
                Ok(0) => {}
                Ok(n) => log::info!("auto-closed {n} resolved tickets"),
                Err(e) => log::warn!("auto-close failed: {e}"),
            }
            match state
                .db
                .write(|conn| persistence::idempotency::purge_expired(conn, now))
            {
                Ok(0) => {}
                Ok(n) => log::debug!("purged {n} expired idempotency keys"),
                Err(e) => log::warn!("idempotency key purge failed: {e}"),
            }
            std::thread::sleep(
                state
                    .settings
                    .background_interval
                    .max(Duration::from_secs(1)),
            );
        })
}
