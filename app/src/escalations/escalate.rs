//! Escalate a ticket one level (R-ESC2): named by the customer-side person escalating; the answer
//! says whom to call. A child of an active major incident is not escalated (R-ESC3): the crisis
//! process supersedes, and the refusal names the major incident and its manager.

use chrono::{DateTime, Utc};
use domain::policy::{self, Permission};
use domain::{
    ActiveParent, Caller, EntryKind, EscalatingPerson, Escalation, EventType, NewEntry, TicketRef,
};
use persistence::escalations::{self, NewEscalation};
use persistence::{events, incidents, major_incidents};

use crate::incidents::change_ticket;
use crate::{AppError, Conn, Ctx};

pub struct Escalate {
    pub ticket: TicketRef,
    /// The level asked for; it must be the next one.
    pub level: Option<i32>,
    pub reason: String,
    pub escalated_by: EscalatingPerson,
}

pub fn escalate(
    conn: &mut Conn,
    caller: &Caller,
    cmd: Escalate,
    ctx: &Ctx,
    now: DateTime<Utc>,
) -> Result<Escalation, AppError> {
    policy::require(caller, Permission::FollowIncident)?;
    let reason = domain::escalation_reason(&cmd.reason)?;
    let scope = caller.tenant_scope();
    let current = incidents::get(conn, cmd.ticket, scope)?;
    let parent = match current.parent_ticket {
        Some(p) => {
            let major = major_incidents::get(conn, p)?;
            major.is_active().then(|| ActiveParent {
                ticket: major.ticket,
                incident_manager: major.incident_manager_email.clone(),
            })
        }
        None => None,
    };
    let matrix = escalations::matrix(conn)?;
    let person = &cmd.escalated_by;
    let mut contact = None;
    let (incident, _) = change_ticket(conn, scope, cmd.ticket, None, ctx, now, |incident| {
        let level = incident.escalate(cmd.level, parent.as_ref(), now)?;
        let c = matrix
            .contact(level)
            .cloned()
            .ok_or_else(|| AppError::Internal(format!("matrix level {level} missing")))?;
        let text = format!(
            "Escalated to level {level} ({}, {}) by {}, {}: {reason}",
            c.title, c.phone, person.name, person.job_title
        );
        contact = Some(c);
        Ok(vec![NewEntry::public(
            EntryKind::Escalation,
            &caller.subject,
            text,
        )])
    })?;
    let contact = contact.ok_or_else(|| AppError::Internal("no matrix contact".into()))?;
    let escalation = escalations::record(
        conn,
        &incident,
        NewEscalation {
            level: incident.escalation_level,
            reason,
            person,
            requested_by: &caller.subject,
            contact: &contact,
        },
        now,
    )?;
    events::append(
        conn,
        EventType::IncidentEscalated,
        Some(&incident.customer_number),
        Some(incident.ticket),
        &serde_json::json!({
            "ticket_number": incident.ticket.to_string(),
            "level": escalation.level,
            "contact": {"title": contact.title, "phone": contact.phone},
        }),
        now,
    )?;
    Ok(escalation)
}
