//! A fixture for the use cases' own tests: a fresh SQLite file with two companies (`OCN-1` with
//! service `SVC-A`, `OCN-2` with `SVC-B`), an account of every role, and callers to act as.

use chrono::{DateTime, Utc};
use domain::{
    AccountStatus, Caller, CustomerNumber, EventType, Impact, Reporter, Role, ServiceId,
    ServiceLocator, ServiceStatus,
};
use persistence::accounts::{self, NewUser};
use persistence::services::NewService;
use persistence::{customers, events, services, Database, PoolOptions};

use crate::incidents::RaiseIncident;
use crate::{Conn, Ctx, Store};

pub struct Fixture {
    pub store: Store,
    pub ctx: Ctx,
    _dir: tempfile::TempDir,
}

pub fn ocn(n: &str) -> CustomerNumber {
    CustomerNumber::parse(n).unwrap()
}

pub fn now() -> DateTime<Utc> {
    crate::now()
}

/// A caller of `role`; customer roles belong to `OCN-1`.
pub fn caller(role: Role) -> Caller {
    let customer = role.is_customer_side().then(|| ocn("OCN-1"));
    Caller::new(format!("test:{role}"), role, customer).unwrap()
}

/// A customer-side caller of `OCN-2`.
pub fn other_company() -> Caller {
    Caller::new("test:other", Role::CustomerUser, Some(ocn("OCN-2"))).unwrap()
}

pub fn ctx() -> Ctx {
    Ctx {
        sla: domain::SlaPolicy::default(),
        calendar: domain::WorkingCalendar::new("UTC", "").unwrap(),
        credits: None,
        auto_close_after: chrono::Duration::days(5),
        work_reminder_lead: chrono::Duration::hours(48),
        idempotency_ttl: chrono::Duration::hours(24),
        login_limits: crate::LoginLimits {
            failures: 3,
            window: chrono::Duration::minutes(15),
            lock: chrono::Duration::seconds(30),
            max_lock: chrono::Duration::minutes(15),
        },
        registration_limits: crate::LoginLimits::per_hour(10),
        contacts_per_company: 500,
        webhooks_per_company: 25,
        retention: chrono::Duration::days(90),
        egress: crate::webhooks::Egress::new(true),
        delivery_max_attempts: 3,
        delivery_retry_base: chrono::Duration::seconds(1),
        attachments: domain::attachment::AttachmentLimits::default(),
        links: crate::links::LinkKey::derive(b"the tests' signing secret"),
    }
}

pub fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/app.db", dir.path().display());
    let store = Store::new(Database::open(&url, &PoolOptions::default()).unwrap());
    let at = now();
    store
        .write(|conn| {
            for (number, service, region) in [
                ("OCN-1", "SVC-A", "South East"),
                ("OCN-2", "SVC-B", "North East"),
            ] {
                customers::create(conn, &ocn(number), number, at)?;
                services::create(
                    conn,
                    NewService {
                        service_id: &ServiceId::parse(service)?,
                        circuit_reference: &format!("CIR/{service}"),
                        order_number: &format!("ORD-{service}"),
                        customer_number: &ocn(number),
                        product: "Ethernet",
                        label: service,
                        status: ServiceStatus::Active,
                        handover_date: None,
                        region: Some(region),
                        availability_target: None,
                    },
                    at,
                )?;
            }
            for role in Role::ALL {
                let customer = role.is_customer_side().then(|| ocn("OCN-1"));
                accounts::create_user(
                    conn,
                    NewUser {
                        email: &format!("{role}@test.example"),
                        name: role.as_str(),
                        password_hash: "!",
                        role,
                        customer_number: customer.as_ref(),
                        status: AccountStatus::Active,
                    },
                    at,
                )?;
            }
            Ok(())
        })
        .unwrap();
    Fixture {
        store,
        ctx: ctx(),
        _dir: dir,
    }
}

pub fn raise_cmd(service: &str) -> RaiseIncident {
    RaiseIncident {
        locator: ServiceLocator::ServiceId(ServiceId::parse(service).unwrap()),
        summary: "Circuit down".into(),
        description: "No light".into(),
        impact: Impact::ServiceDown,
        reporter: Reporter {
            name: "Bob".into(),
            email: "bob@acme.example".into(),
            phone: "+44 20 7946 0000".into(),
        },
        external_id: None,
    }
}

/// The types of every event written so far, oldest first.
pub fn event_types(conn: &mut Conn) -> Vec<EventType> {
    let ids: Vec<i64> = events::ids_after(conn, 0, 10_000)
        .unwrap()
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    events::by_ids(conn, &ids)
        .unwrap()
        .into_iter()
        .map(|e| e.event_type)
        .collect()
}

impl Fixture {
    /// Runs `f` in a write transaction and hands back its outcome.
    pub fn run<T>(
        &self,
        f: impl FnOnce(&mut Conn, &Ctx) -> Result<T, crate::AppError>,
    ) -> Result<T, crate::AppError> {
        self.store.write(|conn| f(conn, &self.ctx))
    }

    pub fn events(&self) -> Vec<EventType> {
        self.store.read(|conn| Ok(event_types(conn))).unwrap()
    }

    /// Every event of `event_type` written so far, oldest first.
    pub fn events_of(&self, event_type: EventType) -> Vec<events::Event> {
        self.store
            .read(|conn| {
                let ids: Vec<i64> = events::ids_after(conn, 0, 10_000)?
                    .into_iter()
                    .map(|(id, _)| id)
                    .collect();
                Ok(events::by_ids(conn, &ids)?
                    .into_iter()
                    .filter(|e| e.event_type == event_type)
                    .collect())
            })
            .unwrap()
    }
}
