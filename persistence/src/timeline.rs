//! Ticket timelines (R-INC5).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Text, Timestamp};
use domain::{EntryKind, NewEntry, StatusMove, TicketRef, TimelineEntry, Visibility};

use crate::error::corrupt;
use crate::schema::{incident_updates, incidents};
use crate::{from_db_time, to_db_time, Cursor, DbConnection, Page, StoreError};

#[derive(Queryable, Selectable)]
#[diesel(table_name = incident_updates)]
struct EntryRow {
    id: i64,
    incident_id: i64,
    kind: String,
    visibility: String,
    author: String,
    text: String,
    created_at: NaiveDateTime,
    from_status: Option<String>,
    to_status: Option<String>,
    status_detail: Option<String>,
}

impl EntryRow {
    fn into_domain(self) -> Result<TimelineEntry, StoreError> {
        let status = match (self.from_status, self.to_status) {
            (Some(from), Some(to)) => Some(StatusMove {
                from: from.parse().map_err(corrupt)?,
                to: to.parse().map_err(corrupt)?,
                detail: self.status_detail,
            }),
            _ => None,
        };
        Ok(TimelineEntry {
            id: self.id,
            kind: EntryKind::parse(&self.kind).map_err(corrupt)?,
            visibility: Visibility::parse(&self.visibility).map_err(corrupt)?,
            author: self.author,
            text: self.text,
            status,
            created_at: from_db_time(self.created_at),
        })
    }
}

/// Appends entries to a ticket's timeline, in order.
pub fn append(
    conn: &mut DbConnection,
    incident_id: i64,
    entries: &[NewEntry],
    now: DateTime<Utc>,
) -> Result<Vec<TimelineEntry>, StoreError> {
    entries
        .iter()
        .map(|e| {
            diesel::insert_into(incident_updates::table)
                .values((
                    incident_updates::incident_id.eq(incident_id),
                    incident_updates::kind.eq(e.kind.as_str()),
                    incident_updates::visibility.eq(e.visibility.as_str()),
                    incident_updates::author.eq(&e.author),
                    incident_updates::text.eq(&e.text),
                    incident_updates::created_at.eq(to_db_time(now)),
                    incident_updates::from_status.eq(e.status.as_ref().map(|s| s.from.as_str())),
                    incident_updates::to_status.eq(e.status.as_ref().map(|s| s.to.as_str())),
                    incident_updates::status_detail
                        .eq(e.status.as_ref().and_then(|s| s.detail.as_deref())),
                ))
                .returning(incident_updates::all_columns)
                .get_result::<EntryRow>(conn)?
                .into_domain()
        })
        .collect()
}

/// Appends `entry` to the timeline of every open child of `parent`, in one statement (a major
/// incident may have thousands). Returns how many.
pub fn append_to_open_children(
    conn: &mut DbConnection,
    parent: TicketRef,
    entry: &NewEntry,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    Ok(diesel::insert_into(incident_updates::table)
        .values(crate::queries::open_children(parent).select((
            incidents::id,
            entry.kind.as_str().into_sql::<Text>(),
            entry.visibility.as_str().into_sql::<Text>(),
            entry.author.clone().into_sql::<Text>(),
            entry.text.clone().into_sql::<Text>(),
            to_db_time(now).into_sql::<Timestamp>(),
        )))
        .into_columns((
            incident_updates::incident_id,
            incident_updates::kind,
            incident_updates::visibility,
            incident_updates::author,
            incident_updates::text,
            incident_updates::created_at,
        ))
        .execute(conn)?)
}

/// A ticket's timeline, oldest first; internal entries only when `include_internal`.
pub fn list(
    conn: &mut DbConnection,
    incident_id: i64,
    include_internal: bool,
    after: Option<Cursor>,
    limit: usize,
) -> Result<Page<TimelineEntry>, StoreError> {
    let mut query = incident_updates::table
        .filter(incident_updates::incident_id.eq(incident_id))
        .select(EntryRow::as_select())
        .order(incident_updates::id.asc())
        .limit(limit as i64 + 1)
        .into_boxed();
    if !include_internal {
        query = query.filter(incident_updates::visibility.eq(Visibility::Public.as_str()));
    }
    if let Some(c) = after {
        query = query.filter(incident_updates::id.gt(c.id));
    }
    let rows = query.load(conn)?;
    Page::from_overfetch(rows, limit, |r| Cursor {
        at: from_db_time(r.created_at),
        id: r.id,
    })
    .try_map(EntryRow::into_domain)
}

/// The public entries of `kinds` on each of `incident_ids`, oldest first, as
/// `(incident id, entry)`: one query for a whole page of tickets.
pub fn public_of(
    conn: &mut DbConnection,
    incident_ids: &[i64],
    kinds: &[EntryKind],
) -> Result<Vec<(i64, TimelineEntry)>, StoreError> {
    if incident_ids.is_empty() {
        return Ok(Vec::new());
    }
    let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    incident_updates::table
        .filter(incident_updates::incident_id.eq_any(incident_ids))
        .filter(incident_updates::visibility.eq(Visibility::Public.as_str()))
        .filter(incident_updates::kind.eq_any(kinds))
        .order(incident_updates::id.asc())
        .select(EntryRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|r| {
            let incident = r.incident_id;
            r.into_domain().map(|e| (incident, e))
        })
        .collect()
}
