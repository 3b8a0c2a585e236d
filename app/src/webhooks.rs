//! Partner webhooks and TMF621 hub listeners (R-CON4): subscriptions to events, their delivery
//! logs, and redelivery. Targets must be public http(s) addresses.

use std::net::ToSocketAddrs;

use chrono::{DateTime, Utc};
use domain::policy::{self, Permission};
use domain::{Caller, CustomerNumber, EventType};
use persistence::webhooks;
use persistence::{events, outbox, Cursor, Page};

use crate::accounts::secrets::random_token;
use crate::{AppError, Conn, Ctx};

pub use persistence::outbox::{AttemptRecord, Delivery};
pub use persistence::webhooks::{Subscription, NATIVE, TMF621};

/// A webhook target that resolved to public addresses when checked: only
/// [`check_target`] makes one.
pub struct CheckedTarget(String);

impl CheckedTarget {
    pub fn url(&self) -> &str {
        &self.0
    }
}

/// Refuses targets that are not http(s) or resolve to private addresses (unless allowed, for
/// tests). Resolves DNS: call it before opening a transaction.
pub fn check_target(url: &str, ctx: &Ctx) -> Result<CheckedTarget, String> {
    let (_, host, port) =
        domain::notification::parse_webhook_url(url).map_err(|e| e.to_string())?;
    if !ctx.webhook_allow_private {
        let addrs: Vec<_> = (host.as_str(), port)
            .to_socket_addrs()
            .map_err(|e| format!("cannot resolve {host}: {e}"))?
            .collect();
        if addrs.is_empty()
            || addrs
                .iter()
                .any(|a| domain::notification::is_private_address(a.ip()))
        {
            return Err(format!(
                "{host} resolves to a private or local address; webhooks go to public addresses only"
            ));
        }
    }
    Ok(CheckedTarget(url.to_owned()))
}

pub struct Subscribe {
    pub target: CheckedTarget,
    /// Event type patterns (`incident.*`), or TMF621 event names for a hub listener.
    pub event_types: Vec<String>,
    /// Provider staff may subscribe to one company's events, or to all with `None`.
    pub customer_number: Option<CustomerNumber>,
    /// Generated when absent.
    pub secret: Option<String>,
    /// `NATIVE` or `TMF621`.
    pub format: &'static str,
    /// A hub listener's query as it registered it.
    pub query: Option<String>,
}

pub fn subscribe(
    conn: &mut Conn,
    caller: &Caller,
    new: Subscribe,
    now: DateTime<Utc>,
) -> Result<Subscription, AppError> {
    policy::require(caller, Permission::ManageWebhooks)?;
    if new.format == NATIVE {
        domain::notification::check_event_types(&new.event_types)?;
    }
    let customer = match caller.tenant_scope() {
        Some(own) => Some(own.clone()),
        None => new.customer_number,
    };
    let subscription = Subscription {
        id: 0,
        customer_number: customer,
        url: new.target.0,
        event_types: new.event_types,
        secret: new.secret.unwrap_or_else(|| random_token(32)),
        created_by: caller.subject.clone(),
        created_at: now,
        format: new.format.to_owned(),
        query: new.query,
    };
    Ok(webhooks::create(conn, &subscription, now)?)
}

pub fn list(
    conn: &mut Conn,
    caller: &Caller,
    after: Option<Cursor>,
    limit: usize,
) -> Result<Page<Subscription>, AppError> {
    policy::require(caller, Permission::ManageWebhooks)?;
    Ok(webhooks::list(conn, caller.tenant_scope(), after, limit)?)
}

/// A subscription of the caller's (its company's, or any for admins).
pub fn get(conn: &mut Conn, caller: &Caller, id: i64) -> Result<Subscription, AppError> {
    policy::require(caller, Permission::ManageWebhooks)?;
    Ok(webhooks::get(conn, id, caller.tenant_scope())?)
}

pub fn unsubscribe(
    conn: &mut Conn,
    caller: &Caller,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    policy::require(caller, Permission::ManageWebhooks)?;
    Ok(webhooks::delete(conn, id, caller.tenant_scope(), now)?)
}

/// A delivery with its event's type and its attempts.
pub type DeliveryLog = (Delivery, EventType, Vec<AttemptRecord>);

/// A subscription's deliveries, newest first.
pub fn deliveries(
    conn: &mut Conn,
    caller: &Caller,
    id: i64,
    after: Option<Cursor>,
    limit: usize,
) -> Result<Page<DeliveryLog>, AppError> {
    get(conn, caller, id)?;
    let page = outbox::deliveries_of(conn, id, after, limit)?;
    let mut items = Vec::with_capacity(page.items.len());
    for (delivery, event_type, attempts) in page.items {
        let event_type = EventType::parse(&event_type)
            .map_err(|e| AppError::Internal(format!("stored event type: {e}")))?;
        items.push((delivery, event_type, attempts));
    }
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}

/// Queues a delivery again, with a fresh attempt budget.
pub fn redeliver(
    conn: &mut Conn,
    caller: &Caller,
    id: i64,
    delivery_id: i64,
    now: DateTime<Utc>,
) -> Result<(Delivery, EventType), AppError> {
    get(conn, caller, id)?;
    let delivery = outbox::redeliver(conn, id, delivery_id, now)?;
    let event = events::get(conn, delivery.event_id)?;
    Ok((delivery, event.event_type))
}

/// Unregisters a TMF621 hub listener (a subscription of another format is not one: 404).
pub fn unregister_listener(
    conn: &mut Conn,
    caller: &Caller,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let sub = get(conn, caller, id)?;
    if sub.format != TMF621 {
        return Err(AppError::NotFound("listener"));
    }
    unsubscribe(conn, caller, id, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(allow_private: bool) -> Ctx {
        Ctx {
            sla: domain::SlaPolicy::default(),
            calendar: domain::WorkingCalendar::new("UTC", "").unwrap(),
            auto_close_after: chrono::Duration::days(5),
            idempotency_ttl: chrono::Duration::hours(24),
            login_limits: crate::LoginLimits {
                failures: 5,
                window: chrono::Duration::minutes(15),
                lock: chrono::Duration::seconds(30),
                max_lock: chrono::Duration::minutes(15),
            },
            webhook_allow_private: allow_private,
            delivery_max_attempts: 8,
            delivery_retry_base: chrono::Duration::seconds(30),
        }
    }

    #[test]
    fn private_targets_are_refused_outside_test_mode() {
        assert!(check_target("http://127.0.0.1:9/x", &ctx(false)).is_err());
        assert!(check_target("http://10.0.0.5/x", &ctx(false)).is_err());
        assert!(check_target("http://127.0.0.1:9/x", &ctx(true)).is_ok());
        assert!(check_target("ftp://example.com/", &ctx(true)).is_err());
    }
}
