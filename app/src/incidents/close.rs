//! Close a ticket (R-INC8): the customer, or the desk on their behalf, with a reason.

use chrono::{DateTime, Utc};
use domain::policy::{self, Permission};
use domain::{Caller, Incident, NewEntry, TicketRef};

use super::{actor_of, change_ticket};
use crate::{AppError, Conn, Ctx};

pub struct CloseIncident {
    pub ticket: TicketRef,
    pub reason: String,
    pub expected_version: Option<i64>,
}

pub fn close(
    conn: &mut Conn,
    caller: &Caller,
    cmd: CloseIncident,
    ctx: &Ctx,
    now: DateTime<Utc>,
) -> Result<Incident, AppError> {
    policy::require(caller, Permission::FollowIncident)?;
    let actor = actor_of(caller);
    let (incident, _) = change_ticket(
        conn,
        caller.tenant_scope(),
        cmd.ticket,
        cmd.expected_version,
        ctx,
        now,
        |incident| {
            let change = incident.close(actor, &cmd.reason, now)?;
            Ok(vec![NewEntry::status_change(
                &caller.subject,
                &change,
                None,
            )])
        },
    )?;
    Ok(incident)
}
