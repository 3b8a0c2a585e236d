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

impl Limits {
    /// `n` attempts an hour; the next waits for the hour to end.
    pub fn per_hour(n: i32) -> Self {
        Self {
            failures: n,
            window: Duration::hours(1),
            lock: Duration::hours(1),
            max_lock: Duration::hours(1),
        }
    }
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

/// Takes one attempt for every key at once, before the (slow) check it guards runs. If any key is
/// locked at `now`, nothing is counted and the lock's end comes back: refuse the attempt.
/// Otherwise each key's count rises by one (a new window when the last one ended) and the attempt
/// may proceed; the attempt that reaches a key's limit locks the key from now on (doubling with
/// every further attempt in the window, up to the cap), so that while it is being checked no other
/// gets through — a success [`clear`]s the lock. The keys' rows are locked while this runs, so a
/// burst of concurrent attempts is counted one by one: at most the limit are ever checked, and
/// after a lock ends, one more.
pub fn begin_attempt(
    conn: &mut DbConnection,
    keys: &[(&str, Limits)],
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    write_transaction(conn, |conn| {
        let mut rows = Vec::with_capacity(keys.len());
        for (key, _) in keys {
            rows.push(row_for_update(conn, key, now)?);
        }
        let locked = rows
            .iter()
            .filter_map(|(_, _, until)| until.map(crate::from_db_time))
            .filter(|until| *until > now)
            .max();
        if locked.is_some() {
            return Ok(locked);
        }
        for ((key, limits), (failures, start, _)) in keys.iter().zip(rows) {
            let (attempts, start) = if crate::from_db_time(start) + limits.window > now {
                (failures + 1, start)
            } else {
                (1, to_db_time(now))
            };
            let over = attempts - limits.failures;
            let lock = (over >= 0).then(|| {
                let factor = 1_i32 << over.clamp(0, 10);
                now + (limits.lock * factor).min(limits.max_lock)
            });
            diesel::update(lf::table.find(*key))
                .set((
                    lf::failures.eq(attempts),
                    lf::window_start.eq(start),
                    lf::locked_until.eq(lock.map(to_db_time)),
                ))
                .execute(conn)?;
        }
        Ok(None)
    })
}

/// Takes back one attempt of `key` (it succeeded: an address is limited by its failures only).
pub fn forgive(conn: &mut DbConnection, key: &str) -> Result<(), StoreError> {
    diesel::update(lf::table.find(key).filter(lf::failures.gt(0)))
        .set(lf::failures.eq(lf::failures - 1))
        .execute(conn)?;
    Ok(())
}

/// The row of `key` (made if missing), locked against concurrent attempts until the transaction
/// ends: `FOR UPDATE` on PostgreSQL; on SQLite the write transaction already excludes others.
fn row_for_update(
    conn: &mut DbConnection,
    key: &str,
    now: DateTime<Utc>,
) -> Result<(i32, NaiveDateTime, Option<NaiveDateTime>), StoreError> {
    let fresh = (
        lf::key.eq(key),
        lf::failures.eq(0),
        lf::window_start.eq(to_db_time(now)),
        lf::locked_until.eq(None::<NaiveDateTime>),
    );
    let columns = (lf::failures, lf::window_start, lf::locked_until);
    Ok(match conn {
        DbConnection::Postgresql(pg) => {
            diesel::insert_into(lf::table)
                .values(fresh)
                .on_conflict_do_nothing()
                .execute(pg)?;
            lf::table.find(key).select(columns).for_update().first(pg)?
        }
        DbConnection::Sqlite(sqlite) => {
            diesel::insert_or_ignore_into(lf::table)
                .values(fresh)
                .execute(sqlite)?;
            lf::table.find(key).select(columns).first(sqlite)?
        }
    })
}

/// Forgets failures of `key` after a successful login.
pub fn clear(conn: &mut DbConnection, key: &str) -> Result<(), StoreError> {
    write_transaction(conn, |conn| {
        diesel::delete(lf::table.find(key)).execute(conn)?;
        Ok(())
    })
}

/// Forgets throttle rows whose window began before `cutoff` and that hold no lock at `now`.
pub fn purge_before(
    conn: &mut DbConnection,
    cutoff: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    Ok(diesel::delete(
        lf::table
            .filter(lf::window_start.lt(to_db_time(cutoff)))
            .filter(
                lf::locked_until
                    .is_null()
                    .or(lf::locked_until.lt(to_db_time(now))),
            ),
    )
    .execute(conn)?)
}
