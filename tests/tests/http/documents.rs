//! R-INC7: RFO and Incident Report requests and their lifecycle.

use domain::Role;
use serde_json::json;
use tests::{on_both_backends, TestApp};

on_both_backends!(
    rfo_is_requested_prepared_and_delivered,
    incident_report_can_be_rejected_and_is_tenant_scoped
);

async fn rfo_is_requested_prepared_and_delivered(app: TestApp) {
    let (_, customer, _) = app.two_tenants().await;
    let agent = app.token_for(Role::Agent, None);
    let t = app.raise(&customer, "SVC-A", "service_down").await["ivr_reference"]
        .as_str()
        .unwrap()
        .to_owned();
    let created = app
        .post(
            &format!("/api/v1/incidents/{t}/rfo-requests"),
            &customer,
            json!({"note": "For our board"}),
        )
        .await
        .expect(201);
    assert_eq!(created.body["status"], "requested");
    assert_eq!(created.body["kind"], "rfo");
    let id = created.body["id"].as_i64().unwrap();
    assert_eq!(
        created.header("location").unwrap(),
        format!("/api/v1/document-requests/{id}")
    );
    app.post(
        &format!("/api/v1/incidents/{t}/rfo-requests"),
        &customer,
        json!({}),
    )
    .await
    .expect_problem(409, "request_already_open");

    app.post(
        &format!("/api/v1/document-requests/{id}/deliver"),
        &customer,
        json!({"document_text": "x"}),
    )
    .await
    .expect_problem(403, "forbidden");
    let started = app
        .post(
            &format!("/api/v1/document-requests/{id}/start"),
            &agent,
            json!({}),
        )
        .await
        .expect(200);
    assert_eq!(started.body["status"], "in_preparation");
    app.post(
        &format!("/api/v1/document-requests/{id}/start"),
        &agent,
        json!({}),
    )
    .await
    .expect_problem(409, "illegal_transition");
    app.post(
        &format!("/api/v1/document-requests/{id}/deliver"),
        &agent,
        json!({"document_text": "RFO", "document_url": "not a url"}),
    )
    .await
    .expect_problem(422, "validation_failed");
    // Issue 20: the link is shown to customers; only http(s) may be one.
    for link in [
        "javascript:alert(document.cookie)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "file:///etc/passwd",
    ] {
        let refused = app
            .post(
                &format!("/api/v1/document-requests/{id}/deliver"),
                &agent,
                json!({"document_text": "RFO", "document_url": link}),
            )
            .await
            .expect_problem(422, "validation_failed");
        assert_eq!(refused.body["errors"][0]["field"], "document_url", "{link}");
    }
    let delivered = app
        .post(
            &format!("/api/v1/document-requests/{id}/deliver"),
            &agent,
            json!({"document_text": "A third-party excavation cut the fibre.", "document_url": "https://docs.example.com/rfo.pdf"}),
        )
        .await
        .expect(200);
    assert_eq!(delivered.body["status"], "delivered");
    let seen = app
        .get(&format!("/api/v1/document-requests/{id}"), &customer)
        .await
        .expect(200);
    assert_eq!(
        seen.body["document_text"],
        "A third-party excavation cut the fibre."
    );
    assert_eq!(
        seen.body["document_url"],
        "https://docs.example.com/rfo.pdf"
    );
    app.post(
        &format!("/api/v1/document-requests/{id}/reject"),
        &agent,
        json!({"reason": "late"}),
    )
    .await
    .expect_problem(409, "illegal_transition");
    // Delivered, so a new RFO request may be filed again.
    app.post(
        &format!("/api/v1/incidents/{t}/rfo-requests"),
        &customer,
        json!({}),
    )
    .await
    .expect(201);
    let listed = app
        .get(&format!("/api/v1/incidents/{t}/rfo-requests"), &customer)
        .await
        .expect(200);
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 2);
    let timeline = app
        .get(&format!("/api/v1/incidents/{t}/updates"), &customer)
        .await
        .expect(200);
    let texts: Vec<&str> = timeline.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        [
            "Reason For Outage requested: For our board",
            "Reason For Outage in preparation",
            "Reason For Outage delivered",
            "Reason For Outage requested",
        ]
    );
}

async fn incident_report_can_be_rejected_and_is_tenant_scoped(app: TestApp) {
    let (_, customer, other) = app.two_tenants().await;
    let agent = app.token_for(Role::Agent, None);
    let t = app.raise(&customer, "SVC-A", "degraded").await["ticket_number"]
        .as_str()
        .unwrap()
        .to_owned();
    let b_ticket = app.raise(&other, "SVC-B", "degraded").await["ticket_number"]
        .as_str()
        .unwrap()
        .to_owned();
    let ir = app
        .post(
            &format!("/api/v1/incidents/{t}/incident-report-requests"),
            &customer,
            json!({}),
        )
        .await
        .expect(201);
    assert_eq!(ir.body["kind"], "incident_report");
    let id = ir.body["id"].as_i64().unwrap();
    app.post(
        &format!("/api/v1/incidents/{b_ticket}/incident-report-requests"),
        &other,
        json!({}),
    )
    .await
    .expect(201);
    app.post(
        &format!("/api/v1/incidents/{t}/incident-report-requests"),
        &other,
        json!({}),
    )
    .await
    .expect_problem(404, "not_found");
    app.get(&format!("/api/v1/document-requests/{id}"), &other)
        .await
        .expect_problem(404, "not_found");
    app.get(
        &format!("/api/v1/incidents/{t}/incident-report-requests"),
        &other,
    )
    .await
    .expect_problem(404, "not_found");
    let mine = app
        .get("/api/v1/document-requests", &customer)
        .await
        .expect(200);
    assert_eq!(mine.body["items"].as_array().unwrap().len(), 1);
    let queue = app
        .get(
            "/api/v1/document-requests?status=requested&kind=incident_report",
            &agent,
        )
        .await
        .expect(200);
    assert_eq!(queue.body["items"].as_array().unwrap().len(), 2);
    app.get("/api/v1/document-requests?status=lost", &agent)
        .await
        .expect_problem(422, "validation_failed");
    app.post(
        &format!("/api/v1/document-requests/{id}/reject"),
        &agent,
        json!({"reason": ""}),
    )
    .await
    .expect_problem(422, "validation_failed");
    let rejected = app
        .post(
            &format!("/api/v1/document-requests/{id}/reject"),
            &agent,
            json!({"reason": "No outage recorded"}),
        )
        .await
        .expect(200);
    assert_eq!(rejected.body["status"], "rejected");
    assert_eq!(rejected.body["rejection_reason"], "No outage recorded");
    app.get("/api/v1/document-requests/999999", &agent)
        .await
        .expect_problem(404, "not_found");
    app.get("/api/v1/document-requests/abc", &agent)
        .await
        .expect_problem(400, "invalid_path");
}
