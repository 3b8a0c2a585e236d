//! The database as the repositories' callers see it: a pool for reads, SQLite's writer (see
//! [`crate::writer`]) or pooled transactions for writes, and the migrations. Connections
//! themselves are [`crate::connection`]'s.

use std::sync::Arc;
use std::time::Duration;

use diesel::connection::{SimpleConnection, TransactionManager};
use diesel::{Connection, ConnectionError, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::connection::sqlite_path;
pub use crate::connection::{
    establish, establish_with, write_transaction, Backend, DbConnection, DEFAULT_LOCK_TIMEOUT,
};
use crate::writer::{Writer, WriterStats};
use crate::StoreError;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/postgres");

/// r2d2 manager that opens connections with [`establish`].
#[derive(Debug, Clone)]
pub struct Manager {
    url: String,
    lock_timeout: Duration,
}

impl r2d2::ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = ConnectionError;

    fn connect(&self) -> Result<DbConnection, ConnectionError> {
        establish_with(&self.url, self.lock_timeout)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), ConnectionError> {
        conn.batch_execute("SELECT 1")
            .map_err(ConnectionError::CouldntSetupConfiguration)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        <DbConnection as Connection>::TransactionManager::is_broken_transaction_manager(conn)
    }
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConnection = r2d2::PooledConnection<Manager>;

/// Pool sizing and waiting.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    pub max_size: u32,
    /// How long a request waits for a free connection before the API answers 503.
    pub connection_timeout: Duration,
    /// How long a statement waits for a lock held by another transaction before the API
    /// answers 503.
    pub lock_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_size: 10,
            connection_timeout: Duration::from_secs(5),
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
        }
    }
}

/// The application's database: a pool plus the backend it talks to.
#[derive(Clone)]
pub struct Database {
    pool: Pool,
    backend: Backend,
    /// SQLite has one writer at a time. Writers of this process queue here rather than in
    /// SQLite's busy handler, which polls with sleeps of up to 100 ms and let unlucky writers
    /// wait for seconds under load (the `busy_timeout` stays as the guard against other
    /// processes), and the writes that queue up share one commit (see [`crate::writer`]).
    /// `None` for PostgreSQL, whose writers do not exclude each other.
    writer: Option<Arc<Writer>>,
    /// Counts this process's committed writes, for readers that wake on them.
    commits: Arc<Commits>,
}

/// A counter of committed writes that a thread can wait on.
#[derive(Default)]
struct Commits {
    count: parking_lot::Mutex<u64>,
    moved: parking_lot::Condvar,
}

impl Commits {
    /// One more write committed: wakes the readers waiting for it.
    fn bump(&self) {
        *self.count.lock() += 1;
        self.moved.notify_all();
    }
}

impl Database {
    /// Connects, creating the SQLite file's folder if needed, and applies pending migrations.
    pub fn open(url: &str, options: &PoolOptions) -> Result<Self, StoreError> {
        let backend = Backend::of_url(url);
        if backend == Backend::Sqlite {
            if let Some(dir) = std::path::Path::new(sqlite_path(url)).parent() {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        StoreError::Unavailable(format!("cannot create {}: {e}", dir.display()))
                    })?;
                }
            }
        }
        let mut first = establish(url).map_err(|e| StoreError::Unavailable(e.to_string()))?;
        run_migrations(&mut first)?;
        drop(first);
        // No `SELECT 1` on every checkout (r2d2's default): it doubled the round trips of every
        // request; a broken connection is detected by `has_broken` and replaced instead.
        let pool = r2d2::Pool::builder()
            .max_size(options.max_size)
            .test_on_check_out(false)
            .connection_timeout(options.connection_timeout)
            .build(Manager {
                url: url.to_owned(),
                lock_timeout: options.lock_timeout,
            })?;
        Ok(Self {
            pool,
            backend,
            writer: (backend == Backend::Sqlite).then(|| {
                Arc::new(Writer::new(
                    url,
                    options.lock_timeout,
                    options.connection_timeout,
                ))
            }),
            commits: Arc::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A pooled connection; waits at most the configured timeout.
    pub fn conn(&self) -> Result<PooledConnection, StoreError> {
        Ok(self.pool.get()?)
    }

    /// Pool statistics for readiness and metrics.
    pub fn pool_state(&self) -> (u32, u32) {
        let s = self.pool.state();
        (s.connections, s.idle_connections)
    }

    /// Runs `f` in a write transaction (see [`write_transaction`]) on a pooled connection.
    pub fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, StoreError>,
    {
        self.transact(f)
    }

    /// [`Database::write`] for callers with an error type of their own.
    pub fn transact<T, E, F>(&self, f: F) -> Result<T, E>
    where
        E: From<StoreError>,
        F: FnOnce(&mut DbConnection) -> Result<T, E>,
    {
        let done = match &self.writer {
            Some(writer) => writer.write(f),
            None => write_transaction(&mut *self.conn()?, f),
        };
        if done.is_ok() {
            self.commits.bump();
        }
        done
    }

    /// Whether writes can be handed over with [`Database::submit`] (SQLite).
    pub fn submits(&self) -> bool {
        self.writer.is_some()
    }

    /// Hands `f` to SQLite's writer thread, which runs it in a write transaction shared with the
    /// writes queued with it (see [`crate::writer`]); `answer` gets the result after the commit.
    /// The caller's thread does not wait. On PostgreSQL (no writer thread) `answer` gets
    /// `Unavailable` at once: check [`Database::submits`] first.
    pub fn submit<T, E, F, A>(&self, f: F, answer: A)
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        A: FnOnce(Result<T, E>) + Send + 'static,
    {
        let Some(writer) = &self.writer else {
            answer(Err(StoreError::Unavailable(
                "no writer thread on PostgreSQL".into(),
            )
            .into()));
            return;
        };
        let commits = self.commits.clone();
        writer.submit(f, move |done: Result<T, E>| {
            if done.is_ok() {
                commits.bump();
            }
            answer(done)
        });
    }

    /// Waits until this process commits a write after the `seen`-th, or `timeout` passes;
    /// answers how many it has committed. (Writes of other processes are not seen.)
    pub fn wait_for_commit(&self, seen: u64, timeout: Duration) -> u64 {
        let mut count = self.commits.count.lock();
        if *count == seen {
            self.commits.moved.wait_for(&mut count, timeout);
        }
        *count
    }

    /// Batches and writes committed through SQLite's group commit; `None` on PostgreSQL.
    pub fn writer_stats(&self) -> Option<WriterStats> {
        self.writer.as_ref().map(|w| w.stats())
    }

    /// Writes of this process waiting for their turn right now (0 on PostgreSQL).
    pub fn queued_writes(&self) -> usize {
        self.writer.as_ref().map_or(0, |w| w.queued())
    }

    /// Runs a read at once on the calling thread when that is cheap and cannot wait: on SQLite
    /// (a read in WAL mode is a local B-tree lookup that never waits for writers) with a pooled
    /// connection free right now. Otherwise hands `f` back to be run on a blocking thread.
    pub fn read_now<T, E, F>(&self, f: F) -> Result<Result<T, E>, F>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E>,
    {
        if self.backend != Backend::Sqlite {
            return Err(f);
        }
        match self.pool.try_get() {
            Some(mut conn) => Ok(f(&mut conn)),
            None => Err(f),
        }
    }

    /// Runs `f` with a pooled connection, outside any explicit transaction.
    pub fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, StoreError>,
    {
        self.with_conn(f)
    }

    /// [`Database::read`] for callers with an error type of their own.
    pub fn with_conn<T, E, F>(&self, f: F) -> Result<T, E>
    where
        E: From<StoreError>,
        F: FnOnce(&mut DbConnection) -> Result<T, E>,
    {
        let mut conn = self.conn()?;
        f(&mut conn)
    }

    /// `SELECT 1` through the pool, for the readiness probe.
    pub fn ping(&self) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        conn.batch_execute("SELECT 1")?;
        Ok(())
    }
}

/// Applies pending migrations. On PostgreSQL an advisory lock keeps several instances starting
/// at once from racing each other (on SQLite, the write lock of one transaction): one per schema (instances of one installation share it;
/// installations in other schemas of the database do not wait for each other). Waiting for it is
/// not bounded by the connection's short `lock_timeout`, which is meant for requests: another
/// instance's migrations may take longer; two minutes bound the wait. For a connection of its own
/// (`Database::open` drops it afterwards): the lock timeout is left at that bound.
pub fn run_migrations(conn: &mut DbConnection) -> Result<(), StoreError> {
    const MIGRATION_LOCK: i32 = 0x5341_4d49; // "SAMI"
    let lock = format!("{MIGRATION_LOCK}, hashtext(current_schema())");
    let result = match conn {
        DbConnection::Postgresql(pg) => {
            pg.batch_execute("SET lock_timeout = '120s'")?;
            diesel::sql_query(format!("SELECT pg_advisory_lock({lock})")).execute(pg)?;
            let outcome = pg.run_pending_migrations(POSTGRES_MIGRATIONS).map(|_| ());
            diesel::sql_query(format!("SELECT pg_advisory_unlock({lock})")).execute(pg)?;
            outcome
        }
        // SQLite has no advisory lock: the migrations run inside one immediate transaction,
        // which takes the database's write lock first, so a second instance starting at the same
        // moment waits (its busy timeout) and then finds them applied.
        DbConnection::Sqlite(sqlite) => sqlite.immediate_transaction(|c| {
            c.run_pending_migrations(SQLITE_MIGRATIONS)
                .map(|_| ())
                .map_err(|e| -> Box<dyn std::error::Error + Send + Sync> { e })
        }),
    };
    result.map_err(|e| StoreError::Unavailable(format!("migrations failed: {e}")))
}

/// Names of the embedded migrations of each backend, for the test that keeps the trees aligned.
pub fn migration_names() -> (Vec<String>, Vec<String>) {
    use diesel::migration::MigrationSource;
    let names = |m: &EmbeddedMigrations| -> Vec<String> {
        MigrationSource::<diesel::sqlite::Sqlite>::migrations(m)
            .map(|list| list.iter().map(|m| m.name().to_string()).collect())
            .unwrap_or_default()
    };
    (names(&SQLITE_MIGRATIONS), names(&POSTGRES_MIGRATIONS))
}
