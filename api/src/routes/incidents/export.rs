//! `GET /incidents/export`: every ticket the list's filters select, in one download (issue 23),
//! as CSV or NDJSON by `Accept`.
//!
//! Streamed: the tickets are read a keyset page at a time ([`PAGE`] rows, the list's own query and
//! order) and each page is written out before the next is read, so memory stays flat however many
//! rows there are, and a ticket raised meanwhile makes no row skip or repeat. The first page is
//! read before the answer starts, so a failure there is still a problem+json; a failure later can
//! only cut the download short (the chunked body then never ends properly, which clients report).

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{get, web, HttpRequest, HttpResponse};
use app::incidents::IncidentFilter;
use app::Cursor;
use chrono::{DateTime, SecondsFormat, Utc};
use domain::{Caller, Incident};
use futures_util::stream::{self, StreamExt, TryStreamExt};
use serde::Serialize;

use super::{IncidentQuery, IncidentView};
use crate::http::caller::Authenticated;
use crate::http::error::ApiError;
use crate::http::tabular::{self, Format};
use crate::state::{read, AppState};

/// Tickets read and written per step.
const PAGE: usize = 500;

/// The CSV header: the ticket's fields as the list shows them, nested ones flattened.
pub const COLUMNS: &[&str] = &[
    "ticket_number",
    "status",
    "priority",
    "impact",
    "summary",
    "description",
    "service_id",
    "customer_number",
    "reporter_name",
    "reporter_email",
    "reporter_phone",
    "logged_at",
    "updated_at",
    "assignee_email",
    "response_due_at",
    "responded_at",
    "response_breached",
    "restore_due_at",
    "restore_remaining_seconds",
    "restore_breached",
    "at_risk",
    "paused",
    "stopped",
    "resolved_at",
    "resolution_cause",
    "resolution_fix",
    "closed_at",
    "close_reason",
    "parent_ticket_number",
    "escalation_level",
    "external_id",
    "version",
];

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn maybe_time(t: Option<DateTime<Utc>>) -> String {
    t.map(time).unwrap_or_default()
}

/// A value's JSON name (the enums' wire names).
fn name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

/// One ticket as a CSV record, in [`COLUMNS`]' order; free text neutralised.
fn record(v: &IncidentView) -> Vec<String> {
    let text = |s: &str| tabular::text(s).into_owned();
    let maybe_text = |s: &Option<String>| s.as_deref().map(text).unwrap_or_default();
    let row = vec![
        v.ticket_number.clone(),
        name(&v.status),
        name(&v.priority),
        name(&v.impact),
        text(&v.summary),
        text(&v.description),
        text(&v.service_id),
        text(&v.customer_number),
        text(&v.reporter.name),
        text(&v.reporter.email),
        text(&v.reporter.phone),
        time(v.logged_at),
        time(v.updated_at),
        maybe_text(&v.assignee_email),
        time(v.sla.response_due_at),
        maybe_time(v.sla.responded_at),
        v.sla.response_breached.to_string(),
        time(v.sla.restore_due_at),
        v.sla.restore_remaining_seconds.to_string(),
        v.sla.restore_breached.to_string(),
        v.sla.at_risk.to_string(),
        v.sla.paused.to_string(),
        v.sla.stopped.to_string(),
        maybe_time(v.resolved_at),
        v.resolution
            .as_ref()
            .map(|r| text(&r.cause))
            .unwrap_or_default(),
        v.resolution
            .as_ref()
            .map(|r| text(&r.fix))
            .unwrap_or_default(),
        maybe_time(v.closed_at),
        maybe_text(&v.close_reason),
        v.parent_ticket_number.clone().unwrap_or_default(),
        v.escalation_level.to_string(),
        maybe_text(&v.external_id),
        v.version.to_string(),
    ];
    debug_assert_eq!(row.len(), COLUMNS.len());
    row
}

/// What one page of tickets is written as.
fn render(
    tickets: Vec<Incident>,
    state: &AppState,
    staff: bool,
    at: DateTime<Utc>,
    format: Format,
) -> Result<Bytes, ApiError> {
    let views = tickets
        .into_iter()
        .map(|i| IncidentView::new(i, state.sla(), staff, at));
    match format {
        Format::Csv => tabular::csv_records(views.map(|v| record(&v))),
        Format::Ndjson => tabular::ndjson_lines(views),
    }
}

async fn page(
    state: &web::Data<AppState>,
    caller: &Caller,
    filter: &IncidentFilter,
    after: Option<Cursor>,
) -> Result<app::Page<Incident>, ApiError> {
    let (caller, filter) = (caller.clone(), filter.clone());
    read(state, move |conn| {
        app::incidents::list(conn, &caller, filter, after, PAGE)
    })
    .await
}

/// Export incidents.
///
/// Every ticket the filters select — the same filters, tenancy and order as `GET /incidents`,
/// all pages in one download — as CSV (`text/csv`: RFC 4180, UTF-8, a header row; nested fields
/// flattened, e.g. `reporter_email`, `restore_due_at`; a cell starting with `=`, `+`, `-`, `@`,
/// tab or carriage return is prefixed with `'` so that a spreadsheet shows it as text) or NDJSON
/// (`application/x-ndjson`: each line one ticket exactly as the list shows it), by `Accept`
/// (CSV if it allows both or names neither type but `*/*`). The rows are streamed as they are
/// read: memory stays flat, and tickets raised during the download make no row skip or repeat.
#[utoipa::path(
    tag = "incidents",
    security(("bearer" = [])),
    params(IncidentQuery),
    responses(
        (status = 200, description = "The tickets, one row (or line) each.",
            content(
                (String = "text/csv", example = "ticket_number,status,priority,impact,summary,...\r\n1-0000000042,new,P1,service_down,Circuit down,...\r\n"),
                (IncidentView = "application/x-ndjson"),
            ),
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"incidents-<UTC time>.csv\"` (or `.ndjson`)"))),
        (status = 406, response = crate::http::error::NotAcceptable),
    )
)]
#[get("/incidents/export")]
pub async fn export_incidents(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<IncidentQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let format = Format::negotiate(&req)?;
    let query = query.into_inner();
    // `None`: a valid filter that selects nothing.
    let filter = if query.matches_nothing()? {
        None
    } else {
        Some(query.into_filter()?)
    };
    // One instant for every row's SLA figures (and the `breached`/`at_risk` filters).
    let at = filter.as_ref().and_then(|f| f.now).unwrap_or_else(app::now);
    let staff = !caller.role.is_customer_side();
    let caller: Caller = caller.0;
    let head = match format {
        Format::Csv => tabular::csv_records([COLUMNS])?,
        Format::Ndjson => Bytes::new(),
    };
    let (first, next) = match &filter {
        None => (Bytes::new(), None),
        Some(filter) => {
            let first = page(&state, &caller, filter, None).await?;
            (
                render(first.items, &state, staff, at, format)?,
                first.next_cursor,
            )
        }
    };
    let pages = stream::try_unfold(next, move |after| {
        let (state, caller, filter) = (state.clone(), caller.clone(), filter.clone());
        async move {
            let (Some(after), Some(filter)) = (after, filter) else {
                return Ok(None);
            };
            let page = page(&state, &caller, &filter, Some(after)).await?;
            let bytes = render(page.items, &state, staff, at, format)?;
            Ok::<_, ApiError>(Some((bytes, page.next_cursor)))
        }
    });
    let body = stream::iter([Ok::<_, ApiError>(head), Ok(first)])
        .chain(pages)
        .try_filter(|bytes| std::future::ready(!bytes.is_empty()))
        .map_err(|e| {
            log::error!("incident export cut short: {e}");
            actix_web::Error::from(e)
        });
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, format.content_type()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            tabular::disposition("incidents", at, format),
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .streaming(body))
}
