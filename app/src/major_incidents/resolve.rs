//! Resolve a major incident (R-MNI4): it and every open, unresolved child, with its resolution.

use chrono::{DateTime, Utc};
use domain::policy::{self, Permission};
use domain::{Caller, MajorIncident, NewEntry, NoticeKind, Outlook, TicketRef};
use persistence::{incidents, major_incidents};

use super::cascade::{cascade, Step};
use crate::incidents::record_change;
use crate::{AppError, Conn, Ctx};

/// Returns the resolved major incident and how many children it resolved.
pub fn resolve(
    conn: &mut Conn,
    caller: &Caller,
    ticket: TicketRef,
    resolution: &str,
    ctx: &Ctx,
    now: DateTime<Utc>,
) -> Result<(MajorIncident, usize), AppError> {
    policy::require(caller, Permission::ManageMajorIncidents)?;
    let major = major_incidents::get(conn, ticket)?;
    major_incidents::lock(conn, &major)?;
    let mut major = major_incidents::get(conn, ticket)?;
    major.resolve(resolution, now)?;
    let major = major_incidents::save(conn, &major)?;
    let author = &caller.subject;
    let step = Step {
        kind: NoticeKind::Resolved,
        text: &format!("Resolved: {}", resolution.trim()),
        outlook: Outlook::default(),
    };
    cascade(conn, &major, &step, author, now)?;
    let child_resolution = major.child_resolution();
    let mut resolved = 0;
    for child in incidents::open_children(conn, major.ticket)? {
        let mut incident = incidents::get(conn, child, None)?;
        if let Some(change) = incident.resolve_by_parent(child_resolution.clone(), now) {
            let entry = NewEntry::resolved_with_parent(
                author,
                change.from,
                major.ticket,
                &child_resolution,
            );
            record_change(conn, &incident, false, &[entry], ctx, now)?;
            resolved += 1;
        }
    }
    Ok((major_incidents::get(conn, ticket)?, resolved))
}
