//! The event outbox: business events written in the same transaction as the change that causes
//! them, for notifications, the event stream and webhooks to deliver (R-CON2–4).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::{CustomerNumber, TicketRef};
use serde_json::Value;

use crate::schema::events;
use crate::{from_db_time, to_db_time, DbConnection, StoreError};

/// An event as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: i64,
    pub event_type: String,
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
pub fn emit(
    conn: &mut DbConnection,
    event_type: &str,
    customer: Option<&CustomerNumber>,
    ticket: Option<TicketRef>,
    payload: &Value,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::insert_into(events::table)
        .values((
            events::event_type.eq(event_type),
            events::customer_number.eq(customer.map(CustomerNumber::as_str)),
            events::ticket_number.eq(ticket.map(TicketRef::number)),
            events::payload.eq(payload.to_string()),
            events::created_at.eq(to_db_time(now)),
        ))
        .execute(conn)?;
    Ok(())
}

fn into_event(r: EventRow) -> Result<Event, StoreError> {
    Ok(Event {
        id: r.id,
        event_type: r.event_type,
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
