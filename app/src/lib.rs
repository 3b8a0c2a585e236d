//! Use cases of the service assurance API: one function per thing a caller can do.
//!
//! Each takes a connection inside the transaction the caller opened ([`Store::write`]), the
//! [`Caller`](domain::Caller), a command, the [`Ctx`] and `now`; it asks the policy, loads through
//! the repositories, lets the domain apply the rule, saves, and appends its typed events to the
//! outbox — all or nothing. `/api/v1`, the carrier facades and the background jobs call the same
//! functions; none of them touches a repository.

pub mod accounts;
pub mod attachments;
pub mod calendar_feeds;
pub mod contacts;
pub mod ctx;
pub mod documents;
pub mod error;
pub mod escalations;
pub mod events;
pub mod help;
pub mod idempotency;
pub mod incidents;
pub mod inventory;
pub mod links;
pub mod maintenance;
pub mod major_incidents;
pub mod notifications;
pub mod planned_works;
pub mod reports;
pub mod retention;
pub mod service_state;
pub mod setup;
pub mod sonata;
pub mod store;
pub mod tmf621;
pub mod webhooks;

#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;

pub use ctx::Ctx;
pub use error::AppError;
pub use persistence::throttle::Limits as LoginLimits;
pub use persistence::WriterStats;
pub use persistence::{Cursor, Page, PoolOptions};
pub use store::{Conn, Store};

/// Now, truncated to microseconds: the precision both databases store, so a value returned
/// right after a write equals the value read back later. The one clock read of the service.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound;
    chrono::Utc::now().trunc_subsecs(6)
}
pub use persistence::objects;
