//! Customer planned-works requests (R-CHG3): a customer asks for a maintenance window on its own
//! service at least 20 working days ahead; change managers acknowledge, accept or reject it.

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use domain::maintenance::check_request_window;
use domain::{CustomerNumber, MaintenanceRequest, RequestStatus, ServiceId, ServiceOwner};
use persistence::maintenance::NewRequest;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::pagination::{PageOf, PageParams};
use crate::state::{now, AppState};

/// Public form of a request id: `MR-000042`.
pub fn request_ref(id: i64) -> String {
    format!("MR-{id:06}")
}

fn parse_request_ref(text: &str) -> Result<i64, ApiError> {
    text.strip_prefix("MR-")
        .and_then(|n| n.parse::<i64>().ok())
        .filter(|n| *n > 0)
        .ok_or_else(|| ApiError::not_found("maintenance request"))
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
        custom(function = "crate::validation::phone")
    )]
    #[schema(min_length = 5, max_length = 40)]
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
    #[schema(schema_with = crate::schemas::request_status)]
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
            id: request_ref(r.id),
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
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 403, response = crate::error::Forbidden),
        (status = 422, response = crate::error::Unprocessable),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[post("/maintenance-requests")]
pub async fn submit_maintenance_request(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: web::Json<CreateMaintenanceRequest>,
) -> Result<HttpResponse, ApiError> {
    let Some(own) = caller.tenant_scope().cloned() else {
        return Err(ApiError::forbidden(
            "maintenance requests are filed by customers",
        ));
    };
    body.validate()?;
    let body = body.into_inner();
    let customer = CustomerNumber::parse(&body.customer_number)?;
    if customer != own {
        return Err(ApiError::field(
            "customer_number",
            "not_yours",
            "must be your own customer number",
        ));
    }
    let service_id = ServiceId::parse(&body.service_id)?;
    let submitted_at = now();
    if let Err(too_early) = check_request_window(
        &state.settings.calendar,
        body.start_at,
        body.end_at,
        submitted_at,
    )? {
        let earliest = too_early.earliest_allowed_start;
        return Err(ApiError::unprocessable(
            "too_early",
            format!(
                "a maintenance window must start at least 20 working days after submission; the \
                 earliest start allowed now is {}",
                earliest.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
        )
        .with_extension("earliest_allowed_start", serde_json::json!(earliest)));
    }
    let owner = ServiceOwner {
        name: body.service_owner.name.trim().to_owned(),
        email: body.service_owner.email.trim().to_owned(),
        phone: body.service_owner.phone.trim().to_owned(),
    };
    let by = caller.subject.clone();
    let request = web::block(move || {
        state.db.write(|conn| {
            persistence::services::get(conn, &service_id, Some(&customer)).map_err(
                |e| match e {
                    persistence::StoreError::NotFound(_) => {
                        domain::DomainError::invalid("service_id", "not one of your services")
                            .into()
                    }
                    other => other,
                },
            )?;
            persistence::maintenance::submit(
                conn,
                NewRequest {
                    customer_number: &customer,
                    service_id: &service_id,
                    start_at: body.start_at,
                    end_at: body.end_at,
                    description: body.description.trim(),
                    owner: &owner,
                    submitted_by: &by,
                },
                submitted_at,
            )
        })
    })
    .await??;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/maintenance-requests/{}", request_ref(request.id)),
        ))
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
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 422, response = crate::error::Unprocessable),
        (status = 503, response = crate::error::ServiceUnavailable),
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
    let scope = caller.tenant_scope().cloned();
    let page = web::block(move || {
        state.db.read(|conn| {
            persistence::maintenance::list(conn, scope.as_ref(), status, cursor, limit)
        })
    })
    .await??;
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
        (status = 401, response = crate::error::Unauthorized),
        (status = 404, response = crate::error::NotFound),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[get("/maintenance-requests/{id}")]
pub async fn get_maintenance_request(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_request_ref(&path)?;
    let scope = caller.tenant_scope().cloned();
    let request = web::block(move || {
        state
            .db
            .read(|conn| persistence::maintenance::get(conn, id, scope.as_ref()))
    })
    .await??;
    Ok(HttpResponse::Ok().json(MaintenanceRequestView::from(request)))
}

enum Step {
    Acknowledge,
    Accept(Option<String>),
    Reject(Option<String>),
    Withdraw,
}

async fn step(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: String,
    step: Step,
) -> Result<HttpResponse, ApiError> {
    let id = parse_request_ref(&id)?;
    let customer_step = matches!(step, Step::Withdraw);
    if customer_step && !caller.role.is_customer_side() {
        return Err(ApiError::forbidden(
            "only the customer withdraws its request",
        ));
    }
    if !customer_step
        && !matches!(
            caller.role,
            domain::Role::ChangeManager | domain::Role::Admin
        )
    {
        return Err(ApiError::forbidden(
            "only change managers handle maintenance requests",
        ));
    }
    let scope = caller.tenant_scope().cloned();
    let request = web::block(move || {
        let at = now();
        state.db.write(|conn| {
            persistence::maintenance::change(conn, id, scope.as_ref(), at, |r| {
                match step {
                    Step::Acknowledge => r.acknowledge(at)?,
                    Step::Accept(reason) => r.decide(true, reason.as_deref(), at)?,
                    Step::Reject(reason) => r.decide(false, reason.as_deref(), at)?,
                    Step::Withdraw => r.withdraw(at)?,
                }
                Ok(())
            })
        })
    })
    .await??;
    Ok(HttpResponse::Ok().json(MaintenanceRequestView::from(request)))
}

macro_rules! request_step {
    ($name:ident, $path:literal, $summary:literal, $desc:literal, |$body:ident| $step:expr) => {
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
                (status = 400, response = crate::error::BadRequest),
                (status = 401, response = crate::error::Unauthorized),
                (status = 403, response = crate::error::Forbidden),
                (status = 404, response = crate::error::NotFound),
                (status = 409, response = crate::error::Conflict),
                (status = 422, response = crate::error::Unprocessable),
                (status = 503, response = crate::error::ServiceUnavailable),
            )
        )]
        #[post($path)]
        pub async fn $name(
            state: web::Data<AppState>,
            caller: Authenticated,
            path: web::Path<String>,
            body: web::Json<Decision>,
        ) -> Result<HttpResponse, ApiError> {
            body.validate()?;
            let $body = body.into_inner();
            step(state, caller, path.into_inner(), $step).await
        }
    };
}

request_step!(
    acknowledge_maintenance_request,
    "/maintenance-requests/{id}/acknowledge",
    "Acknowledge a maintenance request.",
    "Change managers: `submitted → acknowledged`.",
    |_body| Step::Acknowledge
);
request_step!(
    accept_maintenance_request,
    "/maintenance-requests/{id}/accept",
    "Accept a maintenance request.",
    "Change managers, from submitted or acknowledged.",
    |body| Step::Accept(body.reason)
);
request_step!(
    reject_maintenance_request,
    "/maintenance-requests/{id}/reject",
    "Reject a maintenance request.",
    "Change managers, with a reason the customer sees.",
    |body| Step::Reject(body.reason)
);
request_step!(
    withdraw_maintenance_request,
    "/maintenance-requests/{id}/withdraw",
    "Withdraw a maintenance request.",
    "The customer, while it is undecided.",
    |_body| Step::Withdraw
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
        (status = 401, response = crate::error::Unauthorized),
        (status = 500, response = crate::error::InternalError),
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
