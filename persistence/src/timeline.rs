//! Ticket timelines (R-INC5).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::{EntryKind, NewEntry, TimelineEntry, Visibility};

use crate::error::corrupt;
use crate::schema::incident_updates;
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
}

impl EntryRow {
    fn into_domain(self) -> Result<TimelineEntry, StoreError> {
        Ok(TimelineEntry {
            id: self.id,
            kind: EntryKind::parse(&self.kind).map_err(corrupt)?,
            visibility: Visibility::parse(&self.visibility).map_err(corrupt)?,
            author: self.author,
            text: self.text,
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
                ))
                .returning(incident_updates::all_columns)
                .get_result::<EntryRow>(conn)?
                .into_domain()
        })
        .collect()
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
    let page = Page::from_overfetch(rows, limit, |r| Cursor {
        at: from_db_time(r.created_at),
        id: r.id,
    });
    let items = page
        .items
        .into_iter()
        .map(EntryRow::into_domain)
        .collect::<Result<_, _>>()?;
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
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
