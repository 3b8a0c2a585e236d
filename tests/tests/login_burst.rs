//! Issue 20: a burst of concurrent bad sign-ins for one account from one address costs no more
//! argon2 checks than the configured limit. Its own test binary: the count of argon2 runs is
//! per process, so nothing else may sign in meanwhile (both backends run one after the other).

use futures_util::future::join_all;
use serde_json::json;
use tests::TestApp;

async fn burst(app: TestApp) {
    let limit = app.settings.login_limits.failures as usize;
    let before = app::accounts::secrets::argon2_runs();
    let attempts = (0..100).map(|_| {
        app.send(
            actix_web::http::Method::POST,
            "/api/v1/auth/token",
            None,
            Some(json!({"grant_type": "password", "email": tests::ADMIN_EMAIL, "password": "not the password"})),
            &[],
        )
    });
    let replies = join_all(attempts).await;
    let checks = (app::accounts::secrets::argon2_runs() - before) as usize;
    let refused = replies.iter().filter(|r| r.status == 429).count();
    let wrong = replies.iter().filter(|r| r.status == 401).count();
    assert_eq!(refused + wrong, 100, "only 401 and 429");
    assert!(
        checks <= limit,
        "{checks} argon2 checks for a limit of {limit}"
    );
    assert_eq!(
        wrong, checks,
        "every checked attempt is a 401, every other a 429"
    );
}

#[actix_web::test]
async fn a_burst_of_bad_sign_ins_costs_at_most_the_limit_in_checks() {
    burst(TestApp::sqlite().await).await;
    burst(TestApp::postgres().await).await;
}
