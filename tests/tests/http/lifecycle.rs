//! R-INC4/6/8 and R-API4 over HTTP: the desk works a ticket through its lifecycle, the SLA
//! clock follows, illegal moves change nothing, stale ETags lose, resolved tickets auto-close.

use actix_web::http::Method;
use domain::Role;
use futures_util::future::join_all;
use serde_json::{json, Value};
use tests::{on_both_backends, TestApp};

on_both_backends!(
    desk_works_a_ticket_from_new_to_closed,
    illegal_moves_are_409_and_change_nothing,
    priority_change_recomputes_sla_and_assignment_needs_a_desk_member,
    two_agents_with_the_same_etag_one_gets_412,
    resolved_tickets_close_themselves_after_the_configured_days,
);

fn ticket(body: &Value) -> String {
    body["ticket_number"].as_str().unwrap().to_owned()
}

async fn timeline_texts(app: &TestApp, token: &str, t: &str) -> Vec<String> {
    app.get(&format!("/api/v1/incidents/{t}/updates?limit=100"), token)
        .await
        .expect(200)
        .body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap().to_owned())
        .collect()
}

async fn desk_works_a_ticket_from_new_to_closed(app: TestApp) {
    let (_, customer, _) = app.two_tenants().await;
    let agent = app.token_for(Role::Agent, None);
    let t = ticket(&app.raise(&customer, "SVC-A", "service_down").await);

    let ack = app
        .transition(&agent, &t, json!({"to": "acknowledged"}))
        .await
        .expect(200);
    assert!(ack.body["sla"]["responded_at"].is_string());
    assert_eq!(ack.body["sla"]["response_breached"], false);
    app.transition(&agent, &t, json!({"to": "in_progress"}))
        .await
        .expect(200);
    let waiting = app
        .transition(
            &agent,
            &t,
            json!({"to": "pending_customer", "reason": "Need site access for Monday"}),
        )
        .await
        .expect(200);
    assert_eq!(waiting.body["sla"]["paused"], true);
    assert_eq!(
        waiting.body["sla"]["pauses"][0]["reason"],
        "Need site access for Monday"
    );
    let resumed = app
        .transition(&agent, &t, json!({"to": "in_progress"}))
        .await
        .expect(200);
    assert_eq!(resumed.body["sla"]["paused"], false);
    assert!(resumed.body["sla"]["pauses"][0]["ended_at"].is_string());

    app.transition(&agent, &t, json!({"to": "resolved"}))
        .await
        .expect_problem(422, "validation_failed");
    let resolved = app
        .transition(
            &agent,
            &t,
            json!({"to": "resolved", "resolution": {"cause": "Fibre cut", "fix": "Spliced"}}),
        )
        .await
        .expect(200);
    assert_eq!(resolved.body["status"], "resolved");
    assert_eq!(resolved.body["resolution"]["cause"], "Fibre cut");
    assert_eq!(resolved.body["sla"]["stopped"], true);
    assert!(resolved.body["resolved_at"].is_string());

    // The customer disagrees: reopen, the clock runs again.
    let reopened = app
        .post(
            &format!("/api/v1/incidents/{t}/reopen"),
            &customer,
            json!({"reason": "Down again at 14:02"}),
        )
        .await
        .expect(200);
    assert_eq!(reopened.body["status"], "in_progress");
    assert_eq!(reopened.body["sla"]["stopped"], false);
    assert_eq!(reopened.body["resolution"], Value::Null);
    app.transition(
        &agent,
        &t,
        json!({"to": "resolved", "resolution": {"cause": "Faulty SFP", "fix": "Replaced"}}),
    )
    .await
    .expect(200);
    let closed = app
        .post(
            &format!("/api/v1/incidents/{t}/close"),
            &customer,
            json!({"reason": "Confirmed fixed"}),
        )
        .await
        .expect(200);
    assert_eq!(closed.body["status"], "closed");
    assert_eq!(closed.body["version"], 9);

    let texts = timeline_texts(&app, &customer, &t).await;
    let expected = [
        "Status changed from new to acknowledged",
        "Status changed from acknowledged to in_progress",
        "Status changed from in_progress to pending_customer: Need site access for Monday",
        "Status changed from pending_customer to in_progress",
        "Status changed from in_progress to resolved. Cause: Fibre cut. Fix: Spliced",
        "Status changed from resolved to in_progress: Down again at 14:02",
        "Status changed from in_progress to resolved. Cause: Faulty SFP. Fix: Replaced",
        "Status changed from resolved to closed: Confirmed fixed",
    ];
    assert_eq!(texts, expected);
    let entries = app
        .get(&format!("/api/v1/incidents/{t}/updates"), &agent)
        .await
        .expect(200);
    let first = &entries.body["items"][0];
    assert_eq!(first["kind"], "status_change");
    assert!(first["author"].as_str().unwrap().starts_with("user:"));
    assert!(first["created_at"].as_str().unwrap().ends_with('Z'));
}

async fn illegal_moves_are_409_and_change_nothing(app: TestApp) {
    let (_, customer, _) = app.two_tenants().await;
    let agent = app.token_for(Role::Agent, None);
    let t = ticket(&app.raise(&customer, "SVC-A", "degraded").await);
    let before = app
        .get(&format!("/api/v1/incidents/{t}"), &agent)
        .await
        .expect(200);
    let illegal = [
        json!({"to": "resolved", "resolution": {"cause": "c", "fix": "f"}}),
        json!({"to": "in_progress"}),
        json!({"to": "pending_customer", "reason": "why"}),
        json!({"to": "new"}),
    ];
    for body in illegal {
        app.transition(&agent, &t, body)
            .await
            .expect_problem(409, "illegal_transition");
    }
    app.post(
        &format!("/api/v1/incidents/{t}/reopen"),
        &customer,
        json!({"reason": "x"}),
    )
    .await
    .expect_problem(409, "illegal_transition");
    app.transition(&customer, &t, json!({"to": "acknowledged"}))
        .await
        .expect_problem(403, "forbidden");
    app.transition(
        &app.token_for(Role::ChangeManager, None),
        &t,
        json!({"to": "acknowledged"}),
    )
    .await
    .expect_problem(403, "forbidden");
    app.transition(&agent, &t, json!({"to": "exploded"}))
        .await
        .expect_problem(422, "invalid_body");
    let after = app
        .get(&format!("/api/v1/incidents/{t}"), &agent)
        .await
        .expect(200);
    assert_eq!(before.body, after.body, "refused moves changed nothing");
    assert!(timeline_texts(&app, &agent, &t).await.is_empty());
    // Cancel needs a reason; then the ticket is final.
    app.transition(&agent, &t, json!({"to": "cancelled"}))
        .await
        .expect_problem(422, "validation_failed");
    app.transition(
        &agent,
        &t,
        json!({"to": "cancelled", "reason": "Duplicate of another ticket"}),
    )
    .await
    .expect(200);
    app.post(
        &format!("/api/v1/incidents/{t}/close"),
        &customer,
        json!({"reason": "x"}),
    )
    .await
    .expect_problem(409, "illegal_transition");
    app.send(
        Method::PATCH,
        &format!("/api/v1/incidents/{t}"),
        Some(&agent),
        Some(json!({"priority": "P1"})),
        &[],
    )
    .await
    .expect_problem(409, "ticket_final");
}

async fn priority_change_recomputes_sla_and_assignment_needs_a_desk_member(app: TestApp) {
    let (admin, customer, _) = app.two_tenants().await;
    app.post(
        "/api/v1/users",
        &admin,
        json!({"email": "Dana@Provider.example", "name": "Dana", "password": "long-enough-password", "role": "agent"}),
    )
    .await
    .expect(201);
    let agent = app.token_for(Role::Agent, None);
    let raised = app.raise(&customer, "SVC-A", "degraded").await;
    let t = ticket(&raised);
    let patch = |body: Value| {
        let app = &app;
        let path = format!("/api/v1/incidents/{t}");
        let agent = agent.clone();
        async move {
            app.send(Method::PATCH, &path, Some(&agent), Some(body), &[])
                .await
        }
    };
    let p1 = patch(json!({"priority": "P1", "assignee_email": "dana@provider.example"}))
        .await
        .expect(200);
    assert_eq!(p1.body["priority"], "P1");
    assert_eq!(p1.body["assignee_email"], "dana@provider.example");
    let due = |v: &Value, k: &str| {
        v["sla"][k]
            .as_str()
            .unwrap()
            .parse::<chrono::DateTime<chrono::Utc>>()
            .unwrap()
    };
    assert_eq!(
        due(&raised, "restore_due_at") - due(&p1.body, "restore_due_at"),
        chrono::Duration::hours(4)
    );
    assert_eq!(
        due(&raised, "response_due_at") - due(&p1.body, "response_due_at"),
        chrono::Duration::minutes(15)
    );

    patch(json!({"assignee_email": "alice@acme.example"}))
        .await
        .expect_problem(422, "validation_failed");
    patch(json!({"assignee_email": "not an email"}))
        .await
        .expect_problem(422, "validation_failed");
    patch(json!({"colour": "red"}))
        .await
        .expect_problem(422, "invalid_body");
    let unassigned = patch(json!({"assignee_email": null})).await.expect(200);
    assert_eq!(unassigned.body["assignee_email"], Value::Null);
    app.send(
        Method::PATCH,
        &format!("/api/v1/incidents/{t}"),
        Some(&customer),
        Some(json!({"priority": "P1"})),
        &[],
    )
    .await
    .expect_problem(403, "forbidden");

    // The customer sees the priority change but not who is assigned.
    let seen = app
        .get(&format!("/api/v1/incidents/{t}"), &customer)
        .await
        .expect(200);
    assert_eq!(seen.body["assignee_email"], Value::Null);
    let texts = timeline_texts(&app, &customer, &t).await;
    assert_eq!(texts, ["Priority changed from P2 to P1"]);
    let staff_texts = timeline_texts(&app, &agent, &t).await;
    assert_eq!(
        staff_texts,
        [
            "Priority changed from P2 to P1",
            "Assigned to dana@provider.example",
            "Unassigned"
        ]
    );
    let mine = app
        .get(
            "/api/v1/incidents?assignee_email=DANA@provider.example",
            &agent,
        )
        .await
        .expect(200);
    assert!(
        mine.body["items"].as_array().unwrap().is_empty(),
        "unassigned again"
    );
}

async fn two_agents_with_the_same_etag_one_gets_412(app: TestApp) {
    let (_, customer, _) = app.two_tenants().await;
    let t = ticket(&app.raise(&customer, "SVC-A", "degraded").await);
    let agent = app.token_for(Role::Agent, None);
    let etag = app
        .get(&format!("/api/v1/incidents/{t}"), &agent)
        .await
        .expect(200);
    let etag = etag.header("etag").unwrap().to_owned();
    let path = format!("/api/v1/incidents/{t}");
    let bodies = [json!({"priority": "P1"}), json!({"priority": "P3"})];
    let if_match = [("If-Match", etag.as_str())];
    let replies = join_all(
        bodies
            .into_iter()
            .map(|b| app.send(Method::PATCH, &path, Some(&agent), Some(b), &if_match)),
    )
    .await;
    let mut statuses: Vec<u16> = replies.iter().map(|r| r.status.as_u16()).collect();
    statuses.sort();
    assert_eq!(statuses, [200, 412]);
    let winner = replies.iter().find(|r| r.status.as_u16() == 200).unwrap();
    let now = app.get(&path, &agent).await.expect(200);
    assert_eq!(now.body["priority"], winner.body["priority"]);
    assert_eq!(now.body["version"], 2);
    // A transition with the stale tag is refused as well.
    app.send(
        Method::POST,
        &format!("{path}/transitions"),
        Some(&agent),
        Some(json!({"to": "acknowledged"})),
        &[("If-Match", etag.as_str())],
    )
    .await
    .expect_problem(412, "precondition_failed");
}

async fn resolved_tickets_close_themselves_after_the_configured_days(app: TestApp) {
    let (_, customer, _) = app.two_tenants().await;
    let agent = app.token_for(Role::Agent, None);
    let old = ticket(&app.raise(&customer, "SVC-A", "degraded").await);
    let open = ticket(&app.raise(&customer, "SVC-A", "degraded").await);
    for step in [
        json!({"to": "acknowledged"}),
        json!({"to": "in_progress"}),
        json!({"to": "resolved", "resolution": {"cause": "c", "fix": "f"}}),
    ] {
        app.transition(&agent, &old, step).await.expect(200);
    }
    let state = app.state();
    let soon = chrono::Utc::now() + chrono::Duration::days(4);
    let s = state.clone();
    let closed_early =
        actix_web::web::block(move || api::workers::jobs::auto_close_resolved(&s, soon))
            .await
            .unwrap()
            .unwrap();
    assert_eq!(closed_early, 0, "not yet: the default is 5 days");
    let later = chrono::Utc::now() + chrono::Duration::days(6);
    // Two instances running the job at once close the ticket exactly once.
    let runs = (0..2).map(|_| {
        let s = state.clone();
        actix_web::web::block(move || api::workers::jobs::auto_close_resolved(&s, later))
    });
    let counts: Vec<usize> = join_all(runs)
        .await
        .into_iter()
        .map(|r| r.unwrap().unwrap())
        .collect();
    assert_eq!(counts.iter().sum::<usize>(), 1, "{counts:?}");
    let closed = app
        .get(&format!("/api/v1/incidents/{old}"), &customer)
        .await
        .expect(200);
    assert_eq!(closed.body["status"], "closed");
    assert!(closed.body["close_reason"]
        .as_str()
        .unwrap()
        .contains("automatically"));
    let texts = timeline_texts(&app, &customer, &old).await;
    assert_eq!(texts.iter().filter(|t| t.contains("to closed")).count(), 1);
    let untouched = app
        .get(&format!("/api/v1/incidents/{open}"), &customer)
        .await
        .expect(200);
    assert_eq!(untouched.body["status"], "new");
}
