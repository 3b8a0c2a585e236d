//! Retention: the event log with its finished deliveries and their attempts is forgotten after
//! `ctx.retention` (`RETENTION_DAYS`), and sign-in / registration throttle rows a day after their
//! window began (unless still locked). Events still owed a delivery stay. Run by the background
//! jobs on every instance; two instances purging at once only delete what the other left.

use chrono::{DateTime, Duration, Utc};
use persistence::{outbox, throttle};

use crate::{AppError, Ctx, Store};

/// Events removed per transaction, so that no purge holds locks for long.
const BATCH: i64 = 1000;

/// What one purge removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    pub events: usize,
    pub throttles: usize,
}

pub fn purge(store: &Store, ctx: &Ctx, now: DateTime<Utc>) -> Result<Purged, AppError> {
    let mut purged = Purged::default();
    let cutoff = now - ctx.retention;
    loop {
        let n = store.write(|conn| Ok(outbox::purge_before(conn, cutoff, BATCH)?))?;
        purged.events += n;
        if n < BATCH as usize {
            break;
        }
    }
    purged.throttles =
        store.write(|conn| Ok(throttle::purge_before(conn, now - Duration::days(1), now)?))?;
    Ok(purged)
}
