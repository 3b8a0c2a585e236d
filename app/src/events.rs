//! The event stream (R-CON3): a caller's own events — a customer its company's, provider staff
//! all — read from the shared outbox, so it works across instances.

use domain::{Caller, CustomerNumber};
use persistence::events::{self, Event};

use crate::{AppError, Conn};

pub use persistence::events::Event as StreamedEvent;

/// The newest event id (0 when there is none): where a new stream starts.
pub fn latest_id(conn: &mut Conn) -> Result<i64, AppError> {
    Ok(events::latest_id(conn)?)
}

/// Up to `limit` events after `after_id` that `scope` sees (a company's own, or all), oldest
/// first.
pub fn after(
    conn: &mut Conn,
    scope: Option<&CustomerNumber>,
    after_id: i64,
    limit: i64,
) -> Result<Vec<Event>, AppError> {
    Ok(events::list_after(conn, scope, after_id, limit)?)
}

/// Events by id, oldest first.
pub fn by_ids(conn: &mut Conn, ids: &[i64]) -> Result<Vec<Event>, AppError> {
    Ok(events::by_ids(conn, ids)?)
}

/// The company whose events `caller` streams; `None` for all.
pub fn stream_scope(caller: &Caller) -> Option<CustomerNumber> {
    caller.tenant_scope().cloned()
}
