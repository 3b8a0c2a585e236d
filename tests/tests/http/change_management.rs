//! R-CHG1–3 over HTTP: planned works with ten days' notice, the calendar and its iCalendar feed
//! (parsed back with an independent parser), and customer maintenance requests with 20 working
//! days' notice.

use actix_web::http::Method;
use chrono::{DateTime, Duration, Utc};
use domain::Role;
use serde_json::{json, Value};
use tests::{on_both_backends, TestApp};

on_both_backends!(
    planned_work_lifecycle_with_ten_days_notice,
    calendar_and_ics_show_customers_only_their_works,
    maintenance_request_needs_twenty_working_days,
    maintenance_request_lifecycle_and_tenancy,
);

fn rfc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn work_body(services: &[&str], start: DateTime<Utc>, emergency: bool) -> Value {
    let mut body = json!({
        "title": "Core router upgrade", "description": "LON-CR-01 software upgrade",
        "start_at": rfc(start), "end_at": rfc(start + Duration::hours(2)),
        "expected_impact": "Outage up to 30 minutes", "outage_minutes": 30,
        "affected_service_ids": services, "emergency": emergency,
    });
    if emergency {
        body["emergency_justification"] = json!("Line card failing");
    }
    body
}

async fn planned_work_lifecycle_with_ten_days_notice(app: TestApp) {
    let (_, customer, _) = app.two_tenants().await;
    let cm = app.token_for(Role::ChangeManager, None);
    let soon = Utc::now() + Duration::days(3);
    app.post(
        "/api/v1/planned-works",
        &customer,
        work_body(&["SVC-A"], soon, false),
    )
    .await
    .expect_problem(403, "forbidden");
    app.post(
        "/api/v1/planned-works",
        &cm,
        work_body(&["SVC-A"], soon, true)
            .as_object()
            .unwrap()
            .iter()
            .filter(|(k, _)| *k != "emergency_justification")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    )
    .await
    .expect_problem(422, "validation_failed");
    let mut backwards = work_body(&["SVC-A"], soon, false);
    backwards["end_at"] = json!(rfc(soon - Duration::hours(1)));
    app.post("/api/v1/planned-works", &cm, backwards)
        .await
        .expect_problem(422, "validation_failed");

    let work = app
        .post(
            "/api/v1/planned-works",
            &cm,
            work_body(&["SVC-A"], soon, false),
        )
        .await
        .expect(201);
    let id = work.body["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("PW-"));
    assert_eq!(work.body["status"], "proposed");
    let refused = app
        .post(
            &format!("/api/v1/planned-works/{id}/schedule"),
            &cm,
            json!({}),
        )
        .await
        .expect_problem(422, "insufficient_notice");
    let earliest: DateTime<Utc> = refused.body["earliest_allowed_start"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let expected = Utc::now() + Duration::days(10);
    assert!(
        (earliest - expected).num_seconds().abs() < 30,
        "{earliest} vs {expected}"
    );
    // Move it past the notice period, then it schedules.
    let moved = app
        .send(Method::PATCH, &format!("/api/v1/planned-works/{id}"), Some(&cm),
              Some(json!({"start_at": rfc(earliest + Duration::hours(1)), "end_at": rfc(earliest + Duration::hours(3))})), &[])
        .await
        .expect(200);
    assert_eq!(moved.body["sequence"], 1);
    let scheduled = app
        .post(
            &format!("/api/v1/planned-works/{id}/schedule"),
            &cm,
            json!({}),
        )
        .await
        .expect(200);
    assert_eq!(scheduled.body["status"], "scheduled");
    assert_eq!(scheduled.body["sequence"], 2);
    // A scheduled work cannot be pulled inside the notice period.
    app.send(
        Method::PATCH,
        &format!("/api/v1/planned-works/{id}"),
        Some(&cm),
        Some(json!({"start_at": rfc(soon), "end_at": rfc(soon + Duration::hours(1))})),
        &[],
    )
    .await
    .expect_problem(422, "insufficient_notice");
    app.post(
        &format!("/api/v1/planned-works/{id}/complete"),
        &cm,
        json!({}),
    )
    .await
    .expect_problem(409, "illegal_transition");
    app.post(&format!("/api/v1/planned-works/{id}/start"), &cm, json!({}))
        .await
        .expect(200);
    let done = app
        .post(
            &format!("/api/v1/planned-works/{id}/complete"),
            &cm,
            json!({}),
        )
        .await
        .expect(200);
    assert_eq!(done.body["status"], "completed");
    app.post(
        &format!("/api/v1/planned-works/{id}/cancel"),
        &cm,
        json!({"reason": "x"}),
    )
    .await
    .expect_problem(409, "illegal_transition");

    // Emergencies skip the notice; the affected customer is told when it is scheduled.
    let emergency = app
        .post(
            "/api/v1/planned-works",
            &cm,
            work_body(&["SVC-A"], soon, true),
        )
        .await
        .expect(201);
    let eid = emergency.body["id"].as_str().unwrap();
    app.post(
        &format!("/api/v1/planned-works/{eid}/schedule"),
        &cm,
        json!({}),
    )
    .await
    .expect(200);
    let acme = domain::CustomerNumber::parse("OCN-1001").unwrap();
    let globex = domain::CustomerNumber::parse("OCN-2002").unwrap();
    let events = |c: &domain::CustomerNumber| {
        app.db
            .read(|conn| persistence::events::list_after(conn, Some(c), 0, 1000))
            .unwrap()
            .into_iter()
            .filter(|e| e.event_type == domain::EventType::PlannedWorkScheduled)
            .count()
    };
    assert_eq!(events(&acme), 2);
    assert_eq!(events(&globex), 0);
    app.get("/api/v1/planned-works/PW-999999", &cm)
        .await
        .expect_problem(404, "not_found");
    app.get("/api/v1/planned-works/banana", &cm)
        .await
        .expect_problem(404, "not_found");
}

fn ics_events(text: &str) -> Vec<std::collections::HashMap<String, String>> {
    let reader = ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()));
    let mut out = Vec::new();
    for calendar in reader {
        let calendar = calendar.expect("valid iCalendar");
        for event in calendar.events {
            out.push(
                event
                    .properties
                    .into_iter()
                    .map(|p| (p.name, p.value.unwrap_or_default()))
                    .collect(),
            );
        }
    }
    out
}

async fn calendar_and_ics_show_customers_only_their_works(app: TestApp) {
    let (admin, a, b) = app.two_tenants().await;
    app.create_service(&admin, "SVC-A2", "OCN-1001").await;
    let cm = app.token_for(Role::ChangeManager, None);
    let start = Utc::now() + Duration::days(20);
    let shared = app
        .post(
            "/api/v1/planned-works",
            &cm,
            work_body(&["SVC-A", "SVC-B"], start, false),
        )
        .await
        .expect(201);
    let shared_id = shared.body["id"].as_str().unwrap().to_owned();
    let a_only = app
        .post(
            "/api/v1/planned-works",
            &cm,
            work_body(&["SVC-A2"], start + Duration::days(1), false),
        )
        .await
        .expect(201);
    let a_only_id = a_only.body["id"].as_str().unwrap().to_owned();
    let _proposal = app
        .post(
            "/api/v1/planned-works",
            &cm,
            work_body(&["SVC-A"], start, false),
        )
        .await
        .expect(201);
    for id in [&shared_id, &a_only_id] {
        app.post(
            &format!("/api/v1/planned-works/{id}/schedule"),
            &cm,
            json!({}),
        )
        .await
        .expect(200);
    }
    app.post(
        &format!("/api/v1/planned-works/{a_only_id}/cancel"),
        &cm,
        json!({"reason": "Vendor fix withdrawn"}),
    )
    .await
    .expect(200);

    let list = |token: String, query: String| {
        let app = &app;
        async move {
            app.get(&format!("/api/v1/planned-works{query}"), &token)
                .await
                .expect(200)
                .body["items"]
                .as_array()
                .unwrap()
                .clone()
        }
    };
    let a_items = list(a.clone(), String::new()).await;
    assert_eq!(a_items.len(), 2, "proposals are not shown to customers");
    let b_items = list(b.clone(), String::new()).await;
    assert_eq!(b_items.len(), 1);
    assert_eq!(
        b_items[0]["affected_service_ids"],
        json!(["SVC-B"]),
        "only their own services"
    );
    assert_eq!(list(cm.clone(), String::new()).await.len(), 3);
    // Overlap semantics: a window ending exactly at `from` is not included.
    let end_of_shared = start + Duration::hours(2);
    let after = list(
        cm.clone(),
        format!(
            "?from={}&to={}",
            rfc(end_of_shared),
            rfc(end_of_shared + Duration::hours(1))
        ),
    )
    .await;
    assert!(after.is_empty(), "{after:?}");
    let during = list(
        cm.clone(),
        format!(
            "?from={}&to={}",
            rfc(start + Duration::hours(1)),
            rfc(start + Duration::hours(1) + Duration::minutes(1))
        ),
    )
    .await;
    assert_eq!(during.len(), 2);
    app.get(
        &format!(
            "/api/v1/planned-works?from={}&to={}",
            rfc(start),
            rfc(start - Duration::days(1))
        ),
        &cm,
    )
    .await
    .expect_problem(422, "validation_failed");
    app.get(&format!("/api/v1/planned-works/{a_only_id}"), &b)
        .await
        .expect_problem(404, "not_found");

    let ics = |token: String| {
        let app = &app;
        async move {
            let mut resp = app
                .client
                .get(format!("{}/api/v1/planned-works.ics", app.base_url))
                .insert_header(("Authorization", format!("Bearer {token}")))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status().as_u16(), 200);
            assert!(resp
                .headers()
                .get("content-type")
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("text/calendar"));
            String::from_utf8(resp.body().await.unwrap().to_vec()).unwrap()
        }
    };
    let a_feed = ics_events(&ics(a.clone()).await);
    assert_eq!(a_feed.len(), 2);
    let uid = |id: &str| format!("{id}@service-assurance");
    let cancelled = a_feed
        .iter()
        .find(|e| e["UID"] == uid(&a_only_id))
        .expect("cancelled work in feed");
    assert_eq!(cancelled["STATUS"], "CANCELLED");
    assert_eq!(cancelled["SEQUENCE"], "2");
    let confirmed = a_feed
        .iter()
        .find(|e| e["UID"] == uid(&shared_id))
        .expect("scheduled work in feed");
    assert_eq!(confirmed["STATUS"], "CONFIRMED");
    assert_eq!(confirmed["SEQUENCE"], "1");
    assert_eq!(
        confirmed["DTSTART"],
        start.format("%Y%m%dT%H%M%SZ").to_string()
    );
    assert!(
        confirmed["DESCRIPTION"].contains("SVC-A") && !confirmed["DESCRIPTION"].contains("SVC-B")
    );
    let b_feed = ics_events(&ics(b.clone()).await);
    assert_eq!(b_feed.len(), 1);
    assert!(
        b_feed[0]["DESCRIPTION"].contains("SVC-B") && !b_feed[0]["DESCRIPTION"].contains("SVC-A")
    );
    // The UID is stable across reads; SEQUENCE moves only on change.
    assert_eq!(ics_events(&ics(a.clone()).await), a_feed);
    app.send(Method::GET, "/api/v1/planned-works.ics", None, None, &[])
        .await
        .expect_problem(401, "unauthorized");
}

fn request_body(start: DateTime<Utc>, customer: &str, service: &str) -> Value {
    json!({
        "customer_number": customer, "service_id": service,
        "start_at": rfc(start), "end_at": rfc(start + Duration::hours(4)),
        "description": "Firewall replacement",
        "service_owner": {"name": "Sam Owner", "email": "sam@acme.example", "phone": "+44 20 7946 0999"},
    })
}

async fn maintenance_request_needs_twenty_working_days(app: TestApp) {
    let (_, a, _) = app.two_tenants().await;
    let early = app
        .post(
            "/api/v1/maintenance-requests",
            &a,
            request_body(Utc::now() + Duration::days(10), "OCN-1001", "SVC-A"),
        )
        .await
        .expect_problem(422, "too_early");
    let earliest: DateTime<Utc> = early.body["earliest_allowed_start"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    // 20 working days are at least four weeks, and with weekends and holidays less than six.
    let ahead = earliest - Utc::now();
    assert!(
        ahead >= Duration::days(27) && ahead <= Duration::days(42),
        "{ahead}"
    );
    let calendar = app.get("/api/v1/working-calendar", &a).await.expect(200);
    assert_eq!(calendar.body["time_zone"], "Europe/London");
    assert_eq!(calendar.body["maintenance_notice_working_days"], 20);
    assert!(calendar.body["holidays"]
        .as_array()
        .unwrap()
        .contains(&json!("2026-12-25")));
    app.post(
        "/api/v1/maintenance-requests",
        &a,
        request_body(earliest - Duration::minutes(1), "OCN-1001", "SVC-A"),
    )
    .await
    .expect_problem(422, "too_early");
    let ok = app
        .post(
            "/api/v1/maintenance-requests",
            &a,
            request_body(earliest + Duration::minutes(1), "OCN-1001", "SVC-A"),
        )
        .await
        .expect(201);
    assert_eq!(ok.body["status"], "submitted");
    assert!(ok.body["id"].as_str().unwrap().starts_with("MR-"));
}

async fn maintenance_request_lifecycle_and_tenancy(app: TestApp) {
    let (_, a, b) = app.two_tenants().await;
    let cm = app.token_for(Role::ChangeManager, None);
    let start = Utc::now() + Duration::days(60);
    app.post(
        "/api/v1/maintenance-requests",
        &a,
        request_body(start, "OCN-2002", "SVC-A"),
    )
    .await
    .expect_problem(422, "validation_failed");
    app.post(
        "/api/v1/maintenance-requests",
        &a,
        request_body(start, "OCN-1001", "SVC-B"),
    )
    .await
    .expect_problem(422, "validation_failed");
    let mut bad_owner = request_body(start, "OCN-1001", "SVC-A");
    bad_owner["service_owner"]["email"] = json!("nope");
    let reply = app
        .post("/api/v1/maintenance-requests", &a, bad_owner)
        .await
        .expect_problem(422, "validation_failed");
    assert_eq!(reply.body["errors"][0]["field"], "service_owner.email");
    app.post(
        "/api/v1/maintenance-requests",
        &cm,
        request_body(start, "OCN-1001", "SVC-A"),
    )
    .await
    .expect_problem(403, "forbidden");

    let first = app
        .post(
            "/api/v1/maintenance-requests",
            &a,
            request_body(start, "OCN-1001", "SVC-A"),
        )
        .await
        .expect(201);
    let id = first.body["id"].as_str().unwrap().to_owned();
    app.get(&format!("/api/v1/maintenance-requests/{id}"), &b)
        .await
        .expect_problem(404, "not_found");
    app.post(
        &format!("/api/v1/maintenance-requests/{id}/acknowledge"),
        &a,
        json!({}),
    )
    .await
    .expect_problem(403, "forbidden");
    let acked = app
        .post(
            &format!("/api/v1/maintenance-requests/{id}/acknowledge"),
            &cm,
            json!({}),
        )
        .await
        .expect(200);
    assert!(acked.body["acknowledged_at"].is_string());
    app.post(
        &format!("/api/v1/maintenance-requests/{id}/reject"),
        &cm,
        json!({}),
    )
    .await
    .expect_problem(422, "validation_failed");
    let accepted = app
        .post(
            &format!("/api/v1/maintenance-requests/{id}/accept"),
            &cm,
            json!({"reason": "Fits our window"}),
        )
        .await
        .expect(200);
    assert_eq!(accepted.body["status"], "accepted");
    let seen = app
        .get(&format!("/api/v1/maintenance-requests/{id}"), &a)
        .await
        .expect(200);
    assert_eq!(seen.body["decision_reason"], "Fits our window");
    app.post(
        &format!("/api/v1/maintenance-requests/{id}/withdraw"),
        &a,
        json!({}),
    )
    .await
    .expect_problem(409, "illegal_transition");

    let second = app
        .post(
            "/api/v1/maintenance-requests",
            &a,
            request_body(start, "OCN-1001", "SVC-A"),
        )
        .await
        .expect(201);
    let id2 = second.body["id"].as_str().unwrap();
    app.post(
        &format!("/api/v1/maintenance-requests/{id2}/withdraw"),
        &b,
        json!({}),
    )
    .await
    .expect_problem(404, "not_found");
    let withdrawn = app
        .post(
            &format!("/api/v1/maintenance-requests/{id2}/withdraw"),
            &a,
            json!({}),
        )
        .await
        .expect(200);
    assert_eq!(withdrawn.body["status"], "withdrawn");
    let mine = app
        .get("/api/v1/maintenance-requests", &a)
        .await
        .expect(200);
    assert_eq!(mine.body["items"].as_array().unwrap().len(), 2);
    assert!(app
        .get("/api/v1/maintenance-requests", &b)
        .await
        .expect(200)
        .body["items"]
        .as_array()
        .unwrap()
        .is_empty());
    let queue = app
        .get("/api/v1/maintenance-requests?status=withdrawn", &cm)
        .await
        .expect(200);
    assert_eq!(queue.body["items"].as_array().unwrap().len(), 1);
}
