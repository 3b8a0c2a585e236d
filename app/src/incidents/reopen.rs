//! Reopen a resolved ticket whose fix did not hold (R-INC8).

use chrono::{DateTime, Utc};
use domain::policy::{self, Permission};
use domain::{Caller, Incident, NewEntry, TicketRef};

use super::{actor_of, change_ticket};
use crate::{AppError, Conn, Ctx};

pub struct ReopenIncident {
    pub ticket: TicketRef,
    pub reason: String,
    pub expected_version: Option<i64>,
}

pub fn reopen(
    conn: &mut Conn,
    caller: &Caller,
    cmd: ReopenIncident,
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
            let change = incident.reopen(actor, &cmd.reason, now)?;
            Ok(vec![NewEntry::status_change(
                &caller.subject,
                &change,
                None,
            )])
        },
    )?;
    Ok(incident)
}
