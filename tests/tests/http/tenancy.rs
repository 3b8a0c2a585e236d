//! R-SEC1: a customer sees only its own company's data; anything else is 404 with no content.

use domain::Role;
use serde_json::json;
use tests::{on_both_backends, TestApp};

on_both_backends!(
    other_company_cannot_read_list_or_close_an_incident,
    other_company_cannot_see_services_or_customer,
    staff_see_every_company,
);

async fn other_company_cannot_read_list_or_close_an_incident(app: TestApp) {
    let (_, a, b) = app.two_tenants().await;
    let ticket = app.raise(&a, "SVC-A", "service_down").await;
    let display = ticket["ticket_number"].as_str().unwrap();
    let ivr = ticket["ivr_reference"].as_str().unwrap();
    for r in [display, ivr] {
        let reply = app
            .get(&format!("/api/v1/incidents/{r}"), &b)
            .await
            .expect_problem(404, "not_found");
        assert!(
            !reply.body.to_string().contains("SVC-A"),
            "no content leaks"
        );
        app.post(
            &format!("/api/v1/incidents/{r}/close"),
            &b,
            json!({"reason": "mine now"}),
        )
        .await
        .expect_problem(404, "not_found");
    }
    let listed = app.get("/api/v1/incidents", &b).await.expect(200);
    assert_eq!(listed.body["items"], json!([]));
    // Filtering by another company's number does not widen a customer's scope.
    let sneaky = app
        .get("/api/v1/incidents?customer_number=OCN-1001", &b)
        .await
        .expect(200);
    assert_eq!(sneaky.body["items"], json!([]));
    // The owner still sees it, untouched by the refused close.
    let own = app
        .get(&format!("/api/v1/incidents/{display}"), &a)
        .await
        .expect(200);
    assert_eq!(own.body["status"], "new");
}

async fn other_company_cannot_see_services_or_customer(app: TestApp) {
    let (_, a, b) = app.two_tenants().await;
    app.get("/api/v1/services/SVC-A", &b)
        .await
        .expect_problem(404, "not_found");
    app.get("/api/v1/services/SVC-A", &a).await.expect(200);
    let listed = app.get("/api/v1/services", &b).await.expect(200);
    let ids: Vec<_> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["service_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["SVC-B"]);
    let by_circuit = app
        .get("/api/v1/services?circuit_reference=CIR/SVC-A", &b)
        .await
        .expect(200);
    assert_eq!(by_circuit.body["items"], json!([]));
    app.get("/api/v1/customers/OCN-1001", &b)
        .await
        .expect_problem(404, "not_found");
    app.get("/api/v1/customers/OCN-2002", &b).await.expect(200);
    let customers = app.get("/api/v1/customers", &b).await.expect(200);
    assert_eq!(customers.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(customers.body["items"][0]["customer_number"], "OCN-2002");
}

async fn staff_see_every_company(app: TestApp) {
    let (_, a, b) = app.two_tenants().await;
    app.raise(&a, "SVC-A", "degraded").await;
    app.raise(&b, "SVC-B", "degraded").await;
    for role in [
        Role::Agent,
        Role::IncidentManager,
        Role::ChangeManager,
        Role::Admin,
    ] {
        let staff = app.token_for(role, None);
        let all = app.get("/api/v1/incidents", &staff).await.expect(200);
        assert_eq!(all.body["items"].as_array().unwrap().len(), 2, "{role}");
        let only_b = app
            .get("/api/v1/incidents?customer_number=OCN-2002", &staff)
            .await
            .expect(200);
        assert_eq!(only_b.body["items"].as_array().unwrap().len(), 1);
        assert_eq!(only_b.body["items"][0]["customer_number"], "OCN-2002");
    }
}
