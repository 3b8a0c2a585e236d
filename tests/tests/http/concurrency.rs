//! Concurrency (R-INC2, issue 8): concurrent raises never share a reference; concurrent changes to
//! one ticket queue up and lose nothing; a cascade reaches exactly the children it reports. No
//! request answers 5xx (on SQLite: never "database is locked").

use std::collections::HashSet;

use actix_web::http::Method;
use domain::Role;
use futures_util::future::join_all;
use serde_json::{json, Value};
use tests::{on_both_backends, raise_body, Reply, TestApp};

on_both_backends!(
    fifty_concurrent_raises_get_fifty_distinct_references,
    concurrent_notes_closes_and_changes_on_one_ticket_lose_nothing,
    concurrent_cascades_and_links_give_every_child_every_update_once,
    a_change_held_up_by_a_lock_answers_503_and_writes_nothing,
    a_role_change_beside_a_disable_never_resurrects_the_account,
);

async fn fifty_concurrent_raises_get_fifty_distinct_references(app: TestApp) {
    let (_, a, _) = app.two_tenants().await;
    let requests = (0..50).map(|_| {
        app.post(
            "/api/v1/incidents",
            &a,
            raise_body("circuit_reference", "CIR/SVC-A", "degraded"),
        )
    });
    let replies = join_all(requests).await;
    let mut refs = HashSet::new();
    for reply in replies {
        let reply = reply.expect(201);
        refs.insert(reply.body["ticket_number"].as_str().unwrap().to_owned());
    }
    assert_eq!(refs.len(), 50);
    let agent = app.token_for(domain::Role::Agent, None);
    let listed = app
        .get("/api/v1/incidents?limit=100", &agent)
        .await
        .expect(200);
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 50);
}

async fn timeline(app: &TestApp, token: &str, ticket: &str) -> Vec<String> {
    app.get(
        &format!("/api/v1/incidents/{ticket}/updates?limit=100"),
        token,
    )
    .await
    .expect(200)
    .body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap().to_owned())
        .collect()
}

fn status_and_code(r: &Reply) -> (u16, String) {
    (
        r.status.as_u16(),
        r.body["code"].as_str().unwrap_or_default().to_owned(),
    )
}

async fn concurrent_notes_closes_and_changes_on_one_ticket_lose_nothing(app: TestApp) {
    let (_, a, _) = app.two_tenants().await;
    let desk = app.token_for(Role::Agent, None);
    let ticket = app.raise(&a, "SVC-A", "degraded").await;
    let t = ticket["ticket_number"].as_str().unwrap().to_owned();
    let updates = format!("/api/v1/incidents/{t}/updates");
    let mut notes = Vec::new();
    for i in 0..20 {
        notes.push((format!("customer note {i}"), a.clone()));
    }
    for i in 0..5 {
        notes.push((format!("desk note {i}"), desk.clone()));
    }
    let note_calls = join_all(
        notes
            .iter()
            .map(|(text, token)| app.post(&updates, token, json!({"text": text}))),
    );
    let close_path = format!("/api/v1/incidents/{t}/close");
    let ticket_path = format!("/api/v1/incidents/{t}");
    let close_calls = join_all(
        (0..5).map(|i| app.post(&close_path, &a, json!({"reason": format!("close {i}")}))),
    );
    let priority_calls = join_all((0..3).map(|_| {
        app.send(
            Method::PATCH,
            &ticket_path,
            Some(&desk),
            Some(json!({"priority": "P1"})),
            &[],
        )
    }));
    let (note_replies, close_replies, priority_replies) =
        futures_util::join!(note_calls, close_calls, priority_calls);

    let text = timeline(&app, &a, &t).await;
    let mut changes = 0;
    for ((note, _), reply) in notes.iter().zip(&note_replies) {
        match status_and_code(reply) {
            (201, _) => {
                changes += 1;
                assert_eq!(text.iter().filter(|e| *e == note).count(), 1, "{note}");
            }
            (409, code) if code == "ticket_final" => {
                assert!(!text.contains(note), "a refused note was written: {note}");
            }
            other => panic!("note answered {other:?}: {}", reply.body),
        }
    }
    let closed: Vec<_> = close_replies
        .iter()
        .map(status_and_code)
        .filter(|(s, _)| *s == 200)
        .collect();
    assert_eq!(closed.len(), 1, "exactly one close wins");
    changes += 1;
    for reply in &close_replies {
        let (status, code) = status_and_code(reply);
        assert!(
            status == 200 || (status == 409 && code == "illegal_transition"),
            "close answered {status} {code}"
        );
    }
    for reply in &priority_replies {
        match status_and_code(reply) {
            (200, _) => changes += 1,
            (409, code) if code == "illegal_transition" || code == "ticket_final" => {}
            other => panic!("priority change answered {other:?}: {}", reply.body),
        }
    }
    assert_eq!(
        text.iter()
            .filter(|e| e.starts_with("Status changed") && e.contains("to closed"))
            .count(),
        1
    );
    let now = app
        .get(&format!("/api/v1/incidents/{t}"), &desk)
        .await
        .expect(200);
    assert_eq!(now.body["status"], "closed");
    // Every accepted change is one version step: none overwrote another.
    assert_eq!(now.body["version"].as_i64().unwrap(), 1 + changes);
}

async fn concurrent_cascades_and_links_give_every_child_every_update_once(app: TestApp) {
    let (_, a, _) = app.two_tenants().await;
    let noc = app.token_for(Role::IncidentManager, None);
    let mni = app
        .post(
            "/api/v1/major-incidents",
            &noc,
            json!({"summary": "Fibre cut", "description": "Third-party works", "severity": "critical",
                   "affected_service_ids": ["SVC-A"], "region": "South East"}),
        )
        .await
        .expect(201)
        .body;
    let parent = mni["ticket_number"].as_str().unwrap().to_owned();
    let raises = join_all((0..10).map(|_| {
        app.post(
            "/api/v1/incidents",
            &a,
            raise_body("service_id", "SVC-A", "service_down"),
        )
    }));
    let updates_path = format!("/api/v1/major-incidents/{parent}/updates");
    let posts = join_all(
        (0..5).map(|k| app.post(&updates_path, &noc, json!({"text": format!("Update {k}")}))),
    );
    let (raised, posted) = futures_util::join!(raises, posts);
    let mut children = Vec::new();
    for r in raised {
        let r = r.expect(201);
        assert_eq!(
            r.body["parent_ticket_number"],
            parent.as_str(),
            "linked on raise"
        );
        children.push(r.body["ticket_number"].as_str().unwrap().to_owned());
    }
    let mut timelines = Vec::new();
    for c in &children {
        timelines.push(timeline(&app, &a, c).await);
    }
    // Each child has each update exactly once: by the cascade if it was linked first, else
    // copied when it was linked. A race must neither drop an update nor deliver it twice.
    for (k, reply) in posted.into_iter().enumerate() {
        let reply = reply.expect(201);
        let reported = reply.body["cascaded_to"].as_u64().unwrap() as usize;
        assert!(reported <= children.len());
        let wanted = format!("Major incident {parent} update: Update {k}");
        for (child, t) in children.iter().zip(&timelines) {
            assert_eq!(
                t.iter().filter(|e| **e == wanted).count(),
                1,
                "{child} has update {k} not exactly once: {t:?}"
            );
        }
    }
    let listed: Value = app
        .get(
            &format!("/api/v1/major-incidents/{parent}/children?limit=100"),
            &noc,
        )
        .await
        .expect(200)
        .body;
    assert_eq!(listed["items"].as_array().unwrap().len(), children.len());
}

async fn a_change_held_up_by_a_lock_answers_503_and_writes_nothing(app: TestApp) {
    use diesel::connection::SimpleConnection;
    let (_, a, _) = app.two_tenants().await;
    let ticket = app.raise(&a, "SVC-A", "degraded").await;
    let t = ticket["ticket_number"].as_str().unwrap().to_owned();
    let number = domain::TicketRef::parse(&t).unwrap().number();
    // Another client holds the lock: SQLite's write lock, or the ticket's row on PostgreSQL.
    let mut other = persistence::db::establish(&app.url).unwrap();
    match &other {
        persistence::DbConnection::Sqlite(_) => other.batch_execute("BEGIN IMMEDIATE").unwrap(),
        persistence::DbConnection::Postgresql(_) => other
            .batch_execute(&format!(
                "BEGIN; SELECT id FROM incidents WHERE ticket_number = {number} FOR UPDATE"
            ))
            .unwrap(),
    }
    let started = std::time::Instant::now();
    let reply = app
        .post(
            &format!("/api/v1/incidents/{t}/close"),
            &a,
            json!({"reason": "while locked"}),
        )
        .await
        .expect_problem(503, "service_unavailable");
    assert_eq!(reply.header("Retry-After"), Some("2"));
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    other.batch_execute("ROLLBACK").unwrap();
    let now = app
        .get(&format!("/api/v1/incidents/{t}"), &a)
        .await
        .expect(200);
    assert_eq!(now.body["status"], "new");
    assert_eq!(now.body["version"], 1);
    // Once the lock is gone, the same request goes through.
    app.post(
        &format!("/api/v1/incidents/{t}/close"),
        &a,
        json!({"reason": "after the lock"}),
    )
    .await
    .expect(200);
}

/// Issue 20: a role change and a disable sent at once apply one after the other; the role change
/// never writes back the status it read before the disable.
async fn a_role_change_beside_a_disable_never_resurrects_the_account(app: TestApp) {
    app.two_tenants().await;
    let acme_admin = app.token_for(Role::CustomerAdmin, Some("OCN-1001"));
    for n in 0..12 {
        let user = app
            .post(
                "/api/v1/users",
                &acme_admin,
                json!({"email": format!("racer{n}@acme.example"), "name": "Racer", "password": "correct horse battery 9", "role": "customer_user"}),
            )
            .await
            .expect(201);
        let path = format!("/api/v1/users/{}", user.body["id"]);
        let disable = app.send(
            Method::PATCH,
            &path,
            Some(&acme_admin),
            Some(json!({"status": "disabled", "reason": "left"})),
            &[],
        );
        let promote = app.send(
            Method::PATCH,
            &path,
            Some(&acme_admin),
            Some(json!({"role": "customer_admin"})),
            &[],
        );
        let (disabled, promoted) = futures_util::join!(disable, promote);
        disabled.expect(200);
        promoted.expect(200);
        let listed = app
            .get("/api/v1/users?status=disabled&limit=100", &acme_admin)
            .await
            .expect(200);
        let now = listed.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["id"] == user.body["id"])
            .cloned()
            .unwrap_or_else(|| panic!("racer{n} was resurrected: {}", listed.body));
        assert_eq!(now["role"], "customer_admin", "both changes applied");
    }
}
