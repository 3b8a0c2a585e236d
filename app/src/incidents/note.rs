//! Write on a ticket (R-INC5): customers write public updates; the desk public or internal ones.

use chrono::{DateTime, Utc};
use domain::policy::{self, Permission};
use domain::timeline::check_note_visibility;
use domain::{Caller, NewEntry, TicketRef, TimelineEntry, Visibility};

use super::change_ticket;
use crate::{AppError, Conn, Ctx};

pub struct PostNote {
    pub ticket: TicketRef,
    pub text: String,
    pub visibility: Visibility,
}

/// Returns the entry written.
pub fn post_note(
    conn: &mut Conn,
    caller: &Caller,
    cmd: PostNote,
    ctx: &Ctx,
    now: DateTime<Utc>,
) -> Result<TimelineEntry, AppError> {
    policy::require(caller, Permission::FollowIncident)?;
    check_note_visibility(caller.role.is_customer_side(), cmd.visibility)?;
    let (_, entries) = change_ticket(
        conn,
        caller.tenant_scope(),
        cmd.ticket,
        None,
        ctx,
        now,
        |incident| {
            incident.add_note(now)?;
            Ok(vec![NewEntry::note(
                &caller.subject,
                cmd.visibility,
                cmd.text.trim(),
            )])
        },
    )?;
    entries
        .into_iter()
        .next()
        .ok_or_else(|| AppError::Internal("timeline entry missing after insert".into()))
}
