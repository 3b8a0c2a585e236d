//! Issue 16, per-service status: `GET /services/{id}/status` and the `state` of each service in
//! the inventory, from the service's tickets, the major incident covering it and its past
//! outages; within the caller's tenancy.

use chrono::{Duration, SubsecRound, Utc};
use domain::service_review::CreditTable;
use domain::{Impact, IncidentStatus, Role};
use serde_json::json;
use tests::{on_both_backends, TestApp};

on_both_backends!(
    a_service_status_tells_its_state_and_availability,
    last_month_is_judged_against_the_target_with_its_credit
);

/// An outage of SVC-A that began `days_ago`, waited `paused` minutes for the customer from its
/// 30th minute, and was resolved two hours after it began.
fn past_outage(app: &TestApp, days_ago: i64, paused: i64) {
    outage_from(
        app,
        (Utc::now() - Duration::days(days_ago)).trunc_subsecs(6),
        paused,
    );
}

/// An outage of SVC-A from `start`, as [`past_outage`].
fn outage_from(app: &TestApp, start: chrono::DateTime<Utc>, paused: i64) {
    tests::ticket_at(
        app,
        "SVC-A",
        Impact::ServiceDown,
        start,
        &[
            (5, IncidentStatus::Acknowledged),
            (10, IncidentStatus::InProgress),
            (30, IncidentStatus::PendingCustomer),
            (30 + paused, IncidentStatus::InProgress),
            (120, IncidentStatus::Resolved),
        ],
    );
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

async fn last_month_is_judged_against_the_target_with_its_credit(backend: TestApp) {
    // The app again, with a credit table.
    let mut settings = backend.settings.clone();
    settings.credits =
        Some(CreditTable::parse("99.95:0,99.9:5,99.5:10,0:25").expect("a credit table"));
    let app = backend.restart(settings).await;
    let (admin, a, _) = app.two_tenants().await;
    // The commitment: 99.95 % a month; a target is a percentage above 0, at most 100.
    let patched = app
        .send(
            actix_web::http::Method::PATCH,
            "/api/v1/services/SVC-A",
            Some(&admin),
            Some(json!({"availability_target": 99.95})),
            &[],
        )
        .await
        .expect(200);
    assert_eq!(patched.body["availability_target"], 99.95);
    for bad in [json!(0), json!(100.5), json!("99.9")] {
        let refused = app
            .send(
                actix_web::http::Method::PATCH,
                "/api/v1/services/SVC-A",
                Some(&admin),
                Some(json!({ "availability_target": bad })),
                &[],
            )
            .await;
        assert_eq!(refused.status.as_u16(), 422, "{bad}: {}", refused.body);
    }

    // Two hours down on the 4th of last month from 10:00 UTC, 20 minutes of it waiting for the
    // customer: 100 minutes count.
    let calendar = &app.settings.calendar;
    let last_month = calendar.month_of(Utc::now()).previous();
    let (start, end) = calendar.month_span(last_month);
    outage_from(&app, start + Duration::days(3) + Duration::hours(10), 20);

    let status = app
        .get("/api/v1/services/SVC-A/status", &a)
        .await
        .expect(200)
        .body;
    let months = status["months"].as_array().unwrap();
    assert_eq!(months.len(), 2, "{months:?}");
    let last = &months[0];
    assert_eq!(last["month"], last_month.to_string());
    assert_eq!(last["complete"], true);
    assert_eq!(last["downtime_minutes"], 100);
    // 100 minutes of a month of 40,260 to 44,700 minutes (28 to 31 days, an hour more or less
    // at a DST change): 99.75 % to 99.78 %, below 99.95 and in the 99.5 band: 10 % credit.
    let minutes = (end - start).num_minutes() as f64;
    let percent = ((1.0 - 100.0 / minutes) * 1_000_000.0).round() / 10_000.0;
    assert_eq!(last["percent"], percent);
    assert!((99.75..99.79).contains(&percent), "{percent}");
    assert_eq!(last["target"], 99.95);
    assert_eq!(last["target_met"], false);
    assert_eq!(last["service_credit_percent"], 10.0);
    assert_eq!(last["planned_works_minutes"], 0);
    // This month so far: nothing down, no credit yet.
    let this = &months[1];
    assert_eq!(this["complete"], false);
    assert_eq!(this["percent"], 100.0);
    assert_eq!(this["target_met"], true);
    assert!(this["service_credit_percent"].is_null());

    // Without a target: neither met nor missed.
    let b_status = app
        .get("/api/v1/services/SVC-B/status", &admin)
        .await
        .expect(200)
        .body;
    assert!(b_status["months"][0]["target_met"].is_null());
    assert_eq!(b_status["months"][0]["service_credit_percent"], 0.0);
}
