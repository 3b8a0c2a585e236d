//! R-AUTH2 and account management: self-registration with approval, company administration,
//! revocation of tokens, login throttling.

use actix_web::http::Method;
use domain::Role;
use serde_json::json;
use tests::sinks::SmtpSink;
use tests::{on_both_backends, test_settings, TestApp};

on_both_backends!(
    registration_is_pending_until_approved_by_the_right_admin,
    registration_reveals_nothing_about_existing_accounts,
    disabled_users_and_revoked_clients_lose_their_tokens,
    role_changes_and_secret_rotation,
    repeated_failed_logins_are_throttled_not_locked_forever,
    behind_a_trusted_proxy_one_clients_failures_lock_out_no_other,
);

fn registration(ocn: &str, email: &str) -> serde_json::Value {
    json!({"customer_number": ocn, "name": "Dana Example", "email": email, "password": "correct horse battery 9"})
}

/// The code in the verification mail sent to `to`, as its reader copies it.
fn mailed_code(smtp: &SmtpSink, to: &str) -> String {
    let mail = smtp
        .messages()
        .into_iter()
        .find(|m| m.to == to && m.subject == "Please verify your email for your account request")
        .unwrap_or_else(|| panic!("no verification mail to {to}: {:?}", smtp.messages()));
    assert!(
        !mail.body.contains("Dana"),
        "no registrant's text in our mail"
    );
    mail.code()
}

async fn verify(app: &TestApp, code: &str) -> tests::Reply {
    app.send(
        Method::POST,
        "/api/v1/registrations/verifications",
        None,
        Some(json!({"token": code})),
        &[],
    )
    .await
}

async fn registration_is_pending_until_approved_by_the_right_admin(app: TestApp) {
    let smtp = SmtpSink::start();
    let mut settings = test_settings();
    settings.notify.smtp = Some(smtp.settings());
    let app = app.restart(settings).await;
    let (_, _, _) = app.two_tenants().await;
    let reply = app
        .send(
            Method::POST,
            "/api/v1/registrations",
            None,
            Some(registration("OCN-1001", "dana@acme.example")),
            &[],
        )
        .await
        .expect(202);
    assert_eq!(reply.body["status"], "pending_approval");
    // Pending answers exactly as a wrong password does (no oracle for who registered what).
    let pending = app
        .login("dana@acme.example", "correct horse battery 9")
        .await
        .expect_problem(401, "invalid_credentials");
    let wrong = app
        .login("nobody@acme.example", "correct horse battery 9")
        .await
        .expect_problem(401, "invalid_credentials");
    assert_eq!(pending.body, wrong.body);

    let acme_admin = app.token_for(Role::CustomerAdmin, Some("OCN-1001"));
    let globex_admin = app.token_for(Role::CustomerAdmin, Some("OCN-2002"));
    let listed = app
        .get("/api/v1/registrations", &acme_admin)
        .await
        .expect(200);
    let items = listed.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    let id = items[0]["id"].as_i64().unwrap();
    assert!(app
        .get("/api/v1/registrations", &globex_admin)
        .await
        .expect(200)
        .body["items"]
        .as_array()
        .unwrap()
        .is_empty());
    app.post(
        &format!("/api/v1/registrations/{id}/approve"),
        &globex_admin,
        json!({}),
    )
    .await
    .expect_problem(404, "not_found");
    app.post(
        &format!("/api/v1/registrations/{id}/approve"),
        &app.token_for(Role::CustomerUser, Some("OCN-1001")),
        json!({}),
    )
    .await
    .expect_problem(403, "forbidden");
    // Issue 20: anyone can type a colleague's address, so the address must answer first.
    assert_eq!(items[0]["email_verified_at"], serde_json::Value::Null);
    app.post(
        &format!("/api/v1/registrations/{id}/approve"),
        &acme_admin,
        json!({}),
    )
    .await
    .expect_problem(409, "email_not_verified");
    app.dispatch(chrono::Utc::now()).await;
    let code = mailed_code(&smtp, "dana@acme.example");
    verify(&app, "1.1.0123456789abcdef0123456789abcdef")
        .await
        .expect_problem(404, "not_found");
    let verified = verify(&app, &code).await.expect(200);
    assert_eq!(verified.body["email"], "dana@acme.example");
    assert_eq!(verified.body["status"], "pending_approval");
    verify(&app, &code).await.expect(200);
    // Issue 16: its approvers hear that it awaits them, once, and nobody else does.
    app.dispatch(chrono::Utc::now()).await;
    let awaiting: Vec<_> = smtp
        .messages()
        .into_iter()
        .filter(|m| m.subject == "An account request awaits your approval")
        .collect();
    assert_eq!(awaiting.len(), 1, "{awaiting:?}");
    assert_eq!(awaiting[0].to, "customer_admin-ocn-1001@tokens.test");
    assert!(awaiting[0]
        .body
        .contains(&format!("/api/v1/registrations/{id}/approve")));
    let approved = app
        .post(
            &format!("/api/v1/registrations/{id}/approve"),
            &acme_admin,
            json!({}),
        )
        .await
        .expect(200);
    assert!(approved.body["email_verified_at"].is_string());
    // The code is spent once the registration is decided.
    verify(&app, &code).await.expect_problem(404, "not_found");
    assert_eq!(approved.body["status"], "active");
    assert_eq!(approved.body["role"], "customer_user");
    app.login("dana@acme.example", "correct horse battery 9")
        .await
        .expect(200);
    app.post(
        &format!("/api/v1/registrations/{id}/approve"),
        &acme_admin,
        json!({}),
    )
    .await
    .expect_problem(404, "not_found");

    // Rejection, with a reason; the account never signs in.
    app.send(
        Method::POST,
        "/api/v1/registrations",
        None,
        Some(registration("OCN-1001", "eve@acme.example")),
        &[],
    )
    .await
    .expect(202);
    let id = app
        .get("/api/v1/registrations", &acme_admin)
        .await
        .expect(200)
        .body["items"][0]["id"]
        .as_i64()
        .unwrap();
    app.post(
        &format!("/api/v1/registrations/{id}/reject"),
        &acme_admin,
        json!({"reason": ""}),
    )
    .await
    .expect_problem(422, "validation_failed");
    let rejected = app
        .post(
            &format!("/api/v1/registrations/{id}/reject"),
            &acme_admin,
            json!({"reason": "Not an employee"}),
        )
        .await
        .expect(200);
    assert_eq!(rejected.body["status"], "rejected");
    assert_eq!(rejected.body["status_reason"], "Not an employee");
    app.login("eve@acme.example", "correct horse battery 9")
        .await
        .expect_problem(401, "invalid_credentials");
}

async fn registration_reveals_nothing_about_existing_accounts(app: TestApp) {
    app.two_tenants().await;
    let answers = [
        registration("OCN-1001", "new@acme.example"),
        registration("OCN-1001", "admin@test.example"), // existing email
        registration("OCN-9999", "ghost@nowhere.example"), // unknown customer
    ];
    let mut bodies = Vec::new();
    for body in answers {
        let reply = app
            .send(Method::POST, "/api/v1/registrations", None, Some(body), &[])
            .await
            .expect(202);
        bodies.push(reply.body);
    }
    assert!(
        bodies.windows(2).all(|w| w[0] == w[1]),
        "identical answers: {bodies:?}"
    );
    // Password rules are stated and enforced.
    let mut weak = registration("OCN-1001", "weak@acme.example");
    weak["password"] = json!("onlyletterslong");
    let reply = app
        .send(Method::POST, "/api/v1/registrations", None, Some(weak), &[])
        .await
        .expect_problem(422, "validation_failed");
    assert_eq!(reply.body["errors"][0]["field"], "password");
    // The existing admin is unaffected.
    app.login(tests::ADMIN_EMAIL, tests::ADMIN_PASSWORD)
        .await
        .expect(200);
}

async fn disabled_users_and_revoked_clients_lose_their_tokens(app: TestApp) {
    let (admin, _, _) = app.two_tenants().await;
    let acme_admin = app.token_for(Role::CustomerAdmin, Some("OCN-1001"));
    let user = app
        .post("/api/v1/users", &acme_admin, json!({"email": "fred@acme.example", "name": "Fred", "password": "correct horse battery 9", "role": "customer_user"}))
        .await
        .expect(201);
    let uid = user.body["id"].as_i64().unwrap();
    let token = app
        .login("fred@acme.example", "correct horse battery 9")
        .await
        .expect(200)
        .body["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    app.get("/api/v1/me", &token).await.expect(200);
    let users = app.get("/api/v1/users", &acme_admin).await.expect(200);
    assert!(users.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["customer_number"] == "OCN-1001"));
    let globex_admin = app.token_for(Role::CustomerAdmin, Some("OCN-2002"));
    app.send(
        Method::PATCH,
        &format!("/api/v1/users/{uid}"),
        Some(&globex_admin),
        Some(json!({"status": "disabled"})),
        &[],
    )
    .await
    .expect_problem(404, "not_found");
    let disabled = app
        .send(
            Method::PATCH,
            &format!("/api/v1/users/{uid}"),
            Some(&acme_admin),
            Some(json!({"status": "disabled", "reason": "Left"})),
            &[],
        )
        .await
        .expect(200);
    assert_eq!(disabled.body["status"], "disabled");
    app.get("/api/v1/me", &token)
        .await
        .expect_problem(401, "invalid_token");
    app.login("fred@acme.example", "correct horse battery 9")
        .await
        .expect_problem(401, "invalid_credentials");
    app.send(
        Method::PATCH,
        &format!("/api/v1/users/{uid}"),
        Some(&acme_admin),
        Some(json!({"status": "active"})),
        &[],
    )
    .await
    .expect(200);
    app.get("/api/v1/me", &token).await.expect(200);

    let client = app
        .post(
            "/api/v1/api-clients",
            &acme_admin,
            json!({"name": "ServiceNow", "role": "customer_user"}),
        )
        .await
        .expect(201);
    let (cid, secret) = (
        client.body["client_id"].as_str().unwrap().to_owned(),
        client.body["client_secret"].as_str().unwrap().to_owned(),
    );
    let grant =
        json!({"grant_type": "client_credentials", "client_id": cid, "client_secret": secret});
    let ctoken = app
        .send(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(grant.clone()),
            &[],
        )
        .await
        .expect(200)
        .body["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    app.get("/api/v1/incidents", &ctoken).await.expect(200);
    let clients = app
        .get("/api/v1/api-clients", &acme_admin)
        .await
        .expect(200);
    assert_eq!(clients.body.as_array().unwrap().len(), 1);
    assert!(clients.body[0].get("client_secret").is_none());
    assert!(app
        .get("/api/v1/api-clients", &globex_admin)
        .await
        .expect(200)
        .body
        .as_array()
        .unwrap()
        .is_empty());
    app.send(
        Method::DELETE,
        &format!("/api/v1/api-clients/{cid}"),
        Some(&globex_admin),
        None,
        &[],
    )
    .await
    .expect_problem(404, "not_found");
    app.send(
        Method::DELETE,
        &format!("/api/v1/api-clients/{cid}"),
        Some(&acme_admin),
        None,
        &[],
    )
    .await
    .expect(204);
    app.get("/api/v1/incidents", &ctoken)
        .await
        .expect_problem(401, "invalid_token");
    app.send(Method::POST, "/api/v1/auth/token", None, Some(grant), &[])
        .await
        .expect_problem(401, "invalid_credentials");
    let _ = admin;
}

async fn role_changes_and_secret_rotation(app: TestApp) {
    let (_, _, _) = app.two_tenants().await;
    let acme_admin = app.token_for(Role::CustomerAdmin, Some("OCN-1001"));
    let user = app
        .post("/api/v1/users", &acme_admin, json!({"email": "gina@acme.example", "name": "Gina", "password": "correct horse battery 9", "role": "customer_user"}))
        .await
        .expect(201);
    let uid = user.body["id"].as_i64().unwrap();
    let old_token = app
        .login("gina@acme.example", "correct horse battery 9")
        .await
        .expect(200)
        .body["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    app.send(
        Method::PATCH,
        &format!("/api/v1/users/{uid}"),
        Some(&acme_admin),
        Some(json!({"role": "agent"})),
        &[],
    )
    .await
    .expect_problem(403, "forbidden");
    let promoted = app
        .send(
            Method::PATCH,
            &format!("/api/v1/users/{uid}"),
            Some(&acme_admin),
            Some(json!({"role": "customer_admin"})),
            &[],
        )
        .await
        .expect(200);
    assert_eq!(promoted.body["role"], "customer_admin");
    // The token still says customer_user: it must be renewed.
    app.get("/api/v1/me", &old_token)
        .await
        .expect_problem(401, "invalid_token");
    let new_token = app
        .login("gina@acme.example", "correct horse battery 9")
        .await
        .expect(200)
        .body["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.get("/api/v1/me", &new_token).await.expect(200).body["role"],
        "customer_admin"
    );
    // Nobody changes their own account.
    let me_id = app.get("/api/v1/me", &acme_admin).await.expect(200).body["subject"]
        .as_str()
        .unwrap()
        .trim_start_matches("user:")
        .to_owned();
    app.send(
        Method::PATCH,
        &format!("/api/v1/users/{me_id}"),
        Some(&acme_admin),
        Some(json!({"status": "disabled"})),
        &[],
    )
    .await
    .expect_problem(403, "forbidden");

    let client = app
        .post(
            "/api/v1/api-clients",
            &acme_admin,
            json!({"name": "Jira", "role": "customer_user"}),
        )
        .await
        .expect(201);
    let cid = client.body["client_id"].as_str().unwrap().to_owned();
    let old_secret = client.body["client_secret"].as_str().unwrap().to_owned();
    let grant =
        |s: &str| json!({"grant_type": "client_credentials", "client_id": cid, "client_secret": s});
    let issued_before = app
        .send(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(grant(&old_secret)),
            &[],
        )
        .await
        .expect(200)
        .body["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    app.get("/api/v1/me", &issued_before).await.expect(200);
    let rotated = app
        .post(
            &format!("/api/v1/api-clients/{cid}/rotate-secret"),
            &acme_admin,
            json!({}),
        )
        .await
        .expect(200);
    let new_secret = rotated.body["client_secret"].as_str().unwrap().to_owned();
    assert_ne!(old_secret, new_secret);
    // Rotation also ends the tokens issued with the old secret, on this instance and another.
    app.get("/api/v1/me", &issued_before)
        .await
        .expect_problem(401, "invalid_token");
    app.second_instance()
        .await
        .get("/api/v1/me", &issued_before)
        .await
        .expect_problem(401, "invalid_token");
    app.send(
        Method::POST,
        "/api/v1/auth/token",
        None,
        Some(grant(&old_secret)),
        &[],
    )
    .await
    .expect_problem(401, "invalid_credentials");
    let issued_after = app
        .send(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(grant(&new_secret)),
            &[],
        )
        .await
        .expect(200)
        .body["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    app.get("/api/v1/me", &issued_after).await.expect(200);
}

async fn repeated_failed_logins_are_throttled_not_locked_forever(app: TestApp) {
    app.two_tenants().await;
    for _ in 0..5 {
        app.login(tests::ADMIN_EMAIL, "wrong password 1")
            .await
            .expect_problem(401, "invalid_credentials");
    }
    let throttled = app
        .login(tests::ADMIN_EMAIL, "wrong password 1")
        .await
        .expect_problem(429, "too_many_attempts");
    let retry: i64 = throttled.header("retry-after").unwrap().parse().unwrap();
    assert!(retry >= 1);
    // Even the right password waits while throttled.
    app.login(tests::ADMIN_EMAIL, tests::ADMIN_PASSWORD)
        .await
        .expect_problem(429, "too_many_attempts");
    // Another account from the same address is not affected yet.
    app.login("nobody@test.example", "wrong password 1")
        .await
        .expect_problem(401, "invalid_credentials");
    // The test configuration locks for 1 s, doubling per extra failure (2 s after the 6th).
    actix_web::rt::time::sleep(std::time::Duration::from_millis(2200)).await;
    app.login(tests::ADMIN_EMAIL, tests::ADMIN_PASSWORD)
        .await
        .expect(200);
    // Success clears the account's count.
    app.login(tests::ADMIN_EMAIL, "wrong password 1")
        .await
        .expect_problem(401, "invalid_credentials");
}

/// Issue 20: behind a load balancer every connection comes from its address. With the balancer in
/// `TRUSTED_PROXIES` the forwarded client address is what the per-address limit counts, so one
/// client's failures lock out no other; without it the header is not believed.
async fn behind_a_trusted_proxy_one_clients_failures_lock_out_no_other(app: TestApp) {
    async fn attempt(app: &TestApp, email: &str, password: &str, client: &str) -> tests::Reply {
        app.send(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(json!({"grant_type": "password", "email": email, "password": password})),
            &[("X-Forwarded-For", client)],
        )
        .await
    }
    let mut settings = tests::test_settings();
    settings.login_limits = api::config::login_limits(5, 60);
    settings.trusted_proxies =
        api::http::client_address::TrustedProxies::parse("127.0.0.1").unwrap();
    let app = app.restart(settings.clone()).await;
    let per_address = 4 * 5;
    // Client A tries many accounts (none of them locked on its own) until its address is.
    for n in 0..per_address {
        attempt(
            &app,
            &format!("nobody{n}@acme.example"),
            "wrong password",
            "198.51.100.1",
        )
        .await
        .expect_problem(401, "invalid_credentials");
    }
    attempt(
        &app,
        "nobody-more@acme.example",
        "wrong password",
        "198.51.100.1",
    )
    .await
    .expect_problem(429, "too_many_attempts");
    // Client B, through the same balancer, signs in.
    attempt(
        &app,
        tests::ADMIN_EMAIL,
        tests::ADMIN_PASSWORD,
        "198.51.100.2",
    )
    .await
    .expect(200);

    // Without the balancer trusted, the header is ignored: everyone shares the connection's
    // address, and a client cannot pick a fresh one by sending the header.
    settings.trusted_proxies = Default::default();
    let app = app.restart(settings).await;
    for n in 0..per_address {
        attempt(
            &app,
            &format!("other{n}@acme.example"),
            "wrong password",
            "198.51.100.3",
        )
        .await
        .expect_problem(401, "invalid_credentials");
    }
    attempt(
        &app,
        tests::ADMIN_EMAIL,
        tests::ADMIN_PASSWORD,
        "198.51.100.4",
    )
    .await
    .expect_problem(429, "too_many_attempts");
}
