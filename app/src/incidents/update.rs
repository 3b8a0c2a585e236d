//! Reprioritise or assign a ticket (R-INC6): the service desk's changes.

use chrono::{DateTime, Utc};
use domain::policy::{self, Permission};
use domain::{AccountStatus, Caller, EntryKind, Incident, NewEntry, Priority, TicketRef};
use persistence::accounts;

use super::change_ticket;
use crate::{AppError, Conn, Ctx};

pub struct UpdateIncident {
    pub ticket: TicketRef,
    pub priority: Option<Priority>,
    /// `Some(None)` unassigns.
    pub assignee_email: Option<Option<String>>,
    pub expected_version: Option<i64>,
}

pub fn update(
    conn: &mut Conn,
    caller: &Caller,
    cmd: UpdateIncident,
    ctx: &Ctx,
    now: DateTime<Utc>,
) -> Result<Incident, AppError> {
    policy::require(caller, Permission::WorkIncidents)?;
    let assignee = match cmd.assignee_email {
        Some(Some(email)) => Some(Some(desk_member(conn, &email)?)),
        other => other,
    };
    let author = &caller.subject;
    let (incident, _) = change_ticket(
        conn,
        caller.tenant_scope(),
        cmd.ticket,
        cmd.expected_version,
        ctx,
        now,
        |incident| {
            let mut entries = Vec::new();
            if let Some(priority) = cmd.priority {
                if let Some(old) = incident.set_priority(priority, now)? {
                    entries.push(NewEntry::public(
                        EntryKind::PriorityChange,
                        author,
                        format!("Priority changed from {old} to {priority}"),
                    ));
                }
            }
            if let Some(assignee) = assignee {
                if incident.assign(assignee.clone(), now)? {
                    let text = match assignee {
                        Some(email) => format!("Assigned to {email}"),
                        None => "Unassigned".to_owned(),
                    };
                    entries.push(NewEntry::internal(EntryKind::Assignment, author, text));
                }
            }
            Ok(entries)
        },
    )?;
    Ok(incident)
}

/// The stored email of the active service-desk account `email` names.
fn desk_member(conn: &mut Conn, email: &str) -> Result<String, AppError> {
    match accounts::find_user_by_email(conn, email)? {
        Some((user, _))
            if user.status == AccountStatus::Active
                && Permission::WorkIncidents.granted_to(user.role) =>
        {
            Ok(user.email)
        }
        _ => Err(AppError::Field {
            field: "assignee_email",
            code: "unknown",
            message: "no active service-desk account has this email".into(),
        }),
    }
}
