//! Auto-close (R-INC4): a ticket resolved longer ago than the configured period closes itself.
//! Safe with several instances: each ticket closes in its own transaction with a version check,
//! so when two instances race, one closes it and the other skips it.

use chrono::{DateTime, Utc};
use domain::{Actor, IncidentStatus, NewEntry, TicketRef};
use persistence::incidents;

use super::record_change;
use crate::{AppError, Conn, Ctx};

/// Up to `limit` tickets resolved long enough ago to close, oldest first.
pub fn due_for_auto_close(
    conn: &mut Conn,
    ctx: &Ctx,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<TicketRef>, AppError> {
    Ok(incidents::resolved_before(
        conn,
        now - ctx.auto_close_after,
        limit,
    )?)
}

/// Closes `ticket` if it is still resolved; `false` when something else changed it first (reopened,
/// closed, or another instance won the race).
pub fn auto_close(
    conn: &mut Conn,
    ticket: TicketRef,
    ctx: &Ctx,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let mut incident = incidents::get_for_change(conn, ticket, None)?;
    let days = ctx.auto_close_after.num_days();
    let reason = format!("closed automatically {days} days after resolution");
    let Ok(change) = incident.transition(
        Actor::System,
        IncidentStatus::Closed,
        Some(&reason),
        None,
        now,
    ) else {
        return Ok(false);
    };
    let entry = NewEntry::status_change("system", &change, None);
    match record_change(conn, &incident, false, &[entry], ctx, now) {
        Ok(_) => Ok(true),
        // Another instance or request changed it first.
        Err(AppError::Conflict { .. } | AppError::PreconditionFailed(_)) => Ok(false),
        Err(e) => Err(e),
    }
}
