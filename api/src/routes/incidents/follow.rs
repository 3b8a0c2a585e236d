//! `GET /incidents` and `GET /incidents/{ref}`: follow tickets (R-INC3).

use actix_web::{get, web, HttpResponse};
use app::incidents::{IncidentFilter, IncidentOrder};
use chrono::{DateTime, Utc};
use domain::{IncidentStatus, Priority};
use serde::Deserialize;
use utoipa::IntoParams;
use validator::Validate;

use super::{incident_response, ticket_from_path, IncidentView};
use crate::http::caller::Authenticated;
use crate::http::error::ApiError;
use crate::http::pagination::{PageOf, PageParams};
use crate::http::validation;
use crate::state::{read, AppState};

/// Filters and order of the incident list; all optional and combined with AND.
#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct IncidentQuery {
    /// Comma-separated statuses, e.g. `new,acknowledged`. Values: new, acknowledged,
    /// in_progress, pending_customer, resolved, closed, cancelled.
    #[param(
        max_length = 200,
        pattern = "^(new|acknowledged|in_progress|pending_customer|resolved|closed|cancelled)(,(new|acknowledged|in_progress|pending_customer|resolved|closed|cancelled))*$",
        example = "new,in_progress"
    )]
    #[validate(length(max = 200))]
    pub status: Option<String>,
    /// `true`: not closed or cancelled; `false`: closed or cancelled.
    pub open: Option<bool>,
    /// Only tickets on this service (its id exactly: 1–64 printable characters, no spaces).
    #[param(max_length = 64, pattern = "^[!-~]{1,64}$", example = "SVC-0001")]
    #[validate(length(max = 64))]
    pub service_id: Option<String>,
    /// Only this priority: P1, P2, P3 or P4.
    #[param(schema_with = crate::http::schemas::priority)]
    #[validate(length(max = 2))]
    pub priority: Option<String>,
    /// Only tickets changed at or after this instant (RFC 3339).
    pub updated_since: Option<DateTime<Utc>>,
    /// Provider staff: only this customer's tickets.
    #[param(
        max_length = 32,
        pattern = "^[A-Za-z0-9][A-Za-z0-9-]{2,31}$",
        example = "OCN-1001"
    )]
    #[validate(length(max = 32))]
    pub customer_number: Option<String>,
    /// Service desk: only tickets assigned to this email.
    #[param(max_length = 254)]
    #[validate(length(max = 254))]
    pub assignee_email: Option<String>,
    /// `true`: the response or restore target was missed; `false`: neither was.
    pub breached: Option<bool>,
    /// `true`: only tickets whose running restore clock is in the last 25 % of its target.
    pub at_risk: Option<bool>,
    /// Only tickets linked to this major incident.
    #[param(max_length = 12, pattern = "^1-?[0-9]{10}$", example = "1-0000000100")]
    #[validate(length(max = 12))]
    pub parent_ticket_number: Option<String>,
    /// Only the ticket(s) with this `external_id`.
    #[param(max_length = 100, example = "ACME-INC-7781")]
    #[validate(length(max = 100))]
    pub external_id: Option<String>,
    /// `-logged_at` (newest first, default) or `logged_at` (oldest first).
    #[param(schema_with = crate::http::schemas::incident_order)]
    pub sort: Option<String>,
}

impl IncidentQuery {
    /// Whether the filter, valid, can select nothing: `1-0000000000` is a well-formed parent
    /// but no ticket has number 0.
    pub(super) fn matches_nothing(&self) -> Result<bool, ApiError> {
        let zero = self
            .parent_ticket_number
            .as_deref()
            .and_then(|p| p.strip_prefix("1-").or_else(|| p.strip_prefix('1')))
            .is_some_and(|digits| digits.len() == 10 && digits.bytes().all(|b| b == b'0'));
        if zero {
            self.validate()?;
        }
        Ok(zero)
    }

    /// The filter as asked; the use case confines it to the caller's tenancy.
    pub(super) fn into_filter(self) -> Result<IncidentFilter, ApiError> {
        self.validate()?;
        // Exactly the published pattern: names separated by single commas, no blanks.
        let statuses = match self.status.as_deref() {
            None => Vec::new(),
            Some(list) => list
                .split(',')
                .map(|s| s.parse::<IncidentStatus>())
                .collect::<Result<_, _>>()?,
        };
        let order = match self.sort.as_deref() {
            None | Some("-logged_at") => IncidentOrder::NewestFirst,
            Some("logged_at") => IncidentOrder::OldestFirst,
            Some(other) => {
                return Err(ApiError::field(
                    "sort",
                    "invalid",
                    format!("cannot sort by '{other}'; use -logged_at or logged_at"),
                ))
            }
        };
        Ok(IncidentFilter {
            scope: None,
            customer_number: self
                .customer_number
                .as_deref()
                .map(validation::query_customer_number)
                .transpose()?,
            statuses,
            open: self.open,
            service_id: self
                .service_id
                .as_deref()
                .map(validation::query_service_id)
                .transpose()?,
            priority: self
                .priority
                .as_deref()
                .map(str::parse::<Priority>)
                .transpose()?,
            updated_since: self.updated_since,
            assignee_email: self
                .assignee_email
                .map(|e| domain::account::normalize_email(&e)),
            parent: self
                .parent_ticket_number
                .as_deref()
                .map(domain::TicketRef::parse)
                .transpose()?,
            breached: self.breached,
            impact: None,
            external_id: self.external_id,
            at_risk: self.at_risk.unwrap_or(false),
            now: Some(app::now()),
            order,
            ..Default::default()
        })
    }
}

/// List incidents.
///
/// Customers see their own company's tickets; provider staff see all. Filter by status, open or
/// closed, service, priority, assignee, recent change, and SLA state (`breached`, `at_risk`).
/// Sorted by `logged_at`
/// (ties broken by creation order) with cursor pagination: follow `next_cursor` until it is
/// null; tickets raised meanwhile never make a page skip or repeat a ticket.
#[utoipa::path(
    tag = "incidents",
    security(("bearer" = [])),
    params(IncidentQuery, PageParams),
    responses(
        (status = 200, description = "A page of tickets.", body = PageOf<IncidentView>),
    )
)]
#[get("/incidents")]
pub async fn list_incidents(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<IncidentQuery>,
    page: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let (limit, cursor) = page.resolve()?;
    let query = query.into_inner();
    if query.matches_nothing()? {
        return Ok(HttpResponse::Ok().json(PageOf::<IncidentView> {
            items: Vec::new(),
            next_cursor: None,
        }));
    }
    let filter = query.into_filter()?;
    let staff = !caller.role.is_customer_side();
    let page = read(&state, move |conn| {
        app::incidents::list(conn, &caller, filter, cursor, limit)
    })
    .await?;
    let at = app::now();
    Ok(HttpResponse::Ok().json(PageOf::from_page(page, |i| {
        IncidentView::new(i, state.sla(), staff, at)
    })))
}

/// Get an incident.
///
/// Accepts the reference as `1-0123456789` or in its IVR form `10123456789`. Another
/// company's ticket answers 404.
#[utoipa::path(
    tag = "incidents",
    security(("bearer" = [])),
    params(("ref" = String, Path, description = "Ticket reference, either form", example = "1-0000000042")),
    responses(
        (status = 200, description = "The ticket.", body = IncidentView,
            headers(("ETag" = String, description = "Version of the ticket"))),
    )
)]
#[get("/incidents/{ref}")]
pub async fn get_incident(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let ticket = ticket_from_path(&path)?;
    let by = caller.0.clone();
    let incident = read(&state, move |conn| app::incidents::get(conn, &by, ticket)).await?;
    Ok(incident_response(
        HttpResponse::Ok(),
        &state,
        &caller,
        incident,
    ))
}
