//! Partner webhooks and TMF621 hub listeners (R-CON4): subscriptions to events, their delivery
//! logs, and redelivery. Targets must be public http(s) addresses.

use std::fmt;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use domain::policy::{self, Permission};
use domain::{Caller, CustomerNumber, EventType};
use persistence::webhooks;
use persistence::{events, outbox, Cursor, Page};

use crate::accounts::secrets::random_token;
use crate::{AppError, Conn, Ctx};

pub use persistence::outbox::{AttemptRecord, Delivery};
pub use persistence::webhooks::{
    Subscription, LISTENER_FORMATS, MEF124, NATIVE, TMF621, TMF621_V5,
};

/// How host names become addresses for outgoing partner traffic: the system resolver unless a
/// test puts another in (one that answers differently on each call, say).
#[derive(Clone)]
pub struct Dns(Arc<Lookup>);

/// A name and port to the addresses they have now.
type Lookup = dyn Fn(&str, u16) -> io::Result<Vec<SocketAddr>> + Send + Sync;

impl Dns {
    pub fn new(
        lookup: impl Fn(&str, u16) -> io::Result<Vec<SocketAddr>> + Send + Sync + 'static,
    ) -> Self {
        Self(Arc::new(lookup))
    }

    /// The addresses `host` has now.
    pub fn resolve(&self, host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
        (self.0)(host, port)
    }

    /// `getaddrinfo`, through the standard library.
    pub fn system() -> Self {
        Self::new(|host, port| Ok((host, port).to_socket_addrs()?.collect()))
    }
}

impl Default for Dns {
    fn default() -> Self {
        Self::system()
    }
}

impl fmt::Debug for Dns {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Dns(..)")
    }
}

/// Where webhooks and hub notifications may go: public addresses only, checked when a target is
/// registered **and** on every connection (the addresses checked are the ones connected to, so a
/// name that resolves elsewhere the second time — DNS rebinding — reaches nothing private).
#[derive(Clone, Debug, Default)]
pub struct Egress {
    /// Private and loopback targets allowed (tests only; the server warns at start).
    pub allow_private: bool,
    pub dns: Dns,
}

/// Why a target was refused; the text is safe to show to whoever registered it.
pub const NOT_PUBLIC: &str =
    "resolves to a private, local or reserved address; webhooks go to public addresses only";

impl Egress {
    pub fn new(allow_private: bool) -> Self {
        Self {
            allow_private,
            dns: Dns::system(),
        }
    }

    /// The addresses `host` resolves to, if every one of them is public (or private ones are
    /// allowed). Blocks on DNS: call it off the async workers.
    pub fn public_addresses(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, String> {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let addrs = self
            .dns
            .resolve(host, port)
            .map_err(|_| format!("cannot resolve {host}"))?;
        if addrs.is_empty() {
            return Err(format!("cannot resolve {host}"));
        }
        if !self.allow_private
            && addrs
                .iter()
                .any(|a| domain::notification::is_private_address(a.ip()))
        {
            return Err(format!("{host} {NOT_PUBLIC}"));
        }
        Ok(addrs)
    }

    /// Refuses targets that are not http(s) or resolve to private addresses (with private ones
    /// allowed, the name need not resolve yet). Resolves DNS: call it before opening a transaction.
    pub fn check(&self, url: &str) -> Result<CheckedTarget, String> {
        let (_, host, port) =
            domain::notification::parse_webhook_url(url).map_err(|e| e.to_string())?;
        if !self.allow_private {
            self.public_addresses(&host, port)?;
        }
        Ok(CheckedTarget(url.to_owned()))
    }
}

/// A webhook target that resolved to public addresses when checked: only
/// [`Egress::check`] makes one.
pub struct CheckedTarget(String);

impl CheckedTarget {
    pub fn url(&self) -> &str {
        &self.0
    }
}

/// [`Egress::check`] with the deployment's egress rules.
pub fn check_target(url: &str, ctx: &Ctx) -> Result<CheckedTarget, String> {
    ctx.egress.check(url)
}

pub struct Subscribe {
    pub target: CheckedTarget,
    /// Event type patterns (`incident.*`), or TMF621 event names for a hub listener.
    pub event_types: Vec<String>,
    /// Provider staff may subscribe to one company's events, or to all with `None`.
    pub customer_number: Option<CustomerNumber>,
    /// Generated when absent.
    pub secret: Option<String>,
    /// `NATIVE`, or a hub listener's format (`LISTENER_FORMATS`).
    pub format: &'static str,
    /// A hub listener's query as it registered it.
    pub query: Option<String>,
}

pub fn subscribe(
    conn: &mut Conn,
    caller: &Caller,
    new: Subscribe,
    ctx: &Ctx,
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
    if webhooks::count_active(conn, customer.as_ref())? >= i64::from(ctx.webhooks_per_company) {
        return Err(AppError::Conflict {
            code: "too_many_webhooks",
            message: format!(
                "at most {} webhooks and hub listeners per company; delete one first",
                ctx.webhooks_per_company
            ),
        });
    }
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

/// Queues a delivery again, with a fresh attempt budget; its log of earlier attempts is kept
/// and returned with it.
pub fn redeliver(
    conn: &mut Conn,
    caller: &Caller,
    id: i64,
    delivery_id: i64,
    now: DateTime<Utc>,
) -> Result<DeliveryLog, AppError> {
    get(conn, caller, id)?;
    let delivery = outbox::redeliver(conn, id, delivery_id, now)?;
    let event = events::get(conn, delivery.event_id)?;
    let attempts = outbox::attempts_of(conn, delivery.id)?;
    Ok((delivery, event.event_type, attempts))
}

/// A hub listener of `format` (a subscription of another format is not one: 404).
pub fn get_listener(
    conn: &mut Conn,
    caller: &Caller,
    id: i64,
    format: &str,
) -> Result<Subscription, AppError> {
    let sub = get(conn, caller, id)?;
    if sub.format != format {
        return Err(AppError::NotFound("listener"));
    }
    Ok(sub)
}

/// Unregisters a hub listener of `format` (a subscription of another format is not one: 404).
pub fn unregister_listener(
    conn: &mut Conn,
    caller: &Caller,
    id: i64,
    format: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    get_listener(conn, caller, id, format)?;
    unsubscribe(conn, caller, id, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(allow_private: bool) -> Ctx {
        Ctx {
            sla: domain::SlaPolicy::default(),
            calendar: domain::WorkingCalendar::new("UTC", "").unwrap(),
            credits: None,
            auto_close_after: chrono::Duration::days(5),
            work_reminder_lead: chrono::Duration::hours(48),
            idempotency_ttl: chrono::Duration::hours(24),
            login_limits: crate::LoginLimits {
                failures: 5,
                window: chrono::Duration::minutes(15),
                lock: chrono::Duration::seconds(30),
                max_lock: chrono::Duration::minutes(15),
            },
            registration_limits: crate::LoginLimits::per_hour(10),
            contacts_per_company: 500,
            webhooks_per_company: 25,
            retention: chrono::Duration::days(90),
            egress: Egress::new(allow_private),
            delivery_max_attempts: 8,
            delivery_retry_base: chrono::Duration::seconds(30),
            attachments: domain::attachment::AttachmentLimits::default(),
            links: crate::links::LinkKey::derive(b"the tests' signing secret"),
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
