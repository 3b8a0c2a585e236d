//! TM Forum TMF621 (Trouble Ticket v4) over the same tickets and rules: creating a ticket with its
//! first notes, and the partner's PATCH — notes, external id, priority and a status move, all in
//! one change. The facade in the API only maps shapes to these and back.

use chrono::{DateTime, Utc};
use domain::attachment::Attachment;
use domain::policy::{self, Permission};
use domain::tmf::{self, StatusRequest, TmfStatus};
use domain::{
    Actor, Caller, DomainError, Incident, IncidentStatus, NewEntry, Priority, Resolution,
    TicketRef, TimelineEntry, Visibility,
};
use persistence::{attachments, incidents, timeline};

use crate::attachments::StoredFile;
use crate::incidents::{actor_of, change_ticket, RaiseIncident};
use crate::{AppError, Conn, Ctx};

/// The timeline kinds a TMF621 or MEF 124 ticket shows: its notes and its status history, and
/// the buyer's requests to cancel (MEF 124's `assessingCancellation`).
pub const VIEW_KINDS: &[domain::EntryKind] = &[
    domain::EntryKind::Note,
    domain::EntryKind::StatusChange,
    domain::EntryKind::CancellationRequest,
];

/// A ticket with the public timeline entries and the public attachments (removed ones left
/// out) its TMF621 and MEF 124 views show.
pub type TicketView = (Incident, Vec<TimelineEntry>, Vec<Attachment>);

fn with_entries(conn: &mut Conn, incident: Incident) -> Result<TicketView, AppError> {
    let entries = timeline::public_of(conn, &[incident.id], VIEW_KINDS)?
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    let files = attachments::public_of(conn, &[incident.id])?
        .into_iter()
        .map(|(_, a)| a)
        .collect();
    Ok((incident, entries, files))
}

/// Raises the ticket; its first notes belong to the creation (no separate change event).
/// Raises the ticket; its first notes belong to the creation (no separate change event), and
/// the files sent with it (already stored) become its first public attachments.
pub fn create_ticket(
    conn: &mut Conn,
    caller: &Caller,
    raise: RaiseIncident,
    notes: Vec<String>,
    files: Vec<StoredFile>,
    ctx: &Ctx,
    now: DateTime<Utc>,
) -> Result<TicketView, AppError> {
    let incident = crate::incidents::raise(conn, caller, raise, ctx, now)?;
    let first: Vec<NewEntry> = notes
        .iter()
        .map(|t| NewEntry::note(&caller.subject, Visibility::Public, t.clone()))
        .collect();
    timeline::append(conn, incident.id, &first, now)?;
    if files.is_empty() {
        return with_entries(conn, incident);
    }
    crate::attachments::add_public(conn, caller, incident.ticket, files, ctx, now)?;
    get_ticket(conn, caller, incident.ticket)
}

/// A partner's PATCH with files sent inline (already stored): the change, then the files as
/// public attachments, in one transaction.
pub fn patch_ticket_with_files(
    conn: &mut Conn,
    caller: &Caller,
    patch: TicketPatch,
    files: Vec<StoredFile>,
    ctx: &Ctx,
    now: DateTime<Utc>,
) -> Result<TicketView, AppError> {
    let ticket = patch.ticket;
    let view = patch_ticket(conn, caller, patch, ctx, now)?;
    if files.is_empty() {
        return Ok(view);
    }
    crate::attachments::add_public(conn, caller, ticket, files, ctx, now)?;
    get_ticket(conn, caller, ticket)
}

/// A ticket as the caller may see it, with its view's entries.
pub fn get_ticket(
    conn: &mut Conn,
    caller: &Caller,
    ticket: TicketRef,
) -> Result<TicketView, AppError> {
    let incident = incidents::get(conn, ticket, caller.tenant_scope())?;
    with_entries(conn, incident)
}

/// The ticket an event is about, with its view's entries (for hub notifications).
pub fn ticket_for_notification(conn: &mut Conn, ticket: TicketRef) -> Result<TicketView, AppError> {
    let incident = incidents::get(conn, ticket, None)?;
    with_entries(conn, incident)
}

/// Tickets matching `filter` within the caller's tenancy, newest first from `offset`, each with
/// its view's entries (one query for the page), and how many match in all.
pub fn list_tickets(
    conn: &mut Conn,
    caller: &Caller,
    filter: crate::incidents::IncidentFilter,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<TicketView>), AppError> {
    let total = crate::incidents::count(conn, caller, filter.clone())?;
    let tickets = crate::incidents::list_offset(conn, caller, filter, offset, limit)?;
    let mut by_ticket: std::collections::HashMap<i64, Vec<TimelineEntry>> = Default::default();
    for (id, e) in crate::incidents::timeline_of(conn, &tickets, VIEW_KINDS)? {
        by_ticket.entry(id).or_default().push(e);
    }
    let ids: Vec<i64> = tickets.iter().map(|t| t.id).collect();
    let mut files_of: std::collections::HashMap<i64, Vec<Attachment>> = Default::default();
    for (id, a) in attachments::public_of(conn, &ids)? {
        files_of.entry(id).or_default().push(a);
    }
    let views = tickets
        .into_iter()
        .map(|t| {
            let own = by_ticket.remove(&t.id).unwrap_or_default();
            let files = files_of.remove(&t.id).unwrap_or_default();
            (t, own, files)
        })
        .collect();
    Ok((total, views))
}

/// A partner's PATCH.
pub struct TicketPatch {
    pub ticket: TicketRef,
    /// New notes (notes the partner sends back with an id are already there).
    pub notes: Vec<String>,
    pub external_id: Option<String>,
    /// The service desk's only.
    pub priority: Option<Priority>,
    pub status: Option<TmfStatus>,
    pub status_change_reason: Option<String>,
    pub resolution: Option<Resolution>,
    pub expected_version: Option<i64>,
}

fn reason_required(why: &str) -> AppError {
    DomainError::invalid("statusChangeReason", format!("required {why}")).into()
}

pub fn patch_ticket(
    conn: &mut Conn,
    caller: &Caller,
    patch: TicketPatch,
    ctx: &Ctx,
    now: DateTime<Utc>,
) -> Result<TicketView, AppError> {
    policy::require(caller, Permission::FollowIncident)?;
    if patch.priority.is_some() {
        policy::require(caller, Permission::WorkIncidents)?;
    }
    let actor = actor_of(caller);
    let author = &caller.subject;
    let (incident, _) = change_ticket(
        conn,
        caller.tenant_scope(),
        patch.ticket,
        patch.expected_version,
        ctx,
        now,
        |incident| {
            let mut entries = Vec::new();
            if !patch.notes.is_empty() {
                incident.add_note(now)?;
                entries.extend(
                    patch
                        .notes
                        .into_iter()
                        .map(|t| NewEntry::note(author, Visibility::Public, t)),
                );
            }
            if let Some(external) = patch.external_id {
                if incident.external_id.as_ref() != Some(&external) {
                    incident.external_id = Some(external);
                    incident.updated_at = now;
                }
            }
            if let Some(priority) = patch.priority {
                if let Some(old) = incident.set_priority(priority, now)? {
                    entries.push(NewEntry::public(
                        domain::EntryKind::PriorityChange,
                        author,
                        format!("Priority changed from {old} to {priority}"),
                    ));
                }
            }
            if let Some(wanted) = patch.status {
                let reason = patch
                    .status_change_reason
                    .as_deref()
                    .map(str::trim)
                    .filter(|r| !r.is_empty());
                let change = match tmf::status_request(incident.status, wanted)? {
                    StatusRequest::Unchanged => None,
                    StatusRequest::Close => {
                        let reason = reason.ok_or_else(|| reason_required("to close"))?;
                        Some(incident.close(actor, reason, now)?)
                    }
                    StatusRequest::Move(to) => {
                        let needs_reason = match to {
                            IncidentStatus::PendingCustomer => Some("to set pending"),
                            IncidentStatus::Cancelled => Some("to cancel"),
                            IncidentStatus::InProgress
                                if incident.status == IncidentStatus::Resolved =>
                            {
                                Some("to reopen")
                            }
                            _ => None,
                        };
                        if let (Some(why), None) = (needs_reason, reason) {
                            return Err(reason_required(why));
                        }
                        let resolution = match (to, patch.resolution) {
                            (IncidentStatus::Resolved, None) => return Err(AppError::invalid(
                                "resolution",
                                "resolving needs the resolution extension: {\"cause\", \"fix\"}",
                            )),
                            (IncidentStatus::Resolved, Some(r)) => Some(Resolution {
                                cause: r.cause.trim().to_owned(),
                                fix: r.fix.trim().to_owned(),
                            }),
                            _ => None,
                        };
                        // TMF621 reads `new` as `acknowledged` already, so the desk's first move
                        // from a new ticket acknowledges it on the way.
                        if incident.status == IncidentStatus::New
                            && actor == Actor::ServiceDesk
                            && !matches!(
                                to,
                                IncidentStatus::Acknowledged | IncidentStatus::Cancelled
                            )
                        {
                            let ack = incident.transition(
                                actor,
                                IncidentStatus::Acknowledged,
                                None,
                                None,
                                now,
                            )?;
                            entries.push(NewEntry::status_change(author, &ack, None));
                        }
                        Some(incident.transition(actor, to, reason, resolution, now)?)
                    }
                };
                if let Some(change) = change {
                    entries.push(NewEntry::status_change(
                        author,
                        &change,
                        incident.resolution.as_ref(),
                    ));
                }
            }
            Ok(entries)
        },
    )?;
    with_entries(conn, incident)
}
