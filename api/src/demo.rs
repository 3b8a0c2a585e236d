//! Demo data (R-RUN4): two customers, a user of every role, services, incidents, a major network
//! incident and a scheduled planned work, so a newcomer can log in from Swagger UI at once.
//! Loading twice changes nothing.

use domain::Severity;
use domain::{
    AccountStatus, CustomerNumber, Impact, Reporter, Role, ServiceId, ServiceLocator, ServiceStatus,
};
use persistence::accounts::NewUser;
use persistence::incidents::NewIncident;
use persistence::major_incidents::NewMajorIncident;
use persistence::planned_works::NewPlannedWork;
use persistence::services::NewService;
use persistence::{Database, StoreError};

use crate::auth::password::hash_secret;
use crate::state::now;

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

fn parse<T>(r: Result<T, domain::DomainError>) -> Result<T, StoreError> {
    r.map_err(StoreError::from)
}

/// Loads the demo data in one transaction. Returns false when it was already there.
pub fn load(db: &Database) -> Result<bool, String> {
    let hash = hash_secret(DEMO_PASSWORD)?;
    let result = db.write(|conn| {
        let acme = parse(CustomerNumber::parse("OCN-1001"))?;
        if persistence::customers::get(conn, &acme).is_ok() {
            return Ok(false);
        }
        let at = now();
        persistence::customers::create(conn, &acme, "Acme Ltd", at)?;
        persistence::customers::create(
            conn,
            &parse(CustomerNumber::parse("OCN-2002"))?,
            "Globex Corp",
            at,
        )?;
        for (email, role, customer) in DEMO_USERS {
            let customer = customer.map(CustomerNumber::parse).transpose()?;
            persistence::accounts::create_user(
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
            persistence::services::create(
                conn,
                NewService {
                    service_id: &parse(ServiceId::parse(id))?,
                    circuit_reference: circuit,
                    order_number: order,
                    customer_number: &parse(CustomerNumber::parse(customer))?,
                    product,
                    label,
                    status: ServiceStatus::Active,
                    handover_date: None,
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
            persistence::incidents::raise(
                conn,
                NewIncident {
                    locator: &ServiceLocator::ServiceId(parse(ServiceId::parse(service))?),
                    summary,
                    description: "Raised by the demo data loader.",
                    impact,
                    reporter: &Reporter {
                        name: "Demo Reporter".into(),
                        email: "noc@acme.example".into(),
                        phone: "+44 20 7946 0000".into(),
                    },
                    raised_by: "demo",
                external_id: None,
                },
                None,
                &domain::SlaPolicy::default(),
                at,
            )?;
        }
        // A major network incident on the Manchester VPN, with a first update.
        let manchester = parse(ServiceId::parse("SVC-0003"))?;
        let major = persistence::major_incidents::raise(
            conn,
            NewMajorIncident {
                summary: "Fibre cut between Manchester and Leeds",
                description: "Third-party civil works damaged a fibre bundle; traffic is rerouted where possible.",
                severity: Severity::Major,
                region: Some("North West England"),
                started_at: at,
                affected_services: std::slice::from_ref(&manchester),
                incident_manager_email: None,
                raised_by: "demo",
            },
            &domain::SlaPolicy::default(),
            at,
        )?;
        persistence::major_incidents::post_update(
            conn,
            &major,
            "Splicing team dispatched; estimated restoration within four hours.",
            "demo",
            at,
        )?;
        // A scheduled planned work on the London–Paris line, announced with 15 days' notice.
        let london = parse(ServiceId::parse("SVC-0001"))?;
        let start = at + chrono::Duration::days(15);
        let mut work = persistence::planned_works::create(
            conn,
            NewPlannedWork {
                title: "Core router software upgrade (LON-CR-01)",
                description: "Upgrade of the London core router to the vendor's long-term release.",
                start_at: start,
                end_at: start + chrono::Duration::hours(2),
                expected_impact: "Outage of up to 15 minutes",
                outage_minutes: Some(15),
                affected_services: std::slice::from_ref(&london),
                emergency: false,
                emergency_justification: None,
                created_by: "demo",
            },
            at,
        )?;
        work.schedule(at).map_err(|_| StoreError::conflict("demo", "cannot schedule the demo work"))?;
        persistence::planned_works::save(conn, &work, Some("planned_work.scheduled"), at)?;
        Ok(true)
    });
    result.map_err(|e| e.to_string())
}
