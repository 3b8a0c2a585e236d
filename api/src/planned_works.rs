//! Provider planned works (R-CHG1–2): change managers propose, schedule (with ten days' notice
//! unless an emergency), start, complete and cancel them; customers follow them in a calendar
//! and an iCalendar feed that shows only works on their services.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use domain::{Caller, CustomerNumber, PlannedWork, ScheduleError, ServiceId, WorkStatus};
use icalendar::{Calendar, Component, Event, EventLike, EventStatus};
use persistence::planned_works::{NewPlannedWork, WorkFilter};
use persistence::StoreError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::etag::{etag, if_match_version};
use crate::pagination::{PageOf, PageParams};
use crate::state::{now, AppState};

/// Public form of a planned work id: `PW-000042`.
pub fn work_ref(id: i64) -> String {
    format!("PW-{id:06}")
}

fn parse_work_ref(text: &str) -> Result<i64, ApiError> {
    text.strip_prefix("PW-")
        .and_then(|n| n.parse::<i64>().ok())
        .filter(|n| *n > 0)
        .ok_or_else(|| ApiError::not_found("planned work"))
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
    #[schema(schema_with = crate::schemas::work_status)]
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
            id: work_ref(w.id),
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

fn require_change_manager(caller: &Caller) -> Result<(), ApiError> {
    if matches!(
        caller.role,
        domain::Role::ChangeManager | domain::Role::Admin
    ) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "only change managers manage planned works",
        ))
    }
}

fn view_for(
    conn: &mut persistence::DbConnection,
    work: PlannedWork,
    scope: Option<&CustomerNumber>,
) -> Result<PlannedWorkView, StoreError> {
    let services = match scope {
        Some(c) => Some(persistence::planned_works::services_of(conn, &work, c)?),
        None => None,
    };
    Ok(PlannedWorkView::new(work, services))
}

fn notice_error(e: ScheduleError) -> ApiError {
    match e {
        ScheduleError::NoticeTooShort(n) => ApiError::unprocessable(
            "insufficient_notice",
            format!(
                "a non-emergency planned work needs at least 10 days' notice; the earliest start \
                 allowed now is {}",
                n.earliest_allowed_start
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
        )
        .with_extension(
            "earliest_allowed_start",
            serde_json::json!(n.earliest_allowed_start),
        ),
        ScheduleError::Domain(d) => d.into(),
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
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 403, response = crate::error::Forbidden),
        (status = 422, response = crate::error::Unprocessable),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[post("/planned-works")]
pub async fn create_planned_work(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: web::Json<CreatePlannedWork>,
) -> Result<HttpResponse, ApiError> {
    require_change_manager(&caller)?;
    body.validate()?;
    let body = body.into_inner();
    domain::planned_work::check_window(body.start_at, body.end_at)?;
    domain::planned_work::check_emergency(body.emergency, body.emergency_justification.as_deref())?;
    let services = body
        .affected_service_ids
        .iter()
        .map(|s| ServiceId::parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    let by = caller.subject.clone();
    let work = web::block(move || {
        state.db.write(|conn| {
            persistence::planned_works::create(
                conn,
                NewPlannedWork {
                    title: body.title.trim(),
                    description: body.description.trim(),
                    start_at: body.start_at,
                    end_at: body.end_at,
                    expected_impact: body.expected_impact.trim(),
                    outage_minutes: body.outage_minutes,
                    affected_services: &services,
                    emergency: body.emergency,
                    emergency_justification: body.emergency_justification.as_deref().map(str::trim),
                    created_by: &by,
                },
                now(),
            )
        })
    })
    .await??;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/planned-works/{}", work_ref(work.id)),
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
    fn filter(&self, caller: &Caller) -> Result<WorkFilter, ApiError> {
        let at = now();
        let from = self.from.unwrap_or(at - Duration::days(30));
        let to = self.to.unwrap_or(at + Duration::days(365));
        if to <= from {
            return Err(ApiError::field("to", "range", "`to` must be after `from`"));
        }
        let status = self.status.as_deref().map(WorkStatus::parse).transpose()?;
        let scope = caller.tenant_scope().cloned();
        Ok(WorkFilter {
            // Customers never see proposals: only works announced to them.
            announced_only: scope.is_some(),
            scope,
            from: Some(from),
            to: Some(to),
            status,
        })
    }
}

fn announced(work: &PlannedWork) -> bool {
    work.status != WorkStatus::Proposed
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
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 422, response = crate::error::Unprocessable),
        (status = 503, response = crate::error::ServiceUnavailable),
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
    let filter = query.filter(&caller)?;
    let page = web::block(move || {
        state.db.read(|conn| {
            let page = persistence::planned_works::list(conn, &filter, cursor, limit)?;
            let mut items = Vec::with_capacity(page.items.len());
            for w in page.items {
                items.push(view_for(conn, w, filter.scope.as_ref())?);
            }
            Ok(PageOf {
                items,
                next_cursor: page.next_cursor.map(|c| c.encode()),
            })
        })
    })
    .await??;
    Ok(HttpResponse::Ok().json(page))
}

/// Planned works as an iCalendar feed.
///
/// The same works as the calendar (first 1000 in the window), as RFC 5545 `text/calendar` for
/// calendar clients: one VEVENT per work with a stable UID, SEQUENCE bumped on every change,
/// STATUS:CANCELLED for cancelled works. Authenticated by the same bearer token.
#[utoipa::path(
    tag = "planned works",
    security(("bearer" = [])),
    params(CalendarQuery),
    responses(
        (status = 200, description = "iCalendar feed.", body = String, content_type = "text/calendar"),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 422, response = crate::error::Unprocessable),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[get("/planned-works.ics")]
pub async fn planned_works_ics(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<CalendarQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = query.filter(&caller)?;
    let works = web::block(move || {
        state.db.read(|conn| {
            let page = persistence::planned_works::list(conn, &filter, None, 1000)?;
            let mut out = Vec::new();
            for w in page.items {
                let theirs = match &filter.scope {
                    Some(c) => persistence::planned_works::services_of(conn, &w, c)?,
                    None => w.affected_services.iter().map(|s| s.to_string()).collect(),
                };
                out.push((w, theirs));
            }
            Ok(out)
        })
    })
    .await??;
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
            .uid(&format!("{}@service-assurance", work_ref(w.id)))
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
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .body(calendar.done().to_string()))
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
        (status = 401, response = crate::error::Unauthorized),
        (status = 404, response = crate::error::NotFound),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[get("/planned-works/{id}")]
pub async fn get_planned_work(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_work_ref(&path)?;
    let scope = caller.tenant_scope().cloned();
    let view = web::block(move || {
        state.db.read(|conn| {
            let work = persistence::planned_works::get(conn, id, scope.as_ref())?;
            if scope.is_some() && !announced(&work) {
                return Err(StoreError::NotFound("planned work"));
            }
            view_for(conn, work, scope.as_ref())
        })
    })
    .await??;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(view.version)))
        .json(view))
}

/// What a change manager does to a work.
enum WorkAction {
    Update(UpdatePlannedWork),
    Schedule,
    Start,
    Complete,
    Cancel(String),
}

async fn act(
    state: web::Data<AppState>,
    caller: Authenticated,
    req: &HttpRequest,
    id: String,
    action: WorkAction,
) -> Result<HttpResponse, ApiError> {
    require_change_manager(&caller)?;
    let id = parse_work_ref(&id)?;
    let expected = if_match_version(req)?;
    let work = web::block(move || -> Result<PlannedWork, ApiError> {
        let at = now();
        let result = state.db.write(|conn| {
            let mut work = persistence::planned_works::get(conn, id, None)?;
            if expected.is_some_and(|v| v != work.version) {
                return Err(StoreError::conflict(
                    "version_mismatch",
                    "the planned work changed",
                ));
            }
            let event = match action {
                WorkAction::Update(u) => {
                    if let Some(t) = u.title {
                        work.title = t.trim().to_owned();
                    }
                    if let Some(d) = u.description {
                        work.description = d.trim().to_owned();
                    }
                    if let Some(i) = u.expected_impact {
                        work.expected_impact = i.trim().to_owned();
                    }
                    if u.outage_minutes.is_some() {
                        work.outage_minutes = u.outage_minutes;
                    }
                    let (start, end) = (
                        u.start_at.unwrap_or(work.start_at),
                        u.end_at.unwrap_or(work.end_at),
                    );
                    if (start, end) != (work.start_at, work.end_at) {
                        if let Err(e) = work.reschedule(start, end, at) {
                            return Ok(Err(notice_error(e)));
                        }
                    } else {
                        work.sequence += 1;
                        work.updated_at = at;
                    }
                    (work.status == WorkStatus::Scheduled).then_some("planned_work.updated")
                }
                WorkAction::Schedule => {
                    if let Err(e) = work.schedule(at) {
                        return Ok(Err(notice_error(e)));
                    }
                    Some("planned_work.scheduled")
                }
                WorkAction::Start => {
                    work.start(at)?;
                    Some("planned_work.started")
                }
                WorkAction::Complete => {
                    work.complete(at)?;
                    Some("planned_work.completed")
                }
                WorkAction::Cancel(reason) => {
                    let was_announced = announced(&work);
                    work.cancel(&reason, at)?;
                    was_announced.then_some("planned_work.cancelled")
                }
            };
            persistence::planned_works::save(conn, &work, event, at).map(Ok)
        });
        result?
    })
    .await??;
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
                (status = 401, response = crate::error::Unauthorized),
                (status = 403, response = crate::error::Forbidden),
                (status = 404, response = crate::error::NotFound),
                (status = 409, response = crate::error::Conflict),
                (status = 412, response = crate::error::PreconditionFailed),
                (status = 422, response = crate::error::Unprocessable),
                (status = 503, response = crate::error::ServiceUnavailable),
            )
        )]
        #[post($path)]
        pub async fn $name(
            state: web::Data<AppState>,
            caller: Authenticated,
            req: HttpRequest,
            path: web::Path<String>,
        ) -> Result<HttpResponse, ApiError> {
            act(state, caller, &req, path.into_inner(), $variant).await
        }
    };
}

work_action!(
    schedule_planned_work,
    "/planned-works/{id}/schedule",
    WorkAction::Schedule,
    "Schedule (approve) a planned work.",
    "Change managers. A non-emergency work must start at least 10 days from now (422 \
     `insufficient_notice` with `earliest_allowed_start` otherwise). Scheduling notifies the \
     affected customers' planned-works contacts."
);
work_action!(
    start_planned_work,
    "/planned-works/{id}/start",
    WorkAction::Start,
    "Start a scheduled planned work.",
    "Change managers: `scheduled → in_progress`."
);
work_action!(
    complete_planned_work,
    "/planned-works/{id}/complete",
    WorkAction::Complete,
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
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
        (status = 409, response = crate::error::Conflict),
        (status = 412, response = crate::error::PreconditionFailed),
        (status = 422, response = crate::error::Unprocessable),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[post("/planned-works/{id}/cancel")]
pub async fn cancel_planned_work(
    state: web::Data<AppState>,
    caller: Authenticated,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<CancelPlannedWork>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let reason = body.into_inner().reason;
    act(
        state,
        caller,
        &req,
        path.into_inner(),
        WorkAction::Cancel(reason),
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
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
        (status = 409, response = crate::error::Conflict),
        (status = 412, response = crate::error::PreconditionFailed),
        (status = 422, response = crate::error::Unprocessable),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[patch("/planned-works/{id}")]
pub async fn update_planned_work(
    state: web::Data<AppState>,
    caller: Authenticated,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<UpdatePlannedWork>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    act(
        state,
        caller,
        &req,
        path.into_inner(),
        WorkAction::Update(body.into_inner()),
    )
    .await
}
