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
//!
//! Writes handed over with [`Writer::submit`] (the API's requests) do not even take a thread
//! while they wait: the writer's own thread runs the queued ones back to back in one batch and
//! answers each through its callback after the commit. Members that each run on their own thread
//! must hand the lock on one by one, and on a busy machine every hand-off waits for the next
//! thread to be scheduled; the writer thread pays one wake-up per batch.

use std::collections::VecDeque;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Weak};
use std::time::{Duration, Instant};

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::Connection;
use parking_lot::{Condvar, Mutex, MutexGuard};

use crate::connection::{establish_with, write_transaction, DbConnection};
use crate::StoreError;

type Manager = <DbConnection as Connection>::TransactionManager;

/// Most writes in one batch: bounds how long the first member waits for its commit.
const MAX_BATCH: usize = 64;
/// How long a member waits to be woken before it looks at the batch again itself.
const RECHECK: Duration = Duration::from_millis(20);
/// Outcomes of recent batches kept for members that have not read theirs yet.
const OUTCOMES_KEPT: usize = 1024;

/// A submitted write: runs in the batch and hands back how to answer once the batch is settled.
type Job = Box<dyn FnOnce(&mut DbConnection) -> Answer + Send>;
/// Answers a submitted write with the outcome of its batch's commit.
type Answer = Box<dyn FnOnce(Result<(), String>) + Send>;

struct Queued {
    job: Job,
    /// Answers "unavailable" without running, when the job waited too long.
    expire: Answer,
    since: Instant,
}

pub(crate) struct Writer {
    url: String,
    lock_timeout: Duration,
    /// How long a write may wait for its turn before it is refused (the API answers 503).
    wait: Duration,
    state: Mutex<State>,
    settled: Condvar,
    /// Writes waiting for their turn right now, on their own threads or submitted.
    queued: AtomicUsize,
    batches: AtomicU64,
    writes: AtomicU64,
    /// Submitted writes, for the writer thread (started with the first).
    jobs: parking_lot::Mutex<Option<mpsc::Sender<Queued>>>,
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
            jobs: parking_lot::Mutex::new(None),
        }
    }

    /// Queues `f` for the writer thread; `answer` gets its result once its batch is settled
    /// (or an error when the write waited longer than the writer's wait, without running it).
    pub(crate) fn submit<T, E, F, A>(self: &Arc<Self>, f: F, answer: A)
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        A: FnOnce(Result<T, E>) + Send + 'static,
    {
        let answer = Arc::new(parking_lot::Mutex::new(Some(answer)));
        let expire = {
            let answer = answer.clone();
            Box::new(move |_: Result<(), String>| {
                if let Some(a) = answer.lock().take() {
                    a(Err(StoreError::Unavailable(
                        "timed out waiting for the database writer".into(),
                    )
                    .into()));
                }
            }) as Answer
        };
        let job: Job = Box::new(move |conn: &mut DbConnection| {
            let result = catch_unwind(AssertUnwindSafe(|| write_transaction(conn, f)))
                .unwrap_or_else(|_| {
                    Err(StoreError::Unavailable("the write failed unexpectedly".into()).into())
                });
            Box::new(move |outcome: Result<(), String>| {
                if let Some(a) = answer.lock().take() {
                    a(settled(result, outcome));
                }
            }) as Answer
        });
        let queued = Queued {
            job,
            expire,
            since: Instant::now(),
        };
        self.queued.fetch_add(1, Ordering::SeqCst);
        let mut jobs = self.jobs.lock();
        let sender = jobs.get_or_insert_with(|| {
            let (sender, receiver) = mpsc::channel();
            let writer = Arc::downgrade(self);
            let spawned = std::thread::Builder::new()
                .name("db-writer".into())
                .spawn(move || run_submitted(writer, receiver));
            if let Err(e) = spawned {
                log::error!("cannot start the database writer thread: {e}");
            }
            sender
        });
        if let Err(mpsc::SendError(lost)) = sender.send(queued) {
            *jobs = None;
            self.queued.fetch_sub(1, Ordering::SeqCst);
            (lost.expire)(Err("the writer thread is gone".into()));
        }
    }

    /// Runs `jobs` (the first already taken, more while they keep coming) in one batch.
    fn run_batch(&self, first: Queued, receiver: &mpsc::Receiver<Queued>) {
        let mut answers: Vec<Answer> = Vec::new();
        let mut state = self.state.lock();
        let mut next = Some(first);
        while let Some(queued) = next.take() {
            self.queued.fetch_sub(1, Ordering::SeqCst);
            if queued.since.elapsed() > self.wait {
                answers.push(queued.expire);
            } else {
                let batch = match self.join(&mut state) {
                    Ok(batch) => batch,
                    Err(e) => {
                        let why = e.to_string();
                        answers.push(queued.expire);
                        drop(state);
                        for answer in answers {
                            answer(Err(why.clone()));
                        }
                        return;
                    }
                };
                let Some(conn) = state.conn.as_mut() else {
                    answers.push(queued.expire);
                    break;
                };
                // The job catches its own panic; `expire` answers if it could not.
                let (answer, intact) = run_member(conn, queued.job);
                answers.push(answer.unwrap_or(queued.expire));
                if !intact || batch.members >= MAX_BATCH {
                    break;
                }
            }
            next = receiver.try_recv().ok();
        }
        let intact = state
            .conn
            .as_mut()
            .is_some_and(|conn| depth(conn) == Some(1));
        let id = state.open.map(|b| b.id);
        self.settle(&mut state, intact);
        let outcome = id.map_or(Ok(()), |id| state.outcome_of(id));
        drop(state);
        for answer in answers {
            answer(outcome.clone());
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

        let batch = self.join(&mut state)?;
        let conn = state.conn.as_mut().ok_or_else(|| {
            StoreError::Unavailable("the database writer has no connection".into())
        })?;
        let (outcome, intact) = run_member(conn, |conn| write_transaction(conn, f));
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
            if self.queued() == 0 || batch.members >= MAX_BATCH {
                self.settle(&mut state, true);
                break;
            }
            self.settled.wait_for(&mut state, RECHECK);
        }
        settled(result, state.outcome_of(batch.id))
    }

    /// Joins the open batch as its next member, opening one if none is open.
    fn join(&self, state: &mut MutexGuard<'_, State>) -> Result<Batch, StoreError> {
        let open = match state.open {
            Some(batch) => batch,
            None => self.begin(state)?,
        };
        let joined = Batch {
            members: open.members + 1,
            ..open
        };
        state.open = Some(joined);
        self.writes.fetch_add(1, Ordering::Relaxed);
        Ok(joined)
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

/// Runs one member of the open batch (its savepoint is its own business: see
/// [`write_transaction`]), catching a panic; a savepoint a panic left open is rolled back here.
/// Answers the outcome and whether the batch is still usable (its savepoints all closed).
fn run_member<R>(
    conn: &mut DbConnection,
    member: impl FnOnce(&mut DbConnection) -> R,
) -> (std::thread::Result<R>, bool) {
    let outcome = catch_unwind(AssertUnwindSafe(|| member(conn)));
    if depth(conn) == Some(2) {
        // A panic skipped the savepoint's rollback: the neighbours stay.
        let _ = Manager::rollback_transaction(conn);
    }
    (outcome, depth(conn) == Some(1))
}

/// A member's result once its batch is settled: its own, unless the commit failed.
fn settled<T, E: From<StoreError>>(
    result: Result<T, E>,
    outcome: Result<(), String>,
) -> Result<T, E> {
    match outcome {
        Ok(()) => result,
        // The member's own error says more; its changes are gone either way.
        Err(_) if result.is_err() => result,
        Err(why) => {
            Err(StoreError::Unavailable(format!("the write could not be committed: {why}")).into())
        }
    }
}

/// The writer thread: takes the submitted writes as they come, a batch at a time, until the
/// database is dropped.
fn run_submitted(writer: Weak<Writer>, receiver: mpsc::Receiver<Queued>) {
    while let Ok(first) = receiver.recv() {
        let Some(writer) = writer.upgrade() else {
            (first.expire)(Err("the database is closed".into()));
            return;
        };
        writer.run_batch(first, &receiver);
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
