//! The desk's steps on a document request: start it, deliver the document, or reject it.

use chrono::{DateTime, Utc};
use domain::policy::{self, Permission};
use domain::{Caller, DocumentRequest, DomainError, EntryKind, NewEntry};
use persistence::{attachments, documents, timeline};

use crate::{AppError, Conn};

pub enum DeskStep {
    Start,
    Deliver {
        document_text: String,
        document_url: Option<String>,
        /// A public attachment of the ticket that is the document (a PDF, say).
        document_attachment_id: Option<i64>,
    },
    Reject {
        reason: String,
    },
}

pub fn work_on(
    conn: &mut Conn,
    caller: &Caller,
    id: i64,
    step: DeskStep,
    now: DateTime<Utc>,
) -> Result<DocumentRequest, AppError> {
    policy::require(caller, Permission::WorkIncidents)?;
    let (incident_id, mut request) = documents::find(conn, id, None)?;
    let title = request.kind.title();
    let text = match step {
        DeskStep::Start => {
            request.start(now)?;
            format!("{title} in preparation")
        }
        DeskStep::Deliver {
            document_text,
            document_url,
            document_attachment_id,
        } => {
            if let Some(attachment) = document_attachment_id {
                // The customer downloads it from the request: a public, kept file of this ticket.
                let found = attachments::get(conn, incident_id, attachment, true);
                if !matches!(&found, Ok(a) if a.removed_at.is_none()) {
                    return Err(DomainError::invalid(
                        "document_attachment_id",
                        "must name a public attachment of this ticket",
                    )
                    .into());
                }
            }
            request.deliver(
                &document_text,
                document_url.as_deref(),
                document_attachment_id,
                now,
            )?;
            format!("{title} delivered")
        }
        DeskStep::Reject { reason } => {
            request.reject(&reason, now)?;
            format!("{title} request rejected: {}", reason.trim())
        }
    };
    let saved = documents::save(conn, &request)?;
    timeline::append(
        conn,
        incident_id,
        &[NewEntry::public(
            EntryKind::DocumentUpdate,
            &caller.subject,
            text,
        )],
        now,
    )?;
    Ok(saved)
}
