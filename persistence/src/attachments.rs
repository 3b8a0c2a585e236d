//! Attachments' records (issue 22). The content is in the object store ([`crate::objects`]);
//! a kept row (not removed) is what names it there.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::dsl::count_star;
use diesel::prelude::*;
use domain::attachment::{Attachment, MediaType, Source};
use domain::{CustomerNumber, Incident, TicketRef, Visibility};

use crate::error::corrupt;
use crate::schema::attachments;
use crate::{from_db_time, to_db_time, Cursor, DbConnection, Page, StoreError};

#[derive(Queryable, Selectable)]
#[diesel(table_name = attachments)]
struct AttachmentRow {
    id: i64,
    #[allow(dead_code)]
    incident_id: i64,
    ticket_number: i64,
    customer_number: String,
    name: String,
    media_type: String,
    size_bytes: i64,
    sha256: String,
    description: Option<String>,
    visibility: String,
    author: String,
    source: String,
    created_at: NaiveDateTime,
    removed_at: Option<NaiveDateTime>,
    #[allow(dead_code)]
    removed_by: Option<String>,
}

fn source_text(source: Source) -> &'static str {
    match source {
        Source::Customer => "customer",
        Source::Provider => "provider",
    }
}

impl AttachmentRow {
    fn into_domain(self) -> Result<Attachment, StoreError> {
        Ok(Attachment {
            id: self.id,
            ticket: TicketRef::from_number(self.ticket_number).map_err(corrupt)?,
            customer_number: CustomerNumber::parse(&self.customer_number).map_err(corrupt)?,
            name: self.name,
            media_type: MediaType::parse(&self.media_type).map_err(corrupt)?,
            size: u64::try_from(self.size_bytes)
                .map_err(|_| StoreError::Corrupt("negative attachment size".into()))?,
            sha256: self.sha256,
            description: self.description,
            visibility: Visibility::parse(&self.visibility).map_err(corrupt)?,
            author: self.author,
            source: match self.source.as_str() {
                "customer" => Source::Customer,
                "provider" => Source::Provider,
                other => return Err(StoreError::Corrupt(format!("attachment source {other}"))),
            },
            created_at: from_db_time(self.created_at),
            removed_at: self.removed_at.map(from_db_time),
        })
    }
}

/// What is stored about a new attachment.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub name: String,
    pub media_type: MediaType,
    pub size: u64,
    pub sha256: String,
    pub description: Option<String>,
    pub visibility: Visibility,
    pub author: String,
    pub source: Source,
}

fn size_column(size: u64) -> Result<i64, StoreError> {
    i64::try_from(size).map_err(|_| StoreError::Corrupt("attachment size out of range".into()))
}

/// Stores the record of a file on `incident`.
pub fn insert(
    conn: &mut DbConnection,
    incident: &Incident,
    new: &NewAttachment,
    now: DateTime<Utc>,
) -> Result<Attachment, StoreError> {
    let row: AttachmentRow = diesel::insert_into(attachments::table)
        .values((
            attachments::incident_id.eq(incident.id),
            attachments::ticket_number.eq(incident.ticket.number()),
            attachments::customer_number.eq(incident.customer_number.as_str()),
            attachments::name.eq(&new.name),
            attachments::media_type.eq(new.media_type.as_str()),
            attachments::size_bytes.eq(size_column(new.size)?),
            attachments::sha256.eq(&new.sha256),
            attachments::description.eq(new.description.as_deref()),
            attachments::visibility.eq(new.visibility.as_str()),
            attachments::author.eq(&new.author),
            attachments::source.eq(source_text(new.source)),
            attachments::created_at.eq(to_db_time(now)),
        ))
        .returning(attachments::all_columns)
        .get_result(conn)?;
    row.into_domain()
}

/// A ticket's attachments, oldest first; `public_only` for a customer. Removed ones are listed
/// too (their content is gone): the list says what the ticket has held.
pub fn list(
    conn: &mut DbConnection,
    incident_id: i64,
    public_only: bool,
    after: Option<Cursor>,
    limit: usize,
) -> Result<Page<Attachment>, StoreError> {
    let mut query = attachments::table
        .filter(attachments::incident_id.eq(incident_id))
        .select(AttachmentRow::as_select())
        .order(attachments::id.asc())
        .limit(limit as i64 + 1)
        .into_boxed();
    if public_only {
        query = query.filter(attachments::visibility.eq(Visibility::Public.as_str()));
    }
    if let Some(c) = after {
        query = query.filter(attachments::id.gt(c.id));
    }
    let rows = query.load(conn)?;
    Page::from_overfetch(rows, limit, |r| Cursor {
        at: from_db_time(r.created_at),
        id: r.id,
    })
    .try_map(AttachmentRow::into_domain)
}

/// The public attachments of several tickets (by incident id), oldest first: what the carrier
/// facades show.
pub fn public_of(
    conn: &mut DbConnection,
    incident_ids: &[i64],
) -> Result<Vec<(i64, Attachment)>, StoreError> {
    if incident_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(i64, AttachmentRow)> = attachments::table
        .filter(attachments::incident_id.eq_any(incident_ids))
        .filter(attachments::visibility.eq(Visibility::Public.as_str()))
        .filter(attachments::removed_at.is_null())
        .order(attachments::id.asc())
        .select((attachments::incident_id, AttachmentRow::as_select()))
        .load(conn)?;
    rows.into_iter()
        .map(|(incident, row)| Ok((incident, row.into_domain()?)))
        .collect()
}

/// One attachment of a ticket, or `NotFound`; `public_only` for a customer.
pub fn get(
    conn: &mut DbConnection,
    incident_id: i64,
    id: i64,
    public_only: bool,
) -> Result<Attachment, StoreError> {
    let mut query = attachments::table
        .filter(attachments::incident_id.eq(incident_id))
        .filter(attachments::id.eq(id))
        .select(AttachmentRow::as_select())
        .into_boxed();
    if public_only {
        query = query.filter(attachments::visibility.eq(Visibility::Public.as_str()));
    }
    query
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound("attachment"))?
        .into_domain()
}

/// Attachments a ticket holds (removed ones not counted).
pub fn count_kept(conn: &mut DbConnection, incident_id: i64) -> Result<u64, StoreError> {
    let n: i64 = attachments::table
        .filter(attachments::incident_id.eq(incident_id))
        .filter(attachments::removed_at.is_null())
        .select(count_star())
        .first(conn)?;
    Ok(n.max(0) as u64)
}

/// Bytes a company's attachments hold (removed ones not counted).
pub fn company_bytes(conn: &mut DbConnection, company: &CustomerNumber) -> Result<u64, StoreError> {
    // SUM of a BIGINT is NUMERIC on PostgreSQL: cast back, the same text on both backends.
    let total: Option<i64> = attachments::table
        .filter(attachments::customer_number.eq(company.as_str()))
        .filter(attachments::removed_at.is_null())
        .select(diesel::dsl::sql::<
            diesel::sql_types::Nullable<diesel::sql_types::BigInt>,
        >("CAST(SUM(size_bytes) AS BIGINT)"))
        .first(conn)?;
    Ok(total.unwrap_or(0).max(0) as u64)
}

/// Marks an attachment removed (its content is to be purged); `NotFound` when it already is.
pub fn mark_removed(
    conn: &mut DbConnection,
    id: i64,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Attachment, StoreError> {
    let row: Option<AttachmentRow> = diesel::update(
        attachments::table
            .filter(attachments::id.eq(id))
            .filter(attachments::removed_at.is_null()),
    )
    .set((
        attachments::removed_at.eq(Some(to_db_time(now))),
        attachments::removed_by.eq(Some(by)),
    ))
    .returning(attachments::all_columns)
    .get_result(conn)
    .optional()?;
    row.ok_or(StoreError::NotFound("attachment"))?.into_domain()
}

/// Which of these contents (by SHA-256) a kept row still names.
pub fn named(conn: &mut DbConnection, hashes: &[String]) -> Result<HashSet<String>, StoreError> {
    let mut kept = HashSet::new();
    for chunk in hashes.chunks(500) {
        let found: Vec<String> = attachments::table
            .filter(attachments::sha256.eq_any(chunk))
            .filter(attachments::removed_at.is_null())
            .select(attachments::sha256)
            .distinct()
            .load(conn)?;
        kept.extend(found);
    }
    Ok(kept)
}
