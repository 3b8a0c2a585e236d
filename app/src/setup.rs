//! Start-up data: the first admin of an empty installation, and the demo data (R-RUN4) — two
//! customers, a user of every role, services, incidents, a major network incident and a
//! scheduled planned work, so a newcomer can sign in from Swagger UI at once. Both are loaded
//! through the same use cases as everything else, and loading twice changes nothing.

use chrono::{DateTime, Utc};
use domain::{
    AccountStatus, Caller, CustomerNumber, Impact, Reporter, Role, ServiceId, ServiceLocator,
    ServiceStatus, Severity,
};
use persistence::accounts::{self, NewUser};
use persistence::services::NewService;
use persistence::{customers, services};

use crate::accounts::secrets::hash_secret;
use crate::incidents::RaiseIncident;
use crate::major_incidents::{PostMajorUpdate, RaiseMajorIncident};
use crate::planned_works::{ProposeWork, WorkStep};
use crate::{AppError, Ctx, Store};

/// Creates an active admin with these credentials unless the email is already registered.
/// Safe when several instances start at once: a unique violation means another one won.
pub fn ensure_admin(
    store: &Store,
    email: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    if password.len() < 12 {
        return Err(AppError::invalid(
            "BOOTSTRAP_ADMIN_PASSWORD",
            "must be at least 12 characters",
        ));
    }
    let exists = store
        .read(|conn| Ok(accounts::find_user_by_email(conn, email)?))?
        .is_some();
    if exists {
        return Ok(false);
    }
    let hash = hash_secret(password)?;
    let created = store.write(|conn| {
        Ok(accounts::create_user(
            conn,
            NewUser {
                email,
                name: "Bootstrap admin",
                password_hash: &hash,
                role: Role::Admin,
                customer_number: None,
                status: AccountStatus::Active,
            },
            now,
        )?)
    });
    match created {
        Ok(_) => Ok(true),
        Err(AppError::Conflict { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Password of every demo account. Documented in the README; never use demo data in production.
pub const DEMO_PASSWORD: &str = "demo-password-2026";

/// Demo logins: (email, role, customer).
pub const DEMO_USERS: &[(&str, Role, Option<&str>)] = &[
    ("admin@demo.example", Role::Admin, None),
    ("agent@demo.example", Role::Agent, None),
    ("incident.manager@demo.example", Role::IncidentManager, None),
    ("change.manager@demo.example", Role::ChangeManager, None),
    ("alice@acme.example", Role::CustomerAdmin, Some("OCN-1001")),
    ("bob@acme.example", Role::CustomerUser, Some("OCN-1001")),
    ("carol@globex.example", Role::CustomerUser, Some("OCN-2002")),
];

const DEMO_SERVICES: &[(&str, &str, &str, &str, &str, &str)] = &[
    (
        "SVC-0001",
        "LON/ETH/000123",
        "ORD-778899",
        "OCN-1001",
        "Ethernet Line",
        "London–Paris 1G",
    ),
    (
        "SVC-0002",
        "LON/IPT/000456",
        "ORD-778900",
        "OCN-1001",
        "IP Transit",
        "London DC internet 10G",
    ),
    (
        "SVC-0003",
        "MAN/MPLS/000789",
        "ORD-778901",
        "OCN-1001",
        "MPLS VPN",
        "Manchester branch VPN",
    ),
    (
        "SVC-1001",
        "FRA/ETH/004242",
        "ORD-990011",
        "OCN-2002",
        "Ethernet Line",
        "Frankfurt–Amsterdam 10G",
    ),
];

/// The region of a demo service, from its circuit's city.
fn demo_region(circuit: &str) -> Option<&'static str> {
    match circuit.split('/').next() {
        Some("LON") => Some("London"),
        Some("MAN") => Some("North West England"),
        Some("FRA") => Some("Hesse"),
        _ => None,
    }
}

/// Loads the demo data in one transaction. Returns false when it was already there.
pub fn load_demo(store: &Store, ctx: &Ctx, at: DateTime<Utc>) -> Result<bool, AppError> {
    let hash = hash_secret(DEMO_PASSWORD)?;
    // The loader acts as the platform, through the same use cases as any caller.
    let demo = Caller::new("demo", Role::Admin, None)?;
    store.write(|conn| {
        let acme = CustomerNumber::parse("OCN-1001")?;
        if customers::get(conn, &acme).is_ok() {
            return Ok(false);
        }
        customers::create(conn, &acme, "Acme Ltd", at)?;
        customers::create(conn, &CustomerNumber::parse("OCN-2002")?, "Globex Corp", at)?;
        for (email, role, customer) in DEMO_USERS {
            let customer = customer.map(CustomerNumber::parse).transpose()?;
            accounts::create_user(
                conn,
                NewUser {
                    email,
                    name: email.split('@').next().unwrap_or(email),
                    password_hash: &hash,
                    role: *role,
                    customer_number: customer.as_ref(),
                    status: AccountStatus::Active,
                },
                at,
            )?;
        }
        for (id, circuit, order, customer, product, label) in DEMO_SERVICES {
            services::create(
                conn,
                NewService {
                    service_id: &ServiceId::parse(id)?,
                    circuit_reference: circuit,
                    order_number: order,
                    customer_number: &CustomerNumber::parse(customer)?,
                    product,
                    label,
                    status: ServiceStatus::Active,
                    handover_date: None,
                    region: demo_region(circuit),
                    // The demo's contracts commit to 99.95 % a month.
                    availability_target: domain::AvailabilityTarget::from_percent(99.95).ok(),
                },
                at,
            )?;
        }
        let incidents: [(&str, &str, Impact); 3] = [
            ("SVC-0001", "Circuit down since 09:12", Impact::ServiceDown),
            ("SVC-0002", "Packet loss towards AS3356", Impact::Degraded),
            (
                "SVC-1001",
                "CRC errors on the Frankfurt handoff",
                Impact::Intermittent,
            ),
        ];
        for (service, summary, impact) in incidents {
            crate::incidents::raise(
                conn,
                &demo,
                RaiseIncident {
                    locator: ServiceLocator::ServiceId(ServiceId::parse(service)?),
                    summary: summary.into(),
                    description: "Raised by the demo data loader.".into(),
                    impact,
                    reporter: Reporter {
                        name: "Demo Reporter".into(),
                        email: "noc@acme.example".into(),
                        phone: "+44 20 7946 0000".into(),
                    },
                    external_id: None,
                },
                ctx,
                at,
            )?;
        }
        // A major network incident on the Manchester VPN, with a first update.
        let major = crate::major_incidents::raise(
            conn,
            &demo,
            RaiseMajorIncident {
                summary: "Fibre cut between Manchester and Leeds".into(),
                description: "Third-party civil works damaged a fibre bundle; traffic is \
                              rerouted where possible."
                    .into(),
                severity: Severity::Major,
                region: Some("North West England".into()),
                started_at: Some(at),
                affected_services: vec![ServiceId::parse("SVC-0003")?],
                incident_manager_email: Some("incident.manager@demo.example".into()),
                next_update_by: Some(at + chrono::Duration::hours(1)),
                estimated_restoration_at: Some(at + chrono::Duration::hours(4)),
            },
            ctx,
            at,
        )?;
        crate::major_incidents::post_update(
            conn,
            &demo,
            PostMajorUpdate {
                major: major.ticket,
                text: "Splicing team dispatched; estimated restoration within four hours.".into(),
                next_update_by: Some(at + chrono::Duration::hours(1)),
                estimated_restoration_at: Some(at + chrono::Duration::hours(4)),
            },
            at,
        )?;
        // A scheduled planned work on the London–Paris line, announced with 15 days' notice.
        let start = at + chrono::Duration::days(15);
        let work = crate::planned_works::propose(
            conn,
            &demo,
            ProposeWork {
                title: "Core router software upgrade (LON-CR-01)".into(),
                description: "Upgrade of the London core router to the vendor's long-term \
                              release."
                    .into(),
                start_at: start,
                end_at: start + chrono::Duration::hours(2),
                expected_impact: "Outage of up to 15 minutes".into(),
                outage_minutes: Some(15),
                affected_services: vec![ServiceId::parse("SVC-0001")?],
                emergency: false,
                emergency_justification: None,
            },
            at,
        )?;
        crate::planned_works::step(conn, &demo, work.id, WorkStep::Schedule, None, at)?;
        Ok(true)
    })
}
