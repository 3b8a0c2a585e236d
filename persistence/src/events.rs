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
        .map(|r| {
            Ok(Event {
                id: r.id,
                event_type: r.event_type,
                customer_number: r.customer_number,
                ticket_number: r.ticket_number,
                payload: serde_json::from_str(&r.payload)
                    .map_err(|e| StoreError::Corrupt(format!("event payload: {e}")))?,
                created_at: from_db_time(r.created_at),
            })
        })
        .collect()
}
