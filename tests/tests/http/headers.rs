//! Issue 20: security headers on every answer, HSTS only when configured.

use tests::{on_both_backends, test_settings, TestApp};

on_both_backends!(every_answer_carries_the_security_headers);

async fn every_answer_carries_the_security_headers(app: TestApp) {
    let admin = app.admin_token().await;
    let ok = app.get("/api/v1/me", &admin).await.expect(200);
    let refused = app.get("/api/v1/me", "not-a-token").await.expect(401);
    let unrouted = app.get("/api/v1/no-such-thing", &admin).await.expect(404);
    for reply in [&ok, &refused, &unrouted] {
        assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(reply.header("x-frame-options"), Some("DENY"));
        assert_eq!(reply.header("referrer-policy"), Some("no-referrer"));
        assert_eq!(
            reply.header("content-security-policy"),
            Some("default-src 'none'; frame-ancestors 'none'")
        );
        assert_eq!(
            reply.header("strict-transport-security"),
            None,
            "not without TLS"
        );
    }
    let ui = app
        .client
        .get(format!("{}/swagger-ui/", app.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(ui.status().as_u16(), 200);
    let policy = ui
        .headers()
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    // Swagger UI runs its own scripts, from this host only, reaches no other host, and is never
    // framed.
    for directive in [
        "default-src 'self'",
        "script-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(policy.contains(directive), "{directive} in {policy}");
    }
    assert!(!policy.contains("unsafe-eval"), "{policy}");
    assert_eq!(ui.headers().get("x-frame-options").unwrap(), "DENY");
    assert_eq!(
        ui.headers().get("x-content-type-options").unwrap(),
        "nosniff"
    );

    let mut settings = test_settings();
    settings.hsts_max_age = Some(31_536_000);
    let app = app.restart(settings).await;
    let admin = app.admin_token().await;
    assert_eq!(
        app.get("/api/v1/me", &admin)
            .await
            .expect(200)
            .header("strict-transport-security"),
        Some("max-age=31536000; includeSubDomains")
    );
}
