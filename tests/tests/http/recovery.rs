//! Issue 16, accounts people can recover: a password reset by email through a real SMTP
//! server, a password change that signs other sessions out, and no answer that tells whether
//! an address has an account.

use actix_web::http::Method;
use chrono::Utc;
use domain::Role;
use serde_json::json;
use tests::sinks::SmtpSink;
use tests::{on_both_backends, test_settings, TestApp};

on_both_backends!(
    a_forgotten_password_is_reset_by_mail_once,
    a_password_change_signs_other_sessions_out,
);

const RESET_SUBJECT: &str = "Your password reset code";

async fn with_smtp(app: TestApp) -> (TestApp, SmtpSink) {
    let smtp = SmtpSink::start();
    let mut settings = test_settings();
    settings.notify.smtp = Some(smtp.settings());
    (app.restart(settings).await, smtp)
}

/// A real account of Acme's, signed in: (user id, token).
async fn acme_user(app: &TestApp, email: &str, password: &str) -> (i64, String) {
    let admin = app.admin_token().await;
    let user = app
        .post(
            "/api/v1/users",
            &admin,
            json!({"email": email, "name": "Dana",
            "password": password, "role": "customer_user", "customer_number": "OCN-1001"}),
        )
        .await
        .expect(201);
    let token = app.token_of(email, password).await;
    (user.body["id"].as_i64().unwrap(), token)
}

async fn ask_reset(app: &TestApp, email: &str) -> tests::Reply {
    app.send(
        Method::POST,
        "/api/v1/password-resets",
        None,
        Some(json!({"email": email})),
        &[],
    )
    .await
}

async fn confirm(app: &TestApp, token: &str, password: &str) -> tests::Reply {
    app.send(
        Method::POST,
        "/api/v1/password-resets/confirmations",
        None,
        Some(json!({"token": token, "new_password": password})),
        &[],
    )
    .await
}

async fn a_forgotten_password_is_reset_by_mail_once(app: TestApp) {
    let (app, smtp) = with_smtp(app).await;
    app.two_tenants().await;
    let (_, session) = acme_user(&app, "dana@acme.example", "correct horse battery 9").await;
    // An account, no account, a pending registration: the same answer, byte for byte.
    app.send(Method::POST, "/api/v1/registrations", None,
        Some(json!({"customer_number": "OCN-1001", "name": "Pending", "email": "pending@acme.example",
                    "password": "correct horse battery 9"})), &[])
        .await
        .expect(202);
    let known = ask_reset(&app, "Dana@Acme.example").await.expect(202);
    for other in ["nobody@acme.example", "pending@acme.example"] {
        let unknown = ask_reset(&app, other).await.expect(202);
        assert_eq!(unknown.body, known.body);
        assert_eq!(unknown.headers.len(), known.headers.len());
    }
    app.dispatch(Utc::now()).await;
    let resets: Vec<_> = smtp
        .messages()
        .into_iter()
        .filter(|m| m.subject == RESET_SUBJECT)
        .collect();
    assert_eq!(
        resets.len(),
        1,
        "only the active account gets a code: {resets:?}"
    );
    assert_eq!(resets[0].to, "dana@acme.example");
    let code = resets[0].code();

    // A forged or weak attempt changes nothing.
    confirm(
        &app,
        "1.1.0123456789abcdef0123456789abcdef",
        "another good pass 7",
    )
    .await
    .expect_problem(404, "not_found");
    confirm(&app, &code, "short")
        .await
        .expect_problem(422, "validation_failed");
    app.login("dana@acme.example", "correct horse battery 9")
        .await
        .expect(200);
    // The reset: the new password works, the old does not, the code is spent, sessions end.
    confirm(&app, &code, "another good pass 7")
        .await
        .expect(204);
    app.login("dana@acme.example", "another good pass 7")
        .await
        .expect(200);
    app.login("dana@acme.example", "correct horse battery 9")
        .await
        .expect_problem(401, "invalid_credentials");
    confirm(&app, &code, "a third good pass 8")
        .await
        .expect_problem(404, "not_found");
    app.get("/api/v1/me", &session)
        .await
        .expect_problem(401, "invalid_token");
    app.dispatch(Utc::now()).await;
    let notice: Vec<_> = smtp
        .messages()
        .into_iter()
        .filter(|m| m.subject == "Your password was changed")
        .collect();
    assert_eq!(notice.len(), 1, "{notice:?}");
    assert!(
        notice[0].body.contains("reset with a mailed code"),
        "{:?}",
        notice[0].body
    );

    // A code asked for before a change is void after it.
    ask_reset(&app, "dana@acme.example").await.expect(202);
    app.dispatch(Utc::now()).await;
    let second = smtp
        .messages()
        .into_iter()
        .filter(|m| m.subject == RESET_SUBJECT)
        .nth(1)
        .expect("a second code")
        .code();
    let token = app
        .token_of("dana@acme.example", "another good pass 7")
        .await;
    app.post(
        "/api/v1/me/password",
        &token,
        json!({"current_password": "another good pass 7", "new_password": "yet another pass 9"}),
    )
    .await
    .expect(200);
    confirm(&app, &second, "a fourth good pass 1")
        .await
        .expect_problem(404, "not_found");
}

async fn a_password_change_signs_other_sessions_out(app: TestApp) {
    let (app, smtp) = with_smtp(app).await;
    app.two_tenants().await;
    let (_, laptop) = acme_user(&app, "erin@acme.example", "correct horse battery 9").await;
    let phone = app
        .token_of("erin@acme.example", "correct horse battery 9")
        .await;
    app.post(
        "/api/v1/me/password",
        &laptop,
        json!({"current_password": "not my password 1", "new_password": "staple of 4 horses"}),
    )
    .await
    .expect_problem(422, "validation_failed");
    app.post(
        "/api/v1/me/password",
        &laptop,
        json!({"current_password": "correct horse battery 9", "new_password": "erin@acme.example"}),
    )
    .await
    .expect_problem(422, "validation_failed");
    let changed = app
        .post("/api/v1/me/password", &laptop,
            json!({"current_password": "correct horse battery 9", "new_password": "staple of 4 horses"}))
        .await
        .expect(200);
    assert_eq!(changed.header("cache-control"), Some("no-store"));
    let fresh = changed.body["access_token"].as_str().unwrap().to_owned();
    app.get("/api/v1/me", &fresh).await.expect(200);
    for old in [&laptop, &phone] {
        app.get("/api/v1/me", old)
            .await
            .expect_problem(401, "invalid_token");
    }
    app.login("erin@acme.example", "staple of 4 horses")
        .await
        .expect(200);
    // An API client has no password to change.
    let acme_admin = app.token_for(Role::CustomerAdmin, Some("OCN-1001"));
    let client = app
        .post(
            "/api/v1/api-clients",
            &acme_admin,
            json!({"name": "ServiceNow", "role": "customer_user"}),
        )
        .await
        .expect(201);
    let grant = json!({"grant_type": "client_credentials",
        "client_id": client.body["client_id"], "client_secret": client.body["client_secret"]});
    let machine = app
        .send(Method::POST, "/api/v1/auth/token", None, Some(grant), &[])
        .await
        .expect(200)
        .body["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post(
        "/api/v1/me/password",
        &machine,
        json!({"current_password": "whatever it is 1", "new_password": "staple of 5 horses"}),
    )
    .await
    .expect_problem(404, "not_found");
    app.dispatch(Utc::now()).await;
    assert!(smtp
        .messages()
        .iter()
        .any(|m| m.to == "erin@acme.example" && m.subject == "Your password was changed"));
}
