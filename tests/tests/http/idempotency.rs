//! R-API3: Idempotency-Key on creating POSTs.

use std::collections::HashSet;

use actix_web::http::Method;
use domain::Role;
use futures_util::future::join_all;
use serde_json::json;
use tests::{on_both_backends, raise_body, TestApp};

on_both_backends!(
    retried_raise_with_the_same_key_creates_one_ticket,
    same_key_other_body_is_422_and_keys_belong_to_their_caller,
    concurrent_duplicates_create_exactly_one_ticket,
    failed_requests_release_their_key,
    secrets_are_never_kept_and_replays_recheck_the_caller,
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
    // The query string is part of the request: the same key and body to another query is
    // another request, not a replay of the first answer.
    app.post_with(
        "/api/v1/incidents?note=other",
        &a,
        raise_body("service_id", "SVC-A", "degraded"),
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

#[derive(diesel::QueryableByName)]
struct KeptBody {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    response_body: Option<String>,
}

/// Every response body the idempotency store keeps, as text.
fn kept_bodies(app: &TestApp) -> String {
    use diesel::RunQueryDsl;
    let rows: Vec<KeptBody> = app
        .db
        .write(|conn| {
            Ok(diesel::sql_query("SELECT response_body FROM idempotency_keys").load(conn)?)
        })
        .unwrap();
    rows.into_iter()
        .filter_map(|r| r.response_body)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Issue 20: a response with a secret is never stored; a retry gets 409 and repeats nothing;
/// keys follow the route, not its spelling; a disabled user's replay is 401.
async fn secrets_are_never_kept_and_replays_recheck_the_caller(app: TestApp) {
    app.two_tenants().await;
    let admin = app.token_for(Role::CustomerAdmin, Some("OCN-1001"));
    let new_client = json!({"name": "Ticket bridge", "role": "customer_user"});
    let key = [("Idempotency-Key", "client-1")];
    let created = app
        .post_with("/api/v1/api-clients", &admin, new_client.clone(), &key)
        .await
        .expect(201);
    let cid = created.body["client_id"].as_str().unwrap().to_owned();
    let first_secret = created.body["client_secret"].as_str().unwrap().to_owned();
    let retried = app
        .post_with("/api/v1/api-clients", &admin, new_client, &key)
        .await
        .expect_problem(409, "idempotent_secret_not_kept");
    assert_eq!(retried.header("idempotent-replayed"), Some("true"));
    assert!(!retried.body.to_string().contains(&first_secret));
    let clients = app.get("/api/v1/api-clients", &admin).await.expect(200);
    assert_eq!(
        clients.body.as_array().map_or(0, Vec::len),
        1,
        "the retry made no second client: {}",
        clients.body
    );

    // Rotation, first through a percent-encoded spelling of the path, then the plain one.
    let key = [("Idempotency-Key", "rotate-1")];
    let rotated = app
        .post_with(
            &format!("/api/v1/api-%63lients/{cid}/rotate-secret"),
            &admin,
            json!({}),
            &key,
        )
        .await
        .expect(200);
    let rotated_secret = rotated.body["client_secret"].as_str().unwrap().to_owned();
    app.post_with(
        &format!("/api/v1/api-clients/{cid}/rotate-secret"),
        &admin,
        json!({}),
        &key,
    )
    .await
    .expect_problem(409, "idempotent_secret_not_kept");
    // The retry rotated nothing: the secret from the first answer still works.
    app.send(
        Method::POST,
        "/api/v1/auth/token",
        None,
        Some(json!({"grant_type": "client_credentials", "client_id": cid, "client_secret": rotated_secret})),
        &[],
    )
    .await
    .expect(200);
    let kept = kept_bodies(&app);
    assert!(kept.contains("idempotent_secret_not_kept"), "{kept}");
    for secret in [&first_secret, &rotated_secret] {
        assert!(!kept.contains(secret.as_str()), "a secret was stored");
    }

    // A disabled user's retry is refused before any replay.
    let me = app.get("/api/v1/me", &admin).await.expect(200);
    let uid = me.body["subject"]
        .as_str()
        .unwrap()
        .trim_start_matches("user:")
        .to_owned();
    let raise = raise_body("service_id", "SVC-A", "degraded");
    let key = [("Idempotency-Key", "raise-then-disabled")];
    app.post_with("/api/v1/incidents", &admin, raise.clone(), &key)
        .await
        .expect(201);
    let staff = app.admin_token().await;
    app.send(
        Method::PATCH,
        &format!("/api/v1/users/{uid}"),
        Some(&staff),
        Some(json!({"status": "disabled"})),
        &[],
    )
    .await
    .expect(200);
    app.post_with("/api/v1/incidents", &admin, raise, &key)
        .await
        .expect_problem(401, "invalid_token");
}
