//! Linking a customer ticket under a major incident (R-MNI3), and taking it out again.

use chrono::{DateTime, Utc};
use domain::policy::{self, Permission};
use domain::{Caller, EntryKind, Incident, MajorIncident, NewEntry, Reason, TicketRef};
use persistence::major_incidents;

use super::cascade::update_entry_text;
use crate::incidents::change_ticket;
use crate::{AppError, Conn, Ctx};

/// Links `child` under `major`: the child gets a timeline entry and the parent's earlier
/// updates, so a late joiner misses nothing. Takes the major incident's lock first, so that an
/// update being posted meanwhile is either among those copied or cascades to the child.
pub(crate) fn join(
    conn: &mut Conn,
    major: &MajorIncident,
    child: TicketRef,
    actor: &str,
    ctx: &Ctx,
    now: DateTime<Utc>,
) -> Result<Incident, AppError> {
    major_incidents::lock(conn, major)?;
    // As it is now, under the lock: it may have been resolved since the caller read it.
    let major = &major_incidents::get(conn, major.ticket)?;
    if major_incidents::is_major(conn, child)? {
        return Err(domain::DomainError::refused(
            Reason::ParentCannotBeChild,
            format!("{child} is a major incident; a parent cannot become a child"),
        )
        .into());
    }
    let earlier = major_incidents::updates(conn, major)?;
    let (incident, _) = change_ticket(conn, None, child, None, ctx, now, |incident| {
        major.adopt(incident, now)?;
        let mut entries = vec![NewEntry::public(
            EntryKind::MajorIncident,
            actor,
            format!(
                "Linked to major incident {}: {}. Updates come from the major incident; its \
                 incident manager coordinates resolution.",
                major.ticket, major.summary
            ),
        )];
        entries.extend(earlier.iter().map(|u| {
            NewEntry::public(
                EntryKind::MajorIncident,
                &u.author,
                update_entry_text(major, &u.text),
            )
        }));
        Ok(entries)
    })?;
    Ok(incident)
}

/// The NOC links a ticket by hand.
pub fn link_child(
    conn: &mut Conn,
    caller: &Caller,
    major: TicketRef,
    child: TicketRef,
    ctx: &Ctx,
    now: DateTime<Utc>,
) -> Result<Incident, AppError> {
    policy::require(caller, Permission::ManageMajorIncidents)?;
    let major = major_incidents::get(conn, major)?;
    join(conn, &major, child, &caller.subject, ctx, now)
}

/// The NOC takes a ticket out of a major incident: it is followed on its own again.
pub fn unlink_child(
    conn: &mut Conn,
    caller: &Caller,
    major: TicketRef,
    child: TicketRef,
    ctx: &Ctx,
    now: DateTime<Utc>,
) -> Result<Incident, AppError> {
    policy::require(caller, Permission::ManageMajorIncidents)?;
    let major = major_incidents::get(conn, major)?;
    let (incident, _) = change_ticket(conn, None, child, None, ctx, now, |incident| {
        if !major.release(incident, now) {
            return Err(AppError::NotFound("linked child"));
        }
        Ok(vec![NewEntry::public(
            EntryKind::MajorIncident,
            &caller.subject,
            format!("Unlinked from major incident {}", major.ticket),
        )])
    })?;
    Ok(incident)
}
