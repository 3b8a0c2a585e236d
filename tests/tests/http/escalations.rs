//! R-ESC1–4: the matrix and sequential, peer-to-peer escalation.

use domain::Role;
use futures_util::future::join_all;
use serde_json::{json, Value};
use tests::{on_both_backends, TestApp};

on_both_backends!(
    matrix_is_readable_by_all_and_editable_by_admins_only,
    escalation_climbs_one_level_at_a_time,
    escalating_person_is_required_with_field_errors,
    resolved_and_closed_tickets_are_not_escalated,
    concurrent_escalations_produce_one_level,
);

fn escalation(level: Option<i32>) -> Value {
    let mut body = json!({
        "reason": "No restoration estimate after four hours",
        "escalated_by": {"name": "Jane Doe", "job_title": "IT Director", "phone": "+44 20 7946 0123"},
    });
    if let Some(l) = level {
        body["level"] = json!(l);
    }
    body
}

async fn matrix_is_readable_by_all_and_editable_by_admins_only(app: TestApp) {
    let (admin, customer, _) = app.two_tenants().await;
    let matrix = app
        .get("/api/v1/escalation-matrix", &customer)
        .await
        .expect(200);
    let levels = matrix.body["levels"].as_array().unwrap();
    let expected = [
        (1, "Team Leader", "+44 203 481 7007"),
        (2, "Incident Manager", "+44 203 481 7008"),
        (3, "Senior Manager", "+44 203 481 7009"),
        (4, "Director", "+44 203 481 7010"),
        (5, "VP", "+44 203 481 7011"),
    ];
    for (l, (level, title, phone)) in levels.iter().zip(expected) {
        assert_eq!(l["level"], level);
        assert_eq!(l["title"], title);
        assert_eq!(l["phone"], phone);
    }
    let mut edited = matrix.body.clone();
    edited["levels"][4]["title"] = json!("Chief Operating Officer");
    edited["levels"][4]["phone"] = json!("+44 203 481 7099");
    app.send(
        actix_web::http::Method::PUT,
        "/api/v1/escalation-matrix",
        Some(&customer),
        Some(edited.clone()),
        &[],
    )
    .await
    .expect_problem(403, "forbidden");
    let saved = app
        .send(
            actix_web::http::Method::PUT,
            "/api/v1/escalation-matrix",
            Some(&admin),
            Some(edited.clone()),
            &[],
        )
        .await
        .expect(200);
    assert_eq!(saved.body["levels"][4]["title"], "Chief Operating Officer");
    let mut four = edited.clone();
    four["levels"].as_array_mut().unwrap().pop();
    app.send(
        actix_web::http::Method::PUT,
        "/api/v1/escalation-matrix",
        Some(&admin),
        Some(four),
        &[],
    )
    .await
    .expect_problem(422, "validation_failed");
    let mut bad_phone = edited;
    bad_phone["levels"][0]["phone"] = json!("call the office");
    app.send(
        actix_web::http::Method::PUT,
        "/api/v1/escalation-matrix",
        Some(&admin),
        Some(bad_phone),
        &[],
    )
    .await
    .expect_problem(422, "validation_failed");
    let after = app
        .get("/api/v1/escalation-matrix", &customer)
        .await
        .expect(200);
    assert_eq!(
        after.body["levels"][0]["phone"], "+44 203 481 7007",
        "refused edits changed nothing"
    );
    assert_eq!(after.body["levels"][4]["phone"], "+44 203 481 7099");
}

async fn escalation_climbs_one_level_at_a_time(app: TestApp) {
    let (_, customer, other) = app.two_tenants().await;
    let t = app.raise(&customer, "SVC-A", "service_down").await;
    let t = t["ticket_number"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/incidents/{t}/escalations");
    let first = app
        .post(&path, &customer, escalation(Some(1)))
        .await
        .expect(201);
    assert_eq!(first.body["level"], 1);
    assert_eq!(first.body["contact"]["title"], "Team Leader");
    assert_eq!(first.body["ivr_reference"], t.replace('-', ""));
    assert!(first.body["instructions"]
        .as_str()
        .unwrap()
        .contains("+44 203 481 7007"));
    let second = app
        .post(&path, &customer, escalation(Some(2)))
        .await
        .expect(201);
    assert_eq!(
        second.body["contact"],
        json!({"level": 2, "title": "Incident Manager", "phone": "+44 203 481 7008"})
    );
    let skip = app
        .post(&path, &customer, escalation(Some(4)))
        .await
        .expect_problem(409, "escalation_out_of_sequence");
    assert!(skip.body["detail"].as_str().unwrap().contains("level 3"));
    app.post(&path, &customer, escalation(None))
        .await
        .expect(201);
    app.post(&path, &customer, escalation(None))
        .await
        .expect(201);
    app.post(&path, &customer, escalation(Some(5)))
        .await
        .expect(201);
    app.post(&path, &customer, escalation(None))
        .await
        .expect_problem(409, "escalation_limit_reached");
    app.post(&path, &customer, escalation(Some(6)))
        .await
        .expect_problem(422, "validation_failed");
    let history = app.get(&path, &customer).await.expect(200);
    let levels: Vec<i64> = history
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["level"].as_i64().unwrap())
        .collect();
    assert_eq!(levels, [1, 2, 3, 4, 5]);
    let ticket = app
        .get(&format!("/api/v1/incidents/{t}"), &customer)
        .await
        .expect(200);
    assert_eq!(ticket.body["escalation_level"], 5);
    let timeline = app
        .get(
            &format!("/api/v1/incidents/{t}/updates?limit=100"),
            &customer,
        )
        .await
        .expect(200);
    let escalations: Vec<&Value> = timeline.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "escalation")
        .collect();
    assert_eq!(escalations.len(), 5);
    assert!(escalations[1]["text"]
        .as_str()
        .unwrap()
        .contains("Jane Doe, IT Director"));
    app.post(&path, &other, escalation(None))
        .await
        .expect_problem(404, "not_found");
    app.get(&path, &other)
        .await
        .expect_problem(404, "not_found");
}

async fn escalating_person_is_required_with_field_errors(app: TestApp) {
    let (_, customer, _) = app.two_tenants().await;
    let t = app.raise(&customer, "SVC-A", "degraded").await;
    let path = format!(
        "/api/v1/incidents/{}/escalations",
        t["ticket_number"].as_str().unwrap()
    );
    let missing = app
        .post(&path, &customer, json!({"reason": "slow"}))
        .await
        .expect_problem(422, "validation_failed");
    assert_eq!(missing.body["errors"][0]["field"], "escalated_by");
    let partial = app
        .post(
            &path,
            &customer,
            json!({"reason": "slow", "escalated_by": {"name": "", "job_title": "", "phone": "x"}}),
        )
        .await
        .expect_problem(422, "validation_failed");
    let fields: Vec<&str> = partial.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"escalated_by.name"), "{fields:?}");
    assert!(fields.contains(&"escalated_by.job_title"), "{fields:?}");
    assert!(fields.contains(&"escalated_by.phone"), "{fields:?}");
    // Blanks are not a name (they are trimmed away): refused, not stored empty.
    let blank = app
        .post(
            &path,
            &customer,
            json!({"reason": "slow", "escalated_by": {"name": "  ", "job_title": "IT", "phone": "12345"}}),
        )
        .await
        .expect_problem(422, "validation_failed");
    assert_eq!(blank.body["errors"][0]["field"], "escalated_by.name");
    let blank = app
        .post(
            &path,
            &customer,
            json!({"reason": " \n ", "escalated_by": {"name": "Jane", "job_title": "IT", "phone": "12345"}}),
        )
        .await
        .expect_problem(422, "validation_failed");
    assert_eq!(blank.body["errors"][0]["field"], "reason");
    let ticket = app
        .get(
            &format!("/api/v1/incidents/{}", t["ticket_number"].as_str().unwrap()),
            &customer,
        )
        .await
        .expect(200);
    assert_eq!(ticket.body["escalation_level"], 0);
}

async fn resolved_and_closed_tickets_are_not_escalated(app: TestApp) {
    let (_, customer, _) = app.two_tenants().await;
    let agent = app.token_for(Role::Agent, None);
    let resolved = app.raise(&customer, "SVC-A", "degraded").await["ticket_number"]
        .as_str()
        .unwrap()
        .to_owned();
    for step in [
        json!({"to": "acknowledged"}),
        json!({"to": "in_progress"}),
        json!({"to": "resolved", "resolution": {"cause": "c", "fix": "f"}}),
    ] {
        app.transition(&agent, &resolved, step).await.expect(200);
    }
    app.post(
        &format!("/api/v1/incidents/{resolved}/escalations"),
        &customer,
        escalation(None),
    )
    .await
    .expect_problem(409, "ticket_not_escalatable");
    let closed = app.raise(&customer, "SVC-A", "degraded").await["ticket_number"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post(
        &format!("/api/v1/incidents/{closed}/close"),
        &customer,
        json!({"reason": "fine"}),
    )
    .await
    .expect(200);
    app.post(
        &format!("/api/v1/incidents/{closed}/escalations"),
        &customer,
        escalation(None),
    )
    .await
    .expect_problem(409, "ticket_not_escalatable");
    // The desk may escalate on the customer's behalf; change managers may not.
    let open = app.raise(&customer, "SVC-A", "degraded").await["ticket_number"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post(
        &format!("/api/v1/incidents/{open}/escalations"),
        &agent,
        escalation(None),
    )
    .await
    .expect(201);
    app.post(
        &format!("/api/v1/incidents/{open}/escalations"),
        &app.token_for(Role::ChangeManager, None),
        escalation(None),
    )
    .await
    .expect_problem(403, "forbidden");
}

async fn concurrent_escalations_produce_one_level(app: TestApp) {
    let (_, customer, _) = app.two_tenants().await;
    let t = app.raise(&customer, "SVC-A", "service_down").await;
    let path = format!(
        "/api/v1/incidents/{}/escalations",
        t["ticket_number"].as_str().unwrap()
    );
    let replies = join_all((0..4).map(|_| app.post(&path, &customer, escalation(Some(1))))).await;
    let mut statuses: Vec<u16> = replies.iter().map(|r| r.status.as_u16()).collect();
    statuses.sort();
    assert_eq!(
        statuses,
        [201, 409, 409, 409],
        "{:?}",
        replies.iter().map(|r| &r.body).collect::<Vec<_>>()
    );
    let history = app.get(&path, &customer).await.expect(200);
    assert_eq!(history.body.as_array().unwrap().len(), 1);
}
