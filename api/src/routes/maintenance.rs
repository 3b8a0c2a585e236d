//! Customer planned-works requests (R-CHG3): a customer asks for a maintenance window on its own
//! service at least 20 working days ahead; change managers acknowledge, accept or reject it.

use actix_web::{get, post, web, HttpResponse};
use app::maintenance::{RequestStep, SubmitRequest};
use chrono::{DateTime, Utc};
use domain::{
    Caller, CustomerNumber, MaintenanceRequest, RequestRef, RequestStatus, ServiceId, ServiceOwner,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::http::caller::{gate, Authenticated, Permit};
use crate::http::error::ApiError;
use crate::http::etag::etag;
use crate::http::pagination::{PageOf, PageParams};
use crate::state::{read, write, AppState};

/// Public form of a request id: `MR-000042`.
/// A `{id}` path segment; what is not a request reference names no request: 404.
fn parse_request_ref(text: &str) -> Result<i64, ApiError> {
    RequestRef::parse(text)
        .map(RequestRef::id)
        .map_err(|_| ApiError::not_found("maintenance request"))
}

/// The customer's person responsible for the service.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[schema(example = json!({"name": "Sam Owner", "email": "sam@acme.example", "phone": "+44 20 7946 0999"}))]
pub struct ServiceOwnerBody {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[validate(email, length(max = 254))]
    #[schema(format = "email", max_length = 254)]
    pub email: String,
    #[validate(
        length(min = 5, max = 40),
        custom(function = "crate::http::validation::phone")
    )]
    #[schema(
        min_length = 5,
        max_length = 40,
        pattern = r"^ *\+?(?:[ ()./-]*[0-9]){5}[0-9 ()./-]*$"
    )]
    pub phone: String,
}

/// A maintenance window request.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"customer_number": "OCN-1001", "service_id": "SVC-0001",
    "start_at": "2027-01-16T01:00:00Z", "end_at": "2027-01-16T05:00:00Z",
    "description": "Firewall replacement at the London site",
    "service_owner": {"name": "Sam Owner", "email": "sam@acme.example", "phone": "+44 20 7946 0999"}}))]
pub struct CreateMaintenanceRequest {
    /// Must be your own company.
    #[schema(min_length = 3, max_length = 32)]
    pub customer_number: String,
    /// One of your services.
    #[schema(min_length = 1, max_length = 64)]
    pub service_id: String,
    /// At least 20 working days after submission.
    pub start_at: DateTime<Utc>,
    pub end_at: DateTime<Utc>,
    #[validate(length(min = 1, max = 10000))]
    #[schema(min_length = 1, max_length = 10000)]
    pub description: String,
    #[validate(nested)]
    pub service_owner: ServiceOwnerBody,
}

/// A decision's reason.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"reason": "Agreed; our engineer will attend."}))]
pub struct Decision {
    /// Required to reject; optional to accept.
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
}

/// A maintenance request with each step's time.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "MR-000042", "customer_number": "OCN-1001", "service_id": "SVC-0001", "start_at": "2026-12-05T22:00:00Z", "end_at": "2026-12-06T02:00:00Z", "description": "Replacing our core router; the circuit will flap.", "service_owner": {"name": "Alice Example", "email": "alice@acme.example", "phone": "+44 20 7946 0000"}, "status": "acknowledged", "submitted_at": "2026-11-25T10:00:00Z", "acknowledged_at": "2026-11-25T11:00:00Z", "decided_at": null, "decision_reason": null, "withdrawn_at": null, "updated_at": "2026-11-25T11:00:00Z", "version": 2}))]
pub struct MaintenanceRequestView {
    #[schema(example = "MR-000042")]
    pub id: String,
    pub customer_number: String,
    pub service_id: String,
    pub start_at: DateTime<Utc>,
    pub end_at: DateTime<Utc>,
    pub description: String,
    pub service_owner: ServiceOwnerBody,
    #[schema(schema_with = crate::http::schemas::request_status)]
    pub status: RequestStatus,
    pub submitted_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_reason: Option<String>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl From<MaintenanceRequest> for MaintenanceRequestView {
    fn from(r: MaintenanceRequest) -> Self {
        Self {
            id: RequestRef::new(r.id).to_string(),
            customer_number: r.customer_number.to_string(),
            service_id: r.service_id.to_string(),
            start_at: r.start_at,
            end_at: r.end_at,
            description: r.description,
            service_owner: ServiceOwnerBody {
                name: r.service_owner.name,
                email: r.service_owner.email,
                phone: r.service_owner.phone,
            },
            status: r.status,
            submitted_at: r.submitted_at,
            acknowledged_at: r.acknowledged_at,
            decided_at: r.decided_at,
            decision_reason: r.decision_reason,
            withdrawn_at: r.withdrawn_at,
            updated_at: r.updated_at,
            version: r.version,
        }
    }
}

/// Request a maintenance window.
///
/// Customers, for one of their own services. The start must be at least 20 working days after
/// submission (Monday to Friday on the provider's calendar, minus public holidays — see
/// `GET /working-calendar`); a request starting earlier is refused with 422 `too_early` and
/// `earliest_allowed_start`.
#[utoipa::path(
    tag = "maintenance requests",
    security(("bearer" = [])),
    request_body = CreateMaintenanceRequest,
    responses(
        (status = 201, description = "Submitted.", body = MaintenanceRequestView),
        (status = 403, response = crate::http::error::Forbidden),
    )
)]
#[post("/maintenance-requests")]
pub async fn submit_maintenance_request(
    state: web::Data<AppState>,
    caller: Permit<gate::RequestMaintenance>,
    body: crate::http::json::Json<CreateMaintenanceRequest>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let body = body.into_inner();
    let cmd = SubmitRequest {
        customer_number: CustomerNumber::parse(&body.customer_number)?,
        service_id: ServiceId::parse(&body.service_id)?,
        start_at: body.start_at,
        end_at: body.end_at,
        description: body.description,
        owner: ServiceOwner::new(
            &body.service_owner.name,
            &body.service_owner.email,
            &body.service_owner.phone,
        ),
    };
    let request = write(&state, move |conn, ctx, now| {
        app::maintenance::submit(conn, &caller, cmd, ctx, now)
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!(
                "/api/v1/maintenance-requests/{}",
                RequestRef::new(request.id)
            ),
        ))
        .insert_header(("ETag", etag(request.version)))
        .json(MaintenanceRequestView::from(request)))
}

/// Filters of the request list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestQuery {
    /// `submitted`, `acknowledged`, `accepted`, `rejected` or `withdrawn`.
    #[param(
        max_length = 20,
        pattern = "^(submitted|acknowledged|accepted|rejected|withdrawn)$"
    )]
    pub status: Option<String>,
}

/// List maintenance requests.
///
/// Customers see their own; change managers see all (their queue: `?status=submitted`).
#[utoipa::path(
    tag = "maintenance requests",
    security(("bearer" = [])),
    params(RequestQuery, PageParams),
    responses(
        (status = 200, description = "A page of requests.", body = PageOf<MaintenanceRequestView>),
    )
)]
#[get("/maintenance-requests")]
pub async fn list_maintenance_requests(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<RequestQuery>,
    page: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let (limit, cursor) = page.resolve()?;
    let status = query
        .status
        .as_deref()
        .map(RequestStatus::parse)
        .transpose()?;
    let page = read(&state, move |conn| {
        app::maintenance::list(conn, &caller, status, cursor, limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(PageOf::from_page(page, MaintenanceRequestView::from)))
}

/// Get a maintenance request.
///
/// Another company's request answers 404.
#[utoipa::path(
    tag = "maintenance requests",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Request id", example = "MR-000042")),
    responses(
        (status = 200, description = "The request.", body = MaintenanceRequestView),
    )
)]
#[get("/maintenance-requests/{id}")]
pub async fn get_maintenance_request(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_request_ref(&path)?;
    let request = read(&state, move |conn| app::maintenance::get(conn, &caller, id)).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(request.version)))
        .json(MaintenanceRequestView::from(request)))
}

async fn step(
    state: web::Data<AppState>,
    caller: Caller,
    id: String,
    step: RequestStep,
) -> Result<HttpResponse, ApiError> {
    let id = parse_request_ref(&id)?;
    let request = write(&state, move |conn, _, now| {
        app::maintenance::step(conn, &caller, id, step, now)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(request.version)))
        .json(MaintenanceRequestView::from(request)))
}

macro_rules! request_step {
    ($name:ident, $gate:ident, $path:literal, $summary:literal, $desc:literal, |$body:ident| $step:expr) => {
        #[doc = $summary]
        #[doc = ""]
        #[doc = $desc]
        #[utoipa::path(
            tag = "maintenance requests",
            security(("bearer" = [])),
            params(("id" = String, Path, description = "Request id", example = "MR-000042")),
            request_body = Decision,
            responses(
                (status = 200, description = "The request.", body = MaintenanceRequestView),
                (status = 403, response = crate::http::error::Forbidden),
                (status = 404, response = crate::http::error::NotFound),
                (status = 409, response = crate::http::error::Conflict),
            )
        )]
        #[post($path)]
        pub async fn $name(
            state: web::Data<AppState>,
            caller: Permit<gate::$gate>,
            path: web::Path<String>,
            body: crate::http::json::Json<Decision>,
        ) -> Result<HttpResponse, ApiError> {
            body.validate()?;
            let $body = body.into_inner();
            step(state, caller.0, path.into_inner(), $step).await
        }
    };
}

request_step!(
    acknowledge_maintenance_request,
    ManageChanges,
    "/maintenance-requests/{id}/acknowledge",
    "Acknowledge a maintenance request.",
    "Change managers: `submitted → acknowledged`.",
    |_body| RequestStep::Acknowledge
);
request_step!(
    accept_maintenance_request,
    ManageChanges,
    "/maintenance-requests/{id}/accept",
    "Accept a maintenance request.",
    "Change managers, from submitted or acknowledged.",
    |body| RequestStep::Accept {
        reason: body.reason
    }
);
request_step!(
    reject_maintenance_request,
    ManageChanges,
    "/maintenance-requests/{id}/reject",
    "Reject a maintenance request.",
    "Change managers, with a reason the customer sees.",
    |body| RequestStep::Reject {
        reason: body.reason
    }
);
request_step!(
    withdraw_maintenance_request,
    RequestMaintenance,
    "/maintenance-requests/{id}/withdraw",
    "Withdraw a maintenance request.",
    "The customer, while it is undecided.",
    |_body| RequestStep::Withdraw
);

/// The working-day calendar.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkingCalendarView {
    /// Time zone in which working days are counted.
    #[schema(example = "Europe/London")]
    pub time_zone: String,
    /// Public holidays (no working day).
    pub holidays: Vec<chrono::NaiveDate>,
    /// Working days of notice a maintenance request needs.
    pub maintenance_notice_working_days: u32,
    /// Days of notice a non-emergency provider planned work needs.
    pub planned_work_notice_days: i64,
}

/// Get the working-day calendar.
///
/// Monday to Friday in `time_zone`, minus `holidays`: how the 20 working days' notice of
/// maintenance requests is counted. Configured with `WORKING_CALENDAR_TZ`,
/// `PUBLIC_HOLIDAYS_FILE` and `PUBLIC_HOLIDAYS`.
#[utoipa::path(
    tag = "maintenance requests",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The calendar.", body = WorkingCalendarView),
        (status = 500, response = crate::http::error::InternalError),
    )
)]
#[get("/working-calendar")]
pub async fn working_calendar(state: web::Data<AppState>, _caller: Authenticated) -> HttpResponse {
    let c = &state.settings.calendar;
    HttpResponse::Ok().json(WorkingCalendarView {
        time_zone: c.zone().to_owned(),
        holidays: c.holidays().copied().collect(),
        maintenance_notice_working_days: domain::maintenance::NOTICE_WORKING_DAYS,
        planned_work_notice_days: domain::planned_work::minimum_notice().num_days(),
    })
}
