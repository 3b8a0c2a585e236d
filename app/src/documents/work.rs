//! The desk's steps on a document request: start it, deliver the document, or reject it.

use chrono::{DateTime, Utc};
use domain::policy::{self, Permission};
use domain::{Caller, DocumentRequest, EntryKind, NewEntry};
use persistence::{documents, timeline};

use crate::{AppError, Conn};

pub enum DeskStep {
    Start,
    Deliver {
        document_text: String,
        document_url: Option<String>,
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
        } => {
            request.deliver(&document_text, document_url.as_deref(), now)?;
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
