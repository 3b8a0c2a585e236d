//! RFO and Incident Report requests (R-INC7).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::{CustomerNumber, DocumentKind, DocumentRequest, DocumentStatus, Incident, TicketRef};

use crate::error::{corrupt, on_unique_violation};
use crate::schema::document_requests;
use crate::{from_db_time, to_db_time, Cursor, DbConnection, Page, StoreError};

#[derive(Queryable, Selectable)]
#[diesel(table_name = document_requests)]
struct DocumentRow {
    id: i64,
    incident_id: i64,
    ticket_number: i64,
    customer_number: String,
    kind: String,
    status: String,
    note: Option<String>,
    requested_by: String,
    requested_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    document_text: Option<String>,
    document_url: Option<String>,
    rejection_reason: Option<String>,
    version: i64,
    document_attachment_id: Option<i64>,
}

impl DocumentRow {
    fn into_domain(self) -> Result<(i64, DocumentRequest), StoreError> {
        Ok((
            self.incident_id,
            DocumentRequest {
                id: self.id,
                ticket: TicketRef::from_number(self.ticket_number).map_err(corrupt)?,
                customer_number: CustomerNumber::parse(&self.customer_number).map_err(corrupt)?,
                kind: DocumentKind::parse(&self.kind).map_err(corrupt)?,
                status: DocumentStatus::parse(&self.status).map_err(corrupt)?,
                note: self.note,
                requested_by: self.requested_by,
                requested_at: from_db_time(self.requested_at),
                updated_at: from_db_time(self.updated_at),
                document_text: self.document_text,
                document_url: self.document_url,
                rejection_reason: self.rejection_reason,
                version: self.version,
                document_attachment: self.document_attachment_id,
            },
        ))
    }
}

/// Stores a request for `kind` on `incident`. At most one request of each kind may be open per
/// ticket (`request_already_open`).
pub fn insert(
    conn: &mut DbConnection,
    incident: &Incident,
    kind: DocumentKind,
    note: Option<&str>,
    requested_by: &str,
    now: DateTime<Utc>,
) -> Result<DocumentRequest, StoreError> {
    let row: DocumentRow = diesel::insert_into(document_requests::table)
        .values((
            document_requests::incident_id.eq(incident.id),
            document_requests::ticket_number.eq(incident.ticket.number()),
            document_requests::customer_number.eq(incident.customer_number.as_str()),
            document_requests::kind.eq(kind.as_str()),
            document_requests::status.eq(DocumentStatus::Requested.as_str()),
            document_requests::note.eq(note),
            document_requests::requested_by.eq(requested_by),
            document_requests::requested_at.eq(to_db_time(now)),
            document_requests::updated_at.eq(to_db_time(now)),
            document_requests::version.eq(1_i64),
        ))
        .returning(document_requests::all_columns)
        .get_result(conn)
        .map_err(|e| {
            on_unique_violation(e, "request_already_open", || {
                format!(
                    "a {} request is already open on ticket {}",
                    kind.title(),
                    incident.ticket
                )
            })
        })?;
    let (_, request) = row.into_domain()?;
    Ok(request)
}

/// One request within `scope`, or `NotFound`.
pub fn get(
    conn: &mut DbConnection,
    id: i64,
    scope: Option<&CustomerNumber>,
) -> Result<DocumentRequest, StoreError> {
    find(conn, id, scope).map(|(_, r)| r)
}

/// A request within `scope` with the id of its ticket, or `NotFound`.
pub fn find(
    conn: &mut DbConnection,
    id: i64,
    scope: Option<&CustomerNumber>,
) -> Result<(i64, DocumentRequest), StoreError> {
    let mut query = document_requests::table
        .find(id)
        .select(DocumentRow::as_select())
        .into_boxed();
    if let Some(number) = scope {
        query = query.filter(document_requests::customer_number.eq(number.as_str()));
    }
    query
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound("document request"))?
        .into_domain()
}

/// Filters of the request lists.
#[derive(Debug, Default, Clone)]
pub struct DocumentFilter {
    pub scope: Option<CustomerNumber>,
    pub ticket: Option<TicketRef>,
    pub kind: Option<DocumentKind>,
    pub status: Option<DocumentStatus>,
}

/// Requests matching `filter`, oldest first.
pub fn list(
    conn: &mut DbConnection,
    filter: &DocumentFilter,
    after: Option<Cursor>,
    limit: usize,
) -> Result<Page<DocumentRequest>, StoreError> {
    let mut query = document_requests::table
        .select(DocumentRow::as_select())
        .order(document_requests::id.asc())
        .limit(limit as i64 + 1)
        .into_boxed();
    if let Some(number) = &filter.scope {
        query = query.filter(document_requests::customer_number.eq(number.as_str()));
    }
    if let Some(ticket) = filter.ticket {
        query = query.filter(document_requests::ticket_number.eq(ticket.number()));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(document_requests::kind.eq(kind.as_str()));
    }
    if let Some(status) = filter.status {
        query = query.filter(document_requests::status.eq(status.as_str()));
    }
    if let Some(c) = after {
        query = query.filter(document_requests::id.gt(c.id));
    }
    let rows = query.load(conn)?;
    Page::from_overfetch(rows, limit, |r| Cursor {
        at: from_db_time(r.requested_at),
        id: r.id,
    })
    .try_map(|r| r.into_domain().map(|(_, d)| d))
}

/// Writes a changed request if its stored version is still `request.version`, bumps the
/// version and returns it as stored.
pub fn save(
    conn: &mut DbConnection,
    request: &DocumentRequest,
) -> Result<DocumentRequest, StoreError> {
    let row: Option<DocumentRow> = diesel::update(
        document_requests::table
            .find(request.id)
            .filter(document_requests::version.eq(request.version)),
    )
    .set((
        document_requests::status.eq(request.status.as_str()),
        document_requests::updated_at.eq(to_db_time(request.updated_at)),
        document_requests::document_text.eq(request.document_text.as_deref()),
        document_requests::document_url.eq(request.document_url.as_deref()),
        document_requests::rejection_reason.eq(request.rejection_reason.as_deref()),
        document_requests::document_attachment_id.eq(request.document_attachment),
        document_requests::version.eq(request.version + 1),
    ))
    .returning(document_requests::all_columns)
    .get_result(conn)
    .optional()?;
    let (_, saved) = row
        .ok_or_else(|| StoreError::VersionMismatch("request changed concurrently".into()))?
        .into_domain()?;
    Ok(saved)
}

/// Whether a delivered document is this attachment (it must then stay).
pub fn delivers_attachment(
    conn: &mut DbConnection,
    attachment_id: i64,
) -> Result<bool, StoreError> {
    let n: i64 = document_requests::table
        .filter(document_requests::document_attachment_id.eq(attachment_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}
