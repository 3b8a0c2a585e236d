//! R-API3: Idempotency-Key on creating POSTs.

use std::collections::HashSet;

use domain::Role;
use futures_util::future::join_all;
use serde_json::json;
use tests::{on_both_backends, raise_body, TestApp};

on_both_backends!(
    retried_raise_with_the_same_key_creates_one_ticket,
    same_key_other_body_is_422_and_keys_belong_to_their_caller,
    concurrent_duplicates_create_exactly_one_ticket,
    failed_requests_release_their_key,
);

async fn count_tickets(app: &TestApp) -> usize {
    let agent = app.token_for(Role::Agent, None);
    app.get("/api/v1/incidents?limit=100", &agent)
        .await
        .expect(200)
        .body["items"]
        .as_array()
        .unwrap()
        .len()
}

async fn retried_raise_with_the_same_key_creates_one_ticket(app: TestApp) {
    let (_, a, _) = app.two_tenants().await;
    let body = raise_body("service_id", "SVC-A", "degraded");
    let key = [("Idempotency-Key", "raise-7f3c")];
    let first = app
        .post_with("/api/v1/incidents", &a, body.clone(), &key)
        .await
        .expect(201);
    let again = app
        .post_with("/api/v1/incidents", &a, body.clone(), &key)
        .await
        .expect(201);
    assert_eq!(first.body, again.body);
    assert_eq!(first.header("location"), again.header("location"));
    assert_eq!(first.header("etag"), again.header("etag"));
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(first.header("idempotent-replayed"), None);
    assert_eq!(count_tickets(&app).await, 1);
    // Without a key, the same body is a new ticket.
    app.post("/api/v1/incidents", &a, body).await.expect(201);
    assert_eq!(count_tickets(&app).await, 2);
}

async fn same_key_other_body_is_422_and_keys_belong_to_their_caller(app: TestApp) {
    let (_, a, b) = app.two_tenants().await;
    let key = [("Idempotency-Key", "shared-key")];
    app.post_with(
        "/api/v1/incidents",
        &a,
        raise_body("service_id", "SVC-A", "degraded"),
        &key,
    )
    .await
    .expect(201);
    app.post_with(
        "/api/v1/incidents",
        &a,
        raise_body("service_id", "SVC-A", "service_down"),
        &key,
    )
    .await
    .expect_problem(422, "idempotency_key_reused");
    // Another company using the same key string is unaffected.
    let theirs = app
        .post_with(
            "/api/v1/incidents",
            &b,
            raise_body("service_id", "SVC-B", "degraded"),
            &key,
        )
        .await
        .expect(201);
    assert_eq!(theirs.body["customer_number"], "OCN-2002");
    assert_eq!(theirs.header("idempotent-replayed"), None);
    app.post_with(
        "/api/v1/incidents",
        &a,
        raise_body("service_id", "SVC-A", "degraded"),
        &[("Idempotency-Key", "")],
    )
    .await
    .expect_problem(400, "invalid_idempotency_key");
    assert_eq!(count_tickets(&app).await, 2);
}

async fn concurrent_duplicates_create_exactly_one_ticket(app: TestApp) {
    let (_, a, _) = app.two_tenants().await;
    let body = raise_body("circuit_reference", "CIR/SVC-A", "service_down");
    let key = [("Idempotency-Key", "burst-1")];
    let replies =
        join_all((0..6).map(|_| app.post_with("/api/v1/incidents", &a, body.clone(), &key))).await;
    let mut tickets = HashSet::new();
    let mut in_progress = 0;
    for reply in replies {
        match reply.status.as_u16() {
            201 => {
                tickets.insert(reply.body["ticket_number"].as_str().unwrap().to_owned());
            }
            409 => {
                assert_eq!(reply.body["code"], "idempotency_in_progress");
                in_progress += 1;
            }
            other => panic!("unexpected {other}: {}", reply.body),
        }
    }
    assert_eq!(
        tickets.len(),
        1,
        "one ticket, replayed or refused for the others"
    );
    assert_eq!(count_tickets(&app).await, 1);
    assert!(in_progress < 6);
}

async fn failed_requests_release_their_key(app: TestApp) {
    let (_, a, _) = app.two_tenants().await;
    let key = [("Idempotency-Key", "retry-after-fix")];
    let wrong = raise_body("circuit_reference", "CIR/NOPE", "degraded");
    app.post_with("/api/v1/incidents", &a, wrong.clone(), &key)
        .await
        .expect_problem(422, "validation_failed");
    // The same request again runs again (nothing was stored for a failure).
    app.post_with("/api/v1/incidents", &a, wrong, &key)
        .await
        .expect_problem(422, "validation_failed");
    assert_eq!(count_tickets(&app).await, 0);
    // Creating other resources honours keys too.
    let admin = app.admin_token().await;
    let customer = json!({"customer_number": "OCN-3003", "name": "Initech"});
    let k = [("Idempotency-Key", "cust-3003")];
    let first = app
        .post_with("/api/v1/customers", &admin, customer.clone(), &k)
        .await
        .expect(201);
    let again = app
        .post_with("/api/v1/customers", &admin, customer, &k)
        .await
        .expect(201);
    assert_eq!(first.body, again.body);
}

#[test]
fn keys_expire_and_abandoned_claims_are_taken_over() {
    use persistence::idempotency::{claim, complete, Claim, StoredResponse};
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("k.db").display());
    let db = persistence::Database::open(&url, &persistence::PoolOptions::default()).unwrap();
    let t0 = chrono::Utc::now();
    let ttl = chrono::Duration::hours(24);
    let mut conn = db.conn().unwrap();
    assert_eq!(
        claim(&mut conn, "k", "body", ttl, t0).unwrap(),
        Claim::Proceed
    );
    // Still running 10 s later: a duplicate must wait.
    let soon = t0 + chrono::Duration::seconds(10);
    assert_eq!(
        claim(&mut conn, "k", "body", ttl, soon).unwrap(),
        Claim::InProgress
    );
    // Its process died: after a minute the key may be claimed again.
    let later = t0 + chrono::Duration::seconds(90);
    assert_eq!(
        claim(&mut conn, "k", "body", ttl, later).unwrap(),
        Claim::Proceed
    );
    let stored = StoredResponse {
        status: 201,
        headers: vec![],
        body: "{}".into(),
    };
    complete(&mut conn, "k", &stored).unwrap();
    assert_eq!(
        claim(&mut conn, "k", "body", ttl, later).unwrap(),
        Claim::Replay(stored)
    );
    assert_eq!(
        claim(&mut conn, "k", "other", ttl, later).unwrap(),
        Claim::Mismatch
    );
    // After the time to live the key is forgotten.
    let expired = later + ttl + chrono::Duration::seconds(1);
    assert_eq!(
        claim(&mut conn, "k", "other", ttl, expired).unwrap(),
        Claim::Proceed
    );
    assert_eq!(
        persistence::idempotency::purge_expired(
            &mut conn,
            expired + ttl + chrono::Duration::seconds(1)
        )
        .unwrap(),
        1
    );
}
