//! Escalation (R-ESC1–3): the five-level matrix, and a ticket climbing it one level at a time.

mod escalate;

pub use escalate::{escalate, Escalate};

use chrono::{DateTime, Utc};
use domain::policy::{self, Permission};
use domain::{Caller, Escalation, EscalationMatrix, TicketRef};
use persistence::{escalations, incidents};

use crate::{AppError, Conn};

/// The matrix: whom to call at each level.
pub fn matrix(conn: &mut Conn) -> Result<EscalationMatrix, AppError> {
    Ok(escalations::matrix(conn)?)
}

/// Replaces the matrix (admins).
pub fn replace_matrix(
    conn: &mut Conn,
    caller: &Caller,
    matrix: &EscalationMatrix,
    now: DateTime<Utc>,
) -> Result<EscalationMatrix, AppError> {
    policy::require(caller, Permission::EditEscalationMatrix)?;
    Ok(escalations::replace_matrix(conn, matrix, now)?)
}

/// The escalations of a ticket the caller can see, level 1 first.
pub fn history(
    conn: &mut Conn,
    caller: &Caller,
    ticket: TicketRef,
) -> Result<Vec<Escalation>, AppError> {
    let incident = incidents::get(conn, ticket, caller.tenant_scope())?;
    Ok(escalations::history(conn, &incident)?)
}

#[cfg(test)]
mod tests;
