//! Benchmark: cascading one major-incident update to 10,000 linked children, and resolving them,
//! on SQLite and PostgreSQL. Each is one transaction. Run with `make bench`.

use std::time::Instant;

use app::incidents::RaiseIncident;
use app::major_incidents::{PostMajorUpdate, RaiseMajorIncident};
use domain::{Caller, CustomerNumber, Impact, Reporter, Role, ServiceId, ServiceLocator, Severity};
use persistence::services::NewService;
use persistence::{Database, PoolOptions};

const CHILDREN: usize = 10_000;

fn run(backend: &str, url: &str) {
    let db = Database::open(url, &PoolOptions::default()).expect("open");
    let store = app::Store::new(db.clone());
    let ctx = tests::ctx_of(&tests::test_settings());
    let noc = Caller::new("bench", Role::IncidentManager, None).expect("caller");
    let now = chrono::Utc::now();
    let ocn = CustomerNumber::parse("OCN-1001").expect("ocn");
    let svc = ServiceId::parse("SVC-BENCH").expect("svc");
    db.write(|conn| {
        persistence::customers::create(conn, &ocn, "Bench Ltd", now)?;
        persistence::services::create(
            conn,
            NewService {
                service_id: &svc,
                circuit_reference: "CIR/BENCH",
                order_number: "ORD-BENCH",
                customer_number: &ocn,
                product: "Ethernet",
                label: "bench",
                status: domain::ServiceStatus::Active,
                handover_date: None,
                region: None,
                availability_target: None,
            },
            now,
        )?;
        Ok(())
    })
    .expect("seed");
    let major = store
        .write(|conn| {
            app::major_incidents::raise(
                conn,
                &noc,
                RaiseMajorIncident {
                    summary: "bench".into(),
                    description: "bench".into(),
                    severity: Severity::Critical,
                    region: None,
                    started_at: Some(now),
                    affected_services: vec![svc.clone()],
                    incident_manager_email: None,
                    next_update_by: None,
                    estimated_restoration_at: None,
                },
                &ctx,
                now,
            )
        })
        .expect("mni");
    let reporter = Reporter {
        name: "B".into(),
        email: "b@x.example".into(),
        phone: "+441234567".into(),
    };
    let locator = ServiceLocator::ServiceId(svc.clone());
    let started = Instant::now();
    // Raising links each ticket to the active major incident; 500 per transaction.
    for _ in 0..CHILDREN / 500 {
        store
            .write(|conn| {
                for _ in 0..500 {
                    app::incidents::raise(
                        conn,
                        &noc,
                        RaiseIncident {
                            locator: locator.clone(),
                            summary: "child".into(),
                            description: "child".into(),
                            impact: Impact::ServiceDown,
                            reporter: reporter.clone(),
                            external_id: None,
                        },
                        &ctx,
                        now,
                    )?;
                }
                Ok(())
            })
            .expect("children");
    }
    let seeded = started.elapsed();
    let t = Instant::now();
    let (_, n) = store
        .write(|conn| {
            app::major_incidents::post_update(
                conn,
                &noc,
                PostMajorUpdate {
                    major: major.ticket,
                    text: "Splicing team on site".into(),
                    next_update_by: None,
                    estimated_restoration_at: None,
                },
                chrono::Utc::now(),
            )
        })
        .expect("cascade");
    let cascade = t.elapsed();
    assert_eq!(n, CHILDREN);
    let t = Instant::now();
    let (_, resolved) = store
        .write(|conn| {
            app::major_incidents::resolve(
                conn,
                &noc,
                major.ticket,
                "Fibre spliced",
                &ctx,
                chrono::Utc::now(),
            )
        })
        .expect("resolve");
    let resolve = t.elapsed();
    assert_eq!(resolved, CHILDREN);
    println!(
        "{backend:<10} children={CHILDREN} link-on-raise={:>7.2}s  cascade-update={:>7.3}s  resolve-cascade={:>7.2}s",
        seeded.as_secs_f64(),
        cascade.as_secs_f64(),
        resolve.as_secs_f64()
    );
}

fn main() {
    let (sqlite_url, _sqlite) = tests::scratch_sqlite();
    run("sqlite", &sqlite_url);
    let (pg_url, _pg) = tests::scratch_postgres();
    run("postgresql", &pg_url);
}
