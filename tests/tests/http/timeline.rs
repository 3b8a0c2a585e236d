//! R-INC5: timeline notes; internal entries never reach a customer through any endpoint.

use domain::Role;
use serde_json::{json, Value};
use tests::{on_both_backends, TestApp};

on_both_backends!(
    internal_notes_never_reach_the_customer,
    customers_write_public_notes_on_open_tickets_only,
);

const SECRET: &str = "INTERNAL: customer's router config looks hand-edited";

async fn internal_notes_never_reach_the_customer(app: TestApp) {
    let (_, customer, _) = app.two_tenants().await;
    let agent = app.token_for(Role::Agent, None);
    let t = app.raise(&customer, "SVC-A", "degraded").await["ticket_number"]
        .as_str()
        .unwrap()
        .to_owned();
    let internal = app
        .post(
            &format!("/api/v1/incidents/{t}/updates"),
            &agent,
            json!({"text": SECRET, "visibility": "internal"}),
        )
        .await
        .expect(201);
    assert_eq!(internal.body["visibility"], "internal");
    assert_eq!(internal.body["kind"], "note");
    app.post(
        &format!("/api/v1/incidents/{t}/updates"),
        &agent,
        json!({"text": "Engineer dispatched"}),
    )
    .await
    .expect(201);
    app.post(
        &format!("/api/v1/incidents/{t}/rfo-requests"),
        &customer,
        json!({}),
    )
    .await
    .expect(201);

    // Everything the customer can read about this ticket, in every endpoint.
    let mut seen: Vec<Value> = Vec::new();
    for path in [
        format!("/api/v1/incidents/{t}"),
        format!("/api/v1/incidents/{t}/updates"),
        format!("/api/v1/incidents/{t}/updates?limit=1"),
        "/api/v1/incidents".to_owned(),
        format!("/api/v1/incidents/{t}/rfo-requests"),
        "/api/v1/document-requests".to_owned(),
    ] {
        seen.push(app.get(&path, &customer).await.expect(200).body);
    }
    let mut cursor_path = format!("/api/v1/incidents/{t}/updates?limit=1");
    loop {
        let page = app.get(&cursor_path, &customer).await.expect(200);
        seen.push(page.body.clone());
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor_path = format!("/api/v1/incidents/{t}/updates?limit=1&cursor={c}"),
            None => break,
        }
    }
    for body in &seen {
        assert!(
            !body.to_string().contains("INTERNAL"),
            "internal note leaked: {body}"
        );
    }
    let customer_view = app
        .get(&format!("/api/v1/incidents/{t}/updates"), &customer)
        .await
        .expect(200);
    let texts: Vec<&str> = customer_view.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        ["Engineer dispatched", "Reason For Outage requested"]
    );
    let staff_view = app
        .get(&format!("/api/v1/incidents/{t}/updates"), &agent)
        .await
        .expect(200);
    assert_eq!(staff_view.body["items"].as_array().unwrap().len(), 3);
    assert_eq!(staff_view.body["items"][0]["text"], SECRET);
}

async fn customers_write_public_notes_on_open_tickets_only(app: TestApp) {
    let (_, customer, other) = app.two_tenants().await;
    let t = app.raise(&customer, "SVC-A", "degraded").await["ticket_number"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/incidents/{t}/updates");
    app.post(
        &path,
        &customer,
        json!({"text": "psst", "visibility": "internal"}),
    )
    .await
    .expect_problem(422, "validation_failed");
    app.post(&path, &customer, json!({"text": ""}))
        .await
        .expect_problem(422, "validation_failed");
    app.post(&path, &other, json!({"text": "hello"}))
        .await
        .expect_problem(404, "not_found");
    app.get(&path, &other)
        .await
        .expect_problem(404, "not_found");
    let note = app
        .post(&path, &customer, json!({"text": "Still down at 10:30"}))
        .await
        .expect(201);
    assert_eq!(note.body["visibility"], "public");
    let ticket = app
        .get(&format!("/api/v1/incidents/{t}"), &customer)
        .await
        .expect(200);
    assert_eq!(
        ticket.body["updated_at"], note.body["created_at"],
        "a note bumps updated_at"
    );
    app.post(
        &format!("/api/v1/incidents/{t}/close"),
        &customer,
        json!({"reason": "ok"}),
    )
    .await
    .expect(200);
    app.post(&path, &customer, json!({"text": "one more thing"}))
        .await
        .expect_problem(409, "ticket_final");
}
