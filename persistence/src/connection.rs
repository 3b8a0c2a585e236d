//! One connection to either backend, chosen by URL scheme, and the write transaction every
//! change runs in.
//!
//! `postgres://` / `postgresql://` URLs open PostgreSQL; `sqlite://path`, `file:path` or a bare
//! path open SQLite. Choosing by scheme matters: diesel's `MultiConnection::establish` would try
//! each backend in turn, and SQLite accepts any string as a file name.

use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, ConnectionError};

use crate::StoreError;

/// A connection to either backend. Repository code is written once against this type.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    pub fn of_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Postgres => "postgresql",
            Backend::Sqlite => "sqlite",
        }
    }
}

/// SQLite file path for a URL: strips `sqlite://` / `sqlite:` / `file:` prefixes.
pub(crate) fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .or_else(|| url.strip_prefix("file:"))
        .unwrap_or(url)
}

/// Per-connection SQLite settings, after `busy_timeout` (set first so that these pragmas, and
/// every statement after, wait for a lock instead of failing with SQLITE_BUSY at once).
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL;
     PRAGMA synchronous = NORMAL;
     PRAGMA foreign_keys = ON;";

/// How long a statement waits for a lock before failing (the API answers 503), by default.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(5);

/// Opens one connection to the backend the URL names, with the default lock timeout.
pub fn establish(url: &str) -> Result<DbConnection, ConnectionError> {
    establish_with(url, DEFAULT_LOCK_TIMEOUT)
}

/// Opens one connection whose statements wait at most `lock_timeout` for a lock (SQLite's
/// `busy_timeout`, PostgreSQL's `lock_timeout`); PostgreSQL statements also end after 30 s
/// (`statement_timeout`), and a transaction left idle for 60 s is ended by the server.
/// PostgreSQL's JIT compilation is off: it compiles a statement on every execution once its
/// estimated cost passes `jit_above_cost`, which costs this API's reads (the SLA report's
/// scans of a company-year) 70–130 ms each and never paid back in a statement under a second.
pub fn establish_with(url: &str, lock_timeout: Duration) -> Result<DbConnection, ConnectionError> {
    let ms = lock_timeout.as_millis().max(1);
    match Backend::of_url(url) {
        Backend::Postgres => {
            let mut conn = PgConnection::establish(url)?;
            conn.batch_execute(&format!(
                "SET lock_timeout = {ms}; SET statement_timeout = 30000; \
                 SET idle_in_transaction_session_timeout = 60000; SET jit = off"
            ))
            .map_err(ConnectionError::CouldntSetupConfiguration)?;
            Ok(DbConnection::Postgresql(conn))
        }
        Backend::Sqlite => {
            let mut conn = SqliteConnection::establish(sqlite_path(url))?;
            conn.batch_execute(&format!("PRAGMA busy_timeout = {ms};"))
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
            // Turning a new file to WAL takes an exclusive lock, and SQLite answers SQLITE_BUSY
            // at once, without its busy handler, when another connection is doing the same
            // (instances starting together on a fresh file): try again until the lock timeout.
            let deadline = std::time::Instant::now() + lock_timeout;
            loop {
                match conn.batch_execute(SQLITE_PRAGMAS) {
                    Ok(()) => break,
                    Err(e)
                        if e.to_string().contains("database is locked")
                            && std::time::Instant::now() < deadline =>
                    {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    Err(e) => return Err(ConnectionError::CouldntSetupConfiguration(e)),
                }
            }
            Ok(DbConnection::Sqlite(conn))
        }
    }
}

/// Runs `f` inside a transaction that is a writer from its first statement.
///
/// On SQLite that means `BEGIN IMMEDIATE`: a deferred transaction that reads and then writes
/// fails with SQLITE_BUSY when another writer got there first, whatever the busy timeout.
/// PostgreSQL uses an ordinary transaction. Any error rolls everything back. Called inside a
/// transaction, it opens a savepoint instead.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    E: From<StoreError>,
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
{
    type Manager = <DbConnection as Connection>::TransactionManager;
    let nested = Manager::transaction_manager_status_mut(conn)
        .transaction_depth()
        .map_err(StoreError::from)?
        .is_some();
    match conn {
        // Outermost on SQLite: a writer from the first statement.
        DbConnection::Sqlite(sqlite) if !nested => {
            AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")
        }
        // PostgreSQL, or inside a transaction already (a part composed into a larger change): an
        // ordinary transaction, or a savepoint so the inner part can fail alone.
        _ => Manager::begin_transaction(conn),
    }
    .map_err(StoreError::from)?;
    match f(conn) {
        Ok(value) => {
            Manager::commit_transaction(conn).map_err(StoreError::from)?;
            Ok(value)
        }
        Err(err) => {
            if let Err(rollback) = Manager::rollback_transaction(conn) {
                log::error!("rollback failed: {rollback}");
            }
            Err(err)
        }
    }
}
