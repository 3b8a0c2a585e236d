//! `GET|POST /troubleTicket`, `GET|PATCH /troubleTicket/{id}`.

use actix_web::http::{header, StatusCode};
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse, ResponseError};
use app::incidents::{IncidentFilter, RaiseIncident};
use app::tmf621::TicketPatch;
use domain::tmf::{self, TmfStatus};
use domain::{Incident, Reporter, Resolution, ServiceLocator, TimelineEntry};
use serde::Deserialize;
use utoipa::IntoParams;
use validator::Validate;

use super::model::{RelatedEntity, RelatedParty, TroubleTicket};
use super::{href, parse_fields, select, trouble_ticket, TroubleTicketCreate, TroubleTicketUpdate};
use crate::http::caller::{gate, Authenticated, Permit};
use crate::http::error::ApiError;
use crate::http::etag::{etag, if_match_version};
use crate::http::middleware::unrouted::allowed_methods;
use crate::routes::incidents::{ticket_from_path, ReporterInput};
use crate::state::{read, write, AppState};

const DEFAULT_LIMIT: i64 = 25;
const MAX_LIMIT: i64 = 100;

/// TMF621 query: attribute selection, paging and attribute filters (combined with AND).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TroubleTicketQuery {
    /// Comma-separated attributes to return; `id`, `href` and `@type` always are.
    #[param(
        max_length = 500,
        pattern = "^(id|href|@type|name|description|severity|priority|ticketType|status|statusChangeDate|statusChangeReason|creationDate|lastUpdate|expectedResolutionDate|resolutionDate|externalId|note|relatedEntity|relatedParty|statusChange|troubleTicketRelationship)(,(id|href|@type|name|description|severity|priority|ticketType|status|statusChangeDate|statusChangeReason|creationDate|lastUpdate|expectedResolutionDate|resolutionDate|externalId|note|relatedEntity|relatedParty|statusChange|troubleTicketRelationship))*$",
        example = "status,severity,externalId"
    )]
    pub fields: Option<String>,
    /// How many matching tickets to skip (newest first), default 0.
    #[param(minimum = 0, maximum = 1000000, example = 0)]
    pub offset: Option<i64>,
    /// Tickets per answer, 1–100 (default 25).
    #[param(minimum = 1, maximum = 100, example = 25)]
    pub limit: Option<i64>,
    /// TMF621 statuses, comma-separated.
    #[param(
        max_length = 200,
        pattern = "^(acknowledged|rejected|pending|held|inProgress|cancelled|closed|resolved)(,(acknowledged|rejected|pending|held|inProgress|cancelled|closed|resolved))*$",
        example = "acknowledged,inProgress"
    )]
    pub status: Option<String>,
    /// `Critical`, `Major`, `Minor` or `Low`.
    #[param(
        max_length = 32,
        pattern = "^(Critical|Major|Minor|Low)$",
        example = "Critical"
    )]
    pub severity: Option<String>,
    /// `Critical`, `High`, `Medium`, `Low` (or `P1`–`P4`).
    #[param(
        max_length = 32,
        pattern = "^(Critical|High|Medium|Low|P1|P2|P3|P4)$",
        example = "High"
    )]
    pub priority: Option<String>,
    /// Every ticket here is an `incident`; any other type matches none.
    #[serde(rename = "ticketType")]
    #[param(max_length = 32, example = "incident")]
    pub ticket_type: Option<String>,
    /// The partner's identifier.
    #[serde(rename = "externalId")]
    #[param(max_length = 100, example = "ACME-INC-7781")]
    pub external_id: Option<String>,
}

/// Attribute selection for a single ticket.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FieldsQuery {
    /// Comma-separated attributes to return; `id`, `href` and `@type` always are.
    #[param(
        max_length = 500,
        pattern = "^(id|href|@type|name|description|severity|priority|ticketType|status|statusChangeDate|statusChangeReason|creationDate|lastUpdate|expectedResolutionDate|resolutionDate|externalId|note|relatedEntity|relatedParty|statusChange|troubleTicketRelationship)(,(id|href|@type|name|description|severity|priority|ticketType|status|statusChangeDate|statusChangeReason|creationDate|lastUpdate|expectedResolutionDate|resolutionDate|externalId|note|relatedEntity|relatedParty|statusChange|troubleTicketRelationship))*$",
        example = "status,statusChange"
    )]
    pub fields: Option<String>,
}

/// The filter a query stands for; `None` when it can match nothing (a status with no
/// counterpart, a ticket type other than `incident`).
fn filter_of(q: &TroubleTicketQuery) -> Result<Option<IncidentFilter>, ApiError> {
    for (name, value, max) in [
        ("status", &q.status, 200),
        ("severity", &q.severity, 32),
        ("priority", &q.priority, 32),
        ("ticketType", &q.ticket_type, 32),
        ("externalId", &q.external_id, 100),
    ] {
        if value.as_deref().is_some_and(|v| v.chars().count() > max) {
            return Err(ApiError::field(
                name,
                "length",
                format!("at most {max} characters"),
            ));
        }
    }
    let mut filter = IncidentFilter::default();
    if let Some(list) = q.status.as_deref() {
        // Exactly the published pattern: names separated by single commas, no blanks.
        for name in list.split(',') {
            filter
                .statuses
                .extend_from_slice(TmfStatus::parse(name)?.ours());
        }
        if filter.statuses.is_empty() {
            return Ok(None);
        }
    }
    if let Some(t) = q.ticket_type.as_deref() {
        if !t.trim().eq_ignore_ascii_case("incident") {
            return Ok(None);
        }
    }
    filter.impact = q
        .severity
        .as_deref()
        .map(tmf::impact_of_severity)
        .transpose()?;
    filter.priority = q.priority.as_deref().map(tmf::parse_priority).transpose()?;
    filter.external_id = q.external_id.as_deref().map(|e| e.trim().to_owned());
    Ok(Some(filter))
}

fn view(
    state: &AppState,
    caller: &domain::Caller,
    i: Incident,
    e: &[TimelineEntry],
) -> TroubleTicket {
    trouble_ticket(
        i,
        e,
        state.sla(),
        !caller.role.is_customer_side(),
        app::now(),
    )
}

/// List or find trouble tickets.
///
/// TMF621 `listTroubleTicket`. Customers see their company's tickets, provider staff all, newest
/// first. Filter by `status`, `severity`, `priority`, `ticketType` and `externalId`; page with
/// `offset` and `limit`; choose attributes with `fields`. `X-Total-Count` is how many match,
/// `X-Result-Count` how many this answer holds. An unknown query parameter is refused.
#[utoipa::path(
    tag = "TMF621 trouble tickets",
    operation_id = "listTroubleTicket",
    security(("bearer" = [])),
    params(TroubleTicketQuery),
    responses(
        (status = 200, description = "Matching tickets.", body = Vec<TroubleTicket>,
            headers(
                ("X-Total-Count" = i64, description = "How many tickets match"),
                ("X-Result-Count" = i64, description = "How many tickets this answer holds"),
            )),
    )
)]
#[get("/troubleTicket")]
pub async fn list_trouble_tickets(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<TroubleTicketQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let offset = query.offset.unwrap_or(0);
    if !(0..=1_000_000).contains(&offset) {
        return Err(ApiError::field(
            "offset",
            "range",
            "offset must be between 0 and 1000000",
        ));
    }
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::field(
            "limit",
            "range",
            format!("limit must be between 1 and {MAX_LIMIT}"),
        ));
    }
    let fields = parse_fields(query.fields.as_deref())?;
    let filter = filter_of(&query)?;
    let who = caller.0.clone();
    let (total, page) = match filter {
        None => (0, Vec::new()),
        Some(filter) => {
            read(&state, move |conn| {
                app::tmf621::list_tickets(conn, &who, filter, offset, limit)
            })
            .await?
        }
    };
    let items: Vec<serde_json::Value> = page
        .into_iter()
        .map(|(i, e)| select(&view(&state, &caller, i, &e), fields.as_deref()))
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header(("X-Total-Count", total.to_string()))
        .insert_header(("X-Result-Count", items.len().to_string()))
        .json(items))
}

/// Retrieve a trouble ticket.
///
/// TMF621 `retrieveTroubleTicket`. The `id` is our ticket reference (either form). Another
/// company's ticket answers 404.
#[utoipa::path(
    tag = "TMF621 trouble tickets",
    operation_id = "retrieveTroubleTicket",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "Ticket reference", example = "1-0000000042"),
        FieldsQuery,
    ),
    responses(
        (status = 200, description = "The ticket.", body = TroubleTicket,
            headers(("ETag" = String, description = "Version of the ticket"))),
    )
)]
#[get("/troubleTicket/{id}")]
pub async fn get_trouble_ticket(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    query: web::Query<FieldsQuery>,
) -> Result<HttpResponse, ApiError> {
    let ticket = ticket_from_path(&path)?;
    let fields = parse_fields(query.fields.as_deref())?;
    let who = caller.0.clone();
    let (incident, entries) = read(&state, move |conn| {
        app::tmf621::get_ticket(conn, &who, ticket)
    })
    .await?;
    let version = incident.version;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(version)))
        .json(select(
            &view(&state, &caller, incident, &entries),
            fields.as_deref(),
        )))
}

/// The service a create request names: the one `relatedEntity` with role `affectedService`
/// (or the only one), by service id, order number or circuit reference.
fn affected_service(entities: &[RelatedEntity]) -> Result<ServiceLocator, ApiError> {
    let affected: Vec<&RelatedEntity> = entities
        .iter()
        .filter(|e| e.role.trim().eq_ignore_ascii_case("affectedService"))
        .collect();
    let entity =
        match (affected.as_slice(), entities) {
            ([one], _) => *one,
            ([], [only]) => only,
            _ => return Err(ApiError::field(
                "relatedEntity",
                "ambiguous",
                "name the affected service with exactly one relatedEntity of role affectedService",
            )),
        };
    let id = Some(entity.id.trim());
    let (circuit, order, service) = match entity.referred_type.trim().to_ascii_lowercase().as_str()
    {
        "service" | "product" => (None, None, id),
        "productorder" => (None, id, None),
        "resource" => (id, None, None),
        _ => {
            return Err(ApiError::field(
                "relatedEntity.@referredType",
                "unsupported",
                format!(
                    "'{}' cannot name a service; use Service (or Product) with the service id, \
                     ProductOrder with the order number, or Resource with the circuit reference",
                    entity.referred_type
                ),
            ))
        }
    };
    Ok(ServiceLocator::from_parts(circuit, order, service)?)
}

/// The person to call back: the `relatedParty` with role `reporter`, with a name and email and
/// phone contact media (the email may be the party's `id`).
fn reporter(parties: &[RelatedParty]) -> Result<Reporter, ApiError> {
    let missing = || {
        ApiError::field(
            "relatedParty",
            "required",
            "a relatedParty with role 'reporter', a name, and email and phone contact media is required",
        )
    };
    let party = parties
        .iter()
        .find(|p| {
            p.role
                .as_deref()
                .is_some_and(|r| r.trim().eq_ignore_ascii_case("reporter"))
        })
        .ok_or_else(missing)?;
    let media = party.contact_medium.as_deref().unwrap_or_default();
    let email = media
        .iter()
        .find_map(|m| m.characteristic.email_address.clone())
        .or_else(|| party.id.contains('@').then(|| party.id.clone()));
    let phone = media
        .iter()
        .find_map(|m| m.characteristic.phone_number.clone());
    let input = ReporterInput {
        name: party.name.clone().unwrap_or_default().trim().to_owned(),
        email: email.unwrap_or_default().trim().to_owned(),
        phone: phone.unwrap_or_default().trim().to_owned(),
    };
    input.validate().map_err(|e| {
        ApiError::field(
            "relatedParty",
            "invalid",
            format!("the reporter needs a name, an email and a phone number: {e}"),
        )
    })?;
    Ok(Reporter::from(input))
}

/// `name`, or else the first line of the description cut to 200 characters.
fn summary_of(name: Option<&str>, description: &str) -> String {
    match name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => n.to_owned(),
        None => description
            .trim()
            .lines()
            .next()
            .unwrap_or_default()
            .chars()
            .take(200)
            .collect(),
    }
}

/// Create a trouble ticket.
///
/// TMF621 `createTroubleTicket`: an ordinary incident (reference `1-…`), visible through
/// `/api/v1` too. Required: `description`, `severity`, `ticketType` (`incident`), the affected
/// service as a `relatedEntity` (role `affectedService`; `@referredType` `Service` with the
/// service id, `ProductOrder` with the order number or `Resource` with the circuit reference)
/// and a `relatedParty` with role `reporter` (name, email and phone contact media). The priority
/// follows the severity. `note` entries become the first public notes. A service that is not
/// yours answers 422 exactly like one that does not exist.
#[utoipa::path(
    tag = "TMF621 trouble tickets",
    operation_id = "createTroubleTicket",
    security(("bearer" = [])),
    request_body = TroubleTicketCreate,
    responses(
        (status = 201, description = "Ticket logged.", body = TroubleTicket,
            headers(
                ("Location" = String, description = "URL of the new ticket"),
                ("ETag" = String, description = "Version of the ticket"),
            )),
        (status = 403, response = crate::http::error::Forbidden),
    )
)]
#[post("/troubleTicket")]
pub async fn create_trouble_ticket(
    state: web::Data<AppState>,
    caller: Permit<gate::RaiseIncident>,
    body: web::Json<TroubleTicketCreate>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let body = body.into_inner();
    if !body.ticket_type.trim().eq_ignore_ascii_case("incident") {
        return Err(ApiError::field(
            "ticketType",
            "unsupported",
            format!(
                "'{}' tickets are not handled here; use 'incident'",
                body.ticket_type
            ),
        ));
    }
    if let Some(priority) = body.priority.as_deref() {
        tmf::parse_priority(priority)?;
    }
    let impact = tmf::impact_of_severity(&body.severity)?;
    let locator = affected_service(&body.related_entity)?;
    let reporter = reporter(&body.related_party)?;
    let summary = summary_of(body.name.as_deref(), &body.description);
    let description = body.description.trim().to_owned();
    let external_id = body.external_id.as_deref().map(|e| e.trim().to_owned());
    let notes: Vec<String> = body
        .note
        .unwrap_or_default()
        .into_iter()
        .map(|n| n.text.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect();
    let raise = RaiseIncident {
        locator,
        summary,
        description,
        impact,
        reporter,
        external_id,
    };
    let who = caller.0.clone();
    let (incident, entries) = write(&state, move |conn, ctx, now| {
        app::tmf621::create_ticket(conn, &who, raise, notes, ctx, now)
    })
    .await?;
    let location = href(&incident.ticket);
    let version = incident.version;
    Ok(HttpResponse::Created()
        .insert_header(("Location", location))
        .insert_header(("ETag", etag(version)))
        .json(view(&state, &caller, incident, &entries)))
}

/// Update a trouble ticket.
///
/// TMF621 `patchTroubleTicket`, as a JSON merge patch (`application/merge-patch+json` or
/// `application/json`). Changes `status` (with `statusChangeReason`), `priority` (service desk),
/// `externalId`, and adds `note` entries that have no `id`; all in one transaction, or nothing.
/// Customers may set `closed` (with a reason) and `inProgress` on a resolved ticket (a reopening,
/// with a reason). The service desk makes the moves of `/api/v1` transitions: `acknowledged`,
/// `inProgress` (a new ticket is acknowledged on the way), `pending` (reason), `resolved` (with the `resolution` extension: cause and fix),
/// `cancelled` (reason), `closed` (reason). `held` and `rejected` have no counterpart (422); an
/// illegal move answers 409. Honours `If-Match`.
#[utoipa::path(
    tag = "TMF621 trouble tickets",
    operation_id = "patchTroubleTicket",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "Ticket reference", example = "1-0000000042"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read"),
    ),
    request_body(content(
        (TroubleTicketUpdate = "application/merge-patch+json"),
        (TroubleTicketUpdate = "application/json"),
    )),
    responses(
        (status = 200, description = "The updated ticket.", body = TroubleTicket,
            headers(("ETag" = String, description = "Version of the ticket"))),
        (status = 403, response = crate::http::error::Forbidden),
        (status = 409, response = crate::http::error::Conflict),
        (status = 412, response = crate::http::error::PreconditionFailed),
    )
)]
#[patch("/troubleTicket/{id}")]
pub async fn patch_trouble_ticket(
    state: web::Data<AppState>,
    caller: Permit<gate::FollowIncident>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<TroubleTicketUpdate>,
) -> Result<HttpResponse, ApiError> {
    let ticket = ticket_from_path(&path)?;
    body.validate()?;
    let body = body.into_inner();
    let patch = TicketPatch {
        ticket,
        notes: body
            .note
            .unwrap_or_default()
            .into_iter()
            .filter(|n| n.id.is_none())
            .map(|n| n.text.trim().to_owned())
            .filter(|t| !t.is_empty())
            .collect(),
        external_id: body.external_id.map(|e| e.trim().to_owned()),
        priority: body
            .priority
            .as_deref()
            .map(tmf::parse_priority)
            .transpose()?,
        status: body.status.map(Into::into),
        status_change_reason: body.status_change_reason,
        resolution: body.resolution.map(|r| Resolution {
            cause: r.cause,
            fix: r.fix,
        }),
        expected_version: if_match_version(&req)?,
    };
    let who = caller.0.clone();
    let (incident, entries) = write(&state, move |conn, ctx, now| {
        app::tmf621::patch_ticket(conn, &who, patch, ctx, now)
    })
    .await?;
    let version = incident.version;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(version)))
        .json(view(&state, &caller, incident, &entries)))
}

/// Delete a trouble ticket: not served.
///
/// TMF621 `deleteTroubleTicket`. A ticket is a record of what happened to a service and is never
/// deleted: this answers 405 with the reason, and `Allow` lists the methods served. Withdraw a
/// ticket with `PATCH` `status` `cancelled` (before work starts) or close it with `closed`.
#[utoipa::path(
    tag = "TMF621 trouble tickets",
    operation_id = "deleteTroubleTicket",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Ticket reference", example = "1-0000000042")),
    responses(
        (status = 405, description = "Tickets are never deleted.",
            headers(("Allow" = String, description = "The methods served: GET, PATCH"))),
    )
)]
#[delete("/troubleTicket/{id}")]
pub async fn delete_trouble_ticket(_caller: Authenticated, req: HttpRequest) -> HttpResponse {
    let mut response = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "trouble tickets are never deleted; to withdraw one, PATCH its status to 'cancelled' \
         (before work starts) or 'closed'",
    )
    .error_response();
    let allow = allowed_methods(req.path()).unwrap_or_default().join(", ");
    if let Ok(value) = header::HeaderValue::from_str(&allow) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}
