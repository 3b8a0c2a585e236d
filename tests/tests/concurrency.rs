//! R-INC2 under load: concurrent raises never share a reference, on either backend.

use std::collections::HashSet;

use futures_util::future::join_all;
use tests::{on_both_backends, raise_body, TestApp};

on_both_backends!(fifty_concurrent_raises_get_fifty_distinct_references);

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
