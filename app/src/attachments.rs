//! Attachments (issue 22): files on a ticket. The caller of [`add`] has already written the
//! content to the object store under its hash; the row committed here is what names it, so a
//! failed commit leaves only an object that no row names (removed by the caller, or by the
//! sweep after its grace period).
//!
//! Customers see, add and list public attachments of their own company's tickets; the desk adds
//! public or `internal` ones and sees all. Internal attachments never reach a customer: not in
//! lists, the timeline, events or the facades.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use domain::attachment::{human_size, Attachment, MediaType, Source};
use domain::policy::{self, Permission};
use domain::timeline::check_note_visibility;
use domain::{Caller, EntryKind, EventType, NewEntry, TicketRef, Visibility};
use persistence::attachments::{self, NewAttachment};
use persistence::{events, incidents};

use crate::incidents::{record_change, save_change};
use crate::{AppError, Conn, Ctx, Cursor, Page};

/// A file already in the object store under its hash, as the upload found it.
#[derive(Debug, Clone)]
pub struct StoredFile {
    pub name: String,
    pub media_type: MediaType,
    pub size: u64,
    pub sha256: String,
    pub description: Option<String>,
}

/// A file about to be recorded on a ticket.
#[derive(Debug, Clone)]
pub struct AddAttachment {
    pub ticket: TicketRef,
    pub file: StoredFile,
    pub visibility: Visibility,
}

fn source_of(caller: &Caller) -> Source {
    if caller.role.is_customer_side() {
        Source::Customer
    } else {
        Source::Provider
    }
}

/// Before any byte is taken: the caller may attach at this visibility to this ticket, which is
/// open and has room for one more. The same checks run again in [`add`]; this one spares the
/// sender an upload that would be refused.
pub fn check_can_attach(
    conn: &mut Conn,
    caller: &Caller,
    ticket: TicketRef,
    visibility: Visibility,
    ctx: &Ctx,
) -> Result<(), AppError> {
    policy::require(caller, Permission::FollowIncident)?;
    check_note_visibility(caller.role.is_customer_side(), visibility)?;
    let mut incident = incidents::get(conn, ticket, caller.tenant_scope())?;
    incident.add_note(incident.updated_at)?;
    let on_ticket = attachments::count_kept(conn, incident.id)?;
    let company = attachments::company_bytes(conn, &incident.customer_number)?;
    ctx.attachments.check_room(on_ticket, company, 0)?;
    Ok(())
}

/// Records a file on a ticket: its row, a timeline entry of its visibility, and (when public)
/// the `incident.attachment_added` event — all in the caller's transaction.
pub fn add(
    conn: &mut Conn,
    caller: &Caller,
    cmd: AddAttachment,
    ctx: &Ctx,
    now: DateTime<Utc>,
) -> Result<Attachment, AppError> {
    policy::require(caller, Permission::FollowIncident)?;
    check_note_visibility(caller.role.is_customer_side(), cmd.visibility)?;
    let mut incident = incidents::get_for_change(conn, cmd.ticket, caller.tenant_scope())?;
    incident.add_note(now)?;
    let on_ticket = attachments::count_kept(conn, incident.id)?;
    let company = attachments::company_bytes(conn, &incident.customer_number)?;
    ctx.attachments
        .check_room(on_ticket, company, cmd.file.size)?;
    let file = cmd.file;
    let attachment = attachments::insert(
        conn,
        &incident,
        &NewAttachment {
            name: file.name,
            media_type: file.media_type,
            size: file.size,
            sha256: file.sha256,
            description: file.description,
            visibility: cmd.visibility,
            author: caller.subject.clone(),
            source: source_of(caller),
        },
        now,
    )?;
    let mut text = format!(
        "Attached {} ({}, {})",
        attachment.name,
        attachment.media_type,
        human_size(attachment.size)
    );
    if let Some(description) = &attachment.description {
        text.push_str(": ");
        text.push_str(description);
    }
    let entry = NewEntry {
        visibility: attachment.visibility,
        ..NewEntry::public(EntryKind::Attachment, &caller.subject, text)
    };
    let (saved, _) = save_change(conn, &incident, false, &[entry], ctx, now)?;
    if attachment.visibility == Visibility::Public {
        events::append(
            conn,
            EventType::IncidentAttachmentAdded,
            Some(&saved.customer_number),
            Some(saved.ticket),
            &serde_json::json!({
                "ticket_number": saved.ticket.to_string(),
                "status": saved.status.as_str(),
                "attachment": event_view(&attachment),
            }),
            now,
        )?;
    }
    Ok(attachment)
}

/// Records several stored files as public attachments of one ticket (a carrier facade's create
/// or patch carries them inline), in the caller's transaction.
pub fn add_public(
    conn: &mut Conn,
    caller: &Caller,
    ticket: TicketRef,
    files: Vec<StoredFile>,
    ctx: &Ctx,
    now: DateTime<Utc>,
) -> Result<Vec<Attachment>, AppError> {
    files
        .into_iter()
        .map(|file| {
            let cmd = AddAttachment {
                ticket,
                file,
                visibility: Visibility::Public,
            };
            add(conn, caller, cmd, ctx, now)
        })
        .collect()
}

/// What an event says of an attachment: its metadata, never its content.
fn event_view(a: &Attachment) -> serde_json::Value {
    serde_json::json!({
        "id": a.id,
        "name": a.name,
        "media_type": a.media_type.as_str(),
        "size": a.size,
        "sha256": a.sha256,
        "description": a.description,
        "source": match a.source { Source::Customer => "customer", Source::Provider => "provider" },
        "created_at": a.created_at,
        "href": format!("/api/v1/incidents/{}/attachments/{}", a.ticket, a.id),
    })
}

/// A ticket's attachments as the caller may see them, oldest first.
pub fn list(
    conn: &mut Conn,
    caller: &Caller,
    ticket: TicketRef,
    after: Option<Cursor>,
    limit: usize,
) -> Result<Page<Attachment>, AppError> {
    let incident = incidents::get(conn, ticket, caller.tenant_scope())?;
    Ok(attachments::list(
        conn,
        incident.id,
        caller.role.is_customer_side(),
        after,
        limit,
    )?)
}

/// One attachment as the caller may see it; another company's, or an internal one for a
/// customer, is not found.
pub fn get(
    conn: &mut Conn,
    caller: &Caller,
    ticket: TicketRef,
    id: i64,
) -> Result<Attachment, AppError> {
    let incident = incidents::get(conn, ticket, caller.tenant_scope())?;
    Ok(attachments::get(
        conn,
        incident.id,
        id,
        caller.role.is_customer_side(),
    )?)
}

/// What removing an attachment left.
#[derive(Debug)]
pub struct Removed {
    pub attachment: Attachment,
    /// Another kept attachment has the same content: its object stays.
    pub content_still_named: bool,
}

/// Removes an attachment from an open ticket: by whoever added it, or by the desk. The record
/// stays (removed), a timeline entry of its visibility says so; the caller purges the content
/// when no kept row names it any more.
pub fn remove(
    conn: &mut Conn,
    caller: &Caller,
    ticket: TicketRef,
    id: i64,
    ctx: &Ctx,
    now: DateTime<Utc>,
) -> Result<Removed, AppError> {
    policy::require(caller, Permission::FollowIncident)?;
    let mut incident = incidents::get_for_change(conn, ticket, caller.tenant_scope())?;
    let found = attachments::get(conn, incident.id, id, caller.role.is_customer_side())?;
    if found.removed_at.is_some() {
        return Err(AppError::NotFound("attachment"));
    }
    if caller.role.is_customer_side() && found.author != caller.subject {
        return Err(AppError::Domain(domain::DomainError::Forbidden(
            "only whoever added an attachment, or the service desk, may remove it".into(),
        )));
    }
    if persistence::documents::delivers_attachment(conn, found.id)? {
        return Err(AppError::Conflict {
            code: "attachment_delivered",
            message: "this attachment is a delivered RFO or incident report; it stays".into(),
        });
    }
    incident.add_note(now)?;
    let attachment = attachments::mark_removed(conn, id, &caller.subject, now)?;
    let entry = NewEntry {
        visibility: attachment.visibility,
        ..NewEntry::public(
            EntryKind::Attachment,
            &caller.subject,
            format!("Removed attachment {}", attachment.name),
        )
    };
    record_change(conn, &incident, false, &[entry], ctx, now)?;
    let content_still_named =
        !attachments::named(conn, std::slice::from_ref(&attachment.sha256))?.is_empty();
    Ok(Removed {
        attachment,
        content_still_named,
    })
}

/// Which of these contents (by SHA-256) a kept attachment still names: what the sweep keeps.
pub fn named(conn: &mut Conn, hashes: &[String]) -> Result<HashSet<String>, AppError> {
    Ok(attachments::named(conn, hashes)?)
}
