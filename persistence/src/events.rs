//! The event outbox: business events written in the same transaction as the change that causes
//! them, for notifications, the event stream and webhooks to deliver (R-CON2–4).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Text, Timestamp};
use domain::{CustomerNumber, EventType, TicketRef};
use serde_json::Value;

use crate::error::corrupt;
use crate::schema::{events, incidents};
use crate::{from_db_time, to_db_time, DbConnection, StoreError};

/// An event as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: i64,
    pub event_type: EventType,
    /// The company it concerns; `None` for provider-only events.
    pub customer_number: Option<String>,
    pub ticket_number: Option<i64>,
    pub payload: Value,
    pub created_at: DateTime<Utc>,
}

#[derive(Queryable)]
struct EventRow {
    id: i64,
    event_type: String,
    customer_number: Option<String>,
    ticket_number: Option<i64>,
    payload: String,
    created_at: NaiveDateTime,
    _dispatched_at: Option<NaiveDateTime>,
}

/// Writes one event. Call inside the transaction of the change it reports.
pub fn append(
    conn: &mut DbConnection,
    event_type: EventType,
    customer: Option<&CustomerNumber>,
    ticket: Option<TicketRef>,
    payload: &Value,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::insert_into(events::table)
        .values((
            events::event_type.eq(event_type.as_str()),
            events::customer_number.eq(customer.map(CustomerNumber::as_str)),
            events::ticket_number.eq(ticket.map(TicketRef::number)),
            events::payload.eq(payload.to_string()),
            events::created_at.eq(to_db_time(now)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Writes one event of `event_type` per `(company, ticket, payload)` of `rows`, many to a
/// statement (a major incident's notice reaches every company of a region: one statement a
/// notice cost a round trip each on PostgreSQL).
pub fn append_many(
    conn: &mut DbConnection,
    event_type: EventType,
    rows: &[(Option<&CustomerNumber>, Option<TicketRef>, Value)],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    // Five bound values a row: well inside SQLite's 32,766 and PostgreSQL's 65,535 per statement.
    for chunk in rows.chunks(1000) {
        let values: Vec<_> = chunk
            .iter()
            .map(|(customer, ticket, payload)| {
                (
                    events::event_type.eq(event_type.as_str()),
                    events::customer_number.eq(customer.map(CustomerNumber::as_str)),
                    events::ticket_number.eq(ticket.map(TicketRef::number)),
                    events::payload.eq(payload.to_string()),
                    events::created_at.eq(to_db_time(now)),
                )
            })
            .collect();
        // The connection spanning both backends has no multi-row insert; each backend has.
        match conn {
            DbConnection::Postgresql(pg) => diesel::insert_into(events::table)
                .values(values)
                .execute(pg)?,
            DbConnection::Sqlite(sqlite) => diesel::insert_into(events::table)
                .values(values)
                .execute(sqlite)?,
        };
    }
    Ok(())
}

/// Writes one event for each open child of `parent`, to the child's company and about the child,
/// in one statement (a major incident may have thousands). Returns how many.
pub fn append_for_open_children(
    conn: &mut DbConnection,
    parent: TicketRef,
    event_type: EventType,
    payload: &Value,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    Ok(diesel::insert_into(events::table)
        .values(crate::queries::open_children(parent).select((
            event_type.as_str().into_sql::<Text>(),
            incidents::customer_number.nullable(),
            incidents::ticket_number.nullable(),
            payload.to_string().into_sql::<Text>(),
            to_db_time(now).into_sql::<Timestamp>(),
        )))
        .into_columns((
            events::event_type,
            events::customer_number,
            events::ticket_number,
            events::payload,
            events::created_at,
        ))
        .execute(conn)?)
}

fn into_event(r: EventRow) -> Result<Event, StoreError> {
    Ok(Event {
        id: r.id,
        event_type: EventType::parse(&r.event_type).map_err(corrupt)?,
        customer_number: r.customer_number,
        ticket_number: r.ticket_number,
        payload: serde_json::from_str(&r.payload)
            .map_err(|e| StoreError::Corrupt(format!("event payload: {e}")))?,
        created_at: from_db_time(r.created_at),
    })
}

/// One event by id.
pub fn get(conn: &mut DbConnection, id: i64) -> Result<Event, StoreError> {
    into_event(events::table.find(id).first::<EventRow>(conn)?)
}

/// Ids and owners of all events after `after_id`, for gap detection in streams.
pub fn ids_after(
    conn: &mut DbConnection,
    after_id: i64,
    limit: i64,
) -> Result<Vec<(i64, Option<String>)>, StoreError> {
    Ok(events::table
        .filter(events::id.gt(after_id))
        .order(events::id.asc())
        .limit(limit)
        .select((events::id, events::customer_number))
        .load(conn)?)
}

/// Events by id, oldest first.
pub fn by_ids(conn: &mut DbConnection, ids: &[i64]) -> Result<Vec<Event>, StoreError> {
    events::table
        .filter(events::id.eq_any(ids))
        .order(events::id.asc())
        .load::<EventRow>(conn)?
        .into_iter()
        .map(into_event)
        .collect()
}

/// The newest event id (0 when there is none).
pub fn latest_id(conn: &mut DbConnection) -> Result<i64, StoreError> {
    Ok(events::table
        .select(diesel::dsl::max(events::id))
        .first::<Option<i64>>(conn)?
        .unwrap_or(0))
}

/// Events after `after_id` visible to `scope` (a company's own, or all), oldest first.
pub fn list_after(
    conn: &mut DbConnection,
    scope: Option<&CustomerNumber>,
    after_id: i64,
    limit: i64,
) -> Result<Vec<Event>, StoreError> {
    let mut query = events::table
        .filter(events::id.gt(after_id))
        .order(events::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(number) = scope {
        query = query.filter(events::customer_number.eq(number.as_str()));
    }
    query
        .load::<EventRow>(conn)?
        .into_iter()
        .map(into_event)
        .collect()
}

/// Up to `limit` events not yet expanded into deliveries, oldest first. On PostgreSQL the rows
/// stay locked (`FOR UPDATE SKIP LOCKED`) until the caller's transaction ends, so instances
/// expanding at once take different events; SQLite's single writer serialises them.
pub fn claim_undispatched(conn: &mut DbConnection, limit: i64) -> Result<Vec<Event>, StoreError> {
    let ids: Vec<i64> = match conn {
        DbConnection::Postgresql(pg) => events::table
            .filter(events::dispatched_at.is_null())
            .order(events::id.asc())
            .limit(limit)
            .select(events::id)
            .for_update()
            .skip_locked()
            .load(pg)?,
        DbConnection::Sqlite(sqlite) => events::table
            .filter(events::dispatched_at.is_null())
            .order(events::id.asc())
            .limit(limit)
            .select(events::id)
            .load(sqlite)?,
    };
    by_ids(conn, &ids)
}

/// Marks an event expanded into its deliveries.
pub fn mark_dispatched(
    conn: &mut DbConnection,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::update(events::table.find(id))
        .set(events::dispatched_at.eq(to_db_time(now)))
        .execute(conn)?;
    Ok(())
}
