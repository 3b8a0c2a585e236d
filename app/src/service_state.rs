//! How a service is doing (issue 16): `GET /services/{id}/status` and the `state` of each
//! service in the inventory. The state and the availability arithmetic are the domain's
//! (`domain::service_state`); this gathers the facts: open tickets, the active major incident
//! covering the service (named, or in its region), planned works, and past outages.

use chrono::{DateTime, Duration, Utc};
use domain::calendar::Month;
use domain::service_review::{monthly_availability, PeriodAvailability};
use domain::service_state::{
    availability, derive_state, Availability, Outage, ServiceState, Signals, Span,
};
use domain::{
    Caller, Impact, Incident, IncidentStatus, MajorIncident, PlannedWork, Service, WorkStatus,
};
use persistence::incidents::{self, IncidentFilter, IncidentOrder};
use persistence::{major_incidents, planned_works};

use crate::{AppError, Conn, Ctx};

/// How far ahead the status looks for planned works.
pub const WORKS_AHEAD: i64 = 30;
/// The availability windows, in days.
pub const WINDOWS: [i64; 2] = [30, 90];
/// At most this many outages are read per window (a service down more often than that is
/// reported from its latest ones).
const OUTAGES_READ: usize = 10_000;

/// Everything known about one service now.
#[derive(Debug, Clone)]
pub struct StatusReport {
    pub service: Service,
    pub state: ServiceState,
    /// Its tickets not yet resolved, newest first.
    pub open_tickets: Vec<Incident>,
    /// The newest active major incident covering it.
    pub major_incident: Option<MajorIncident>,
    /// Announced works on it under way or starting within [`WORKS_AHEAD`] days.
    pub planned_works: Vec<PlannedWork>,
    /// Over the last 30 and the last 90 days.
    pub availability: Vec<Availability>,
    /// Last month (whole, in the working calendar) and this month so far, against the
    /// service's target, with last month's service credit.
    pub months: Vec<(Month, PeriodAvailability)>,
    pub as_of: DateTime<Utc>,
}

fn not_yet_resolved() -> Vec<IncidentStatus> {
    IncidentStatus::ALL
        .iter()
        .copied()
        .filter(|s| {
            !matches!(
                s,
                IncidentStatus::Resolved | IncidentStatus::Closed | IncidentStatus::Cancelled
            )
        })
        .collect()
}

fn under_way(work: &PlannedWork, now: DateTime<Utc>) -> bool {
    work.status == WorkStatus::InProgress
        || (work.status == WorkStatus::Scheduled && work.start_at <= now && now < work.end_at)
}

/// The status of a service the caller may see (another company's is not found).
pub fn report(
    conn: &mut Conn,
    caller: &Caller,
    id: &domain::ServiceId,
    ctx: &Ctx,
    now: DateTime<Utc>,
) -> Result<StatusReport, AppError> {
    let service = crate::inventory::get_service(conn, caller, id)?;
    let open_tickets = incidents::list(
        conn,
        &IncidentFilter {
            service_id: Some(service.service_id.clone()),
            statuses: not_yet_resolved(),
            order: IncidentOrder::NewestFirst,
            ..Default::default()
        },
        None,
        OUTAGES_READ,
    )?
    .items;
    let longest = Duration::days(WINDOWS[1]);
    let majors = major_incidents::active_or_resolved_since(conn, now - longest)?;
    let region = service.region.as_deref();
    let major_incident = majors
        .iter()
        .find(|m| m.affects(&service.service_id, region))
        .cloned();
    let ids = std::slice::from_ref(&service.service_id);
    let works = planned_works::on_services_between(
        conn,
        ids,
        now - longest,
        now + Duration::days(WORKS_AHEAD),
    )?;
    let impacts: Vec<Impact> = open_tickets.iter().map(|i| i.impact).collect();
    let state = derive_state(&Signals {
        open_ticket_impacts: &impacts,
        major_incident: major_incident.as_ref().map(|m| m.severity),
        works_under_way: works.iter().any(|w| under_way(w, now)),
    });
    // Past outages: its tickets reporting it down and since resolved, and the major incidents
    // that covered it.
    let down = incidents::list(
        conn,
        &IncidentFilter {
            service_id: Some(service.service_id.clone()),
            impact: Some(Impact::ServiceDown),
            resolved_after: Some(now - longest),
            order: IncidentOrder::NewestFirst,
            ..Default::default()
        },
        None,
        OUTAGES_READ,
    )?
    .items;
    let mut outages: Vec<Outage> = down
        .iter()
        .filter_map(|i| {
            let to = i.resolved_at?;
            Some(Outage::of_ticket(
                i.sla.logged_at,
                Some(to),
                &i.sla.pauses,
                to,
            ))
        })
        .collect();
    outages.extend(
        majors
            .iter()
            .filter(|m| m.covers(&service.service_id, region))
            .map(Outage::of_major),
    );
    let windows: Vec<Span> = works
        .iter()
        .filter(|w| w.start_at < now)
        .map(|w| Span::new(w.start_at, w.end_at.min(now)))
        .collect();
    let availability = WINDOWS
        .iter()
        .map(|days| {
            availability(
                &outages,
                &windows,
                Span::new(now - Duration::days(*days), now),
            )
        })
        .collect();
    // Last month begins less than 62 days ago: within the outages and works read above.
    let last_month = ctx.calendar.month_of(now).previous();
    let months = monthly_availability(
        &ctx.calendar,
        &outages,
        &windows,
        Span::new(ctx.calendar.month_span(last_month).0, now),
        service.availability_target.map(|t| t.percent()),
        ctx.credits.as_ref(),
    );
    let planned_works = works
        .into_iter()
        .filter(|w| w.end_at > now && w.status != WorkStatus::Completed)
        .collect();
    Ok(StatusReport {
        service,
        state,
        open_tickets,
        major_incident,
        planned_works,
        availability,
        months,
        as_of: now,
    })
}

/// The state of each of `services` now (the inventory's summary), in their order.
pub fn states_of(
    conn: &mut Conn,
    services: &[Service],
    now: DateTime<Utc>,
) -> Result<Vec<ServiceState>, AppError> {
    if services.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<domain::ServiceId> = services.iter().map(|s| s.service_id.clone()).collect();
    let majors: Vec<MajorIncident> = major_incidents::active_or_resolved_since(conn, now)?
        .into_iter()
        .filter(MajorIncident::is_active)
        .collect();
    let works = planned_works::on_services_between(conn, &ids, now, now + Duration::seconds(1))?;
    let open = incidents::open_impacts_on(conn, &ids)?;
    let mut states = Vec::with_capacity(services.len());
    for service in services {
        let impacts: Vec<Impact> = open
            .iter()
            .filter(|(s, _)| s == &service.service_id)
            .map(|(_, i)| *i)
            .collect();
        let major = majors
            .iter()
            .find(|m| m.covers(&service.service_id, service.region.as_deref()));
        states.push(derive_state(&Signals {
            open_ticket_impacts: &impacts,
            major_incident: major.map(|m| m.severity),
            works_under_way: works
                .iter()
                .any(|w| w.affected_services.contains(&service.service_id) && under_way(w, now)),
        }));
    }
    Ok(states)
}
