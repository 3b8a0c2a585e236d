//! Group commit for SQLite: the writes of this process that queue up while one is running share
//! one transaction, and so one commit.
//!
//! SQLite has one writer at a time, and a commit writes every page the transaction changed to the
//! WAL. Writes that wait for the writer anyway join the transaction of the one before them:
//!
//! - Each write runs on its caller's thread, on the writer's own connection, inside a savepoint of
//!   the open batch. A write that fails (or panics) is rolled back to its savepoint alone: it
//!   writes nothing and its neighbours keep what they wrote.
//! - A write that ends while others are queued leaves the batch open for them and waits; the
//!   write that finds nobody queued behind it (or fills the batch) commits it for everyone.
//! - Nobody hears "done" before the batch's commit: if the commit fails, every member gets the
//!   error, so no caller reports a change that was not kept.
//!
//! No write waits for company that is not already waiting: a lone write commits at once.

use std::collections::VecDeque;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::Connection;
use parking_lot::{Condvar, Mutex, MutexGuard};

use crate::db::{establish_with, write_transaction, DbConnection};
use crate::StoreError;

type Manager = <DbConnection as Connection>::TransactionManager;

/// Most writes in one batch: bounds how long the first member waits for its commit.
const MAX_BATCH: usize = 64;
/// How long a member waits to be woken before it looks at the batch again itself.
const RECHECK: Duration = Duration::from_millis(20);
/// Outcomes of recent batches kept for members that have not read theirs yet.
const OUTCOMES_KEPT: usize = 1024;

pub(crate) struct Writer {
    url: String,
    lock_timeout: Duration,
    /// How long a write may wait for its turn before it is refused (the API answers 503).
    wait: Duration,
    state: Mutex<State>,
    settled: Condvar,
    /// Writes waiting for their turn right now.
    queued: AtomicUsize,
    batches: AtomicU64,
    writes: AtomicU64,
}

struct State {
    conn: Option<DbConnection>,
    open: Option<Batch>,
    last_id: u64,
    /// `(batch, Err(why))` for recent batches; a batch absent here that is not open committed.
    outcomes: VecDeque<(u64, Result<(), String>)>,
}

#[derive(Clone, Copy)]
struct Batch {
    id: u64,
    members: usize,
}

/// How many batches and writes the writer committed (or tried to), for tests and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriterStats {
    pub batches: u64,
    pub writes: u64,
}

impl Writer {
    pub(crate) fn new(url: &str, lock_timeout: Duration, wait: Duration) -> Writer {
        Writer {
            url: url.to_owned(),
            lock_timeout,
            wait,
            state: Mutex::new(State {
                conn: None,
                open: None,
                last_id: 0,
                outcomes: VecDeque::new(),
            }),
            settled: Condvar::new(),
            queued: AtomicUsize::new(0),
            batches: AtomicU64::new(0),
            writes: AtomicU64::new(0),
        }
    }

    pub(crate) fn stats(&self) -> WriterStats {
        WriterStats {
            batches: self.batches.load(Ordering::Relaxed),
            writes: self.writes.load(Ordering::Relaxed),
        }
    }

    /// Writes waiting for their turn right now.
    pub(crate) fn queued(&self) -> usize {
        self.queued.load(Ordering::SeqCst)
    }

    /// Runs `f` in the open batch (opening one if none is), and returns once the batch is settled.
    pub(crate) fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        E: From<StoreError>,
        F: FnOnce(&mut DbConnection) -> Result<T, E>,
    {
        let deadline = Instant::now() + self.wait;
        self.queued.fetch_add(1, Ordering::SeqCst);
        let turn = self.state.try_lock_until(deadline);
        self.queued.fetch_sub(1, Ordering::SeqCst);
        let mut state = turn.ok_or_else(|| {
            StoreError::Unavailable("timed out waiting for the database writer".into())
        })?;

        let batch = match state.open {
            Some(batch) => batch,
            None => self.begin(&mut state)?,
        };
        let members = batch.members + 1;
        state.open = Some(Batch { members, ..batch });
        self.writes.fetch_add(1, Ordering::Relaxed);

        let conn = state.conn.as_mut().ok_or_else(|| {
            StoreError::Unavailable("the database writer has no connection".into())
        })?;
        // Nested inside the batch's transaction: a savepoint, rolled back alone on failure.
        let outcome = catch_unwind(AssertUnwindSafe(|| write_transaction(conn, f)));
        if outcome.is_err() && depth(conn) == Some(2) {
            // A panic skipped the savepoint's rollback: do it here, the neighbours stay.
            let _ = Manager::rollback_transaction(conn);
        }
        // A savepoint that could not be rolled back leaves the batch unusable: end it now.
        let intact = depth(conn) == Some(1);
        let result = match outcome {
            Ok(result) => result,
            Err(panic) => {
                self.settle(&mut state, intact);
                resume_unwind(panic);
            }
        };
        if !intact {
            self.settle(&mut state, false);
        }
        // Leave the batch open for the writes queued behind this one; the last of them commits.
        while state.open.map(|b| b.id) == Some(batch.id) {
            if self.queued() == 0 || members >= MAX_BATCH {
                self.settle(&mut state, true);
                break;
            }
            self.settled.wait_for(&mut state, RECHECK);
        }
        match state.outcome_of(batch.id) {
            Ok(()) => result,
            // The member's own error says more; its changes are gone either way.
            Err(_) if result.is_err() => result,
            Err(why) => Err(StoreError::Unavailable(format!(
                "the write could not be committed: {why}"
            ))
            .into()),
        }
    }

    /// Opens a batch: `BEGIN IMMEDIATE` on the writer's connection, connecting first if needed.
    fn begin(&self, state: &mut MutexGuard<'_, State>) -> Result<Batch, StoreError> {
        if state.conn.is_none() {
            let conn = establish_with(&self.url, self.lock_timeout)
                .map_err(|e| StoreError::Unavailable(e.to_string()))?;
            state.conn = Some(conn);
        }
        let conn = state.conn.as_mut().ok_or_else(|| {
            StoreError::Unavailable("the database writer has no connection".into())
        })?;
        let begun = match conn {
            DbConnection::Sqlite(sqlite) => {
                AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")
            }
            other => Manager::begin_transaction(other),
        };
        if let Err(e) = begun {
            state.conn = None;
            return Err(e.into());
        }
        state.last_id += 1;
        self.batches.fetch_add(1, Ordering::Relaxed);
        Ok(Batch {
            id: state.last_id,
            members: 0,
        })
    }

    /// Ends the open batch, committing it (`commit`) or rolling it back, records the outcome
    /// and wakes its members. A connection left broken is dropped; the next batch opens another.
    fn settle(&self, state: &mut MutexGuard<'_, State>, commit: bool) {
        let Some(batch) = state.open.take() else {
            return;
        };
        let outcome = match state.conn.as_mut() {
            None => Err("the connection was lost".to_owned()),
            Some(conn) if commit => Manager::commit_transaction(conn).map_err(|e| e.to_string()),
            Some(conn) => {
                let _ = Manager::rollback_transaction(conn);
                Err("a write in the same batch broke its transaction".to_owned())
            }
        };
        let broken = state.conn.as_mut().is_none_or(|conn| {
            Manager::is_broken_transaction_manager(conn) || depth(conn) != Some(0)
        });
        if broken {
            state.conn = None;
        }
        if let Err(why) = &outcome {
            log::error!(
                "write batch {} of {} writes failed: {why}",
                batch.id,
                batch.members
            );
        }
        state.outcomes.push_back((batch.id, outcome));
        while state.outcomes.len() > OUTCOMES_KEPT {
            state.outcomes.pop_front();
        }
        self.settled.notify_all();
    }
}

/// How deep in transactions `conn` is (0: none), or `None` when its manager is broken.
fn depth(conn: &mut DbConnection) -> Option<u32> {
    match Manager::transaction_manager_status_mut(conn).transaction_depth() {
        Ok(depth) => Some(depth.map_or(0, |d| d.get())),
        Err(_) => None,
    }
}

impl State {
    fn outcome_of(&self, batch: u64) -> Result<(), String> {
        self.outcomes
            .iter()
            .rev()
            .find(|(id, _)| *id == batch)
            .map_or(Ok(()), |(_, outcome)| outcome.clone())
    }
}
