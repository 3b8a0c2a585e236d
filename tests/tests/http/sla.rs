//! R-INC6 over HTTP: breached and at-risk filters agree with the SLA shown on each ticket.

use app::incidents::RaiseIncident;
use domain::{Caller, Impact, Reporter, Role, ServiceId, ServiceLocator};
use tests::{on_both_backends, TestApp};

on_both_backends!(breached_and_at_risk_filters_match_ticket_sla);

/// Raises a P1 ticket on SVC-A as if it had been logged `hours_ago`.
fn raise_logged_hours_ago(app: &TestApp, hours_ago: i64) -> String {
    let logged = chrono::Utc::now() - chrono::Duration::minutes(hours_ago * 60);
    let logged = chrono::SubsecRound::trunc_subsecs(logged, 6);
    let desk = Caller::new("test", Role::Agent, None).unwrap();
    app::Store::new(app.db.clone())
        .write(|conn| {
            app::incidents::raise(
                conn,
                &desk,
                RaiseIncident {
                    locator: ServiceLocator::ServiceId(ServiceId::parse("SVC-A").unwrap()),
                    summary: "old".into(),
                    description: "old".into(),
                    impact: Impact::ServiceDown,
                    reporter: Reporter {
                        name: "A".into(),
                        email: "a@x.example".into(),
                        phone: "+4412345".into(),
                    },
                    external_id: None,
                },
                &tests::ctx_of(&app.settings),
                logged,
            )
        })
        .unwrap()
        .ticket
        .to_string()
}

async fn breached_and_at_risk_filters_match_ticket_sla(app: TestApp) {
    let (_, customer, _) = app.two_tenants().await;
    let agent = app.token_for(Role::Agent, None);
    let breached = raise_logged_hours_ago(&app, 10); // P1: 4 h restore, long gone
    let at_risk = raise_logged_hours_ago(&app, 3); // 1 h of 4 h left: within the last 25 %
    let fresh = app.raise(&customer, "SVC-A", "service_down").await["ticket_number"]
        .as_str()
        .unwrap()
        .to_owned();
    // A ticket acknowledged in time does not breach its response target.
    app.transition(&agent, &fresh, serde_json::json!({"to": "acknowledged"}))
        .await
        .expect(200);

    let list = |q: &'static str| {
        let app = &app;
        let customer = customer.clone();
        async move {
            let mut v: Vec<String> = app
                .get(&format!("/api/v1/incidents?{q}"), &customer)
                .await
                .expect(200)
                .body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["ticket_number"].as_str().unwrap().to_owned())
                .collect();
            v.sort();
            v
        }
    };
    let mut expect_breached = vec![breached.clone(), at_risk.clone()];
    expect_breached.sort();
    // Both old tickets missed their 15-minute response target; only one missed restore.
    assert_eq!(list("breached=true").await, expect_breached);
    assert_eq!(list("breached=false").await, vec![fresh.clone()]);
    assert_eq!(list("at_risk=true").await, vec![at_risk.clone()]);

    let view = |t: String| {
        let app = &app;
        let customer = customer.clone();
        async move {
            app.get(&format!("/api/v1/incidents/{t}"), &customer)
                .await
                .expect(200)
                .body
        }
    };
    let b = view(breached).await;
    assert_eq!(b["sla"]["restore_breached"], true);
    assert!(b["sla"]["restore_remaining_seconds"].as_i64().unwrap() < 0);
    let r = view(at_risk).await;
    assert_eq!(r["sla"]["restore_breached"], false);
    assert_eq!(r["sla"]["at_risk"], true);
    assert_eq!(r["sla"]["response_breached"], true);
    let f = view(fresh).await;
    assert_eq!(f["sla"]["at_risk"], false);
    assert_eq!(f["sla"]["response_breached"], false);
    assert!(f["sla"]["restore_remaining_seconds"].as_i64().unwrap() > 3 * 3600);
}
