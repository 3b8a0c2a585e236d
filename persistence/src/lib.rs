//! Persistence for the service assurance API: diesel 2 over SQLite (embedded default) and
//! PostgreSQL through one code path.
//!
//! Repositories take a [`DbConnection`] and speak domain types; row structs stay private to this
//! crate. Multi-row changes run in [`write_transaction`] so nothing is ever half-written.

pub mod accounts;
pub mod attachments;
mod backend;
pub mod calendar_feeds;
pub mod connection;
pub mod contacts;
pub mod customers;
pub mod db;
pub mod documents;
mod error;
pub mod escalations;
pub mod events;
pub mod help;
pub mod idempotency;
pub mod incidents;
pub mod maintenance;
pub mod major_incidents;
pub mod objects;
pub mod outbox;
pub mod page;
pub mod planned_works;
mod queries;
pub mod reports;
mod schema;
pub mod services;
pub mod throttle;
pub mod timeline;
pub mod webhooks;
mod writer;

pub use backend::next_ticket_reference;
pub use db::{write_transaction, Backend, Database, DbConnection, PoolOptions};
pub use error::StoreError;
pub use page::{Cursor, Page};
pub use writer::WriterStats;

use chrono::{DateTime, NaiveDateTime, Utc};

/// Stored form of an instant: a UTC `NaiveDateTime`, portable across both backends.
pub(crate) fn to_db_time(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc()
}

pub(crate) fn from_db_time(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}
