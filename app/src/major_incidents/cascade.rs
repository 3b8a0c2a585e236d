//! Post an update on a major incident (R-MNI4): it reaches the timeline of every open child and
//! each child's customer, in set-based statements, all or nothing.

use chrono::{DateTime, Utc};
use domain::policy::{self, Permission};
use domain::{
    Caller, EntryKind, EventType, MajorIncident, NewEntry, NoticeKind, Outlook, TicketRef,
};
use persistence::major_incidents::{self, MajorUpdate};
use persistence::{events, incidents, timeline};

use super::broadcast::{notify, Notice};
use crate::{AppError, Conn};

pub struct PostMajorUpdate {
    pub major: TicketRef,
    pub text: String,
    /// When the next update is due; in the future.
    pub next_update_by: Option<DateTime<Utc>>,
    /// When service should be back; in the future.
    pub estimated_restoration_at: Option<DateTime<Utc>>,
}

/// Returns the update and how many children it reached.
pub fn post_update(
    conn: &mut Conn,
    caller: &Caller,
    cmd: PostMajorUpdate,
    now: DateTime<Utc>,
) -> Result<(MajorUpdate, usize), AppError> {
    policy::require(caller, Permission::ManageMajorIncidents)?;
    let major = major_incidents::get(conn, cmd.major)?;
    major.check_accepts_updates()?;
    let outlook = Outlook::new(cmd.next_update_by, cmd.estimated_restoration_at, now)?;
    let step = Step {
        kind: NoticeKind::Update,
        text: cmd.text.trim(),
        outlook,
    };
    cascade(conn, &major, &step, &caller.subject, now)
}

/// One step the cascade reports: an update, or the resolution.
pub(crate) struct Step<'a> {
    pub kind: NoticeKind,
    pub text: &'a str,
    pub outlook: Outlook,
}

/// How a major incident's update reads on a child's timeline.
pub(crate) fn update_entry_text(major: &MajorIncident, text: &str) -> String {
    format!("Major incident {} update: {text}", major.ticket)
}

/// Records the update, copies it to every open child, and tells every company the major
/// incident concerns (the broadcast). Takes the major incident's lock, as linking does, so a
/// child linked meanwhile is either among the children or gets this update with the earlier
/// ones.
pub(crate) fn cascade(
    conn: &mut Conn,
    major: &MajorIncident,
    step: &Step<'_>,
    author: &str,
    now: DateTime<Utc>,
) -> Result<(MajorUpdate, usize), AppError> {
    let text = step.text;
    major_incidents::lock(conn, major)?;
    // Its first update takes it from "created" to "in progress" (MEF 124), its resolution to
    // "closed".
    let first = major_incidents::updates(conn, major)?.is_empty();
    let update = major_incidents::insert_update(conn, major, author, text, step.outlook, now)?;
    let entry = NewEntry::public(
        EntryKind::MajorIncident,
        author,
        update_entry_text(major, text),
    );
    let reached = timeline::append_to_open_children(conn, major.ticket, &entry, now)?;
    events::append_for_open_children(
        conn,
        major.ticket,
        EventType::MajorIncidentUpdated,
        &serde_json::json!({
            "major_incident": major.ticket.to_string(),
            "summary": major.summary,
            "text": text,
        }),
        now,
    )?;
    incidents::touch_open_children(conn, major.ticket, now)?;
    major_incidents::touch(conn, major, step.outlook, now)?;
    let mut told = major.clone();
    told.set_outlook(step.outlook, now);
    let audience = major_incidents::audience(conn, &told)?;
    notify(conn, &told, &audience, &Notice::new(step.kind, text), now)?;
    // The provider's own record of the update (no company: staff streams and webhooks).
    events::append(
        conn,
        EventType::MajorIncidentUpdated,
        None,
        Some(major.ticket),
        &serde_json::json!({
            "major_incident": major.ticket.to_string(),
            "text": text,
            "status": major.status.as_str(),
            "incident_status_changed": first || !major.is_active(),
        }),
        now,
    )?;
    Ok((update, reached))
}
