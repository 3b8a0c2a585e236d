//! Raise a major incident (R-MNI1): on named services, a region, or both; the open tickets
//! already raised on its services join it at once.

use chrono::{DateTime, Utc};
use domain::policy::{self, Permission};
use domain::{Caller, EventType, MajorIncident, NoticeKind, Outlook, ServiceId, Severity};
use persistence::{events, incidents, major_incidents, services};

use super::broadcast::{notify, Notice};
use super::{incident_manager, join};
use crate::{AppError, Conn, Ctx};

pub struct RaiseMajorIncident {
    pub summary: String,
    pub description: String,
    pub severity: Severity,
    pub region: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub affected_services: Vec<ServiceId>,
    pub incident_manager_email: Option<String>,
    pub next_update_by: Option<DateTime<Utc>>,
    pub estimated_restoration_at: Option<DateTime<Utc>>,
}

pub fn raise(
    conn: &mut Conn,
    caller: &Caller,
    cmd: RaiseMajorIncident,
    ctx: &Ctx,
    now: DateTime<Utc>,
) -> Result<MajorIncident, AppError> {
    policy::require(caller, Permission::ManageMajorIncidents)?;
    if cmd.affected_services.is_empty() && cmd.region.is_none() {
        return Err(AppError::Field {
            field: "affected_service_ids",
            code: "required",
            message: "name the affected services, a region, or both".into(),
        });
    }
    if let Some(unknown) = services::unknown_among(conn, &cmd.affected_services)?.first() {
        return Err(AppError::invalid(
            "affected_service_ids",
            format!("no service has id '{unknown}'"),
        ));
    }
    let outlook = Outlook::new(cmd.next_update_by, cmd.estimated_restoration_at, now)?;
    let region = cmd
        .region
        .as_deref()
        .map(|r| {
            domain::major_incident::normalize_region(r)
                .ok_or_else(|| AppError::invalid("region", "a region is not blank"))
        })
        .transpose()?;
    let manager = cmd
        .incident_manager_email
        .as_deref()
        .map(|e| incident_manager(conn, e))
        .transpose()?;
    let ticket = persistence::next_ticket_reference(conn)?;
    let major = major_incidents::insert(
        conn,
        major_incidents::NewMajorIncident {
            ticket,
            summary: cmd.summary.trim(),
            description: cmd.description.trim(),
            severity: cmd.severity,
            region: region.as_deref(),
            started_at: cmd.started_at.unwrap_or(now),
            affected_services: &cmd.affected_services,
            incident_manager_email: manager.as_deref(),
            raised_by: &caller.subject,
            outlook,
        },
        now,
    )?;
    // The open tickets on every affected service join it: named ones, and those in its region.
    let affected: Vec<ServiceId> = major_incidents::affected(conn, &major, None)?
        .into_iter()
        .map(|(service, _)| service)
        .collect();
    for waiting in incidents::open_unlinked_on(conn, &affected)? {
        join(conn, &major, waiting, &caller.subject, ctx, now)?;
    }
    // Every company it concerns hears of it now, with or without a ticket.
    let audience = major_incidents::audience(conn, &major)?;
    notify(
        conn,
        &major,
        &audience,
        &Notice::new(NoticeKind::Raised, &major.description),
        now,
    )?;
    // The provider's own record of the raise (no company): staff streams and webhooks, and the
    // MEF 124 listeners of every company it concerns (`incidentCreateEvent`).
    events::append(
        conn,
        EventType::MajorIncidentUpdated,
        None,
        Some(major.ticket),
        &serde_json::json!({
            "major_incident": major.ticket.to_string(),
            "summary": major.summary,
            "raised": true,
        }),
        now,
    )?;
    Ok(major)
}
