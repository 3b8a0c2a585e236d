//! R-INC1–4 over HTTP: raise by each identifier, references in both forms, list filters and
//! pagination, close, and refused raises that leave nothing behind.

use std::collections::HashSet;

use actix_web::http::Method;
use domain::Role;
use serde_json::{json, Value};
use tests::{on_both_backends, raise_body, TestApp};

on_both_backends!(
    raise_by_each_identifier_logs_a_ticket_on_that_service,
    unknown_or_foreign_service_is_a_clear_422,
    identifier_rules_and_field_errors,
    lookup_accepts_both_reference_forms,
    list_filters_by_status_open_service_and_priority,
    pagination_has_no_gaps_or_duplicates,
    page_size_and_cursor_are_validated,
    customer_closes_own_ticket_once,
    stale_if_match_is_412_and_changes_nothing,
    refused_raises_leave_nothing_behind,
);

async fn raise_by_each_identifier_logs_a_ticket_on_that_service(app: TestApp) {
    let (_, a, _) = app.two_tenants().await;
    let before = chrono::Utc::now() - chrono::Duration::seconds(1);
    let cases = [
        ("circuit_reference", "CIR/SVC-A", "service_down", "P1"),
        ("order_number", "ORD-SVC-A", "degraded", "P2"),
        ("service_id", "SVC-A", "intermittent", "P3"),
        ("service_id", "SVC-A", "no_impact", "P4"),
    ];
    let mut refs = HashSet::new();
    for (key, value, impact, priority) in cases {
        let reply = app
            .post("/api/v1/incidents", &a, raise_body(key, value, impact))
            .await
            .expect(201);
        let body = &reply.body;
        let ticket = body["ticket_number"].as_str().unwrap();
        assert!(domain::TicketRef::parse(ticket).is_ok(), "{ticket}");
        assert_eq!(ticket.len(), 12);
        assert_eq!(body["ivr_reference"], ticket.replace('-', ""));
        assert_eq!(
            reply.header("location").unwrap(),
            format!("/api/v1/incidents/{ticket}")
        );
        assert_eq!(reply.header("etag"), Some("\"v1\""));
        assert_eq!(body["service_id"], "SVC-A");
        assert_eq!(body["customer_number"], "OCN-1001");
        assert_eq!(body["status"], "new");
        assert_eq!(body["priority"], priority);
        assert_eq!(body["impact"], impact);
        assert_eq!(body["parent_ticket_number"], Value::Null);
        let logged: chrono::DateTime<chrono::Utc> =
            body["logged_at"].as_str().unwrap().parse().unwrap();
        assert!(logged >= before && logged <= chrono::Utc::now());
        assert!(
            body["logged_at"].as_str().unwrap().ends_with('Z'),
            "UTC RFC 3339"
        );
        let response_due: chrono::DateTime<chrono::Utc> = body["sla"]["response_due_at"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(response_due > logged);
        assert!(refs.insert(ticket.to_owned()), "references are unique");
        // What was returned is what is stored.
        let read = app
            .get(&format!("/api/v1/incidents/{ticket}"), &a)
            .await
            .expect(200);
        assert_eq!(&read.body, body);
    }
}

async fn unknown_or_foreign_service_is_a_clear_422(app: TestApp) {
    let (_, a, _) = app.two_tenants().await;
    let unknown = app
        .post(
            "/api/v1/incidents",
            &a,
            raise_body("circuit_reference", "CIR/NOPE", "degraded"),
        )
        .await
        .expect_problem(422, "validation_failed");
    assert_eq!(unknown.body["errors"][0]["field"], "service");
    // Customer B's circuit is indistinguishable from one that does not exist.
    let foreign = app
        .post(
            "/api/v1/incidents",
            &a,
            raise_body("circuit_reference", "CIR/SVC-B", "degraded"),
        )
        .await
        .expect_problem(422, "validation_failed");
    assert_eq!(
        unknown.body["detail"]
            .as_str()
            .unwrap()
            .replace("CIR/NOPE", "X"),
        foreign.body["detail"]
            .as_str()
            .unwrap()
            .replace("CIR/SVC-B", "X")
    );
    // Service-desk staff may raise on any customer's service.
    let agent = app.token_for(Role::Agent, None);
    let raised = app.raise(&agent, "SVC-B", "degraded").await;
    assert_eq!(raised["customer_number"], "OCN-2002");
    // Change managers do not raise incidents.
    let cm = app.token_for(Role::ChangeManager, None);
    app.post(
        "/api/v1/incidents",
        &cm,
        raise_body("service_id", "SVC-B", "degraded"),
    )
    .await
    .expect_problem(403, "forbidden");
}

async fn identifier_rules_and_field_errors(app: TestApp) {
    let (_, a, _) = app.two_tenants().await;
    let mut none = raise_body("service_id", "SVC-A", "degraded");
    none.as_object_mut().unwrap().remove("service_id");
    let reply = app
        .post("/api/v1/incidents", &a, none)
        .await
        .expect_problem(422, "validation_failed");
    assert_eq!(reply.body["errors"][0]["field"], "service");

    let mut two = raise_body("service_id", "SVC-A", "degraded");
    two["circuit_reference"] = json!("CIR/SVC-A");
    app.post("/api/v1/incidents", &a, two)
        .await
        .expect_problem(422, "validation_failed");

    let mut bad = raise_body("service_id", "SVC-A", "degraded");
    bad["reporter"]["email"] = json!("not-an-email");
    bad["reporter"]["phone"] = json!("call me");
    bad["summary"] = json!("");
    let reply = app
        .post("/api/v1/incidents", &a, bad)
        .await
        .expect_problem(422, "validation_failed");
    let fields: Vec<&str> = reply.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["reporter.email", "reporter.phone", "summary"]);

    let wrong_impact = raise_body("service_id", "SVC-A", "catastrophic");
    let reply = app
        .post("/api/v1/incidents", &a, wrong_impact)
        .await
        .expect_problem(422, "invalid_body");
    assert!(
        reply.body["detail"].as_str().unwrap().contains("impact")
            || reply.body["detail"].as_str().unwrap().contains("variant")
    );
}

async fn lookup_accepts_both_reference_forms(app: TestApp) {
    let (_, a, _) = app.two_tenants().await;
    let raised = app.raise(&a, "SVC-A", "degraded").await;
    let display = raised["ticket_number"].as_str().unwrap();
    let ivr = raised["ivr_reference"].as_str().unwrap();
    let by_display = app
        .get(&format!("/api/v1/incidents/{display}"), &a)
        .await
        .expect(200);
    let by_ivr = app
        .get(&format!("/api/v1/incidents/{ivr}"), &a)
        .await
        .expect(200);
    assert_eq!(by_display.body, by_ivr.body);
    for bad in ["1-123", "2-0000000001", "hello", "1-0000000000"] {
        app.get(&format!("/api/v1/incidents/{bad}"), &a)
            .await
            .expect_problem(404, "not_found");
    }
    // A well-formed reference that was never issued.
    app.get("/api/v1/incidents/1-9999999999", &a)
        .await
        .expect_problem(404, "not_found");
}

fn tickets(reply: &tests::Reply) -> Vec<String> {
    reply.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["ticket_number"].as_str().unwrap().to_owned())
        .collect()
}

async fn list_filters_by_status_open_service_and_priority(app: TestApp) {
    let (admin, a, _) = app.two_tenants().await;
    app.create_service(&admin, "SVC-A2", "OCN-1001").await;
    let t1 = app.raise(&a, "SVC-A", "service_down").await;
    let t2 = app.raise(&a, "SVC-A2", "degraded").await;
    let t3 = app.raise(&a, "SVC-A", "degraded").await;
    let id = |t: &Value| t["ticket_number"].as_str().unwrap().to_owned();
    app.post(
        &format!("/api/v1/incidents/{}/close", id(&t3)),
        &a,
        json!({"reason": "solved"}),
    )
    .await
    .expect(200);

    let all = app.get("/api/v1/incidents", &a).await.expect(200);
    assert_eq!(tickets(&all), [id(&t3), id(&t2), id(&t1)], "newest first");
    let oldest = app
        .get("/api/v1/incidents?sort=logged_at", &a)
        .await
        .expect(200);
    assert_eq!(tickets(&oldest), [id(&t1), id(&t2), id(&t3)]);
    let open = app.get("/api/v1/incidents?open=true", &a).await.expect(200);
    assert_eq!(tickets(&open), [id(&t2), id(&t1)]);
    let closed = app
        .get("/api/v1/incidents?open=false", &a)
        .await
        .expect(200);
    assert_eq!(tickets(&closed), [id(&t3)]);
    let status = app
        .get("/api/v1/incidents?status=closed,new", &a)
        .await
        .expect(200);
    assert_eq!(tickets(&status).len(), 3);
    let status = app
        .get("/api/v1/incidents?status=closed", &a)
        .await
        .expect(200);
    assert_eq!(tickets(&status), [id(&t3)]);
    let service = app
        .get("/api/v1/incidents?service_id=SVC-A2", &a)
        .await
        .expect(200);
    assert_eq!(tickets(&service), [id(&t2)]);
    let p1 = app
        .get("/api/v1/incidents?priority=P1", &a)
        .await
        .expect(200);
    assert_eq!(tickets(&p1), [id(&t1)]);
    let future = app
        .get("/api/v1/incidents?updated_since=2999-01-01T00:00:00Z", &a)
        .await
        .expect(200);
    assert!(tickets(&future).is_empty());
    app.get("/api/v1/incidents?status=bogus", &a)
        .await
        .expect_problem(422, "validation_failed");
    app.get("/api/v1/incidents?sort=summary", &a)
        .await
        .expect_problem(422, "validation_failed");
    app.get("/api/v1/incidents?open=maybe", &a)
        .await
        .expect_problem(400, "invalid_query");
}

async fn pagination_has_no_gaps_or_duplicates(app: TestApp) {
    let (_, a, _) = app.two_tenants().await;
    let mut raised = Vec::new();
    for _ in 0..7 {
        raised.push(
            app.raise(&a, "SVC-A", "degraded").await["ticket_number"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    for sort in ["-logged_at", "logged_at"] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let mut path = format!("/api/v1/incidents?limit=3&sort={sort}");
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let page = app.get(&path, &a).await.expect(200);
            pages += 1;
            seen.extend(tickets(&page));
            // A ticket raised while paging must not disturb the pages already being read.
            if pages == 1 && sort == "-logged_at" {
                app.raise(&a, "SVC-A", "degraded").await;
            }
            match page.body["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        let unique: HashSet<_> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len(), "no duplicates: {seen:?}");
        for t in &raised {
            assert!(seen.contains(t), "no gaps: {t} missing from {seen:?}");
        }
        assert!(pages >= 3);
    }
}

async fn page_size_and_cursor_are_validated(app: TestApp) {
    let (_, a, _) = app.two_tenants().await;
    for bad in ["limit=0", "limit=101", "cursor=not-a-cursor"] {
        app.get(&format!("/api/v1/incidents?{bad}"), &a)
            .await
            .expect_problem(422, "validation_failed");
    }
    app.get("/api/v1/incidents?limit=-1", &a)
        .await
        .expect_problem(400, "invalid_query");
    app.get("/api/v1/incidents?limit=100", &a).await.expect(200);
}

async fn customer_closes_own_ticket_once(app: TestApp) {
    let (_, a, _) = app.two_tenants().await;
    let raised = app.raise(&a, "SVC-A", "degraded").await;
    let path = format!(
        "/api/v1/incidents/{}/close",
        raised["ivr_reference"].as_str().unwrap()
    );
    app.post(&path, &a, json!({"reason": "   "}))
        .await
        .expect_problem(422, "validation_failed");
    let closed = app
        .post(&path, &a, json!({"reason": "Router rebooted, all good"}))
        .await
        .expect(200);
    assert_eq!(closed.body["status"], "closed");
    assert_eq!(closed.body["close_reason"], "Router rebooted, all good");
    assert!(closed.body["closed_at"].is_string());
    assert_eq!(closed.body["version"], 2);
    assert_eq!(closed.header("etag"), Some("\"v2\""));
    let again = app
        .post(&path, &a, json!({"reason": "again"}))
        .await
        .expect_problem(409, "illegal_transition");
    assert!(again.body["detail"].as_str().unwrap().contains("closed"));
    let read = app
        .get(
            &format!(
                "/api/v1/incidents/{}",
                raised["ticket_number"].as_str().unwrap()
            ),
            &a,
        )
        .await
        .expect(200);
    assert_eq!(read.body, closed.body, "the refused close changed nothing");
}

async fn stale_if_match_is_412_and_changes_nothing(app: TestApp) {
    let (_, a, _) = app.two_tenants().await;
    let raised = app.raise(&a, "SVC-A", "degraded").await;
    let path = format!(
        "/api/v1/incidents/{}/close",
        raised["ticket_number"].as_str().unwrap()
    );
    app.send(
        Method::POST,
        &path,
        Some(&a),
        Some(json!({"reason": "x"})),
        &[("If-Match", "\"v7\"")],
    )
    .await
    .expect_problem(412, "precondition_failed");
    let read = app
        .get(
            &format!(
                "/api/v1/incidents/{}",
                raised["ticket_number"].as_str().unwrap()
            ),
            &a,
        )
        .await
        .expect(200);
    assert_eq!(read.body["status"], "new");
    app.send(
        Method::POST,
        &path,
        Some(&a),
        Some(json!({"reason": "x"})),
        &[("If-Match", "\"v1\"")],
    )
    .await
    .expect(200);
}

async fn refused_raises_leave_nothing_behind(app: TestApp) {
    let (admin, a, _) = app.two_tenants().await;
    let agent = app.token_for(Role::Agent, None);
    let first = app.raise(&a, "SVC-A", "degraded").await;
    // A ceased service refuses tickets after the lookup, inside the transaction.
    app.create_service(&admin, "SVC-OLD", "OCN-1001").await;
    app.send(
        Method::PATCH,
        "/api/v1/services/SVC-OLD",
        Some(&admin),
        Some(json!({"status": "ceased"})),
        &[],
    )
    .await
    .expect(200);
    let refused = [
        raise_body("service_id", "SVC-OLD", "degraded"),
        raise_body("circuit_reference", "CIR/NOPE", "degraded"),
        raise_body("circuit_reference", "CIR/SVC-B", "degraded"),
    ];
    for body in refused {
        app.post("/api/v1/incidents", &a, body)
            .await
            .expect_problem(422, "validation_failed");
    }
    let all = app.get("/api/v1/incidents", &agent).await.expect(200);
    assert_eq!(tickets(&all), [first["ticket_number"].as_str().unwrap()]);
    let next = app.raise(&a, "SVC-A", "degraded").await;
    if app.db.backend() == persistence::Backend::Sqlite {
        // The SQLite counter is part of the rolled-back transaction: no number was used up.
        let n = |t: &Value| {
            domain::TicketRef::parse(t["ticket_number"].as_str().unwrap())
                .unwrap()
                .number()
        };
        assert_eq!(n(&next), n(&first) + 1);
    }
}
