//! Partner webhook subscriptions (R-CON4).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::CustomerNumber;

use crate::error::corrupt;
use crate::schema::webhook_subscriptions as ws;
use crate::{from_db_time, to_db_time, Cursor, DbConnection, Page, StoreError};

/// A webhook subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub id: i64,
    /// `None`: a provider subscription receiving every company's events.
    pub customer_number: Option<CustomerNumber>,
    pub url: String,
    pub event_types: Vec<String>,
    pub secret: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// What deliveries look like: [`NATIVE`] (our envelope), or one of [`LISTENER_FORMATS`]
    /// (TMF621 notifications; `event_types` then holds TMF621 event type names).
    pub format: String,
    /// A TMF621 hub listener's filter, as it registered it.
    pub query: Option<String>,
}

/// Deliveries in our own envelope.
pub const NATIVE: &str = "native";
/// Deliveries as TMF621 v4 notifications (hub listeners of `/tmf-api/troubleTicket/v4`).
pub const TMF621: &str = "tmf621";
/// Deliveries as TMF621 v5 notifications (hub listeners of `/tmf-api/troubleTicket/v5`).
pub const TMF621_V5: &str = "tmf621v5";
/// Deliveries as MEF 124 Sonata notifications (hub listeners of
/// `/mefApi/sonata/troubleTicket/v4`).
pub const MEF124: &str = "mef124";
/// The formats of hub listeners: their `event_types` hold the standard's event type names.
pub const LISTENER_FORMATS: &[&str] = &[TMF621, TMF621_V5, MEF124];

#[derive(Queryable, Selectable)]
#[diesel(table_name = ws)]
struct SubscriptionRow {
    id: i64,
    customer_number: Option<String>,
    url: String,
    event_types: String,
    secret: String,
    created_by: String,
    created_at: NaiveDateTime,
    #[allow(dead_code)]
    deleted_at: Option<NaiveDateTime>,
    format: String,
    query: Option<String>,
}

impl SubscriptionRow {
    fn into_domain(self) -> Result<Subscription, StoreError> {
        Ok(Subscription {
            id: self.id,
            customer_number: self
                .customer_number
                .as_deref()
                .map(CustomerNumber::parse)
                .transpose()
                .map_err(corrupt)?,
            url: self.url,
            event_types: self
                .event_types
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            secret: self.secret,
            created_by: self.created_by,
            created_at: from_db_time(self.created_at),
            format: self.format,
            query: self.query,
        })
    }
}

/// Stores a subscription.
pub fn create(
    conn: &mut DbConnection,
    s: &Subscription,
    now: DateTime<Utc>,
) -> Result<Subscription, StoreError> {
    diesel::insert_into(ws::table)
        .values((
            ws::customer_number.eq(s.customer_number.as_ref().map(CustomerNumber::as_str)),
            ws::url.eq(&s.url),
            ws::event_types.eq(s.event_types.join(",")),
            ws::secret.eq(&s.secret),
            ws::created_by.eq(&s.created_by),
            ws::created_at.eq(to_db_time(now)),
            ws::format.eq(&s.format),
            ws::query.eq(s.query.as_deref()),
        ))
        .returning(ws::all_columns)
        .get_result::<SubscriptionRow>(conn)?
        .into_domain()
}

/// An active subscription visible to `scope`: a customer sees its own; staff see theirs too.
pub fn get(
    conn: &mut DbConnection,
    id: i64,
    scope: Option<&CustomerNumber>,
) -> Result<Subscription, StoreError> {
    let mut q = ws::table
        .find(id)
        .filter(ws::deleted_at.is_null())
        .select(SubscriptionRow::as_select())
        .into_boxed();
    if let Some(c) = scope {
        q = q.filter(ws::customer_number.eq(c.as_str()));
    }
    q.first(conn)
        .optional()?
        .ok_or(StoreError::NotFound("webhook"))?
        .into_domain()
}

/// Active subscriptions visible to `scope`.
pub fn list(
    conn: &mut DbConnection,
    scope: Option<&CustomerNumber>,
    after: Option<Cursor>,
    limit: usize,
) -> Result<Page<Subscription>, StoreError> {
    let mut q = ws::table
        .filter(ws::deleted_at.is_null())
        .select(SubscriptionRow::as_select())
        .order(ws::id.asc())
        .limit(limit as i64 + 1)
        .into_boxed();
    if let Some(c) = scope {
        q = q.filter(ws::customer_number.eq(c.as_str()));
    }
    if let Some(c) = after {
        q = q.filter(ws::id.gt(c.id));
    }
    let rows = q.load(conn)?;
    Page::from_overfetch(rows, limit, |r| Cursor {
        at: from_db_time(r.created_at),
        id: r.id,
    })
    .try_map(SubscriptionRow::into_domain)
}

/// Active subscriptions that may receive an event of `customer` (`None`: provider-only event).
pub fn receivers(
    conn: &mut DbConnection,
    customer: Option<&str>,
) -> Result<Vec<Subscription>, StoreError> {
    let mut q = ws::table
        .filter(ws::deleted_at.is_null())
        .select(SubscriptionRow::as_select())
        .into_boxed();
    q = match customer {
        Some(c) => q.filter(
            ws::customer_number
                .eq(c.to_owned())
                .or(ws::customer_number.is_null()),
        ),
        None => q.filter(ws::customer_number.is_null()),
    };
    q.load(conn)?
        .into_iter()
        .map(SubscriptionRow::into_domain)
        .collect()
}

/// The live subscriptions of `format` that belong to a company.
pub fn of_companies_in_format(
    conn: &mut DbConnection,
    format: &str,
) -> Result<Vec<Subscription>, StoreError> {
    ws::table
        .filter(ws::deleted_at.is_null())
        .filter(ws::format.eq(format))
        .filter(ws::customer_number.is_not_null())
        .select(SubscriptionRow::as_select())
        .load(conn)?
        .into_iter()
        .map(SubscriptionRow::into_domain)
        .collect()
}

/// Deletes (deactivates) a subscription; its delivery log stays.
pub fn delete(
    conn: &mut DbConnection,
    id: i64,
    scope: Option<&CustomerNumber>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    get(conn, id, scope)?;
    diesel::update(ws::table.find(id))
        .set(ws::deleted_at.eq(to_db_time(now)))
        .execute(conn)?;
    Ok(())
}

/// Active subscriptions of one company (`None`: provider staff's own, for all companies).
pub fn count_active(
    conn: &mut DbConnection,
    customer: Option<&CustomerNumber>,
) -> Result<i64, StoreError> {
    let active = ws::table.filter(ws::deleted_at.is_null());
    Ok(match customer {
        Some(c) => active
            .filter(ws::customer_number.eq(c.as_str()))
            .count()
            .get_result(conn)?,
        None => active
            .filter(ws::customer_number.is_null())
            .count()
            .get_result(conn)?,
    })
}
