//! The database as the use cases see it: a pool, and transactions that end in an [`AppError`].

use persistence::{Database, DbConnection, PoolOptions};

use crate::AppError;

/// A connection inside a use case's transaction (or a read).
pub type Conn = DbConnection;

/// The application's database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    db: Database,
}

impl Store {
    /// Connects (SQLite file or PostgreSQL, by URL) and applies pending migrations.
    pub fn open(url: &str, options: &PoolOptions) -> Result<Store, AppError> {
        Ok(Store::new(Database::open(url, options)?))
    }

    pub fn new(db: Database) -> Store {
        Store { db }
    }

    /// Runs a use case in one write transaction: all of it is kept, or none of it.
    pub fn write<T>(
        &self,
        f: impl FnOnce(&mut Conn) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        self.db.transact(f)
    }

    /// Whether [`Store::submit`] is available (SQLite, whose writes go through one writer).
    pub fn submits(&self) -> bool {
        self.db.submits()
    }

    /// Hands a use case to SQLite's writer thread: it runs in one write transaction (all of it
    /// is kept, or none of it), and `answer` gets its result once that is committed. The calling
    /// thread does not wait, so an async handler need not take a blocking thread.
    pub fn submit<T, F, A>(&self, f: F, answer: A)
    where
        T: Send + 'static,
        F: FnOnce(&mut Conn) -> Result<T, AppError> + Send + 'static,
        A: FnOnce(Result<T, AppError>) + Send + 'static,
    {
        self.db.submit(f, answer)
    }

    /// Runs a read on a pooled connection.
    pub fn read<T>(&self, f: impl FnOnce(&mut Conn) -> Result<T, AppError>) -> Result<T, AppError> {
        self.db.with_conn(f)
    }

    /// Runs a read on the calling thread when that cannot wait (SQLite with a free connection);
    /// otherwise hands `f` back, to be run with [`Store::read`] on a blocking thread.
    pub fn read_now<T, F>(&self, f: F) -> Result<Result<T, AppError>, F>
    where
        F: FnOnce(&mut Conn) -> Result<T, AppError>,
    {
        self.db.read_now(f)
    }

    /// `SELECT 1`, for the readiness probe.
    pub fn ping(&self) -> Result<(), AppError> {
        Ok(self.db.ping()?)
    }

    /// Open and idle pooled connections, for metrics.
    pub fn pool_state(&self) -> (u32, u32) {
        self.db.pool_state()
    }

    /// Batches and writes of SQLite's group commit so far; `None` on PostgreSQL.
    pub fn writer_stats(&self) -> Option<crate::WriterStats> {
        self.db.writer_stats()
    }

    /// Writes of this process waiting for their turn right now (0 on PostgreSQL).
    pub fn queued_writes(&self) -> usize {
        self.db.queued_writes()
    }

    /// Waits until this process commits a write after the `seen`-th, or `timeout` passes;
    /// answers how many it has committed.
    pub fn wait_for_commit(&self, seen: u64, timeout: std::time::Duration) -> u64 {
        self.db.wait_for_commit(seen, timeout)
    }

    /// `sqlite` or `postgresql`.
    pub fn backend_name(&self) -> &'static str {
        self.db.backend().name()
    }
}
