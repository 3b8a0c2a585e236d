//! Provider planned works (R-CHG1–2): change managers propose, schedule (with ten days' notice
//! unless an emergency), start, complete and cancel them; customers follow them in a calendar
//! and an iCalendar feed that shows only works on their services.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use app::planned_works::{ProposeWork, WorkFilter, WorkStep};
use chrono::{DateTime, Duration, Utc};
use domain::{Caller, PlannedWork, ServiceId, WorkChanges, WorkRef, WorkStatus};
use icalendar::{Calendar, Component, Event, EventLike, EventStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::http::caller::{gate, Authenticated, Permit};
use crate::http::error::ApiError;
use crate::http::etag::{etag, if_match_version};
use crate::http::pagination::{PageOf, PageParams};
use crate::state::{read, write, AppState};

/// A `{id}` path segment; what is not a work reference names no work: 404.
fn parse_work_ref(text: &str) -> Result<i64, ApiError> {
    WorkRef::parse(text)
        .map(WorkRef::id)
        .map_err(|_| ApiError::not_found("planned work"))
}

/// A planned work to propose.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"title": "Core router software upgrade", "description": "Upgrade of LON-CR-01.",
    "start_at": "2026-12-12T01:00:00Z", "end_at": "2026-12-12T03:00:00Z",
    "expected_impact": "Outage of up to 30 minutes", "outage_minutes": 30,
    "affected_service_ids": ["SVC-0001"], "emergency": false}))]
pub struct CreatePlannedWork {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    #[validate(length(min = 1, max = 10000))]
    #[schema(min_length = 1, max_length = 10000)]
    pub description: String,
    pub start_at: DateTime<Utc>,
    pub end_at: DateTime<Utc>,
    /// What customers should expect, e.g. "outage up to 30 minutes".
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub expected_impact: String,
    /// Longest expected outage, in minutes.
    #[validate(range(min = 0, max = 20160))]
    #[schema(minimum = 0, maximum = 20160)]
    pub outage_minutes: Option<i32>,
    #[validate(length(min = 1, max = 5000))]
    #[schema(min_items = 1, max_items = 5000)]
    pub affected_service_ids: Vec<String>,
    /// Emergency works skip the ten days' notice and need a justification.
    #[serde(default)]
    pub emergency: bool,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub emergency_justification: Option<String>,
}

/// Changes to a proposed or scheduled work; absent fields stay. Honours `If-Match`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"start_at": "2026-12-06T23:00:00Z", "end_at": "2026-12-07T03:00:00Z", "expected_impact": "Two outages of up to 10 minutes"}))]
pub struct UpdatePlannedWork {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
    #[validate(length(min = 1, max = 10000))]
    #[schema(min_length = 1, max_length = 10000)]
    pub description: Option<String>,
    pub start_at: Option<DateTime<Utc>>,
    pub end_at: Option<DateTime<Utc>>,
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub expected_impact: Option<String>,
    #[validate(range(min = 0, max = 20160))]
    #[schema(minimum = 0, maximum = 20160)]
    pub outage_minutes: Option<i32>,
}

/// Why a work is called off.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"reason": "Vendor fix withdrawn"}))]
pub struct CancelPlannedWork {
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

/// A planned work.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "PW-000042", "title": "Core router software upgrade, London", "description": "Upgrading the core routers serving London West.", "start_at": "2026-12-05T23:00:00Z", "end_at": "2026-12-06T03:00:00Z", "expected_impact": "One outage of up to 15 minutes", "outage_minutes": 15, "affected_service_ids": ["SVC-0001"], "emergency": false, "emergency_justification": null, "status": "scheduled", "cancel_reason": null, "created_at": "2026-11-20T09:00:00Z", "updated_at": "2026-11-21T09:00:00Z", "sequence": 1, "version": 2}))]
pub struct PlannedWorkView {
    #[schema(example = "PW-000042")]
    pub id: String,
    pub title: String,
    pub description: String,
    pub start_at: DateTime<Utc>,
    pub end_at: DateTime<Utc>,
    pub expected_impact: String,
    pub outage_minutes: Option<i32>,
    /// Affected services; a customer sees only their own.
    pub affected_service_ids: Vec<String>,
    pub emergency: bool,
    pub emergency_justification: Option<String>,
    #[schema(schema_with = crate::http::schemas::work_status)]
    pub status: WorkStatus,
    pub cancel_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Revision of the calendar entry (iCalendar SEQUENCE).
    pub sequence: i32,
    pub version: i64,
}

impl PlannedWorkView {
    fn new(w: PlannedWork, visible_services: Option<Vec<String>>) -> Self {
        Self {
            id: WorkRef::new(w.id).to_string(),
            affected_service_ids: visible_services
                .unwrap_or_else(|| w.affected_services.iter().map(|s| s.to_string()).collect()),
            title: w.title,
            description: w.description,
            start_at: w.start_at,
            end_at: w.end_at,
            expected_impact: w.expected_impact,
            outage_minutes: w.outage_minutes,
            emergency: w.emergency,
            emergency_justification: w.emergency_justification,
            status: w.status,
            cancel_reason: w.cancel_reason,
            created_at: w.created_at,
            updated_at: w.updated_at,
            sequence: w.sequence,
            version: w.version,
        }
    }
}

/// Propose a planned work.
///
/// Change managers. The work starts `proposed`; scheduling it publishes it to the affected
/// customers.
#[utoipa::path(
    tag = "planned works",
    security(("bearer" = [])),
    request_body = CreatePlannedWork,
    responses(
        (status = 201, description = "Proposed.", body = PlannedWorkView),
        (status = 403, response = crate::http::error::Forbidden),
    )
)]
#[post("/planned-works")]
pub async fn create_planned_work(
    state: web::Data<AppState>,
    caller: Permit<gate::ManageChanges>,
    body: crate::http::json::Json<CreatePlannedWork>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let body = body.into_inner();
    let cmd = ProposeWork {
        affected_services: body
            .affected_service_ids
            .iter()
            .map(|s| ServiceId::parse(s))
            .collect::<Result<Vec<_>, _>>()?,
        title: body.title,
        description: body.description,
        start_at: body.start_at,
        end_at: body.end_at,
        expected_impact: body.expected_impact,
        outage_minutes: body.outage_minutes,
        emergency: body.emergency,
        emergency_justification: body.emergency_justification,
    };
    let work = write(&state, move |conn, _, now| {
        app::planned_works::propose(conn, &caller, cmd, now)
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/planned-works/{}", WorkRef::new(work.id)),
        ))
        .insert_header(("ETag", etag(work.version)))
        .json(PlannedWorkView::new(work, None)))
}

/// The calendar window and status filter.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CalendarQuery {
    /// Works whose window ends after this instant (default: 30 days ago).
    pub from: Option<DateTime<Utc>>,
    /// Works whose window starts before this instant (default: one year ahead).
    pub to: Option<DateTime<Utc>>,
    /// `proposed`, `scheduled`, `in_progress`, `completed` or `cancelled`.
    #[param(
        max_length = 20,
        pattern = "^(proposed|scheduled|in_progress|completed|cancelled)$"
    )]
    pub status: Option<String>,
}

impl CalendarQuery {
    /// The window asked for (by default from 30 days ago to a year ahead); the use case confines
    /// it to what the caller may see.
    pub(crate) fn filter(&self) -> Result<WorkFilter, ApiError> {
        let at = app::now();
        let from = self.from.unwrap_or(at - Duration::days(30));
        let to = self.to.unwrap_or(at + Duration::days(365));
        if to <= from {
            return Err(ApiError::field("to", "range", "`to` must be after `from`"));
        }
        let status = self.status.as_deref().map(WorkStatus::parse).transpose()?;
        Ok(WorkFilter {
            from: Some(from),
            to: Some(to),
            status,
            ..Default::default()
        })
    }
}

/// Planned works calendar.
///
/// Works whose window overlaps `[from, to)`, by start time. Customers see scheduled, running,
/// completed and cancelled works touching their services, listing only their own services;
/// change managers also see proposals.
#[utoipa::path(
    tag = "planned works",
    security(("bearer" = [])),
    params(CalendarQuery, PageParams),
    responses(
        (status = 200, description = "A page of planned works.", body = PageOf<PlannedWorkView>),
    )
)]
#[get("/planned-works")]
pub async fn list_planned_works(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<CalendarQuery>,
    page: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let (limit, cursor) = page.resolve()?;
    let filter = query.filter()?;
    let page = read(&state, move |conn| {
        app::planned_works::list(conn, &caller, filter, cursor, limit)
    })
    .await?;
    Ok(
        HttpResponse::Ok().json(PageOf::from_page(page, |(w, services)| {
            PlannedWorkView::new(w, Some(services))
        })),
    )
}

/// Planned works as an iCalendar feed.
///
/// The same works as the calendar (first 1000 in the window), as RFC 5545 `text/calendar` for
/// calendar clients: one VEVENT per work with a stable UID, SEQUENCE bumped on every change,
/// STATUS:CANCELLED for cancelled works. Authenticated by the same bearer token; calendar
/// applications, which send no header, subscribe to a feed URL instead (`POST /calendar-feeds`).
#[utoipa::path(
    tag = "planned works",
    security(("bearer" = [])),
    params(CalendarQuery),
    responses(
        (status = 200, description = "iCalendar feed.", body = String, content_type = "text/calendar"),
    )
)]
#[get("/planned-works.ics")]
pub async fn planned_works_ics(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<CalendarQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = query.filter()?;
    let works = read(&state, move |conn| {
        app::planned_works::calendar(conn, &caller, filter)
    })
    .await?;
    Ok(ics(works))
}

/// The works as an RFC 5545 calendar: one VEVENT per work with a stable UID and SEQUENCE.
pub(crate) fn ics(works: Vec<app::planned_works::Visible>) -> HttpResponse {
    let mut calendar = Calendar::new();
    calendar
        .name("Planned works")
        .description("Provider planned works on your services");
    for (w, services) in works {
        let mut description = format!(
            "{}\n\nExpected impact: {}\nAffected services: {}",
            w.description,
            w.expected_impact,
            services.join(", ")
        );
        if let Some(reason) = &w.cancel_reason {
            description.push_str(&format!("\nCancelled: {reason}"));
        }
        let mut event = Event::new();
        event
            .uid(&format!("{}@service-assurance", WorkRef::new(w.id)))
            .summary(&format!("[{}] {}", w.status.as_str(), w.title))
            .description(&description)
            .starts(w.start_at)
            .ends(w.end_at)
            .sequence(u32::try_from(w.sequence).unwrap_or(0))
            .timestamp(w.updated_at)
            .last_modified(w.updated_at)
            .created(w.created_at);
        event.status(match w.status {
            WorkStatus::Cancelled => EventStatus::Cancelled,
            WorkStatus::Proposed => EventStatus::Tentative,
            _ => EventStatus::Confirmed,
        });
        calendar.push(event.done());
    }
    HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .body(calendar.done().to_string())
}

/// Get a planned work.
///
/// A customer sees a work only when it touches their services and has been announced.
#[utoipa::path(
    tag = "planned works",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Planned work id", example = "PW-000042")),
    responses(
        (status = 200, description = "The planned work.", body = PlannedWorkView),
    )
)]
#[get("/planned-works/{id}")]
pub async fn get_planned_work(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_work_ref(&path)?;
    let (work, services) = read(&state, move |conn| {
        app::planned_works::get(conn, &caller, id)
    })
    .await?;
    let view = PlannedWorkView::new(work, Some(services));
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(view.version)))
        .json(view))
}

/// What a change manager does to a work.
async fn act(
    state: web::Data<AppState>,
    caller: Caller,
    req: &HttpRequest,
    id: String,
    step: WorkStep,
) -> Result<HttpResponse, ApiError> {
    let id = parse_work_ref(&id)?;
    let expected = if_match_version(req)?;
    let work = write(&state, move |conn, _, now| {
        app::planned_works::step(conn, &caller, id, step, expected, now)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(work.version)))
        .json(PlannedWorkView::new(work, None)))
}

macro_rules! work_action {
    ($name:ident, $path:literal, $variant:expr, $summary:literal, $desc:literal) => {
        #[doc = $summary]
        #[doc = ""]
        #[doc = $desc]
        #[utoipa::path(
            tag = "planned works",
            security(("bearer" = [])),
            params(
                ("id" = String, Path, description = "Planned work id", example = "PW-000042"),
                ("If-Match" = Option<String>, Header, description = "ETag from a previous read"),
            ),
            responses(
                (status = 200, description = "The planned work.", body = PlannedWorkView),
                (status = 403, response = crate::http::error::Forbidden),
                (status = 409, response = crate::http::error::Conflict),
                (status = 412, response = crate::http::error::PreconditionFailed),
                // Not added by the common answers: these operations take no body or query.
                (status = 422, response = crate::http::error::Unprocessable),
            )
        )]
        #[post($path)]
        pub async fn $name(
            state: web::Data<AppState>,
            caller: Permit<gate::ManageChanges>,
            req: HttpRequest,
            path: web::Path<String>,
        ) -> Result<HttpResponse, ApiError> {
            act(state, caller.0, &req, path.into_inner(), $variant).await
        }
    };
}

work_action!(
    schedule_planned_work,
    "/planned-works/{id}/schedule",
    WorkStep::Schedule,
    "Schedule (approve) a planned work.",
    "Change managers. A non-emergency work must start at least 10 days from now (422 \
     `insufficient_notice` with `earliest_allowed_start` otherwise). Scheduling notifies the \
     affected customers' planned-works contacts."
);
work_action!(
    start_planned_work,
    "/planned-works/{id}/start",
    WorkStep::Start,
    "Start a scheduled planned work.",
    "Change managers: `scheduled → in_progress`."
);
work_action!(
    complete_planned_work,
    "/planned-works/{id}/complete",
    WorkStep::Complete,
    "Complete a planned work.",
    "Change managers: `in_progress → completed`."
);

/// Cancel a planned work.
///
/// Change managers, with a reason, from any state but completed or cancelled. Customers of an
/// announced work are notified; the calendar entry shows STATUS:CANCELLED.
#[utoipa::path(
    tag = "planned works",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "Planned work id", example = "PW-000042"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read"),
    ),
    request_body = CancelPlannedWork,
    responses(
        (status = 200, description = "The cancelled work.", body = PlannedWorkView),
        (status = 403, response = crate::http::error::Forbidden),
        (status = 409, response = crate::http::error::Conflict),
        (status = 412, response = crate::http::error::PreconditionFailed),
    )
)]
#[post("/planned-works/{id}/cancel")]
pub async fn cancel_planned_work(
    state: web::Data<AppState>,
    caller: Permit<gate::ManageChanges>,
    req: HttpRequest,
    path: web::Path<String>,
    body: crate::http::json::Json<CancelPlannedWork>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let reason = body.into_inner().reason;
    act(
        state,
        caller.0,
        &req,
        path.into_inner(),
        WorkStep::Cancel { reason },
    )
    .await
}

/// Change a planned work.
///
/// Change managers, while proposed or scheduled. Moving a scheduled non-emergency work keeps
/// the ten days' notice rule. Every change bumps the calendar SEQUENCE. Honours `If-Match`.
#[utoipa::path(
    tag = "planned works",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "Planned work id", example = "PW-000042"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read"),
    ),
    request_body = UpdatePlannedWork,
    responses(
        (status = 200, description = "The changed work.", body = PlannedWorkView),
        (status = 403, response = crate::http::error::Forbidden),
        (status = 409, response = crate::http::error::Conflict),
        (status = 412, response = crate::http::error::PreconditionFailed),
    )
)]
#[patch("/planned-works/{id}")]
pub async fn update_planned_work(
    state: web::Data<AppState>,
    caller: Permit<gate::ManageChanges>,
    req: HttpRequest,
    path: web::Path<String>,
    body: crate::http::json::Json<UpdatePlannedWork>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    act(
        state,
        caller.0,
        &req,
        path.into_inner(),
        WorkStep::Update(body.into_inner().into()),
    )
    .await
}

impl From<UpdatePlannedWork> for WorkChanges {
    fn from(u: UpdatePlannedWork) -> Self {
        WorkChanges {
            title: u.title,
            description: u.description,
            expected_impact: u.expected_impact,
            outage_minutes: u.outage_minutes,
            start_at: u.start_at,
            end_at: u.end_at,
        }
    }
}
