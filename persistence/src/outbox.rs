//! Deliveries of the event outbox (R-CON2, R-CON4): one per event and recipient (who receives
//! what is the use cases' rule), claimed with a lease, attempted, and recorded. Claiming uses `FOR UPDATE SKIP LOCKED` on PostgreSQL so
//! several instances share the work; SQLite's single writer serialises it. A crash after a claim
//! loses nothing: the lease runs out and the delivery is claimed again.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::schema::{deliveries, delivery_attempts, events};
use crate::{from_db_time, to_db_time, write_transaction, Cursor, DbConnection, Page, StoreError};

/// How a delivery travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Email,
    Webhook,
}

impl Channel {
    fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Webhook => "webhook",
        }
    }
}

/// One event on its way to one recipient.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub id: i64,
    pub event_id: i64,
    pub channel: Channel,
    /// Email address or webhook URL.
    pub recipient: String,
    pub subscription_id: Option<i64>,
    /// `pending`, `delivered`, `failed` or `held` (email without SMTP configured).
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = deliveries)]
struct DeliveryRow {
    id: i64,
    event_id: i64,
    channel: String,
    recipient: String,
    subscription_id: Option<i64>,
    status: String,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
    #[allow(dead_code)]
    locked_until: Option<NaiveDateTime>,
    last_error: Option<String>,
    delivered_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
}

impl DeliveryRow {
    fn into_domain(self) -> Delivery {
        Delivery {
            id: self.id,
            event_id: self.event_id,
            channel: if self.channel == "webhook" {
                Channel::Webhook
            } else {
                Channel::Email
            },
            recipient: self.recipient,
            subscription_id: self.subscription_id,
            status: self.status,
            attempts: self.attempts,
            next_attempt_at: from_db_time(self.next_attempt_at),
            last_error: self.last_error,
            delivered_at: self.delivered_at.map(from_db_time),
            created_at: from_db_time(self.created_at),
        }
    }
}

/// Queues event `event_id` for one recipient, to be attempted at once.
pub fn insert_delivery(
    conn: &mut DbConnection,
    event_id: i64,
    channel: Channel,
    recipient: &str,
    subscription: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::insert_into(deliveries::table)
        .values((
            deliveries::event_id.eq(event_id),
            deliveries::channel.eq(channel.as_str()),
            deliveries::recipient.eq(recipient),
            deliveries::subscription_id.eq(subscription),
            deliveries::status.eq("pending"),
            deliveries::attempts.eq(0),
            deliveries::next_attempt_at.eq(to_db_time(now)),
            deliveries::created_at.eq(to_db_time(now)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Claims up to `limit` due deliveries for `lease`, oldest first.
pub fn claim_due(
    conn: &mut DbConnection,
    limit: i64,
    lease: Duration,
    now: DateTime<Utc>,
) -> Result<Vec<Delivery>, StoreError> {
    let at = to_db_time(now);
    write_transaction(conn, |conn| {
        let due = deliveries::status
            .eq("pending")
            .and(deliveries::next_attempt_at.le(at))
            .and(
                deliveries::locked_until
                    .is_null()
                    .or(deliveries::locked_until.lt(at).assume_not_null()),
            );
        let ids: Vec<i64> = match conn {
            DbConnection::Postgresql(pg) => deliveries::table
                .filter(due)
                .order(deliveries::id.asc())
                .limit(limit)
                .select(deliveries::id)
                .for_update()
                .skip_locked()
                .load(pg)?,
            DbConnection::Sqlite(sqlite) => deliveries::table
                .filter(due)
                .order(deliveries::id.asc())
                .limit(limit)
                .select(deliveries::id)
                .load(sqlite)?,
        };
        diesel::update(deliveries::table.filter(deliveries::id.eq_any(&ids)))
            .set(deliveries::locked_until.eq(to_db_time(now + lease)))
            .execute(conn)?;
        let rows: Vec<DeliveryRow> = deliveries::table
            .filter(deliveries::id.eq_any(&ids))
            .order(deliveries::id.asc())
            .select(DeliveryRow::as_select())
            .load(conn)?;
        Ok(rows.into_iter().map(DeliveryRow::into_domain).collect())
    })
}

/// Gives claimed deliveries back at once (their lease ends now), for a dispatcher that stops
/// before attempting them: another dispatcher, or this one after a restart, takes them at once
/// instead of after the lease.
pub fn release_claims(conn: &mut DbConnection, ids: &[i64]) -> Result<usize, StoreError> {
    if ids.is_empty() {
        return Ok(0);
    }
    Ok(
        diesel::update(deliveries::table.filter(deliveries::id.eq_any(ids)))
            .filter(deliveries::status.eq("pending"))
            .set(deliveries::locked_until.eq(None::<NaiveDateTime>))
            .execute(conn)?,
    )
}

/// The outcome of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub succeeded: bool,
    pub response_status: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i64,
    /// A failure that retrying cannot fix (e.g. a refused address).
    pub permanent: bool,
}

/// Delay before retry number `attempts` (1-based): base × 2^(attempts-1), at most an hour.
pub fn backoff(base: Duration, attempts: i32) -> Duration {
    let factor = 1_i64 << attempts.clamp(1, 16).saturating_sub(1);
    (base * factor as i32).min(Duration::hours(1))
}

/// Records an attempt and moves the delivery on: delivered, retried after a backoff, or failed
/// once `max_attempts` is reached.
pub fn record_attempt(
    conn: &mut DbConnection,
    delivery_id: i64,
    attempt: &Attempt,
    max_attempts: i32,
    retry_base: Duration,
    now: DateTime<Utc>,
) -> Result<Delivery, StoreError> {
    write_transaction(conn, |conn| {
        diesel::insert_into(delivery_attempts::table)
            .values((
                delivery_attempts::delivery_id.eq(delivery_id),
                delivery_attempts::attempted_at.eq(to_db_time(now)),
                delivery_attempts::succeeded.eq(attempt.succeeded),
                delivery_attempts::response_status.eq(attempt.response_status),
                delivery_attempts::error.eq(attempt.error.as_deref()),
                delivery_attempts::duration_ms.eq(attempt.duration_ms),
            ))
            .execute(conn)?;
        let current: DeliveryRow = deliveries::table
            .find(delivery_id)
            .select(DeliveryRow::as_select())
            .first(conn)?;
        let attempts = current.attempts + 1;
        let (status, next) = if attempt.succeeded {
            ("delivered", now)
        } else if attempt.permanent || attempts >= max_attempts {
            ("failed", now)
        } else {
            ("pending", now + backoff(retry_base, attempts))
        };
        diesel::update(deliveries::table.find(delivery_id))
            .set((
                deliveries::status.eq(status),
                deliveries::attempts.eq(attempts),
                deliveries::next_attempt_at.eq(to_db_time(next)),
                deliveries::locked_until.eq(None::<NaiveDateTime>),
                deliveries::last_error.eq(attempt.error.as_deref()),
                deliveries::delivered_at.eq(attempt.succeeded.then(|| to_db_time(now))),
            ))
            .execute(conn)?;
        Ok(deliveries::table
            .find(delivery_id)
            .select(DeliveryRow::as_select())
            .first::<DeliveryRow>(conn)?
            .into_domain())
    })
}

/// Keeps an email that cannot be sent (no SMTP configured) without dropping it.
pub fn hold(conn: &mut DbConnection, delivery_id: i64, note: &str) -> Result<(), StoreError> {
    write_transaction(conn, |conn| {
        diesel::update(deliveries::table.find(delivery_id))
            .set((
                deliveries::status.eq("held"),
                deliveries::locked_until.eq(None::<NaiveDateTime>),
                deliveries::last_error.eq(note),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// Puts held emails back in the queue (at start-up, once SMTP is configured).
pub fn release_held(conn: &mut DbConnection, now: DateTime<Utc>) -> Result<usize, StoreError> {
    write_transaction(conn, |conn| {
        Ok(
            diesel::update(deliveries::table.filter(deliveries::status.eq("held")))
                .set((
                    deliveries::status.eq("pending"),
                    deliveries::next_attempt_at.eq(to_db_time(now)),
                ))
                .execute(conn)?,
        )
    })
}

/// Queues a webhook delivery of `subscription` again, with a fresh attempt budget.
pub fn redeliver(
    conn: &mut DbConnection,
    subscription: i64,
    delivery_id: i64,
    now: DateTime<Utc>,
) -> Result<Delivery, StoreError> {
    write_transaction(conn, |conn| {
        let updated = diesel::update(
            deliveries::table
                .filter(deliveries::id.eq(delivery_id))
                .filter(deliveries::subscription_id.eq(subscription)),
        )
        .set((
            deliveries::status.eq("pending"),
            deliveries::attempts.eq(0),
            deliveries::next_attempt_at.eq(to_db_time(now)),
            deliveries::locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
        if updated == 0 {
            return Err(StoreError::NotFound("delivery"));
        }
        Ok(deliveries::table
            .find(delivery_id)
            .select(DeliveryRow::as_select())
            .first::<DeliveryRow>(conn)?
            .into_domain())
    })
}

/// One recorded attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRecord {
    pub attempted_at: DateTime<Utc>,
    pub succeeded: bool,
    pub response_status: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

type AttemptColumns = (NaiveDateTime, bool, Option<i32>, Option<String>, i64);

/// A subscription's deliveries, newest first, each with its attempts and event type.
pub fn deliveries_of(
    conn: &mut DbConnection,
    subscription: i64,
    after: Option<Cursor>,
    limit: usize,
) -> Result<Page<(Delivery, String, Vec<AttemptRecord>)>, StoreError> {
    let mut q = deliveries::table
        .filter(deliveries::subscription_id.eq(subscription))
        .select(DeliveryRow::as_select())
        .order(deliveries::id.desc())
        .limit(limit as i64 + 1)
        .into_boxed();
    if let Some(c) = after {
        q = q.filter(deliveries::id.lt(c.id));
    }
    let rows = q.load(conn)?;
    let page = Page::from_overfetch(rows, limit, |r| Cursor {
        at: from_db_time(r.created_at),
        id: r.id,
    });
    let mut items = Vec::with_capacity(page.items.len());
    for row in page.items {
        let d = row.into_domain();
        let event_type: String = events::table
            .find(d.event_id)
            .select(events::event_type)
            .first(conn)?;
        let attempts = attempts_of(conn, d.id)?;
        items.push((d, event_type, attempts));
    }
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}

/// Every attempt at a delivery, oldest first (a redelivery keeps those before it).
pub fn attempts_of(
    conn: &mut DbConnection,
    delivery_id: i64,
) -> Result<Vec<AttemptRecord>, StoreError> {
    let attempts: Vec<AttemptColumns> = delivery_attempts::table
        .filter(delivery_attempts::delivery_id.eq(delivery_id))
        .order(delivery_attempts::id.asc())
        .select((
            delivery_attempts::attempted_at,
            delivery_attempts::succeeded,
            delivery_attempts::response_status,
            delivery_attempts::error,
            delivery_attempts::duration_ms,
        ))
        .load(conn)?;
    Ok(attempts
        .into_iter()
        .map(|(at, ok, status, error, ms)| AttemptRecord {
            attempted_at: from_db_time(at),
            succeeded: ok,
            response_status: status,
            error,
            duration_ms: ms,
        })
        .collect())
}

/// Deliveries in a status, for operators and tests.
pub fn count_by_status(conn: &mut DbConnection, status: &str) -> Result<i64, StoreError> {
    Ok(deliveries::table
        .filter(deliveries::status.eq(status))
        .count()
        .get_result(conn)?)
}

/// Forgets up to `limit` events created before `cutoff` whose every delivery is finished
/// (delivered or failed), with those deliveries and their attempts. Events still owed a delivery
/// (pending or held) stay, however old. Returns how many events went. Safe on several instances
/// at once: a row another instance deleted first is simply not there.
pub fn purge_before(
    conn: &mut DbConnection,
    cutoff: DateTime<Utc>,
    limit: i64,
) -> Result<usize, StoreError> {
    write_transaction(conn, |conn| {
        let old: Vec<i64> = events::table
            .filter(events::created_at.lt(to_db_time(cutoff)))
            .filter(events::dispatched_at.is_not_null())
            .order(events::id.asc())
            .limit(limit)
            .select(events::id)
            .load(conn)?;
        if old.is_empty() {
            return Ok(0);
        }
        let owed: Vec<i64> = deliveries::table
            .filter(deliveries::event_id.eq_any(&old))
            .filter(deliveries::status.eq_any(["pending", "held"]))
            .select(deliveries::event_id)
            .distinct()
            .load(conn)?;
        let gone: Vec<i64> = old.into_iter().filter(|id| !owed.contains(id)).collect();
        let finished: Vec<i64> = deliveries::table
            .filter(deliveries::event_id.eq_any(&gone))
            .select(deliveries::id)
            .load(conn)?;
        diesel::delete(
            delivery_attempts::table.filter(delivery_attempts::delivery_id.eq_any(&finished)),
        )
        .execute(conn)?;
        diesel::delete(deliveries::table.filter(deliveries::id.eq_any(&finished))).execute(conn)?;
        Ok(diesel::delete(events::table.filter(events::id.eq_any(&gone))).execute(conn)?)
    })
}
