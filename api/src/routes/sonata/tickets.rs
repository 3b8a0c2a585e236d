//! `GET|POST /troubleTicket`, `GET|PATCH /troubleTicket/{id}` and the task operations
//! `POST /troubleTicket/{id}/cancel|close|reopen` of MEF 124.

use std::collections::HashSet;

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use domain::{Caller, MajorIncident, TicketRef};
use serde::Deserialize;
use utoipa::IntoParams;
use validator::Validate;

use super::model::*;
use super::{buyer_matches, render_find, render_ticket, BuyerSeller, TAG};
use crate::http::caller::{gate, Authenticated, Permit};
use crate::http::error::ApiError;
use crate::http::etag::if_match_version;
use crate::routes::attachments;
use crate::routes::incidents::ticket_from_path;
use crate::routes::tmf621::facts::{self, EntityInput, NewTicket, PartyInput, TicketFacts};
use crate::routes::tmf621::flow;
use crate::state::{read, write, AppState};

/// How many tickets a status filter that needs each ticket's timeline reads at most.
const REFINED_MAX: i64 = 1000;

/// A ticket with what MEF 124 needs beside its facts: the authors on the buyer's side, and its
/// major incident.
pub struct Seen {
    pub facts: TicketFacts,
    pub version: i64,
    pub buyers: HashSet<String>,
    pub parent: Option<MajorIncident>,
}

fn seen_of(
    conn: &mut app::Conn,
    state_sla: &domain::SlaPolicy,
    caller: &Caller,
    (incident, entries, files): app::tmf621::TicketView,
) -> Result<Seen, app::AppError> {
    let buyers = app::sonata::buyer_authors(
        conn,
        entries
            .iter()
            .filter(|e| e.kind == domain::EntryKind::Note)
            .map(|e| e.author.as_str()),
    )?;
    let parent = match incident.parent_ticket {
        Some(p) => match app::major_incidents::get(conn, caller, p) {
            Ok((major, _)) => Some(major),
            Err(app::AppError::NotFound(_)) => None,
            Err(e) => return Err(e),
        },
        None => None,
    };
    let version = incident.version;
    let facts = facts::facts(
        incident,
        &entries,
        files,
        state_sla,
        !caller.role.is_customer_side(),
        app::now(),
    );
    Ok(Seen {
        facts,
        version,
        buyers,
        parent,
    })
}

/// The ticket at `path` as the caller sees it, if `ids` (its `buyerId`/`sellerId`) allow.
async fn get_seen(
    state: &web::Data<AppState>,
    caller: &Caller,
    path: &str,
    ids: &BuyerSeller,
) -> Result<Seen, ApiError> {
    ids.check()?;
    // Under MEF 124 an "incident" is a major incident: a ticket not found is a trouble ticket.
    let not_found = |e: ApiError| match e.code() {
        "not_found" => ApiError::not_found("trouble ticket"),
        _ => e,
    };
    let ticket = ticket_from_path(path).map_err(not_found)?;
    let who = caller.clone();
    let sla = state.sla().clone();
    let seen = read(state, move |conn| {
        let view = app::tmf621::get_ticket(conn, &who, ticket)?;
        seen_of(conn, &sla, &who, view)
    })
    .await
    .map_err(not_found)?;
    if !ids.admit(&seen.facts.customer, &state.settings.seller.id) {
        return Err(ApiError::not_found("trouble ticket"));
    }
    Ok(seen)
}

fn ticket_answer(status: StatusCode, seen: Seen, location: bool) -> HttpResponse {
    let version = seen.version;
    let body = render_ticket(seen);
    let location = location.then(|| body.href.clone());
    flow::ticket_answer(
        status,
        version,
        location,
        serde_json::to_value(body).unwrap_or_default(),
    )
}

/// MEF 124 list filters, paging and the buyer/seller of the request.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TicketQuery {
    /// The buyer's own reference.
    #[serde(rename = "externalId")]
    #[param(max_length = 100)]
    pub external_id: Option<String>,
    /// Ours (we keep one priority).
    pub priority: Option<MefPriority>,
    #[serde(rename = "sellerPriority")]
    pub seller_priority: Option<MefPriority>,
    /// Ours (we keep one severity: the impact).
    pub severity: Option<MefSeverity>,
    #[serde(rename = "sellerSeverity")]
    pub seller_severity: Option<MefSeverity>,
    /// Every ticket here is `assistance`; another type matches none.
    #[serde(rename = "ticketType")]
    pub ticket_type: Option<MefTicketType>,
    pub status: Option<MefTicketStatus>,
    #[serde(rename = "observedImpact")]
    pub observed_impact: Option<MefObservedImpact>,
    /// The affected product's id (our service id).
    #[serde(rename = "relatedEntityId")]
    #[param(max_length = 100)]
    pub related_entity_id: Option<String>,
    /// `Product` (default) or `Service`; any other type matches none.
    #[serde(rename = "relatedEntityType")]
    #[param(max_length = 32)]
    pub related_entity_type: Option<String>,
    #[serde(rename = "creationDate.gt")]
    pub creation_date_gt: Option<DateTime<Utc>>,
    #[serde(rename = "creationDate.lt")]
    pub creation_date_lt: Option<DateTime<Utc>>,
    #[serde(rename = "expectedResolutionDate.gt")]
    pub expected_resolution_date_gt: Option<DateTime<Utc>>,
    #[serde(rename = "expectedResolutionDate.lt")]
    pub expected_resolution_date_lt: Option<DateTime<Utc>>,
    #[serde(rename = "resolutionDate.gt")]
    pub resolution_date_gt: Option<DateTime<Utc>>,
    #[serde(rename = "resolutionDate.lt")]
    pub resolution_date_lt: Option<DateTime<Utc>>,
    /// The buyer (customer number): a customer's own, or for provider staff any.
    #[serde(rename = "buyerId")]
    #[param(max_length = 32)]
    pub buyer_id: Option<String>,
    /// Ours (`SELLER_ID`); another seller's matches none.
    #[serde(rename = "sellerId")]
    #[param(max_length = 100)]
    pub seller_id: Option<String>,
    /// How many matching tickets to skip (newest first), default 0.
    #[param(minimum = 0, maximum = 1000000)]
    pub offset: Option<i64>,
    /// Tickets per answer (default 25); more than 100 is throttled to 100.
    #[param(minimum = 1)]
    pub limit: Option<i32>,
}

/// The filter a query stands for; `None` when it can match nothing.
fn filter_of(
    q: &TicketQuery,
    caller: &Caller,
    seller: &str,
) -> Result<Option<app::incidents::IncidentFilter>, ApiError> {
    let mut filter = app::incidents::IncidentFilter::default();
    let ids = BuyerSeller {
        buyer_id: q.buyer_id.clone(),
        seller_id: q.seller_id.clone(),
    };
    if !ids.seller_matches(seller) {
        return Ok(None);
    }
    if let Some(buyer) = ids.buyer_id.as_deref().map(str::trim) {
        match caller.tenant_scope() {
            Some(own) if own.as_str() != buyer => return Ok(None),
            Some(_) => {}
            None => match domain::CustomerNumber::parse(buyer) {
                Ok(number) => filter.customer_number = Some(number),
                Err(_) => return Ok(None),
            },
        }
    }
    if q.ticket_type
        .is_some_and(|t| t != MefTicketType::Assistance)
    {
        return Ok(None);
    }
    if let (Some(a), Some(b)) = (q.priority, q.seller_priority) {
        if a != b {
            return Ok(None);
        }
    }
    if let (Some(a), Some(b)) = (q.severity, q.seller_severity) {
        if a != b {
            return Ok(None);
        }
    }
    if let Some(t) = q.related_entity_type.as_deref() {
        if !["product", "service"].contains(&t.trim().to_ascii_lowercase().as_str()) {
            return Ok(None);
        }
    }
    filter.priority = q
        .priority
        .or(q.seller_priority)
        .map(|p| domain::mef::parse_priority(p.as_str()))
        .transpose()?;
    filter.impact = q
        .severity
        .or(q.seller_severity)
        .map(|s| domain::mef::impact_of_severity(s.as_str()))
        .transpose()?;
    if let Some(observed) = q.observed_impact {
        filter.impacts = domain::Impact::ALL
            .iter()
            .copied()
            .filter(|i| domain::mef::observed_impact_of(*i) == observed.as_str())
            .collect();
    }
    if let Some(status) = q.status {
        filter.statuses = domain::mef::statuses_of(status.as_str())?.to_vec();
    }
    filter.external_id = q.external_id.as_deref().map(|e| e.trim().to_owned());
    filter.service_id = match q.related_entity_id.as_deref().map(str::trim) {
        Some(id) => match domain::ServiceId::parse(id) {
            Ok(id) => Some(id),
            Err(_) => return Ok(None),
        },
        None => None,
    };
    filter.logged_after = q.creation_date_gt;
    filter.logged_before = q.creation_date_lt;
    filter.resolved_after = q.resolution_date_gt;
    filter.resolved_before = q.resolution_date_lt;
    filter.restore_due_after = q.expected_resolution_date_gt;
    filter.restore_due_before = q.expected_resolution_date_lt;
    Ok(Some(filter))
}

/// Whether a status filter is finer than our statuses: an open ticket may read as
/// `assessingCancellation`, an in-progress one as `reopened`, which only its timeline tells.
fn refined(status: Option<MefTicketStatus>) -> bool {
    use MefTicketStatus as S;
    matches!(
        status,
        Some(S::Acknowledged | S::InProgress | S::Pending | S::Reopened | S::AssessingCancellation)
    )
}

/// List or find trouble tickets (MEF 124).
///
/// MEF 124 `listTroubleTicket`. A buyer sees its own tickets, provider staff every buyer's
/// (narrow with `buyerId`), newest first. Every filter of the document is offered (combined with
/// AND); `priority` and `sellerPriority` are both our priority, `severity` and
/// `sellerSeverity` our impact. `X-Total-Count` is how many match, `X-Result-Count` how many
/// this answer holds; a `limit` above 100 is throttled to 100 (`X-Pagination-Throttled: true`).
/// A status only a ticket's timeline tells (`acknowledged`, `inProgress`, `pending`,
/// `reopened`, `assessingCancellation`) is judged on at most 1000 tickets: narrow the query when
/// more match (400).
#[utoipa::path(
    tag = TAG,
    operation_id = "listTroubleTicketMef",
    security(("bearer" = [])),
    params(TicketQuery),
    responses(
        (status = 200, description = "Matching tickets.", body = Vec<MefTroubleTicketFind>,
            headers(
                ("X-Total-Count" = i64, description = "How many tickets match"),
                ("X-Result-Count" = i64, description = "How many tickets this answer holds"),
                ("X-Pagination-Throttled" = bool, description = "The page was cut to 100"),
            )),
    )
)]
#[get("/troubleTicket")]
pub async fn list_trouble_tickets(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<TicketQuery>,
) -> Result<HttpResponse, ApiError> {
    super::check_lengths(&[
        ("externalId", query.external_id.as_deref(), 100),
        ("relatedEntityId", query.related_entity_id.as_deref(), 100),
        (
            "relatedEntityType",
            query.related_entity_type.as_deref(),
            32,
        ),
        ("buyerId", query.buyer_id.as_deref(), 32),
        ("sellerId", query.seller_id.as_deref(), 100),
    ])?;
    let (offset, limit, throttled) = super::paging(query.offset, query.limit)?;
    let Some(filter) = filter_of(&query, &caller, &state.settings.seller.id)? else {
        return Ok(listed(0, Vec::new(), throttled));
    };
    let who = caller.0.clone();
    let wanted = query.status;
    let (first, count) = if refined(wanted) {
        (0, REFINED_MAX + 1)
    } else {
        (offset, limit)
    };
    let (total, views) = read(&state, move |conn| {
        app::tmf621::list_tickets(conn, &who, filter, first, count)
    })
    .await?;
    let staff = !caller.role.is_customer_side();
    let now = app::now();
    let page = views
        .into_iter()
        .map(|(i, e, files)| facts::facts(i, &e, files, state.sla(), staff, now));
    let (total, page): (i64, Vec<TicketFacts>) = if refined(wanted) {
        if total > REFINED_MAX {
            return Err(ApiError::field(
                "status",
                "too_many",
                format!(
                    "{total} tickets are {}; narrow the query (buyerId, dates, severity) to at \
                     most {REFINED_MAX}",
                    query.status.map(|s| s.as_str()).unwrap_or_default()
                ),
            ));
        }
        let matching: Vec<TicketFacts> = page
            .filter(|f| Some(super::ticket_status(f)) == wanted)
            .collect();
        let total = matching.len() as i64;
        let page = matching
            .into_iter()
            .skip(offset as usize)
            .take(limit as usize)
            .collect();
        (total, page)
    } else {
        (total, page.collect())
    };
    let items = page
        .into_iter()
        .map(|f| serde_json::to_value(render_find(f)).unwrap_or_default())
        .collect();
    Ok(listed(total, items, throttled))
}

/// A page, with Sonata's `X-Pagination-Throttled` beside the counts.
pub(super) fn listed(total: i64, items: Vec<serde_json::Value>, throttled: bool) -> HttpResponse {
    let mut answer = flow::listed(total, items);
    answer.headers_mut().insert(
        actix_web::http::header::HeaderName::from_static("x-pagination-throttled"),
        actix_web::http::header::HeaderValue::from_static(if throttled { "true" } else { "false" }),
    );
    answer
}

/// Retrieve a trouble ticket (MEF 124).
///
/// MEF 124 `retrieveTroubleTicket`. The `id` is our ticket reference. Another buyer's ticket,
/// or one whose buyer or seller is not the `buyerId`/`sellerId` given, answers 404.
#[utoipa::path(
    tag = TAG,
    operation_id = "retrieveTroubleTicketMef",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "Ticket reference", example = "1-0000000042"),
        BuyerSeller,
    ),
    responses(
        (status = 200, description = "The ticket.", body = MefTroubleTicket,
            headers(("ETag" = String, description = "Version of the ticket"))),
    )
)]
#[get("/troubleTicket/{id}")]
pub async fn get_trouble_ticket(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    ids: web::Query<BuyerSeller>,
) -> Result<HttpResponse, ApiError> {
    let seen = get_seen(&state, &caller, &path, &ids).await?;
    Ok(ticket_answer(StatusCode::OK, seen, false))
}

/// An attribute this API does not take: accepted only as an empty list.
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

/// The person to call back among the contacts: role `reporter`, else the first.
fn reporter_of(contacts: &[MefContact]) -> Option<&MefContact> {
    contacts
        .iter()
        .find(|c| c.role.trim().eq_ignore_ascii_case("reporter"))
        .or(contacts.first())
}

/// Create a trouble ticket (MEF 124).
///
/// MEF 124 `createTroubleTicket`: an ordinary incident (reference `1-…`), visible through
/// `/api/v1` and TMF621 too. Required by the document: `description`, `severity` (which sets our
/// impact and priority), `observedImpact` (agreeing with it), `priority` (the buyer's wish,
/// recorded in the first note), `ticketType` `assistance`, one `relatedEntity` (the affected
/// product: `@referredType` `Product` with our service id; `ProductOrder` with the order number
/// or `Resource` with the circuit reference also name it), and `relatedContactInformation` (the
/// person to call back: role `reporter`, else the first). `issueStartDate` is recorded in the
/// first note, `note` entries become public notes. A product that is not the buyer's answers
/// 422 exactly like one that does not exist.
#[utoipa::path(
    tag = TAG,
    operation_id = "createTroubleTicketMef",
    security(("bearer" = [])),
    params(BuyerSeller),
    request_body = MefTroubleTicketCreate,
    responses(
        (status = 201, description = "Ticket logged.", body = MefTroubleTicket,
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
    ids: web::Query<BuyerSeller>,
    body: crate::http::json::Json<MefTroubleTicketCreate>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    ids.check()?;
    let body = body.into_inner();
    buyer_matches(&caller, &ids, &state.settings.seller.id)?;
    only_empty(
        "relatedIssue",
        body.related_issue.as_ref(),
        "the link to a major network incident is made by the service desk",
    )?;
    if body.ticket_type != MefTicketType::Assistance {
        return Err(ApiError::field(
            "ticketType",
            "unsupported",
            format!(
                "'{}' tickets are not handled here; use 'assistance' (plan maintenance through \
                 /api/v1/maintenance-requests)",
                body.ticket_type.as_str()
            ),
        ));
    }
    let impact = domain::mef::impact_of_severity(body.severity.as_str())?;
    domain::mef::check_observed_impact(impact, body.observed_impact.as_str())?;
    let reporter = reporter_of(&body.related_contact_information).ok_or_else(|| {
        ApiError::field(
            "relatedContactInformation",
            "required",
            "name the person to call back",
        )
    })?;
    let mut first = format!(
        "Raised through MEF 124: the buyer asks for priority {}, observes the service {}",
        body.priority.as_str(),
        body.observed_impact.as_str()
    );
    if let Some(since) = body.issue_start_date {
        first.push_str(&format!(", since {}", since.to_rfc3339()));
    }
    let mut notes = vec![first];
    notes.extend(body.note.unwrap_or_default().into_iter().map(|n| n.text));
    let files = MefAttachmentInput::new_files(body.attachment)?;
    let new = NewTicket {
        name: None,
        description: body.description,
        severity: impact.as_str().to_owned(),
        ticket_type: "incident".to_owned(),
        priority: None,
        external_id: body.external_id,
        entities: body
            .related_entity
            .into_iter()
            .map(|e| EntityInput {
                id: e.id,
                role: e.role,
                referred_type: e.referred_type,
            })
            .collect(),
        parties: vec![PartyInput {
            id: reporter.email_address.clone(),
            role: Some("reporter".to_owned()),
            name: Some(reporter.name.clone()),
            email: Some(reporter.email_address.clone()),
            phone: Some(reporter.number.clone()),
        }],
        notes,
        files: Vec::new(),
    };
    let (raise, notes) = facts::raise_of(new).map_err(rename_fields)?;
    let stored = attachments::store_inline(&state, "attachment", files).await?;
    let hashes: Vec<String> = stored.iter().map(|f| f.sha256.clone()).collect();
    let who = caller.0.clone();
    let sla = state.sla().clone();
    let seen = write(&state, move |conn, ctx, now| {
        let view = app::tmf621::create_ticket(conn, &who, raise, notes, stored, ctx, now)?;
        seen_of(conn, &sla, &who, view)
    })
    .await;
    if seen.is_err() {
        attachments::forget(&state, hashes).await;
    }
    let seen = seen?;
    Ok(ticket_answer(StatusCode::CREATED, seen, true))
}

/// TMF621's names for what Sonata calls otherwise.
fn rename_fields(e: ApiError) -> ApiError {
    if e.detail().starts_with("relatedParty") {
        return ApiError::field(
            "relatedContactInformation",
            "invalid",
            e.detail()
                .trim_start_matches("relatedParty")
                .trim_start_matches(": ")
                .to_owned(),
        );
    }
    e
}

/// Update a trouble ticket (MEF 124).
///
/// MEF 124 `patchTroubleTicket`: adds the notes not on the ticket yet (by `id` and `text`) and
/// sets `externalId`, in one transaction. `severity`, `observedImpact`,
/// `relatedContactInformation` may be sent back as the ticket has them, not changed; `priority`
/// is the service desk's to change. The status moves through the task operations. Honours
/// `If-Match`; a stale one answers 409.
#[utoipa::path(
    tag = TAG,
    operation_id = "patchTroubleTicketMef",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "Ticket reference", example = "1-0000000042"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read"),
        BuyerSeller,
    ),
    request_body = MefTroubleTicketUpdate,
    responses(
        (status = 200, description = "The updated ticket.", body = MefTroubleTicket,
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
    ids: web::Query<BuyerSeller>,
    body: crate::http::json::Json<MefTroubleTicketUpdate>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let body = body.into_inner();
    only_empty(
        "relatedIssue",
        body.related_issue.as_ref(),
        "the link to a major network incident is made by the service desk",
    )?;
    if body.issue_start_date.is_some() {
        return Err(ApiError::field(
            "issueStartDate",
            "unsupported",
            "recorded at creation; add a note to correct it",
        ));
    }
    let expected_version = if_match_version(&req)?;
    let current = get_seen(&state, &caller, &path, &ids).await?;
    let f = &current.facts;
    if let Some(s) = body.severity {
        if domain::mef::impact_of_severity(s.as_str())? != f.impact {
            return Err(ApiError::field(
                "severity",
                "unsupported",
                "the severity is fixed at creation; add a note to tell the service desk",
            ));
        }
    }
    if let Some(o) = body.observed_impact {
        if o.as_str() != domain::mef::observed_impact_of(f.impact) {
            return Err(ApiError::field(
                "observedImpact",
                "unsupported",
                "the observed impact is fixed at creation; add a note to tell the service desk",
            ));
        }
    }
    if let Some(contacts) = &body.related_contact_information {
        let reporter = f.parties.iter().find(|p| p.role == "reporter");
        let same = contacts.iter().all(|c| {
            reporter.is_some_and(|r| {
                r.email
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(c.email_address.trim()))
            })
        });
        if !same {
            return Err(ApiError::field(
                "relatedContactInformation",
                "unsupported",
                "the person to call back is fixed at creation",
            ));
        }
    }
    let priority = match body.priority {
        Some(p) if domain::mef::parse_priority(p.as_str())? != f.our_priority => {
            Some(domain::mef::parse_priority(p.as_str())?)
        }
        _ => None,
    };
    let existing: Vec<(&str, &str)> = f
        .notes
        .iter()
        .map(|n| (n.id.as_str(), n.text.as_str()))
        .collect();
    let notes: Vec<String> = body
        .note
        .unwrap_or_default()
        .into_iter()
        .filter(|n| {
            !existing
                .iter()
                .any(|(id, text)| n.id.as_deref() == Some(*id) && n.text == *text)
        })
        .map(|n| n.text.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect();
    let patch = app::tmf621::TicketPatch {
        ticket: f.ticket,
        notes,
        external_id: body.external_id.map(|e| e.trim().to_owned()),
        priority,
        status: None,
        status_change_reason: None,
        resolution: None,
        expected_version,
    };
    let files = MefAttachmentInput::new_files(body.attachment)?;
    let stored = attachments::store_inline(&state, "attachment", files).await?;
    let hashes: Vec<String> = stored.iter().map(|f| f.sha256.clone()).collect();
    let who = caller.0.clone();
    let sla = state.sla().clone();
    let seen = write(&state, move |conn, ctx, now| {
        let view = app::tmf621::patch_ticket_with_files(conn, &who, patch, stored, ctx, now)?;
        seen_of(conn, &sla, &who, view)
    })
    .await;
    if seen.is_err() {
        attachments::forget(&state, hashes).await;
    }
    let seen = seen?;
    Ok(ticket_answer(StatusCode::OK, seen, false))
}

async fn run_task(
    state: &web::Data<AppState>,
    caller: &Caller,
    path: &str,
    ids: &BuyerSeller,
    task: app::sonata::Task,
    reason: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let ticket: TicketRef = get_seen(state, caller, path, ids).await?.facts.ticket;
    let who = caller.clone();
    write(state, move |conn, ctx, now| {
        app::sonata::task(conn, &who, ticket, task, reason, ctx, now)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Cancel a trouble ticket (MEF 124).
///
/// MEF 124 `cancelTroubleTicket`. A buyer's request to cancel: the ticket reads
/// `assessingCancellation` until the service desk cancels it or carries on (a status move);
/// asking again meanwhile changes nothing. The service desk's own `cancel` cancels at once. A
/// resolved, closed or cancelled ticket answers 422 `otherIssue`.
#[utoipa::path(
    tag = TAG,
    operation_id = "cancelTroubleTicketMef",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "Ticket reference", example = "1-0000000042"),
        BuyerSeller,
    ),
    responses(
        (status = 204, description = "Requested (a buyer) or cancelled (the service desk)."),
        (status = 403, response = crate::http::error::Forbidden),
        (status = 409, response = crate::http::error::Conflict),
    )
)]
#[post("/troubleTicket/{id}/cancel")]
pub async fn cancel_trouble_ticket(
    state: web::Data<AppState>,
    caller: Permit<gate::FollowIncident>,
    path: web::Path<String>,
    ids: web::Query<BuyerSeller>,
) -> Result<HttpResponse, ApiError> {
    run_task(
        &state,
        &caller,
        &path,
        &ids,
        app::sonata::Task::Cancel,
        None,
    )
    .await
}

/// Close a trouble ticket (MEF 124).
///
/// MEF 124 `closeTroubleTicket`: the buyer confirms the resolution of a `resolved` ticket; any
/// other status answers 422 `otherIssue`.
#[utoipa::path(
    tag = TAG,
    operation_id = "closeTroubleTicketMef",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "Ticket reference", example = "1-0000000042"),
        BuyerSeller,
    ),
    responses(
        (status = 204, description = "Closed."),
        (status = 403, response = crate::http::error::Forbidden),
        (status = 409, response = crate::http::error::Conflict),
    )
)]
#[post("/troubleTicket/{id}/close")]
pub async fn close_trouble_ticket(
    state: web::Data<AppState>,
    caller: Permit<gate::FollowIncident>,
    path: web::Path<String>,
    ids: web::Query<BuyerSeller>,
) -> Result<HttpResponse, ApiError> {
    run_task(&state, &caller, &path, &ids, app::sonata::Task::Close, None).await
}

/// Reopen a trouble ticket (MEF 124).
///
/// MEF 124 `reopenTroubleTicket`: the buyer still observes the issue on a `resolved` ticket,
/// which goes back to the service desk (`reopened`) with the `reason`; any other status answers
/// 422 `otherIssue`.
#[utoipa::path(
    tag = TAG,
    operation_id = "reopenTroubleTicketMef",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "Ticket reference", example = "1-0000000042"),
        BuyerSeller,
    ),
    request_body = MefReason,
    responses(
        (status = 204, description = "Reopened."),
        (status = 403, response = crate::http::error::Forbidden),
        (status = 409, response = crate::http::error::Conflict),
    )
)]
#[post("/troubleTicket/{id}/reopen")]
pub async fn reopen_trouble_ticket(
    state: web::Data<AppState>,
    caller: Permit<gate::FollowIncident>,
    path: web::Path<String>,
    ids: web::Query<BuyerSeller>,
    body: crate::http::json::Json<MefReason>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let reason = Some(body.into_inner().reason);
    run_task(
        &state,
        &caller,
        &path,
        &ids,
        app::sonata::Task::Reopen,
        reason,
    )
    .await
}
