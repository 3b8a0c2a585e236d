//! Raise a ticket (R-INC1): on one of the caller's services (any service, for the desk), named
//! by exactly one of its identifiers; joined at once to an active major incident on that service.

use chrono::{DateTime, Utc};
use domain::policy::{self, Permission};
use domain::{
    Caller, EventType, Impact, Incident, Priority, Reason, Reporter, ServiceLocator, SlaClock,
};
use persistence::{events, incidents, major_incidents, services};

use crate::{AppError, Conn, Ctx};

pub struct RaiseIncident {
    pub locator: ServiceLocator,
    pub summary: String,
    pub description: String,
    pub impact: Impact,
    pub reporter: Reporter,
    /// The partner's own identifier (TMF621 `externalId`).
    pub external_id: Option<String>,
}

pub fn raise(
    conn: &mut Conn,
    caller: &Caller,
    cmd: RaiseIncident,
    ctx: &Ctx,
    now: DateTime<Utc>,
) -> Result<Incident, AppError> {
    policy::require(caller, Permission::RaiseIncident)?;
    // Another company's service reads exactly like one that does not exist.
    let service = services::find_by_locator(conn, &cmd.locator, caller.tenant_scope())?
        .ok_or_else(|| {
            AppError::invalid(
                "service",
                format!("no service of yours has {}", cmd.locator.describe()),
            )
        })?;
    if !service.status.accepts_incidents() {
        return Err(AppError::invalid(
            "service",
            format!(
                "service {} is {}",
                service.service_id,
                service.status.as_str()
            ),
        ));
    }
    let priority = Priority::from_impact(cmd.impact);
    let clock = SlaClock::start(now);
    let projection = clock.projection(ctx.sla.targets(priority), ctx.sla.at_risk_percent);
    let incident = incidents::insert(
        conn,
        incidents::NewIncident {
            customer_number: &service.customer_number,
            service_id: &service.service_id,
            summary: cmd.summary.trim(),
            description: cmd.description.trim(),
            impact: cmd.impact,
            priority,
            reporter: &cmd.reporter,
            raised_by: &caller.subject,
            external_id: cmd.external_id.as_deref().map(str::trim),
            clock: &clock,
            projection: &projection,
        },
        now,
    )?;
    events::append(
        conn,
        EventType::IncidentCreated,
        Some(&incident.customer_number),
        Some(incident.ticket),
        &serde_json::json!({
            "ticket_number": incident.ticket.to_string(),
            "status": incident.status.as_str(),
            "priority": incident.priority.as_str(),
            "service_id": incident.service_id.as_str(),
            "summary": incident.summary,
        }),
        now,
    )?;
    // A ticket on a service hit by an active major incident joins it at once (R-MNI3).
    let Some(parent) = major_incidents::find_active_for_service(conn, &incident.service_id)? else {
        return Ok(incident);
    };
    match crate::major_incidents::join(conn, &parent, incident.ticket, "system", ctx, now) {
        Ok(joined) => Ok(joined),
        // Resolved meanwhile: the new ticket simply stays on its own.
        Err(AppError::Domain(e)) if e.reason() == Some(&Reason::MajorIncidentResolved) => {
            Ok(incident)
        }
        Err(other) => Err(other),
    }
}
