//! R-AUTH1/3/4 and role checks: tokens from both grants, token validation, account creation.

use actix_web::http::Method;
use domain::Role;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::json;
use tests::{on_both_backends, TestApp, ADMIN_EMAIL};

on_both_backends!(
    password_grant_issues_a_bearer_token_that_identifies_the_caller,
    wrong_password_and_unknown_email_are_the_same_401,
    client_credentials_grant_works_and_secret_is_shown_once,
    tampered_expired_and_foreign_tokens_are_401,
    tokens_signed_with_the_published_development_secret_are_401,
    customer_roles_cannot_administer_inventory,
    customer_admin_manages_only_own_company_accounts,
    duplicate_email_is_a_conflict,
    overlong_credentials_are_422_before_any_check,
    the_token_endpoint_takes_the_oauth2_form,
);

async fn password_grant_issues_a_bearer_token_that_identifies_the_caller(app: TestApp) {
    let reply = app
        .login(ADMIN_EMAIL, tests::ADMIN_PASSWORD)
        .await
        .expect(200);
    assert_eq!(reply.body["token_type"], "Bearer");
    assert_eq!(reply.body["expires_in"], 3600);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let token = reply.body["access_token"].as_str().unwrap();
    let me = app.get("/api/v1/me", token).await.expect(200);
    assert_eq!(me.body["role"], "admin");
    assert_eq!(me.body["kind"], "user");
    assert_eq!(me.body["email"], ADMIN_EMAIL);
    assert!(me.body["customer_number"].is_null());
    // Emails are case-insensitive.
    app.login(&ADMIN_EMAIL.to_uppercase(), tests::ADMIN_PASSWORD)
        .await
        .expect(200);
}

async fn wrong_password_and_unknown_email_are_the_same_401(app: TestApp) {
    let wrong = app
        .login(ADMIN_EMAIL, "not-the-password")
        .await
        .expect_problem(401, "invalid_credentials");
    let unknown = app
        .login("nobody@test.example", "not-the-password")
        .await
        .expect_problem(401, "invalid_credentials");
    assert_eq!(wrong.body["detail"], unknown.body["detail"]);
    // A grant type that does not exist is a field error, not a crash.
    let refused = app
        .send(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(json!({"grant_type": "implicit"})),
            &[],
        )
        .await
        .expect_problem(422, "validation_failed");
    assert_eq!(refused.body["errors"][0]["field"], "grant_type");
    // A field of the other grant is refused rather than ignored.
    app.send(
        Method::POST,
        "/api/v1/auth/token",
        None,
        Some(json!({"grant_type": "password", "email": ADMIN_EMAIL, "password": "x", "client_id": "c"})),
        &[],
    )
    .await
    .expect_problem(422, "invalid_body");
}

async fn client_credentials_grant_works_and_secret_is_shown_once(app: TestApp) {
    let admin = app.admin_token().await;
    app.create_customer(&admin, "OCN-1001").await;
    let created = app
        .post(
            "/api/v1/api-clients",
            &admin,
            json!({"name": "Acme ServiceNow", "role": "customer_user", "customer_number": "OCN-1001"}),
        )
        .await
        .expect(201);
    let id = created.body["client_id"].as_str().unwrap().to_owned();
    let secret = created.body["client_secret"].as_str().unwrap().to_owned();
    assert!(secret.len() >= 32);
    let grant = |secret: String| json!({"grant_type": "client_credentials", "client_id": id.clone(), "client_secret": secret});
    let token = app
        .send(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(grant(secret.clone())),
            &[],
        )
        .await
        .expect(200);
    let token = token.body["access_token"].as_str().unwrap();
    let me = app.get("/api/v1/me", token).await.expect(200);
    assert_eq!(me.body["kind"], "api_client");
    assert_eq!(me.body["customer_number"], "OCN-1001");
    assert_eq!(me.body["role"], "customer_user");
    app.send(
        Method::POST,
        "/api/v1/auth/token",
        None,
        Some(grant("wrong".into())),
        &[],
    )
    .await
    .expect_problem(401, "invalid_credentials");
    // The stored secret is a hash: it is never the secret itself.
    let stored = app
        .db
        .read(|conn| persistence::accounts::find_api_client(conn, &id))
        .unwrap()
        .unwrap();
    assert!(stored.1.starts_with("$argon2id$") && !stored.1.contains(&secret));
}

fn forge(claims: serde_json::Value, key: &str, alg: Algorithm) -> String {
    encode(
        &Header::new(alg),
        &claims,
        &EncodingKey::from_secret(key.as_bytes()),
    )
    .unwrap()
}

async fn tokens_signed_with_the_published_development_secret_are_401(app: TestApp) {
    let now = chrono::Utc::now().timestamp();
    let admin = json!({"sub": "user:1", "role": "admin", "iss": "service-assurance",
        "aud": "service-assurance-api", "iat": now, "exp": now + 600});
    let forged = forge(admin, api::config::PUBLISHED_DEV_SECRET, Algorithm::HS256);
    app.get("/api/v1/me", &forged)
        .await
        .expect_problem(401, "invalid_token");
    // And no configuration accepts that secret.
    let dir = tempfile::tempdir().unwrap();
    let refused = api::config::jwt_secret(
        Some(api::config::PUBLISHED_DEV_SECRET.into()),
        "127.0.0.1:8080",
        &dir.path().join("jwt-secret"),
    );
    assert!(refused.is_err());
}

async fn tampered_expired_and_foreign_tokens_are_401(app: TestApp) {
    let secret = api::config::JwtConfig::for_tests().secret;
    let now = chrono::Utc::now().timestamp();
    let claims = |exp: i64, aud: &str, iss: &str| json!({"sub": "user:1", "role": "admin", "iss": iss, "aud": aud, "iat": now, "exp": exp});
    let good = forge(
        claims(now + 600, "service-assurance-api", "service-assurance"),
        &secret,
        Algorithm::HS256,
    );
    app.get("/api/v1/me", &good).await.expect(200);

    let expired = forge(
        claims(now - 600, "service-assurance-api", "service-assurance"),
        &secret,
        Algorithm::HS256,
    );
    app.get("/api/v1/me", &expired)
        .await
        .expect_problem(401, "token_expired");

    let wrong_key = forge(
        claims(now + 600, "service-assurance-api", "service-assurance"),
        "another-secret-that-is-long-enough-0123",
        Algorithm::HS256,
    );
    let wrong_aud = forge(
        claims(now + 600, "other-api", "service-assurance"),
        &secret,
        Algorithm::HS256,
    );
    let wrong_iss = forge(
        claims(now + 600, "service-assurance-api", "evil"),
        &secret,
        Algorithm::HS256,
    );
    let other_alg = forge(
        claims(now + 600, "service-assurance-api", "service-assurance"),
        &secret,
        Algorithm::HS512,
    );
    // alg: none — an unsigned token with a valid-looking payload.
    let b64 = |v: serde_json::Value| {
        use base64_like::encode_url;
        encode_url(v.to_string().as_bytes())
    };
    let none = format!(
        "{}.{}.",
        b64(json!({"alg": "none", "typ": "JWT"})),
        b64(claims(
            now + 600,
            "service-assurance-api",
            "service-assurance"
        ))
    );
    let mut tampered = good.clone();
    tampered.insert(tampered.len() / 2, 'x');
    for token in [
        wrong_key,
        wrong_aud,
        wrong_iss,
        other_alg,
        none,
        tampered,
        "garbage".into(),
    ] {
        let reply = app.get("/api/v1/me", &token).await;
        let reply = reply.expect_problem(401, "invalid_token");
        assert!(reply
            .header("www-authenticate")
            .unwrap()
            .starts_with("Bearer"));
    }
    app.send(Method::GET, "/api/v1/me", None, None, &[])
        .await
        .expect_problem(401, "unauthorized");
    app.send(
        Method::GET,
        "/api/v1/me",
        None,
        None,
        &[("Authorization", "Basic YTpi")],
    )
    .await
    .expect_problem(401, "unauthorized");
}

/// Minimal base64url without padding, for hand-made JWTs.
mod base64_like {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    pub fn encode_url(input: &[u8]) -> String {
        let mut out = String::new();
        for chunk in input.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            let chars = chunk.len() + 1;
            for i in 0..chars {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        out
    }
}

async fn customer_roles_cannot_administer_inventory(app: TestApp) {
    let admin = app.admin_token().await;
    app.create_customer(&admin, "OCN-1001").await;
    for role in [Role::CustomerUser, Role::CustomerAdmin, Role::Agent] {
        let customer = role.is_customer_side().then_some("OCN-1001");
        let token = app.token_for(role, customer);
        app.post(
            "/api/v1/customers",
            &token,
            json!({"customer_number": "OCN-9999", "name": "Sneaky"}),
        )
        .await
        .expect_problem(403, "forbidden");
        app.post(
            "/api/v1/services",
            &token,
            json!({"service_id": "SVC-X", "circuit_reference": "X", "order_number": "X",
                   "customer_number": "OCN-1001", "product": "p", "label": "l"}),
        )
        .await
        .expect_problem(403, "forbidden");
    }
    // Nothing was created by the refused calls.
    let list = app.get("/api/v1/customers", &admin).await.expect(200);
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
}

async fn customer_admin_manages_only_own_company_accounts(app: TestApp) {
    let admin = app.admin_token().await;
    app.create_customer(&admin, "OCN-1001").await;
    app.create_customer(&admin, "OCN-2002").await;
    let cadmin = app.token_for(Role::CustomerAdmin, Some("OCN-1001"));
    let user = |email: &str, role: &str, customer: Option<&str>| {
        let mut body = json!({"email": email, "name": "Someone", "password": "long-enough-password", "role": role});
        if let Some(c) = customer {
            body["customer_number"] = json!(c);
        }
        body
    };
    let created = app
        .post(
            "/api/v1/users",
            &cadmin,
            user("dave@acme.example", "customer_user", None),
        )
        .await
        .expect(201);
    assert_eq!(created.body["customer_number"], "OCN-1001");
    assert!(created.body.get("password").is_none() && created.body.get("password_hash").is_none());
    app.login("dave@acme.example", "long-enough-password")
        .await
        .expect(200);

    app.post(
        "/api/v1/users",
        &cadmin,
        user("eve@globex.example", "customer_user", Some("OCN-2002")),
    )
    .await
    .expect_problem(403, "forbidden");
    app.post(
        "/api/v1/users",
        &cadmin,
        user("mallory@acme.example", "agent", None),
    )
    .await
    .expect_problem(403, "forbidden");
    app.post(
        "/api/v1/users",
        &cadmin,
        user("mallory@acme.example", "admin", Some("OCN-1001")),
    )
    .await
    .expect_problem(403, "forbidden");
    // An admin naming a customer for provider staff, or none for a customer role: invalid.
    app.post(
        "/api/v1/users",
        &admin,
        user("h@p.example", "agent", Some("OCN-1001")),
    )
    .await
    .expect_problem(422, "validation_failed");
    app.post(
        "/api/v1/users",
        &admin,
        user("i@p.example", "customer_user", None),
    )
    .await
    .expect_problem(422, "validation_failed");
    let short = json!({"email": "x@acme.example", "name": "X", "password": "short", "role": "customer_user"});
    let reply = app
        .post("/api/v1/users", &cadmin, short)
        .await
        .expect_problem(422, "validation_failed");
    assert_eq!(reply.body["errors"][0]["field"], "password");
    let customer_user = app.token_for(Role::CustomerUser, Some("OCN-1001"));
    app.post(
        "/api/v1/users",
        &customer_user,
        user("f@acme.example", "customer_user", None),
    )
    .await
    .expect_problem(403, "forbidden");
    app.post(
        "/api/v1/users",
        &admin,
        user("g@x.example", "customer_user", Some("OCN-7777")),
    )
    .await
    .expect_problem(422, "validation_failed");
}

async fn duplicate_email_is_a_conflict(app: TestApp) {
    let admin = app.admin_token().await;
    let body = json!({"email": "Agent@Provider.example", "name": "Agent", "password": "long-enough-password", "role": "agent"});
    app.post("/api/v1/users", &admin, body.clone())
        .await
        .expect(201);
    let mut again = body;
    again["email"] = json!("agent@provider.example");
    app.post("/api/v1/users", &admin, again)
        .await
        .expect_problem(409, "email_taken");
}

/// Issue 20: the lengths the schema states for credentials are enforced, before any hashing.
async fn overlong_credentials_are_422_before_any_check(app: TestApp) {
    let long = "x".repeat(1025);
    for (body, field) in [
        (
            json!({"grant_type": "password", "email": format!("{}@acme.example", "a".repeat(250)), "password": "p"}),
            "email",
        ),
        (
            json!({"grant_type": "password", "email": ADMIN_EMAIL, "password": long}),
            "password",
        ),
        (
            json!({"grant_type": "client_credentials", "client_id": "c".repeat(129), "client_secret": "s"}),
            "client_id",
        ),
        (
            json!({"grant_type": "client_credentials", "client_id": "c", "client_secret": long}),
            "client_secret",
        ),
    ] {
        let reply = app
            .send(Method::POST, "/api/v1/auth/token", None, Some(body), &[])
            .await
            .expect_problem(422, "validation_failed");
        assert_eq!(reply.body["errors"][0]["field"], field, "{}", reply.body);
    }
    // Not counted as failures: the admin still signs in.
    app.admin_token().await;
}

/// Swagger UI's Authorize (the OAuth 2.0 password flow) sends the form of RFC 6749 §4.3, with
/// the email as `username`.
async fn the_token_endpoint_takes_the_oauth2_form(app: TestApp) {
    let form = |body: String| {
        let client = app.client.clone();
        let url = format!("{}/api/v1/auth/token", app.base_url);
        async move {
            let mut resp = client
                .post(url)
                .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
                .send_body(body)
                .await
                .expect("sent");
            let body: serde_json::Value =
                serde_json::from_slice(&resp.body().await.expect("body")).expect("JSON");
            (resp.status().as_u16(), body)
        }
    };
    let email = ADMIN_EMAIL.replace('@', "%40");
    let password: String = tests::ADMIN_PASSWORD
        .bytes()
        .map(|b| format!("%{b:02X}"))
        .collect();
    let (status, body) = form(format!(
        "grant_type=password&username={email}&password={password}&scope=&client_id="
    ))
    .await;
    assert_eq!(status, 200, "{body}");
    let token = body["access_token"].as_str().expect("a token");
    app.get("/api/v1/me", token).await.expect(200);
    let (status, body) = form(format!(
        "grant_type=password&username={email}&password=wrong"
    ))
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("invalid_credentials"))
    );
    let (status, body) = form(format!("grant_type=password&username={email}")).await;
    assert_eq!(
        (status, body["errors"][0]["field"].as_str()),
        (422, Some("password"))
    );
    // Neither JSON nor a form: 415.
    let mut resp = app
        .client
        .post(format!("{}/api/v1/auth/token", app.base_url))
        .insert_header(("Content-Type", "text/plain"))
        .send_body("grant_type=password")
        .await
        .expect("sent");
    assert_eq!(resp.status().as_u16(), 415);
    let body: serde_json::Value = serde_json::from_slice(&resp.body().await.unwrap()).unwrap();
    assert_eq!(body["code"], "unsupported_media_type");
}
