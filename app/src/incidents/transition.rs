//! Move a ticket through its lifecycle (R-INC4): the service desk's moves.

use chrono::{DateTime, Utc};
use domain::policy::{self, Permission};
use domain::{Actor, Caller, Incident, IncidentStatus, NewEntry, Resolution, TicketRef};

use super::change_ticket;
use crate::{AppError, Conn, Ctx};

pub struct Transition {
    pub ticket: TicketRef,
    pub to: IncidentStatus,
    pub reason: Option<String>,
    pub resolution: Option<Resolution>,
    /// From `If-Match`.
    pub expected_version: Option<i64>,
}

pub fn transition(
    conn: &mut Conn,
    caller: &Caller,
    cmd: Transition,
    ctx: &Ctx,
    now: DateTime<Utc>,
) -> Result<Incident, AppError> {
    policy::require(caller, Permission::WorkIncidents)?;
    let author = &caller.subject;
    let (incident, _) = change_ticket(
        conn,
        caller.tenant_scope(),
        cmd.ticket,
        cmd.expected_version,
        ctx,
        now,
        |incident| {
            let change = incident.transition(
                Actor::ServiceDesk,
                cmd.to,
                cmd.reason.as_deref(),
                cmd.resolution,
                now,
            )?;
            Ok(vec![NewEntry::status_change(
                author,
                &change,
                incident.resolution.as_ref(),
            )])
        },
    )?;
    Ok(incident)
}
