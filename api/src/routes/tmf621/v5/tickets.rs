//! `GET|POST /troubleTicket`, `GET|PATCH|DELETE /troubleTicket/{id}` in TMF621 v5.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use domain::Resolution;
use serde::Deserialize;
use utoipa::IntoParams;
use validator::Validate;

use super::model::{RelatedEntityV5, RelatedPartyV5, TroubleTicketV5};
use super::{href, trouble_ticket, TroubleTicketCreateV5, TroubleTicketUpdateV5, ATTRIBUTES};
use crate::http::caller::{gate, Authenticated, Permit};
use crate::http::error::ApiError;
use crate::routes::tmf621::facts::TicketChange;
use crate::routes::tmf621::facts::{parse_fields, select, EntityInput, NewTicket, PartyInput};
use crate::routes::tmf621::flow::{self, ListRequest};
use crate::state::AppState;

/// TMF621 v5 query: attribute selection, paging and attribute filters (combined with AND).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TroubleTicketQueryV5 {
    /// Comma-separated attributes to return; `id`, `href` and `@type` always are.
    #[param(
        max_length = 500,
        pattern = "^(id|href|@type|name|description|severity|priority|ticketType|status|statusChangeDate|statusChangeReason|creationDate|lastUpdate|expectedResolutionDate|resolutionDate|externalIdentifier|note|relatedEntity|relatedParty|statusChangeHistory|troubleTicketRelationship)(,(id|href|@type|name|description|severity|priority|ticketType|status|statusChangeDate|statusChangeReason|creationDate|lastUpdate|expectedResolutionDate|resolutionDate|externalIdentifier|note|relatedEntity|relatedParty|statusChangeHistory|troubleTicketRelationship))*$",
        example = "status,severity,externalIdentifier"
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
    /// The partner's identifier (`externalIdentifier.id`).
    #[serde(rename = "externalIdentifier.id")]
    #[param(max_length = 100, example = "ACME-INC-7781")]
    pub external_identifier_id: Option<String>,
}

/// Attribute selection for a single ticket.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FieldsQueryV5 {
    /// Comma-separated attributes to return; `id`, `href` and `@type` always are.
    #[param(
        max_length = 500,
        pattern = "^(id|href|@type|name|description|severity|priority|ticketType|status|statusChangeDate|statusChangeReason|creationDate|lastUpdate|expectedResolutionDate|resolutionDate|externalIdentifier|note|relatedEntity|relatedParty|statusChangeHistory|troubleTicketRelationship)(,(id|href|@type|name|description|severity|priority|ticketType|status|statusChangeDate|statusChangeReason|creationDate|lastUpdate|expectedResolutionDate|resolutionDate|externalIdentifier|note|relatedEntity|relatedParty|statusChangeHistory|troubleTicketRelationship))*$",
        example = "status,statusChangeHistory"
    )]
    pub fields: Option<String>,
}

/// List or find trouble tickets (TMF621 v5).
///
/// TMF621 v5 `listTroubleTicket`. Customers see their company's tickets, provider staff all,
/// newest first. Filter by `status`, `severity`, `priority`, `ticketType` and
/// `externalIdentifier.id`; page with `offset` and `limit`; choose attributes with `fields`.
/// `X-Total-Count` is how many match, `X-Result-Count` how many this answer holds. The
/// document's `before`, `after`, `sort` and `filter` (JSONPath) are not offered: like any unknown
/// query parameter they are refused, not ignored.
#[utoipa::path(
    tag = "TMF621 v5 trouble tickets",
    operation_id = "listTroubleTicketV5",
    security(("bearer" = [])),
    params(TroubleTicketQueryV5),
    responses(
        (status = 200, description = "Matching tickets.", body = Vec<TroubleTicketV5>,
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
    query: web::Query<TroubleTicketQueryV5>,
) -> Result<HttpResponse, ApiError> {
    let fields = parse_fields(query.fields.as_deref(), ATTRIBUTES)?;
    let (total, page) = flow::list(
        &state,
        &caller,
        ListRequest {
            offset: query.offset,
            limit: query.limit,
            status: query.status.as_deref(),
            severity: query.severity.as_deref(),
            priority: query.priority.as_deref(),
            ticket_type: query.ticket_type.as_deref(),
            external_id: query.external_identifier_id.as_deref(),
            external_id_param: "externalIdentifier.id",
        },
    )
    .await?;
    let items = page
        .into_iter()
        .map(|f| select(trouble_ticket(f), fields.as_deref()))
        .collect();
    Ok(flow::listed(total, items))
}

/// Retrieve a trouble ticket (TMF621 v5).
///
/// TMF621 v5 `retrieveTroubleTicket`. The `id` is our ticket reference (either form). Another
/// company's ticket answers 404.
#[utoipa::path(
    tag = "TMF621 v5 trouble tickets",
    operation_id = "retrieveTroubleTicketV5",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "Ticket reference", example = "1-0000000042"),
        FieldsQueryV5,
    ),
    responses(
        (status = 200, description = "The ticket.", body = TroubleTicketV5,
            headers(("ETag" = String, description = "Version of the ticket"))),
    )
)]
#[get("/troubleTicket/{id}")]
pub async fn get_trouble_ticket(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    query: web::Query<FieldsQueryV5>,
) -> Result<HttpResponse, ApiError> {
    let fields = parse_fields(query.fields.as_deref(), ATTRIBUTES)?;
    let (version, facts) = flow::get(&state, &caller, &path).await?;
    Ok(flow::ticket_answer(
        StatusCode::OK,
        version,
        None,
        select(trouble_ticket(facts), fields.as_deref()),
    ))
}

/// An attribute this API does not take: accepted only as an empty list, so that nothing a
/// partner sends is silently dropped.
fn only_empty(
    name: &str,
    list: Option<&Vec<serde_json::Value>>,
    why: &str,
) -> Result<(), ApiError> {
    match list {
        Some(items) if !items.is_empty() => Err(ApiError::field(
            name,
            "unsupported",
            format!("{why}; send an empty list or leave it out"),
        )),
        _ => Ok(()),
    }
}

/// The create request in no version's names.
fn new_ticket(body: TroubleTicketCreateV5) -> Result<NewTicket, ApiError> {
    Ok(NewTicket {
        files: super::super::inline_files(body.attachment)?,
        name: body.name,
        description: body.description,
        severity: body.severity,
        ticket_type: body.ticket_type,
        priority: body.priority,
        external_id: body
            .external_identifier
            .unwrap_or_default()
            .into_iter()
            .next()
            .map(|e| e.id),
        entities: body.related_entity.into_iter().map(entity_input).collect(),
        parties: body.related_party.into_iter().map(party_input).collect(),
        notes: body
            .note
            .unwrap_or_default()
            .into_iter()
            .map(|n| n.text)
            .collect(),
    })
}

fn entity_input(e: RelatedEntityV5) -> EntityInput {
    EntityInput {
        id: e.entity.id,
        role: e.role,
        referred_type: e.entity.referred_type,
    }
}

fn party_input(p: RelatedPartyV5) -> PartyInput {
    let party = p.party_or_party_role;
    let media = party.contact_medium.unwrap_or_default();
    PartyInput {
        email: media.iter().find_map(|m| m.email_address.clone()),
        phone: media.iter().find_map(|m| m.phone_number.clone()),
        id: party.id,
        role: Some(p.role),
        name: party.name,
    }
}

/// Create a trouble ticket (TMF621 v5).
///
/// TMF621 v5 `createTroubleTicket`: an ordinary incident (reference `1-…`), visible through
/// `/api/v1` and TMF621 v4 too. Required: `description`, `severity`, `ticketType` (`incident`),
/// the affected service as a `relatedEntity` (role `affectedService`; its `entity` with
/// `@referredType` `Service` and the service id, `ProductOrder` and the order number, or
/// `Resource` and the circuit reference) and a `relatedParty` with role `reporter` whose
/// `partyOrPartyRole` has a name, the email (as `id` or an `EmailContactMedium`) and a
/// `PhoneContactMedium` (the extension `contactMedium`). The priority follows the severity;
/// at most one `externalIdentifier` is kept. `note` entries become the first public notes. A
/// service that is not yours answers 400 exactly like one that does not exist.
#[utoipa::path(
    tag = "TMF621 v5 trouble tickets",
    operation_id = "createTroubleTicketV5",
    security(("bearer" = [])),
    request_body = TroubleTicketCreateV5,
    responses(
        (status = 201, description = "Ticket logged.", body = TroubleTicketV5,
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
    body: crate::http::json::Json<TroubleTicketCreateV5>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    only_empty(
        "troubleTicketCharacteristic",
        body.trouble_ticket_characteristic.as_ref(),
        "characteristics are not kept here",
    )?;
    only_empty(
        "troubleTicketRelationship",
        body.trouble_ticket_relationship.as_ref(),
        "the link to a major network incident is made by the service desk",
    )?;
    let (version, facts) = flow::create(&state, &caller, new_ticket(body.into_inner())?).await?;
    let location = href(&facts.ticket);
    Ok(flow::ticket_answer(
        StatusCode::CREATED,
        version,
        Some(location),
        select(trouble_ticket(facts), None),
    ))
}

/// Update a trouble ticket (TMF621 v5).
///
/// TMF621 v5 `patchTroubleTicket`, as a JSON merge patch (`application/merge-patch+json` or
/// `application/json`; JSON Patch is not offered). Changes `status` (with
/// `statusChangeReason`), `priority` (service desk), `externalIdentifier` (one), and adds `note`
/// entries that have no `id`; all in one transaction, or nothing. The moves each role may make
/// are those of TMF621 v4 (see its tag). Honours `If-Match`; a stale one answers 409.
#[utoipa::path(
    tag = "TMF621 v5 trouble tickets",
    operation_id = "patchTroubleTicketV5",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "Ticket reference", example = "1-0000000042"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read"),
    ),
    request_body(content(
        (TroubleTicketUpdateV5 = "application/merge-patch+json"),
        (TroubleTicketUpdateV5 = "application/json"),
    )),
    responses(
        (status = 200, description = "The updated ticket.", body = TroubleTicketV5,
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
    body: crate::http::json::Json<TroubleTicketUpdateV5>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let body = body.into_inner();
    for (name, list, why) in [
        (
            "relatedEntity",
            &body.related_entity,
            "the affected service is fixed at creation",
        ),
        (
            "relatedParty",
            &body.related_party,
            "the parties are fixed at creation",
        ),
        (
            "statusChangeHistory",
            &body.status_change_history,
            "the history is written by the server; change status instead",
        ),
        (
            "troubleTicketCharacteristic",
            &body.trouble_ticket_characteristic,
            "characteristics are not kept here",
        ),
        (
            "troubleTicketRelationship",
            &body.trouble_ticket_relationship,
            "the link to a major network incident is made by the service desk",
        ),
    ] {
        only_empty(name, list.as_ref(), why)?;
    }
    let change = TicketChange {
        status: body.status.map(Into::into),
        status_change_reason: body.status_change_reason,
        priority: body.priority,
        external_id: body
            .external_identifier
            .and_then(|ids| ids.into_iter().next())
            .map(|e| e.id),
        notes: body
            .note
            .unwrap_or_default()
            .into_iter()
            .filter(|n| n.id.is_none())
            .map(|n| n.text)
            .collect(),
        resolution: body.resolution.map(|r| Resolution {
            cause: r.cause,
            fix: r.fix,
        }),
        files: super::super::inline_files(body.attachment)?,
    };
    let (version, facts) = flow::patch(&state, &caller, &req, &path, change).await?;
    Ok(flow::ticket_answer(
        StatusCode::OK,
        version,
        None,
        select(trouble_ticket(facts), None),
    ))
}

/// Delete a trouble ticket (TMF621 v5): not served.
///
/// TMF621 v5 `deleteTroubleTicket`. A ticket is a record of what happened to a service and is
/// never deleted: this answers 405 with the reason, and `Allow` lists the methods served.
/// Withdraw a ticket with `PATCH` `status` `cancelled` (before work starts) or close it with
/// `closed`.
#[utoipa::path(
    tag = "TMF621 v5 trouble tickets",
    operation_id = "deleteTroubleTicketV5",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Ticket reference", example = "1-0000000042")),
    responses(
        (status = 405, description = "Tickets are never deleted.",
            headers(("Allow" = String, description = "The methods served: GET, PATCH"))),
    )
)]
#[delete("/troubleTicket/{id}")]
pub async fn delete_trouble_ticket(_caller: Authenticated, req: HttpRequest) -> HttpResponse {
    flow::never_deleted(&req)
}
