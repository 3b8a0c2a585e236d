//! Background jobs: auto-close of resolved tickets (R-INC4), planned works' reminders and steps,
//! the monthly service reports (issue 23), expiry of idempotency keys, and retention (events,
//! delivery logs, throttle rows; see `app::retention`).
//!
//! Safe with several instances on one database: each ticket closes in its own transaction with a
//! version check (see `app::incidents::auto_close`), so when two instances race, one closes it
//! and the other skips it.

use std::time::Duration;

use app::AppError;
use chrono::{DateTime, Utc};

use crate::state::AppState;

/// Closes tickets resolved more than `auto_close_after` ago. Returns how many it closed.
pub fn auto_close_resolved(state: &AppState, now: DateTime<Utc>) -> Result<usize, AppError> {
    let (store, ctx) = (&state.store, &state.ctx);
    let mut closed = 0;
    loop {
        let batch = store.read(|conn| app::incidents::due_for_auto_close(conn, ctx, now, 100))?;
        let batch_len = batch.len();
        let mut progressed = false;
        for ticket in batch {
            if store.write(|conn| app::incidents::auto_close(conn, ticket, ctx, now))? {
                closed += 1;
                progressed = true;
            }
        }
        if batch_len < 100 || !progressed {
            return Ok(closed);
        }
    }
}

/// Reminds customers of planned works starting soon, and starts and completes works at their
/// times. Returns (reminders sent, works moved on).
pub fn planned_works(state: &AppState, now: DateTime<Utc>) -> Result<(usize, usize), AppError> {
    let (store, lead) = (&state.store, state.ctx.work_reminder_lead);
    let mut reminded = 0;
    for id in store.read(|conn| app::planned_works::jobs::due_reminders(conn, lead, now, 500))? {
        if store.write(|conn| app::planned_works::jobs::remind(conn, id, now))? {
            reminded += 1;
        }
    }
    let mut moved = 0;
    for id in store.read(|conn| app::planned_works::jobs::due_steps(conn, now, 500))? {
        if store.write(|conn| app::planned_works::jobs::advance(conn, id, now))? {
            moved += 1;
        }
    }
    Ok((reminded, moved))
}

/// Sends last month's service report to every company that has not had it, from the first
/// working day of the month on (see `app::reports::send_monthly_report`: once per company and
/// month, whichever instance gets there first). Returns how many reports were mailed.
pub fn service_reports(state: &AppState, now: DateTime<Utc>) -> Result<usize, AppError> {
    let (store, ctx) = (&state.store, &state.ctx);
    let mut sent = 0;
    loop {
        let Some((month, companies)) =
            store.read(|conn| app::reports::monthly_reports_owed(conn, ctx, now, 200))?
        else {
            return Ok(sent);
        };
        // A company whose report fails (logged) is left for the next round; the others go on.
        let mut progressed = false;
        for customer in &companies {
            match store
                .write(|conn| app::reports::send_monthly_report(conn, customer, month, ctx, now))
            {
                Ok(mailed) => {
                    progressed = true;
                    sent += usize::from(mailed);
                }
                Err(e) => log::warn!("service report of {customer} for {month} failed: {e}"),
            }
        }
        if companies.len() < 200 || !progressed {
            return Ok(sent);
        }
    }
}

/// Runs the jobs every `background_interval` on a thread of its own until the process ends.
pub fn spawn(state: AppState) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("background-jobs".into())
        .spawn(move || loop {
            let now = app::now();
            match auto_close_resolved(&state, now) {
                Ok(0) => {}
                Ok(n) => log::info!("auto-closed {n} resolved tickets"),
                Err(e) => log::warn!("auto-close failed: {e}"),
            }
            match planned_works(&state, now) {
                Ok((0, 0)) => {}
                Ok((r, m)) => log::info!("planned works: {r} reminders sent, {m} works moved on"),
                Err(e) => log::warn!("planned works job failed: {e}"),
            }
            match service_reports(&state, now) {
                Ok(0) => {}
                Ok(n) => log::info!("service reports: {n} companies' monthly reports queued"),
                Err(e) => log::warn!("service reports job failed: {e}"),
            }
            match state
                .store
                .write(|conn| app::idempotency::purge_expired(conn, now))
            {
                Ok(0) => {}
                Ok(n) => log::debug!("purged {n} expired idempotency keys"),
                Err(e) => log::warn!("idempotency key purge failed: {e}"),
            }
            match app::retention::purge(&state.store, &state.ctx, now) {
                Ok(p) if p == app::retention::Purged::default() => {}
                Ok(p) => log::info!(
                    "retention: purged {} events with their deliveries, {} throttle rows",
                    p.events,
                    p.throttles
                ),
                Err(e) => log::warn!("retention purge failed: {e}"),
            }
            std::thread::sleep(
                state
                    .settings
                    .background_interval
                    .max(Duration::from_secs(1)),
            );
        })
}
