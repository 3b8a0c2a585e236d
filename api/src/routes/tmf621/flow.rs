//! The steps every TMF621 version's operation takes, once: check the paging and filters, call the
//! use case, and answer with the version's rendering of the ticket's [`TicketFacts`]. Each
//! version's handlers only read their body into the neutral input and render the facts.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use app::events::StreamedEvent as Event;
use app::incidents::IncidentFilter;
use app::tmf621::TicketPatch;
use app::webhooks::{Subscribe, Subscription};
use app::{AppError, Store};
use domain::tmf::{self, TmfStatus};
use domain::{Caller, SlaPolicy, TicketRef};
use serde_json::Value;

use super::facts::{self, NewTicket, TicketChange, TicketFacts};
use crate::http::error::ApiError;
use crate::http::etag::{etag, if_match_version};
use crate::http::middleware::unrouted::allowed_methods;
use crate::routes::attachments;
use crate::routes::incidents::ticket_from_path;
use crate::state::{read, write, AppState};

const DEFAULT_LIMIT: i64 = 25;
const MAX_LIMIT: i64 = 100;

/// A list request, in no version's names.
#[derive(Debug, Default)]
pub struct ListRequest<'a> {
    pub offset: Option<i64>,
    pub limit: Option<i64>,
    /// TMF621 statuses, comma-separated.
    pub status: Option<&'a str>,
    pub severity: Option<&'a str>,
    pub priority: Option<&'a str>,
    pub ticket_type: Option<&'a str>,
    pub external_id: Option<&'a str>,
    /// The query parameter that carries `external_id` in this version (for its errors).
    pub external_id_param: &'static str,
}

fn view(
    state: &web::Data<AppState>,
    caller: &Caller,
    (i, e, files): app::tmf621::TicketView,
) -> TicketFacts {
    facts::facts(
        i,
        &e,
        files,
        state.sla(),
        !caller.role.is_customer_side(),
        app::now(),
    )
}

/// The filter a query stands for; `None` when it can match nothing (a status with no
/// counterpart, a ticket type other than `incident`).
fn filter_of(q: &ListRequest) -> Result<Option<IncidentFilter>, ApiError> {
    for (name, value, max) in [
        ("status", q.status, 200),
        ("severity", q.severity, 32),
        ("priority", q.priority, 32),
        ("ticketType", q.ticket_type, 32),
        (q.external_id_param, q.external_id, 100),
    ] {
        if value.is_some_and(|v| v.chars().count() > max) {
            return Err(ApiError::field(
                name,
                "length",
                format!("at most {max} characters"),
            ));
        }
    }
    // Every value is judged before any of them can make the answer empty: a ticketType that
    // matches nothing must not let an invalid severity pass unrefused.
    let mut filter = IncidentFilter {
        impact: q.severity.map(tmf::impact_of_severity).transpose()?,
        priority: q.priority.map(tmf::parse_priority).transpose()?,
        ..Default::default()
    };
    if let Some(list) = q.status {
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
    if let Some(t) = q.ticket_type {
        if !t.trim().eq_ignore_ascii_case("incident") {
            return Ok(None);
        }
    }
    filter.external_id = q.external_id.map(|e| e.trim().to_owned());
    Ok(Some(filter))
}

/// The caller's matching tickets, newest first, and how many match in all.
pub async fn list(
    state: &web::Data<AppState>,
    caller: &Caller,
    q: ListRequest<'_>,
) -> Result<(i64, Vec<TicketFacts>), ApiError> {
    let offset = q.offset.unwrap_or(0);
    if !(0..=1_000_000).contains(&offset) {
        return Err(ApiError::field(
            "offset",
            "range",
            "offset must be between 0 and 1000000",
        ));
    }
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::field(
            "limit",
            "range",
            format!("limit must be between 1 and {MAX_LIMIT}"),
        ));
    }
    let Some(filter) = filter_of(&q)? else {
        return Ok((0, Vec::new()));
    };
    let who = caller.clone();
    let (total, page) = read(state, move |conn| {
        app::tmf621::list_tickets(conn, &who, filter, offset, limit)
    })
    .await?;
    let items = page.into_iter().map(|v| view(state, caller, v)).collect();
    Ok((total, items))
}

/// A page of tickets, with `X-Total-Count` and `X-Result-Count`.
pub fn listed(total: i64, items: Vec<Value>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("X-Total-Count", total.to_string()))
        .insert_header(("X-Result-Count", items.len().to_string()))
        .json(items)
}

/// The ticket at `path` as the caller may see it, and its version.
pub async fn get(
    state: &web::Data<AppState>,
    caller: &Caller,
    path: &str,
) -> Result<(i64, TicketFacts), ApiError> {
    let ticket = ticket_from_path(path)?;
    let who = caller.clone();
    let seen = read(state, move |conn| {
        app::tmf621::get_ticket(conn, &who, ticket)
    })
    .await?;
    Ok((seen.0.version, view(state, caller, seen)))
}

/// Logs the ticket; its version and facts.
pub async fn create(
    state: &web::Data<AppState>,
    caller: &Caller,
    mut new: NewTicket,
) -> Result<(i64, TicketFacts), ApiError> {
    let files = std::mem::take(&mut new.files);
    let (raise, notes) = facts::raise_of(new)?;
    let stored = attachments::store_inline(state, "attachment", files).await?;
    let hashes: Vec<String> = stored.iter().map(|f| f.sha256.clone()).collect();
    let who = caller.clone();
    let seen = write(state, move |conn, ctx, now| {
        app::tmf621::create_ticket(conn, &who, raise, notes, stored, ctx, now)
    })
    .await;
    if seen.is_err() {
        attachments::forget(state, hashes).await;
    }
    let seen = seen?;
    Ok((seen.0.version, view(state, caller, seen)))
}

/// A JSON Patch (`application/json-patch+json`, TMF's `application/json-patch-query+json`) is a
/// list of operations, not a merge patch: read as one it would do something else than asked.
/// It is not offered, so it is refused whatever its body.
fn refuse_json_patch(req: &HttpRequest) -> Result<(), ApiError> {
    let media = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if media.starts_with("application/json-patch") {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!(
                "{media} is not offered; send a JSON merge patch as \
                 application/merge-patch+json or application/json"
            ),
        ));
    }
    Ok(())
}

/// Applies a partner's changes to the ticket at `path` in one transaction (honouring
/// `If-Match`); its new version and facts. A JSON Patch is refused.
pub async fn patch(
    state: &web::Data<AppState>,
    caller: &Caller,
    req: &HttpRequest,
    path: &str,
    change: TicketChange,
) -> Result<(i64, TicketFacts), ApiError> {
    refuse_json_patch(req)?;
    let patch = TicketPatch {
        ticket: ticket_from_path(path)?,
        notes: change
            .notes
            .into_iter()
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .collect(),
        external_id: change.external_id.map(|e| e.trim().to_owned()),
        priority: change
            .priority
            .as_deref()
            .map(tmf::parse_priority)
            .transpose()?,
        status: change.status,
        status_change_reason: change.status_change_reason,
        resolution: change.resolution,
        expected_version: if_match_version(req)?,
    };
    let stored = attachments::store_inline(state, "attachment", change.files).await?;
    let hashes: Vec<String> = stored.iter().map(|f| f.sha256.clone()).collect();
    let who = caller.clone();
    let seen = write(state, move |conn, ctx, now| {
        app::tmf621::patch_ticket_with_files(conn, &who, patch, stored, ctx, now)
    })
    .await;
    if seen.is_err() {
        attachments::forget(state, hashes).await;
    }
    let seen = seen?;
    Ok((seen.0.version, view(state, caller, seen)))
}

/// A ticket's answer: `body` with its `ETag` (and, for a creation, its `Location`).
pub fn ticket_answer(
    status: StatusCode,
    version: i64,
    location: Option<String>,
    body: Value,
) -> HttpResponse {
    let mut answer = HttpResponse::build(status);
    answer.insert_header(("ETag", etag(version)));
    if let Some(location) = location {
        answer.insert_header(("Location", location));
    }
    answer.json(body)
}

/// `DELETE /troubleTicket/{id}`: tickets are never deleted; 405 with the reason, and `Allow`
/// the methods served.
pub fn never_deleted(req: &HttpRequest) -> HttpResponse {
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

/// Registers a hub listener of `format` after checking that its callback is a public address.
pub async fn register(
    state: &web::Data<AppState>,
    caller: &Caller,
    callback: &str,
    query: Option<String>,
    secret: Option<String>,
    format: &'static str,
) -> Result<Subscription, ApiError> {
    let callback = callback.trim().to_owned();
    let ctx = state.ctx.clone();
    // The callback is resolved and checked before any transaction is opened.
    let target = web::block(move || app::webhooks::check_target(&callback, &ctx))
        .await?
        .map_err(|e| ApiError::field("callback", "refused", e))?;
    let query = query.map(|q| q.trim().to_owned()).filter(|q| !q.is_empty());
    let new = Subscribe {
        target,
        event_types: match format {
            app::webhooks::MEF124 => domain::mef::parse_hub_query(query.as_deref())?,
            _ => tmf::parse_hub_query(query.as_deref())?,
        },
        customer_number: None,
        secret,
        format,
        query,
    };
    let who = caller.clone();
    write(state, move |conn, ctx, now| {
        app::webhooks::subscribe(conn, &who, new, ctx, now)
    })
    .await
}

/// A listener's id from the path; any other text names no listener.
fn listener_id(path: &str) -> Result<i64, ApiError> {
    path.trim()
        .parse()
        .map_err(|_| ApiError::not_found("listener"))
}

/// The hub listener of `format` at `path`.
pub async fn listener(
    state: &web::Data<AppState>,
    caller: &Caller,
    path: &str,
    format: &'static str,
) -> Result<Subscription, ApiError> {
    let id = listener_id(path)?;
    let who = caller.clone();
    read(state, move |conn| {
        app::webhooks::get_listener(conn, &who, id, format)
    })
    .await
}

/// Unregisters the hub listener of `format` at `path`; its delivery log is kept.
pub async fn unregister(
    state: &web::Data<AppState>,
    caller: &Caller,
    path: &str,
    format: &'static str,
) -> Result<(), ApiError> {
    let id = listener_id(path)?;
    let who = caller.clone();
    write(state, move |conn, _, now| {
        app::webhooks::unregister_listener(conn, &who, id, format, now)
    })
    .await?;
    Ok(())
}

/// A notification to a hub listener, in no version's shape.
pub struct Notice {
    pub event_type: &'static str,
    pub title: &'static str,
    pub description: String,
    pub facts: TicketFacts,
}

/// What listener `sub` is told about `event`, with the ticket as it is now; `None` when the
/// listener wants no notification for this event.
pub fn notice(
    store: &Store,
    sla: &SlaPolicy,
    sub: &Subscription,
    event: &Event,
) -> Result<Option<Notice>, AppError> {
    let Some(event_type) = app::notifications::tmf621_event_type(sub, event) else {
        return Ok(None);
    };
    let ticket = event
        .ticket_number
        .map(TicketRef::from_number)
        .transpose()
        .map_err(|e| AppError::Internal(e.to_string()))?
        .ok_or(AppError::NotFound("incident"))?;
    let (incident, entries, files) =
        store.read(|conn| app::tmf621::ticket_for_notification(conn, ticket))?;
    let staff = sub.customer_number.is_none();
    let facts = facts::facts(incident, &entries, files, sla, staff, app::now());
    let title = match event_type {
        tmf::CREATE_EVENT => "Trouble ticket created",
        tmf::STATUS_CHANGE_EVENT => "Trouble ticket status changed",
        tmf::RESOLVED_EVENT => "Trouble ticket resolved",
        _ => "Trouble ticket changed",
    };
    let description = event.payload["changes"]
        .as_array()
        .map(|c| {
            c.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("; ")
        })
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| format!("{title}: {}", facts.ticket));
    Ok(Some(Notice {
        event_type,
        title,
        description,
        facts,
    }))
}
