//! Service inventory (R-SVC1): admins register and update services; customers read their own.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use app::inventory::{NewService, ServiceChanges, ServiceFilter};
use chrono::{DateTime, NaiveDate, Utc};
use domain::service_state::ServiceState;
use domain::{AvailabilityTarget, CustomerNumber, Service, ServiceId, ServiceStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::http::caller::{gate, Authenticated, Permit};
use crate::http::error::ApiError;
use crate::http::etag::{etag, if_match_version};
use crate::http::pagination::{PageOf, PageParams};
use crate::state::{read, write, AppState};

/// A service to register.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"service_id": "SVC-0001", "circuit_reference": "LON/ETH/000123",
    "order_number": "ORD-778899", "customer_number": "OCN-1001", "product": "Ethernet Line",
    "label": "London–Paris 1G"}))]
pub struct CreateService {
    /// Unique service id, 1–64 printable characters without spaces.
    #[schema(min_length = 1, max_length = 64)]
    pub service_id: String,
    /// Unique circuit reference.
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64)]
    pub circuit_reference: String,
    /// Unique order number.
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64)]
    pub order_number: String,
    /// Owning customer (OCN); must exist.
    #[schema(min_length = 3, max_length = 32)]
    pub customer_number: String,
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub product: String,
    /// Descriptive label shown to the customer.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub label: String,
    /// Default `active`.
    #[schema(schema_with = crate::http::schemas::service_status, required = false)]
    #[serde(default, deserialize_with = "crate::http::schemas::not_null")]
    pub status: Option<ServiceStatus>,
    /// Date the service was handed over to the customer.
    pub handover_date: Option<NaiveDate>,
    /// Where the service runs: a major incident raised on this region affects it.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub region: Option<String>,
    /// The availability the contract commits to over a month, in percent (e.g. `99.95`);
    /// service reviews judge the service against it.
    #[schema(value_type = Option<f64>, exclusive_minimum = 0, maximum = 100, example = 99.95)]
    pub availability_target: Option<f64>,
}

/// Changes to a service; absent fields stay as they are. Honours `If-Match`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"label": "London HQ primary", "status": "active"}))]
pub struct UpdateService {
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub product: Option<String>,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub label: Option<String>,
    /// `active`, `suspended` or `ceased`.
    #[schema(schema_with = crate::http::schemas::service_status, required = false)]
    #[serde(default, deserialize_with = "crate::http::schemas::not_null")]
    pub status: Option<ServiceStatus>,
    pub handover_date: Option<NaiveDate>,
    /// The service's region; `null` clears it.
    #[serde(default, deserialize_with = "crate::http::schemas::present")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200, pattern = r"\S")]
    pub region: Option<Option<String>>,
    /// The monthly availability commitment in percent; `null` clears it.
    #[serde(default, deserialize_with = "crate::http::schemas::present")]
    #[schema(value_type = Option<f64>, exclusive_minimum = 0, maximum = 100, example = 99.95)]
    pub availability_target: Option<Option<f64>>,
}

/// A region as stored: words joined by one space; blank is refused.
fn region(given: &str) -> Result<String, ApiError> {
    if given.chars().count() > 200 {
        return Err(domain::DomainError::invalid("region", "at most 200 characters").into());
    }
    domain::major_incident::normalize_region(given)
        .ok_or_else(|| domain::DomainError::invalid("region", "a region is not blank").into())
}

/// A network service.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"service_id": "SVC-0001", "circuit_reference": "LON/ETH/000123", "order_number": "ORD-778899", "customer_number": "OCN-1001", "product": "Ethernet 1G", "label": "London HQ primary", "status": "active", "state": "operational", "handover_date": "2025-03-14", "region": "London", "availability_target": 99.95, "created_at": "2026-11-01T09:00:00Z", "updated_at": "2026-11-01T09:00:00Z", "version": 1}))]
pub struct ServiceView {
    pub service_id: String,
    pub circuit_reference: String,
    pub order_number: String,
    pub customer_number: String,
    pub product: String,
    pub label: String,
    /// `active`, `suspended` or `ceased`.
    #[schema(schema_with = crate::http::schemas::service_status)]
    pub status: ServiceStatus,
    /// How it is doing now; `GET /services/{service_id}/status` tells why.
    #[schema(schema_with = crate::http::schemas::service_state)]
    pub state: ServiceState,
    pub handover_date: Option<NaiveDate>,
    /// Where it runs, as major incidents name regions.
    pub region: Option<String>,
    /// The availability the contract commits to over a month, in percent; `null`: none given.
    pub availability_target: Option<f64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Version; also sent as the `ETag` header.
    pub version: i64,
}

impl ServiceView {
    pub fn new(s: Service, state: ServiceState) -> Self {
        Self {
            state,
            service_id: s.service_id.to_string(),
            circuit_reference: s.circuit_reference,
            order_number: s.order_number,
            customer_number: s.customer_number.to_string(),
            product: s.product,
            label: s.label,
            status: s.status,
            handover_date: s.handover_date,
            region: s.region,
            availability_target: s.availability_target.map(AvailabilityTarget::percent),
            created_at: s.created_at,
            updated_at: s.updated_at,
            version: s.version,
        }
    }
}

fn service_response(
    mut builder: actix_web::HttpResponseBuilder,
    (service, state): (Service, ServiceState),
) -> HttpResponse {
    builder
        .insert_header(("ETag", etag(service.version)))
        .json(ServiceView::new(service, state))
}

/// `service` with its state now.
fn with_state(
    conn: &mut app::Conn,
    service: Service,
) -> Result<(Service, ServiceState), app::AppError> {
    let state = app::service_state::states_of(conn, std::slice::from_ref(&service), app::now())?;
    Ok((service, state[0]))
}

/// Register a service.
///
/// Admins only. Service id, circuit reference and order number must each be unique; the
/// customer must exist.
#[utoipa::path(
    tag = "services",
    security(("bearer" = [])),
    request_body = CreateService,
    responses(
        (status = 201, description = "Service registered.", body = ServiceView),
        (status = 403, response = crate::http::error::Forbidden),
        (status = 409, response = crate::http::error::Conflict),
    )
)]
#[post("/services")]
pub async fn create_service(
    state: web::Data<AppState>,
    caller: Permit<gate::ManageInventory>,
    body: crate::http::json::Json<CreateService>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let service_id = ServiceId::parse(&body.service_id)?;
    let customer = CustomerNumber::parse(&body.customer_number)?;
    let body = body.into_inner();
    let service_region = body.region.as_deref().map(region).transpose()?;
    let target = body
        .availability_target
        .map(AvailabilityTarget::from_percent)
        .transpose()?;
    let service = write(&state, move |conn, _, now| {
        app::inventory::create_service(
            conn,
            &caller,
            NewService {
                service_id: &service_id,
                circuit_reference: body.circuit_reference.trim(),
                order_number: body.order_number.trim(),
                customer_number: &customer,
                product: body.product.trim(),
                label: body.label.trim(),
                status: body.status.unwrap_or(ServiceStatus::Active),
                handover_date: body.handover_date,
                region: service_region.as_deref(),
                availability_target: target,
            },
            now,
        )
        .and_then(|service| with_state(conn, service))
    })
    .await?;
    let location = format!("/api/v1/services/{}", service.0.service_id);
    Ok(service_response(
        HttpResponse::Created()
            .insert_header(("Location", location))
            .take(),
        service,
    ))
}

/// Filters of the service list.
#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct ServiceQuery {
    /// Exact circuit reference.
    #[param(max_length = 64)]
    #[validate(length(max = 64))]
    pub circuit_reference: Option<String>,
    /// Exact order number.
    #[param(max_length = 64)]
    #[validate(length(max = 64))]
    pub order_number: Option<String>,
    /// Case-insensitive text found in id, circuit reference, order number, product or label.
    #[param(max_length = 100)]
    #[validate(length(max = 100))]
    pub q: Option<String>,
    /// Provider staff: only this customer's services.
    #[param(
        max_length = 32,
        pattern = "^[A-Za-z0-9][A-Za-z0-9-]{2,31}$",
        example = "OCN-1001"
    )]
    #[validate(length(max = 32))]
    pub customer_number: Option<String>,
}

/// List services.
///
/// Customers see their own company's services; provider staff see all and may filter by
/// customer.
#[utoipa::path(
    tag = "services",
    security(("bearer" = [])),
    params(ServiceQuery, PageParams),
    responses(
        (status = 200, description = "A page of services.", body = PageOf<ServiceView>),
    )
)]
#[get("/services")]
pub async fn list_services(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<ServiceQuery>,
    page: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    query.validate()?;
    let (limit, cursor) = page.resolve()?;
    let query = query.into_inner();
    let filter = ServiceFilter {
        scope: None,
        customer_number: query
            .customer_number
            .as_deref()
            .map(crate::http::validation::query_customer_number)
            .transpose()?,
        circuit_reference: query.circuit_reference,
        order_number: query.order_number,
        text: query.q,
    };
    let (page, states) = read(&state, move |conn| {
        let page = app::inventory::list_services(conn, &caller, filter, cursor, limit)?;
        let states = app::service_state::states_of(conn, &page.items, app::now())?;
        Ok((page, states))
    })
    .await?;
    let mut states = states.into_iter();
    Ok(HttpResponse::Ok().json(PageOf::from_page(page, |s| {
        ServiceView::new(s, states.next().unwrap_or(ServiceState::Operational))
    })))
}

/// Get a service.
///
/// Another company's service answers 404.
#[utoipa::path(
    tag = "services",
    security(("bearer" = [])),
    params(("service_id" = String, Path, description = "Service id", example = "SVC-0001")),
    responses(
        (status = 200, description = "The service.", body = ServiceView,
            headers(("ETag" = String, description = "Current version"))),
    )
)]
#[get("/services/{service_id}")]
pub async fn get_service(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = ServiceId::parse(&path).map_err(|_| ApiError::not_found("service"))?;
    let service = read(&state, move |conn| {
        let service = app::inventory::get_service(conn, &caller, &id)?;
        with_state(conn, service)
    })
    .await?;
    Ok(service_response(HttpResponse::Ok(), service))
}

/// Update a service.
///
/// Admins only. Send the `ETag` you read as `If-Match` to make sure you do not overwrite a
/// change made meanwhile (412 if you would).
#[utoipa::path(
    tag = "services",
    security(("bearer" = [])),
    params(
        ("service_id" = String, Path, description = "Service id", example = "SVC-0001"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read"),
    ),
    request_body = UpdateService,
    responses(
        (status = 200, description = "Updated service.", body = ServiceView),
        (status = 403, response = crate::http::error::Forbidden),
        (status = 412, response = crate::http::error::PreconditionFailed),
    )
)]
#[patch("/services/{service_id}")]
pub async fn update_service(
    state: web::Data<AppState>,
    caller: Permit<gate::ManageInventory>,
    req: HttpRequest,
    path: web::Path<String>,
    body: crate::http::json::Json<UpdateService>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let body = body.into_inner();
    // The body is judged whole before the precondition.
    let new_region = body
        .region
        .map(|r| r.as_deref().map(region).transpose())
        .transpose()?;
    let new_target = body
        .availability_target
        .map(|t| t.map(AvailabilityTarget::from_percent).transpose())
        .transpose()?;
    let expected = if_match_version(&req)?;
    let id = ServiceId::parse(&path).map_err(|_| ApiError::not_found("service"))?;
    let changes = ServiceChanges {
        product: body.product.map(|s| s.trim().to_owned()),
        label: body.label.map(|s| s.trim().to_owned()),
        status: body.status,
        handover_date: body.handover_date,
        region: new_region,
        availability_target: new_target,
    };
    let service = write(&state, move |conn, _, now| {
        app::inventory::update_service(conn, &caller, &id, &changes, expected, now)
            .and_then(|service| with_state(conn, service))
    })
    .await?;
    Ok(service_response(HttpResponse::Ok(), service))
}

/// A ticket on the service not yet resolved.
#[derive(Debug, Serialize, ToSchema)]
pub struct OpenTicketSummary {
    pub ticket_number: String,
    #[schema(schema_with = crate::http::schemas::incident_status)]
    pub status: domain::IncidentStatus,
    #[schema(schema_with = crate::http::schemas::impact)]
    pub impact: domain::Impact,
    #[schema(schema_with = crate::http::schemas::priority)]
    pub priority: domain::Priority,
    pub summary: String,
    pub logged_at: DateTime<Utc>,
}

/// The active major network incident covering the service.
#[derive(Debug, Serialize, ToSchema)]
pub struct MajorIncidentSummary {
    pub ticket_number: String,
    pub summary: String,
    #[schema(schema_with = crate::http::schemas::severity)]
    pub severity: domain::Severity,
    pub started_at: DateTime<Utc>,
    pub incident_manager_email: Option<String>,
    pub next_update_by: Option<DateTime<Utc>>,
    pub estimated_restoration_at: Option<DateTime<Utc>>,
}

/// Announced planned works on the service, under way or to come.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlannedWorkSummary {
    pub id: String,
    pub title: String,
    pub start_at: DateTime<Utc>,
    pub end_at: DateTime<Utc>,
    pub expected_impact: String,
    #[schema(schema_with = crate::http::schemas::work_status)]
    pub status: domain::WorkStatus,
    pub emergency: bool,
}

/// Availability over a window ending now.
#[derive(Debug, Serialize, ToSchema)]
pub struct AvailabilityView {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// 100 × (1 − downtime / window), four decimals.
    #[schema(minimum = 0, maximum = 100)]
    pub percent: f64,
    /// Downtime counted, in whole minutes (rounded down).
    #[schema(minimum = 0)]
    pub downtime_minutes: i64,
}

/// Availability over a month of the working calendar (its time zone: `WORKING_CALENDAR_TZ`).
#[derive(Debug, Serialize, ToSchema)]
pub struct MonthAvailabilityView {
    /// `YYYY-MM`.
    #[schema(pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$", example = "2026-11")]
    pub month: String,
    /// From the month's first local midnight to the next month's, or to now for this month.
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Whether the figures are for the whole month (`false`: this month so far).
    pub complete: bool,
    /// 100 × (1 − downtime / month), four decimals.
    #[schema(minimum = 0, maximum = 100)]
    pub percent: f64,
    /// Downtime counted (outages, overlaps once, net of customer pauses and planned works), in
    /// whole minutes.
    #[schema(minimum = 0)]
    pub downtime_minutes: i64,
    /// Time inside announced planned-works windows, in whole minutes: shown apart, not downtime.
    #[schema(minimum = 0)]
    pub planned_works_minutes: i64,
    /// The service's availability target, if it has one.
    pub target: Option<f64>,
    /// Whether `percent` reaches the target (so far, for this month); null without a target.
    pub target_met: Option<bool>,
    /// Percent of the monthly charge credited for the month's availability, by
    /// `SLA_CREDIT_TABLE`; null for this month so far, or without a table.
    pub service_credit_percent: Option<f64>,
}

fn month_view(
    (month, figures): &(
        domain::calendar::Month,
        domain::service_review::PeriodAvailability,
    ),
) -> MonthAvailabilityView {
    let a = &figures.availability;
    MonthAvailabilityView {
        month: month.to_string(),
        from: a.window.from,
        to: a.window.to,
        complete: figures.whole_month,
        percent: a.percent,
        downtime_minutes: a.downtime.num_minutes(),
        planned_works_minutes: figures.planned_works.num_minutes(),
        target: figures.target,
        target_met: figures.met,
        service_credit_percent: figures.credit_percent,
    }
}

/// Availability over the last 30 and 90 days.
#[derive(Debug, Serialize, ToSchema)]
pub struct AvailabilityWindows {
    pub last_30_days: AvailabilityView,
    pub last_90_days: AvailabilityView,
}

/// How a service is doing and why.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"service_id": "SVC-0003", "state": "outage", "as_of": "2026-11-28T10:30:00Z",
    "open_tickets": [{"ticket_number": "1-0000000042", "status": "in_progress", "impact": "service_down",
        "priority": "P1", "summary": "Circuit down since 09:12", "logged_at": "2026-11-28T09:14:00Z"}],
    "major_incident": {"ticket_number": "1-0000000900", "summary": "Fibre cut between Manchester and Leeds",
        "severity": "major", "started_at": "2026-11-28T09:05:00Z", "incident_manager_email": "incident.manager@demo.example",
        "next_update_by": "2026-11-28T11:00:00Z", "estimated_restoration_at": "2026-11-28T14:00:00Z"},
    "planned_works": [{"id": "PW-000007", "title": "Router upgrade", "start_at": "2026-12-10T01:00:00Z",
        "end_at": "2026-12-10T03:00:00Z", "expected_impact": "Outage up to 10 minutes", "status": "scheduled", "emergency": false}],
    "availability": {"last_30_days": {"from": "2026-10-29T10:30:00Z", "to": "2026-11-28T10:30:00Z", "percent": 99.9537, "downtime_minutes": 20},
        "last_90_days": {"from": "2026-08-30T10:30:00Z", "to": "2026-11-28T10:30:00Z", "percent": 99.9846, "downtime_minutes": 20}},
    "months": [{"month": "2026-10", "from": "2026-09-30T23:00:00Z", "to": "2026-11-01T00:00:00Z", "complete": true,
        "percent": 99.9553, "downtime_minutes": 20, "planned_works_minutes": 120, "target": 99.95, "target_met": true,
        "service_credit_percent": 0.0},
        {"month": "2026-11", "from": "2026-11-01T00:00:00Z", "to": "2026-11-28T10:30:00Z", "complete": false,
        "percent": 100.0, "downtime_minutes": 0, "planned_works_minutes": 0, "target": 99.95, "target_met": true,
        "service_credit_percent": null}]}))]
pub struct ServiceStatusView {
    pub service_id: String,
    #[schema(schema_with = crate::http::schemas::service_state)]
    pub state: ServiceState,
    pub as_of: DateTime<Utc>,
    /// Its tickets not yet resolved, newest first.
    pub open_tickets: Vec<OpenTicketSummary>,
    /// The newest active major incident covering it (named, or in its region), if any.
    pub major_incident: Option<MajorIncidentSummary>,
    /// Announced works on it under way or starting within 30 days.
    pub planned_works: Vec<PlannedWorkSummary>,
    pub availability: AvailabilityWindows,
    /// Last month, whole, and this month so far, against the service's availability target.
    pub months: Vec<MonthAvailabilityView>,
}

fn availability_view(a: &domain::service_state::Availability) -> AvailabilityView {
    AvailabilityView {
        from: a.window.from,
        to: a.window.to,
        percent: a.percent,
        downtime_minutes: a.downtime.num_minutes(),
    }
}

/// How a service is doing.
///
/// Its state now and why: its tickets not yet resolved, the active major network incident
/// covering it, planned works under way or starting within 30 days; and its availability over
/// the last 30 and 90 days, from its outages — its tickets reporting it down (from logging to
/// resolution, net of the time the ticket waited for the customer) and the major incidents
/// that covered it (from their start to their resolution, or now) — counting overlaps once and
/// leaving out planned works windows. Another company's service answers 404.
#[utoipa::path(
    tag = "services",
    security(("bearer" = [])),
    params(("service_id" = String, Path, description = "Service id", example = "SVC-0001")),
    responses(
        (status = 200, description = "The service's status.", body = ServiceStatusView),
    )
)]
#[get("/services/{service_id}/status")]
pub async fn get_service_status(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = ServiceId::parse(&path).map_err(|_| ApiError::not_found("service"))?;
    let ctx = state.ctx.clone();
    let report = read(&state, move |conn| {
        app::service_state::report(conn, &caller, &id, &ctx, app::now())
    })
    .await?;
    let window = |i: usize| availability_view(&report.availability[i]);
    let view = ServiceStatusView {
        service_id: report.service.service_id.to_string(),
        state: report.state,
        as_of: report.as_of,
        availability: AvailabilityWindows {
            last_30_days: window(0),
            last_90_days: window(1),
        },
        months: report.months.iter().map(month_view).collect(),
        open_tickets: report
            .open_tickets
            .into_iter()
            .map(|i| OpenTicketSummary {
                ticket_number: i.ticket.to_string(),
                status: i.status,
                impact: i.impact,
                priority: i.priority,
                summary: i.summary,
                logged_at: i.sla.logged_at,
            })
            .collect(),
        major_incident: report.major_incident.map(|m| MajorIncidentSummary {
            ticket_number: m.ticket.to_string(),
            summary: m.summary,
            severity: m.severity,
            started_at: m.started_at,
            incident_manager_email: m.incident_manager_email,
            next_update_by: m.next_update_by,
            estimated_restoration_at: m.estimated_restoration_at,
        }),
        planned_works: report
            .planned_works
            .into_iter()
            .map(|w| PlannedWorkSummary {
                id: domain::WorkRef::new(w.id).to_string(),
                title: w.title,
                start_at: w.start_at,
                end_at: w.end_at,
                expected_impact: w.expected_impact,
                status: w.status,
                emergency: w.emergency,
            })
            .collect(),
    };
    Ok(HttpResponse::Ok().json(view))
}
