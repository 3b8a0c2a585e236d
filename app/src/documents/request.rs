//! Ask for an RFO or an Incident Report on a ticket: one open request of each kind per ticket.

use chrono::{DateTime, Utc};
use domain::policy::{self, Permission};
use domain::{Caller, DocumentKind, DocumentRequest, EntryKind, NewEntry, TicketRef};
use persistence::{documents, incidents, timeline};

use crate::{AppError, Conn};

pub struct RequestDocument {
    pub ticket: TicketRef,
    pub kind: DocumentKind,
    pub note: Option<String>,
}

pub fn request(
    conn: &mut Conn,
    caller: &Caller,
    cmd: RequestDocument,
    now: DateTime<Utc>,
) -> Result<DocumentRequest, AppError> {
    policy::require(caller, Permission::FollowIncident)?;
    let incident = incidents::get(conn, cmd.ticket, caller.tenant_scope())?;
    let note = cmd
        .note
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());
    let request = documents::insert(
        conn,
        &incident,
        cmd.kind,
        note.as_deref(),
        &caller.subject,
        now,
    )?;
    let entry_kind = match cmd.kind {
        DocumentKind::Rfo => EntryKind::RfoRequest,
        DocumentKind::IncidentReport => EntryKind::IncidentReportRequest,
    };
    let title = cmd.kind.title();
    let text = match &note {
        Some(n) => format!("{title} requested: {n}"),
        None => format!("{title} requested"),
    };
    timeline::append(
        conn,
        incident.id,
        &[NewEntry::public(entry_kind, &caller.subject, text)],
        now,
    )?;
    Ok(request)
}
