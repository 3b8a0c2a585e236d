//! Issue 16, per-service status: `GET /services/{id}/status` and the `state` of each service in
//! the inventory, from the service's tickets, the major incident covering it and its past
//! outages; within the caller's tenancy.

use app::incidents::{RaiseIncident, Transition};
use chrono::{Duration, SubsecRound, Utc};
use domain::{
    Caller, Impact, IncidentStatus, Reporter, Resolution, Role, ServiceId, ServiceLocator,
};
use serde_json::json;
use tests::{on_both_backends, TestApp};

on_both_backends!(a_service_status_tells_its_state_and_availability);

/// An outage of SVC-A that began `days_ago`, waited `paused` minutes for the customer from its
/// 30th minute, and was resolved two hours after it began.
fn past_outage(app: &TestApp, days_ago: i64, paused: i64) {
    let start = (Utc::now() - Duration::days(days_ago)).trunc_subsecs(6);
    let desk = Caller::new("test", Role::Agent, None).unwrap();
    let ctx = tests::ctx_of(&app.settings);
    app::Store::new(app.db.clone())
        .write(|conn| {
            let ticket = app::incidents::raise(
                conn,
                &desk,
                RaiseIncident {
                    locator: ServiceLocator::ServiceId(ServiceId::parse("SVC-A").unwrap()),
                    summary: "Circuit down".into(),
                    description: "d".into(),
                    impact: Impact::ServiceDown,
                    reporter: Reporter {
                        name: "A".into(),
                        email: "a@x.example".into(),
                        phone: "+4412345".into(),
                    },
                    external_id: None,
                },
                &ctx,
                start,
            )?
            .ticket;
            let steps = [
                (5, IncidentStatus::Acknowledged),
                (10, IncidentStatus::InProgress),
                (30, IncidentStatus::PendingCustomer),
                (30 + paused, IncidentStatus::InProgress),
                (120, IncidentStatus::Resolved),
            ];
            for (minutes, to) in steps {
                let resolution = (to == IncidentStatus::Resolved).then(|| Resolution {
                    cause: "Card failure".into(),
                    fix: "Card replaced".into(),
                });
                app::incidents::transition(
                    conn,
                    &desk,
                    Transition {
                        ticket,
                        to,
                        reason: Some("waiting for site access".into()),
                        resolution,
                        expected_version: None,
                    },
                    &ctx,
                    start + Duration::minutes(minutes),
                )?;
            }
            Ok(())
        })
        .unwrap();
}

async fn a_service_status_tells_its_state_and_availability(app: TestApp) {
    let (_, a, b) = app.two_tenants().await;
    let status = |token: String| {
        let app = &app;
        async move {
            app.get("/api/v1/services/SVC-A/status", &token)
                .await
                .expect(200)
                .body
        }
    };
    let calm = status(a.clone()).await;
    assert_eq!(calm["state"], "operational");
    assert_eq!(calm["availability"]["last_30_days"]["percent"], 100.0);
    assert_eq!(calm["open_tickets"], json!([]));
    assert!(calm["major_incident"].is_null());

    // Two hours down ten days ago, 30 minutes of it waiting for the customer; and one 60 days
    // ago, outside the 30-day window.
    past_outage(&app, 10, 30);
    past_outage(&app, 60, 0);
    let after = status(a.clone()).await;
    assert_eq!(after["state"], "operational", "both resolved");
    let last_30 = &after["availability"]["last_30_days"];
    assert_eq!(last_30["downtime_minutes"], 90);
    assert_eq!(last_30["percent"], 99.7917, "1 - 90 / 43200");
    let last_90 = &after["availability"]["last_90_days"];
    assert_eq!(last_90["downtime_minutes"], 210);
    assert_eq!(last_90["percent"], 99.8380, "1 - 210 / 129600");

    // The customer reports it degraded: degraded, with the ticket.
    let ticket = app.raise(&a, "SVC-A", "degraded").await;
    let degraded = status(a.clone()).await;
    assert_eq!(degraded["state"], "degraded");
    assert_eq!(
        degraded["open_tickets"][0]["ticket_number"],
        ticket["ticket_number"]
    );
    let list = app.get("/api/v1/services", &a).await.expect(200);
    assert_eq!(list.body["items"][0]["state"], "degraded");

    // A critical major incident on it since an hour ago: an outage, counted in availability.
    let noc = app.token_for(Role::Agent, None);
    let next = Utc::now() + Duration::minutes(30);
    let mni = app
        .post("/api/v1/major-incidents", &noc, json!({"summary": "Fibre cut", "description": "d", "severity": "critical",
            "affected_service_ids": ["SVC-A"], "started_at": (Utc::now() - Duration::hours(1)).to_rfc3339(),
            "next_update_by": next.to_rfc3339()}))
        .await
        .expect(201);
    let down = status(a.clone()).await;
    assert_eq!(down["state"], "outage");
    assert_eq!(
        down["major_incident"]["ticket_number"],
        mni.body["ticket_number"]
    );
    assert!(down["major_incident"]["next_update_by"].is_string());
    let minutes = down["availability"]["last_30_days"]["downtime_minutes"]
        .as_i64()
        .unwrap();
    assert!((150..=151).contains(&minutes), "{minutes}");
    let single = app.get("/api/v1/services/SVC-A", &a).await.expect(200);
    assert_eq!(single.body["state"], "outage");

    // Globex: its own service is fine, Acme's is none of its business.
    app.get("/api/v1/services/SVC-A/status", &b)
        .await
        .expect_problem(404, "not_found");
    let own = app
        .get("/api/v1/services/SVC-B/status", &b)
        .await
        .expect(200);
    assert_eq!(own.body["state"], "operational");
    assert!(own.body["major_incident"].is_null());
    assert_eq!(
        own.body["availability"]["last_90_days"]["downtime_minutes"],
        0
    );
}
