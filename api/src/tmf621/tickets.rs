//! `GET|POST /troubleTicket`, `GET|PATCH /troubleTicket/{id}`.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use domain::tmf::{self, StatusRequest, TmfStatus};
use domain::{
    DomainError, EntryKind, Incident, IncidentStatus, NewEntry, Reporter, ServiceLocator,
    TimelineEntry,
};
use persistence::incidents::{IncidentFilter, NewIncident};
use serde::Deserialize;
use utoipa::IntoParams;
use validator::Validate;

use super::model::{RelatedEntity, RelatedParty, TroubleTicket};
use super::{href, parse_fields, select, trouble_ticket, TroubleTicketCreate, TroubleTicketUpdate};
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::etag::{etag, if_match_version};
use crate::incidents::{
    actor_of, change_incident_with_entries, status_entry, ticket_from_path, ReporterInput,
};
use crate::state::{now, AppState};

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
fn filter_of(
    q: &TroubleTicketQuery,
    scope: Option<domain::CustomerNumber>,
) -> Result<Option<IncidentFilter>, ApiError> {
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
    let mut filter = IncidentFilter {
        scope,
        ..Default::default()
    };
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

/// Pairs tickets with their own entries out of one batch.
fn with_entries(
    tickets: Vec<Incident>,
    entries: Vec<(i64, TimelineEntry)>,
) -> Vec<(Incident, Vec<TimelineEntry>)> {
    let mut by_ticket: std::collections::HashMap<i64, Vec<TimelineEntry>> = Default::default();
    for (id, e) in entries {
        by_ticket.entry(id).or_default().push(e);
    }
    tickets
        .into_iter()
        .map(|t| {
            let own = by_ticket.remove(&t.id).unwrap_or_default();
            (t, own)
        })
        .collect()
}

fn view(
    state: &AppState,
    caller: &Authenticated,
    i: Incident,
    e: &[TimelineEntry],
) -> TroubleTicket {
    trouble_ticket(i, e, state.sla(), !caller.role.is_customer_side(), now())
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
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 422, response = crate::error::Unprocessable),
        (status = 503, response = crate::error::ServiceUnavailable),
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
    let filter = filter_of(&query, caller.tenant_scope().cloned())?;
    let db_state = state.clone();
    let (total, page) = match filter {
        None => (0, Vec::new()),
        Some(filter) => {
            web::block(move || {
                db_state.db.read(|conn| {
                    let total = persistence::incidents::count(conn, &filter)?;
                    let tickets =
                        persistence::incidents::list_offset(conn, &filter, offset, limit)?;
                    let ids: Vec<i64> = tickets.iter().map(|t| t.id).collect();
                    let entries = persistence::timeline::public_of(conn, &ids, super::VIEW_KINDS)?;
                    Ok((total, with_entries(tickets, entries)))
                })
            })
            .await??
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
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 404, response = crate::error::NotFound),
        (status = 422, response = crate::error::Unprocessable),
        (status = 503, response = crate::error::ServiceUnavailable),
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
    let scope = caller.tenant_scope().cloned();
    let db_state = state.clone();
    let (incident, entries) = web::block(move || {
        db_state.db.read(|conn| {
            let incident = persistence::incidents::get(conn, ticket, scope.as_ref())?;
            let entries =
                persistence::timeline::public_of(conn, &[incident.id], super::VIEW_KINDS)?;
            Ok((incident, entries))
        })
    })
    .await??;
    let version = incident.version;
    let entries: Vec<TimelineEntry> = entries.into_iter().map(|(_, e)| e).collect();
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
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 403, response = crate::error::Forbidden),
        (status = 415, response = crate::error::UnsupportedMediaType),
        (status = 422, response = crate::error::Unprocessable),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[post("/troubleTicket")]
pub async fn create_trouble_ticket(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: web::Json<TroubleTicketCreate>,
) -> Result<HttpResponse, ApiError> {
    if !caller.can_raise_incident() {
        return Err(ApiError::forbidden("your role does not raise incidents"));
    }
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
    let scope = caller.tenant_scope().cloned();
    let raised_by = caller.subject.clone();
    let db_state = state.clone();
    let (incident, entries) = web::block(move || {
        let at = now();
        db_state.db.write(|conn| {
            let incident = persistence::incidents::raise(
                conn,
                NewIncident {
                    locator: &locator,
                    summary: &summary,
                    description: &description,
                    impact,
                    reporter: &reporter,
                    raised_by: &raised_by,
                    external_id: external_id.as_deref(),
                },
                scope.as_ref(),
                db_state.sla(),
                at,
            )?;
            // The first notes belong to the creation: no separate change event.
            let first: Vec<NewEntry> = notes
                .iter()
                .map(|t| NewEntry::public(EntryKind::Note, &raised_by, t.clone()))
                .collect();
            persistence::timeline::append(conn, incident.id, &first, at)?;
            let entries =
                persistence::timeline::public_of(conn, &[incident.id], super::VIEW_KINDS)?;
            Ok((incident, entries))
        })
    })
    .await??;
    let entries: Vec<TimelineEntry> = entries.into_iter().map(|(_, e)| e).collect();
    let location = href(&incident.ticket);
    let version = incident.version;
    Ok(HttpResponse::Created()
        .insert_header(("Location", location))
        .insert_header(("ETag", etag(version)))
        .json(view(&state, &caller, incident, &entries)))
}

fn reason_required(why: &str) -> persistence::StoreError {
    DomainError::invalid("statusChangeReason", format!("required {why}")).into()
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
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
        (status = 409, response = crate::error::Conflict),
        (status = 412, response = crate::error::PreconditionFailed),
        (status = 415, response = crate::error::UnsupportedMediaType),
        (status = 422, response = crate::error::Unprocessable),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[patch("/troubleTicket/{id}")]
pub async fn patch_trouble_ticket(
    state: web::Data<AppState>,
    caller: Authenticated,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<TroubleTicketUpdate>,
) -> Result<HttpResponse, ApiError> {
    let ticket = ticket_from_path(&path)?;
    if !(caller.role.is_customer_side() || caller.works_incidents()) {
        return Err(ApiError::forbidden("your role does not change tickets"));
    }
    body.validate()?;
    let body = body.into_inner();
    if body.priority.is_some() && !caller.works_incidents() {
        return Err(ApiError::forbidden(
            "only the service desk changes priority",
        ));
    }
    let priority = body
        .priority
        .as_deref()
        .map(tmf::parse_priority)
        .transpose()?;
    let expected = if_match_version(&req)?;
    let actor = actor_of(&caller);
    let author = caller.subject.clone();
    let (incident, _) =
        change_incident_with_entries(&state, &caller, ticket, expected, move |incident, now| {
            let mut entries = Vec::new();
            let notes: Vec<String> = body
                .note
                .unwrap_or_default()
                .into_iter()
                .filter(|n| n.id.is_none())
                .map(|n| n.text.trim().to_owned())
                .filter(|t| !t.is_empty())
                .collect();
            if !notes.is_empty() {
                if !incident.status.is_open() {
                    return Err(DomainError::illegal_state(
                        "ticket_final",
                        format!(
                            "ticket {} is {}; it takes no more notes",
                            incident.ticket, incident.status
                        ),
                    )
                    .into());
                }
                incident.updated_at = now;
                entries.extend(
                    notes
                        .into_iter()
                        .map(|t| NewEntry::public(EntryKind::Note, &author, t)),
                );
            }
            if let Some(external) = body.external_id.map(|e| e.trim().to_owned()) {
                if incident.external_id.as_ref() != Some(&external) {
                    incident.external_id = Some(external);
                    incident.updated_at = now;
                }
            }
            if let Some(priority) = priority {
                if let Some(old) = incident.set_priority(priority, now)? {
                    entries.push(NewEntry::public(
                        EntryKind::PriorityChange,
                        &author,
                        format!("Priority changed from {old} to {priority}"),
                    ));
                }
            }
            if let Some(wanted) = body.status {
                let reason = body
                    .status_change_reason
                    .as_deref()
                    .map(str::trim)
                    .filter(|r| !r.is_empty());
                let change = match tmf::status_request(incident.status, wanted.into())? {
                    StatusRequest::Unchanged => None,
                    StatusRequest::Close => {
                        let reason = reason.ok_or_else(|| reason_required("to close"))?;
                        Some(incident.close(actor, reason, now)?)
                    }
                    StatusRequest::Move(to) => {
                        let needs_reason = match to {
                            IncidentStatus::PendingCustomer => Some("to set pending"),
                            IncidentStatus::Cancelled => Some("to cancel"),
                            IncidentStatus::InProgress
                                if incident.status == IncidentStatus::Resolved =>
                            {
                                Some("to reopen")
                            }
                            _ => None,
                        };
                        if let (Some(why), None) = (needs_reason, reason) {
                            return Err(reason_required(why));
                        }
                        let resolution = match (to, body.resolution) {
                            (IncidentStatus::Resolved, None) => return Err(DomainError::invalid(
                                "resolution",
                                "resolving needs the resolution extension: {\"cause\", \"fix\"}",
                            )
                            .into()),
                            (IncidentStatus::Resolved, Some(r)) => Some(domain::Resolution {
                                cause: r.cause.trim().to_owned(),
                                fix: r.fix.trim().to_owned(),
                            }),
                            _ => None,
                        };
                        // TMF621 reads `new` as `acknowledged` already, so the desk's first move
                        // from a new ticket acknowledges it on the way.
                        if incident.status == IncidentStatus::New
                            && actor == domain::Actor::ServiceDesk
                            && !matches!(
                                to,
                                IncidentStatus::Acknowledged | IncidentStatus::Cancelled
                            )
                        {
                            let ack = incident.transition(
                                actor,
                                IncidentStatus::Acknowledged,
                                None,
                                None,
                                now,
                            )?;
                            entries.push(status_entry(&author, &ack, incident));
                        }
                        Some(incident.transition(actor, to, reason, resolution, now)?)
                    }
                };
                if let Some(change) = change {
                    entries.push(status_entry(&author, &change, incident));
                }
            }
            Ok(entries)
        })
        .await?;
    let db_state = state.clone();
    let id = incident.id;
    let entries = web::block(move || {
        db_state
            .db
            .read(|conn| persistence::timeline::public_of(conn, &[id], super::VIEW_KINDS))
    })
    .await??;
    let entries: Vec<TimelineEntry> = entries.into_iter().map(|(_, e)| e).collect();
    let version = incident.version;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(version)))
        .json(view(&state, &caller, incident, &entries)))
}
