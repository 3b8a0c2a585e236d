//! Issue 16, subscribable calendars: a secret feed URL a calendar application fetches without
//! any header, read by an independent iCalendar library; rotated and revoked URLs answer 404,
//! and a feed reads only what its owner may read, while the owner may.

use std::io::Write;
use std::process::{Command, Stdio};

use actix_web::http::Method;
use chrono::{Duration, Utc};
use domain::Role;
use serde_json::{json, Value};
use tests::{on_both_backends, TestApp};

on_both_backends!(
    a_calendar_application_subscribes_to_a_secret_feed,
    works_remind_and_move_on_at_their_times_once_across_instances,
);

/// The events of an iCalendar text as the Python `icalendar` library reads it: (UID, SUMMARY,
/// DTSTART as RFC 3339). Panics when the library refuses the text.
fn read_with_icalendar(text: &str) -> Vec<(String, String, String)> {
    let mut child = Command::new("python3")
        .args([
            "-c",
            "import icalendar, json, sys\n\
             cal = icalendar.Calendar.from_ical(sys.stdin.read())\n\
             print(json.dumps([[str(e['UID']), str(e['SUMMARY']), e.decoded('DTSTART').isoformat()]\n\
                               for e in cal.walk('VEVENT')]))",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 with icalendar (run scripts/setup.sh)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "icalendar refused the feed: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Fetches a feed URL as a calendar application does: no header at all.
async fn fetch(app: &TestApp, url: &str) -> tests::Reply {
    let path = &url[url.find("/api/v1/").expect("an API path")..];
    app.send(Method::GET, path, None, None, &[]).await
}

async fn a_calendar_application_subscribes_to_a_secret_feed(app: TestApp) {
    let (admin, _, _) = app.two_tenants().await;
    let cm = app.token_for(Role::ChangeManager, None);
    let start = Utc::now() + Duration::days(15);
    let mut works = Vec::new();
    for service in ["SVC-A", "SVC-B"] {
        let work = app
            .post("/api/v1/planned-works", &cm, json!({"title": format!("Upgrade of {service}"), "description": "d",
                "start_at": start.to_rfc3339(), "end_at": (start + Duration::hours(2)).to_rfc3339(),
                "expected_impact": "Outage up to 10 minutes", "affected_service_ids": [service], "emergency": false}))
            .await
            .expect(201);
        let id = work.body["id"].as_str().unwrap().to_owned();
        app.post(
            &format!("/api/v1/planned-works/{id}/schedule"),
            &cm,
            json!({}),
        )
        .await
        .expect(200);
        works.push(id);
    }
    // A real account of Acme's (a feed reads as its owner, who must exist and be active).
    let user = app
        .post("/api/v1/users", &admin, json!({"email": "noc@acme.example", "name": "Acme NOC",
            "password": "long-enough-password-1", "role": "customer_user", "customer_number": "OCN-1001"}))
        .await
        .expect(201);
    let token = app
        .token_of("noc@acme.example", "long-enough-password-1")
        .await;
    app.post("/api/v1/calendar-feeds", &token, json!({"label": "  "}))
        .await
        .expect_problem(422, "validation_failed");
    let created = app
        .post(
            "/api/v1/calendar-feeds",
            &token,
            json!({"label": "Outlook"}),
        )
        .await
        .expect(201);
    assert_eq!(created.header("cache-control"), Some("no-store"));
    let url = created.body["url"].as_str().unwrap().to_owned();
    assert!(created.body["webcal_url"]
        .as_str()
        .unwrap()
        .starts_with("webcal://"));
    let feed_id = created.body["feed"]["id"].as_i64().unwrap();

    let feed = fetch(&app, &url).await.expect(200);
    assert!(feed
        .header("content-type")
        .unwrap()
        .starts_with("text/calendar"));
    assert_eq!(feed.header("cache-control"), Some("private, max-age=300"));
    let events = read_with_icalendar(feed.body.as_str().unwrap());
    assert_eq!(events.len(), 1, "Acme's work only: {events:?}");
    assert_eq!(events[0].0, format!("{}@service-assurance", works[0]));
    assert!(events[0].1.contains("Upgrade of SVC-A"));
    assert_eq!(
        events[0]
            .2
            .parse::<chrono::DateTime<Utc>>()
            .unwrap()
            .timestamp(),
        start.timestamp()
    );

    // The list shows the feed, fetched, and never its secret.
    let listed = app.get("/api/v1/calendar-feeds", &token).await.expect(200);
    assert_eq!(listed.body[0]["id"], feed_id);
    assert!(listed.body[0]["last_fetched_at"].is_string());
    let secret = url.split('/').rev().nth(1).unwrap();
    assert!(!listed.body.to_string().contains(secret));
    // Someone else cannot rotate or revoke it; nor can a guessed secret read anything.
    let other = app.token_for(Role::CustomerAdmin, Some("OCN-1001"));
    for (method, path) in [
        (
            Method::POST,
            format!("/api/v1/calendar-feeds/{feed_id}/rotate"),
        ),
        (Method::DELETE, format!("/api/v1/calendar-feeds/{feed_id}")),
    ] {
        app.send(method, &path, Some(&other), None, &[])
            .await
            .expect_problem(404, "not_found");
    }
    fetch(&app, &url.replace(secret, &"0".repeat(64)))
        .await
        .expect_problem(404, "not_found");

    // Rotated: the old URL is dead, the new one works.
    let rotated = app
        .send(
            Method::POST,
            &format!("/api/v1/calendar-feeds/{feed_id}/rotate"),
            Some(&token),
            None,
            &[],
        )
        .await
        .expect(200);
    let new_url = rotated.body["url"].as_str().unwrap().to_owned();
    assert_ne!(new_url, url);
    fetch(&app, &url).await.expect_problem(404, "not_found");
    fetch(&app, &new_url).await.expect(200);

    // Its owner disabled: the feed reads nothing. Enabled again: it reads again.
    let uid = user.body["id"].as_i64().unwrap();
    for (status, expected) in [("disabled", 404), ("active", 200)] {
        app.send(
            Method::PATCH,
            &format!("/api/v1/users/{uid}"),
            Some(&admin),
            Some(json!({"status": status, "reason": "test"})),
            &[],
        )
        .await
        .expect(200);
        assert_eq!(
            fetch(&app, &new_url).await.status.as_u16(),
            expected,
            "{status}"
        );
    }

    // Revoked: dead for good, and gone from the list.
    app.send(
        Method::DELETE,
        &format!("/api/v1/calendar-feeds/{feed_id}"),
        Some(&token),
        None,
        &[],
    )
    .await
    .expect(204);
    fetch(&app, &new_url).await.expect_problem(404, "not_found");
    let listed = app.get("/api/v1/calendar-feeds", &token).await.expect(200);
    assert_eq!(listed.body, Value::Array(vec![]));

    // Twenty live feeds at most; a revoked one does not count.
    for n in 0..app::calendar_feeds::FEEDS_PER_OWNER {
        app.post(
            "/api/v1/calendar-feeds",
            &token,
            json!({"label": format!("feed {n}")}),
        )
        .await
        .expect(201);
    }
    app.post(
        "/api/v1/calendar-feeds",
        &token,
        json!({"label": "one more"}),
    )
    .await
    .expect_problem(409, "feed_limit_reached");
}

/// Reminders and the automatic steps of planned works, run by two instances' jobs at once at
/// the times that matter: each reminder once, each step once, seen through the API.
async fn works_remind_and_move_on_at_their_times_once_across_instances(app: TestApp) {
    let (_, a, _) = app.two_tenants().await;
    let cm = app.token_for(Role::ChangeManager, None);
    let start = Utc::now() + Duration::days(15);
    let work = app
        .post("/api/v1/planned-works", &cm, json!({"title": "Fibre move", "description": "d",
            "start_at": start.to_rfc3339(), "end_at": (start + Duration::hours(2)).to_rfc3339(),
            "expected_impact": "Outage up to 10 minutes", "affected_service_ids": ["SVC-A"], "emergency": false}))
        .await
        .expect(201);
    let id = work.body["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/api/v1/planned-works/{id}/schedule"),
        &cm,
        json!({}),
    )
    .await
    .expect(200);
    let run_twice = |at: chrono::DateTime<Utc>| {
        let (one, two) = (app.state(), app.state());
        async move {
            let first = actix_web::web::block(move || api::workers::jobs::planned_works(&one, at));
            let second = actix_web::web::block(move || api::workers::jobs::planned_works(&two, at));
            let (first, second) = futures_util::join!(first, second);
            let (r1, m1) = first.unwrap().unwrap();
            let (r2, m2) = second.unwrap().unwrap();
            (r1 + r2, m1 + m2)
        }
    };
    assert_eq!(run_twice(start - Duration::days(3)).await, (0, 0));
    assert_eq!(
        run_twice(start - Duration::days(1)).await,
        (1, 0),
        "one reminder"
    );
    assert_eq!(
        run_twice(start + Duration::minutes(1)).await,
        (0, 1),
        "one start"
    );
    let seen = app
        .get(&format!("/api/v1/planned-works/{id}"), &a)
        .await
        .expect(200);
    assert_eq!(seen.body["status"], "in_progress");
    assert_eq!(
        run_twice(start + Duration::hours(3)).await,
        (0, 1),
        "one completion"
    );
    let seen = app
        .get(&format!("/api/v1/planned-works/{id}"), &a)
        .await
        .expect(200);
    assert_eq!(seen.body["status"], "completed");
    // Acme heard each step once: the reminder, the start, the completion (after the schedule).
    let events = app
        .state()
        .store
        .read(|conn| app::events::after(conn, None, 0, 1000))
        .unwrap();
    let kinds: Vec<&str> = events
        .iter()
        .filter(|e| e.customer_number.as_deref() == Some("OCN-1001"))
        .map(|e| e.event_type.as_str())
        .collect();
    assert_eq!(
        kinds,
        [
            "planned_work.scheduled",
            "planned_work.reminder",
            "planned_work.started",
            "planned_work.completed"
        ]
    );
}
