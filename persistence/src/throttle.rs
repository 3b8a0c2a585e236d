//! Login throttling: failed attempts per account and per client address. After a few failures
//! within a window the key is locked for a while, doubling up to a cap; it always unlocks.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::schema::login_failures as lf;
use crate::{to_db_time, write_transaction, DbConnection, StoreError};

/// Thresholds for one kind of key.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Failures allowed within `window` before locking.
    pub failures: i32,
    pub window: Duration,
    /// First lock; each further failure while over the limit doubles it, up to `max_lock`.
    pub lock: Duration,
    pub max_lock: Duration,
}

/// If `key` is locked at `now`, until when.
pub fn locked_until(
    conn: &mut DbConnection,
    key: &str,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    let until: Option<Option<NaiveDateTime>> = lf::table
        .find(key)
        .select(lf::locked_until)
        .first(conn)
        .optional()?;
    Ok(until
        .flatten()
        .map(crate::from_db_time)
        .filter(|u| *u > now))
}

/// Counts a failure for `key`; returns the lock end if it is now locked.
pub fn record_failure(
    conn: &mut DbConnection,
    key: &str,
    limits: Limits,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    write_transaction(conn, |conn| {
        let row: Option<(i32, NaiveDateTime)> = lf::table
            .find(key)
            .select((lf::failures, lf::window_start))
            .first(conn)
            .optional()?;
        let (failures, start) = match row {
            Some((f, start)) if crate::from_db_time(start) + limits.window > now => (f + 1, start),
            _ => (1, to_db_time(now)),
        };
        let over = failures - limits.failures;
        let lock = (over > 0).then(|| {
            let factor = 1_i32 << (over - 1).clamp(0, 10);
            now + (limits.lock * factor).min(limits.max_lock)
        });
        diesel::delete(lf::table.find(key)).execute(conn)?;
        diesel::insert_into(lf::table)
            .values((
                lf::key.eq(key),
                lf::failures.eq(failures),
                lf::window_start.eq(start),
                lf::locked_until.eq(lock.map(to_db_time)),
            ))
            .execute(conn)?;
        Ok(lock)
    })
}

/// Forgets failures of `key` after a successful login.
pub fn clear(conn: &mut DbConnection, key: &str) -> Result<(), StoreError> {
    write_transaction(conn, |conn| {
        diesel::delete(lf::table.find(key)).execute(conn)?;
        Ok(())
    })
}
