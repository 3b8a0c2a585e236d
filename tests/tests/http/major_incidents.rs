//! R-MNI1–5 and R-ESC3: parent tickets, auto and manual linking, cascading updates and
//! resolution, the crisis process, and what each customer may see.

use domain::Role;
use serde_json::{json, Value};
use tests::{on_both_backends, TestApp};

on_both_backends!(
    new_tickets_on_affected_services_are_linked_and_receive_updates,
    manual_links_follow_the_rules_and_late_children_get_earlier_updates,
    children_of_an_active_major_incident_are_not_escalated,
    resolving_the_parent_resolves_open_children,
    customers_see_only_their_part_of_a_major_incident,
    a_failed_cascade_leaves_no_child_touched,
    a_region_affects_every_service_there,
);

fn tn(v: &Value) -> String {
    v["ticket_number"].as_str().unwrap().to_owned()
}

async fn create_incident_manager(app: &TestApp, admin: &str) -> String {
    app.post(
        "/api/v1/users",
        admin,
        json!({"email": "im@provider.example", "name": "Irene Manager", "password": "long-enough-password", "role": "incident_manager"}),
    )
    .await
    .expect(201);
    "im@provider.example".to_owned()
}

async fn raise_mni(app: &TestApp, token: &str, services: &[&str]) -> Value {
    app.post(
        "/api/v1/major-incidents",
        token,
        json!({"summary": "Fibre cut Slough", "description": "Third-party works", "severity": "critical",
               "affected_service_ids": services, "region": "South East"}),
    )
    .await
    .expect(201)
    .body
}

async fn texts(app: &TestApp, token: &str, t: &str) -> Vec<String> {
    app.get(&format!("/api/v1/incidents/{t}/updates?limit=100"), token)
        .await
        .expect(200)
        .body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap().to_owned())
        .collect()
}

async fn new_tickets_on_affected_services_are_linked_and_receive_updates(app: TestApp) {
    let (_, a, b) = app.two_tenants().await;
    let noc = app.token_for(Role::Agent, None);
    let before = app.raise(&a, "SVC-A", "service_down").await; // raised before the MNI
    let mni = raise_mni(&app, &noc, &["SVC-A"]).await;
    let parent = tn(&mni);
    assert!(domain::TicketRef::parse(&parent).is_ok());
    assert_eq!(mni["status"], "active");
    let early = app
        .get(&format!("/api/v1/incidents/{}", tn(&before)), &a)
        .await
        .expect(200);
    assert_eq!(
        early.body["parent_ticket_number"], parent,
        "open tickets are linked at declaration"
    );
    let child = app.raise(&a, "SVC-A", "service_down").await;
    assert_eq!(child["parent_ticket_number"], parent, "linked on raise");
    let unaffected = app.raise(&b, "SVC-B", "service_down").await;
    assert_eq!(unaffected["parent_ticket_number"], Value::Null);
    assert!(texts(&app, &a, &tn(&child)).await[0]
        .starts_with(&format!("Linked to major incident {parent}")));

    let posted = app
        .post(
            &format!("/api/v1/major-incidents/{parent}/updates"),
            &noc,
            json!({"text": "Splicing team on site"}),
        )
        .await
        .expect(201);
    assert_eq!(posted.body["cascaded_to"], 2);
    for t in [tn(&before), tn(&child)] {
        let got = texts(&app, &a, &t).await;
        assert!(
            got.contains(&format!(
                "Major incident {parent} update: Splicing team on site"
            )),
            "{got:?}"
        );
    }
    assert!(!texts(&app, &b, &tn(&unaffected))
        .await
        .iter()
        .any(|t| t.contains("Splicing")));
    // Each child's customer got an event; the other customer got none about it.
    let acme = domain::CustomerNumber::parse("OCN-1001").unwrap();
    let globex = domain::CustomerNumber::parse("OCN-2002").unwrap();
    let events = |c: &domain::CustomerNumber| {
        app.db
            .read(|conn| persistence::events::list_after(conn, Some(c), 0, 1000))
            .unwrap()
            .into_iter()
            .filter(|e| e.event_type == domain::EventType::MajorIncidentUpdated)
            .count()
    };
    assert_eq!(events(&acme), 2);
    assert_eq!(events(&globex), 0);
    app.post(
        &format!("/api/v1/major-incidents/{parent}/updates"),
        &a,
        json!({"text": "hi"}),
    )
    .await
    .expect_problem(403, "forbidden");
    let updates = app
        .get(&format!("/api/v1/major-incidents/{parent}/updates"), &a)
        .await
        .expect(200);
    assert_eq!(updates.body[0]["text"], "Splicing team on site");
}

async fn manual_links_follow_the_rules_and_late_children_get_earlier_updates(app: TestApp) {
    let (admin, a, _) = app.two_tenants().await;
    let noc = app.token_for(Role::Agent, None);
    app.create_service(&admin, "SVC-A2", "OCN-1001").await;
    let first = tn(&raise_mni(&app, &noc, &["SVC-A"]).await);
    let second = tn(&raise_mni(&app, &noc, &["SVC-B"]).await);
    app.post(
        &format!("/api/v1/major-incidents/{first}/updates"),
        &noc,
        json!({"text": "Update one"}),
    )
    .await
    .expect(201);
    app.post(
        &format!("/api/v1/major-incidents/{first}/updates"),
        &noc,
        json!({"text": "Update two"}),
    )
    .await
    .expect(201);
    let late = tn(&app.raise(&a, "SVC-A2", "degraded").await);
    let linked = app
        .post(
            &format!("/api/v1/major-incidents/{first}/children"),
            &noc,
            json!({"ticket_number": late}),
        )
        .await
        .expect(200);
    assert_eq!(linked.body["parent_ticket_number"], first);
    let got = texts(&app, &a, &late).await;
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(got[1].ends_with("Update one") && got[2].ends_with("Update two"));
    app.post(
        &format!("/api/v1/major-incidents/{second}/children"),
        &noc,
        json!({"ticket_number": late}),
    )
    .await
    .expect_problem(409, "already_linked");
    app.post(
        &format!("/api/v1/major-incidents/{first}/children"),
        &noc,
        json!({"ticket_number": second}),
    )
    .await
    .expect_problem(409, "parent_cannot_be_child");
    app.post(
        &format!("/api/v1/major-incidents/{first}/children"),
        &a,
        json!({"ticket_number": late}),
    )
    .await
    .expect_problem(403, "forbidden");
    let unlinked = app
        .send(
            actix_web::http::Method::DELETE,
            &format!("/api/v1/major-incidents/{first}/children/{late}"),
            Some(&noc),
            None,
            &[],
        )
        .await
        .expect(200);
    assert_eq!(unlinked.body["parent_ticket_number"], Value::Null);
    app.send(
        actix_web::http::Method::DELETE,
        &format!("/api/v1/major-incidents/{first}/children/{late}"),
        Some(&noc),
        None,
        &[],
    )
    .await
    .expect_problem(404, "not_found");
    app.post(
        &format!("/api/v1/major-incidents/{second}/children"),
        &noc,
        json!({"ticket_number": late}),
    )
    .await
    .expect(200);
}

async fn children_of_an_active_major_incident_are_not_escalated(app: TestApp) {
    let (admin, a, _) = app.two_tenants().await;
    let manager = create_incident_manager(&app, &admin).await;
    let noc = app.token_for(Role::Agent, None);
    let parent = tn(&raise_mni(&app, &noc, &["SVC-A"]).await);
    app.send(
        actix_web::http::Method::PATCH,
        &format!("/api/v1/major-incidents/{parent}"),
        Some(&noc),
        Some(json!({"incident_manager_email": "alice@acme.example"})),
        &[],
    )
    .await
    .expect_problem(422, "validation_failed");
    let assigned = app
        .send(
            actix_web::http::Method::PATCH,
            &format!("/api/v1/major-incidents/{parent}"),
            Some(&noc),
            Some(json!({"incident_manager_email": manager})),
            &[],
        )
        .await
        .expect(200);
    assert_eq!(
        assigned.body["incident_manager_email"],
        "im@provider.example"
    );
    let child = tn(&app.raise(&a, "SVC-A", "service_down").await);
    let refused = app
        .post(
            &format!("/api/v1/incidents/{child}/escalations"),
            &a,
            json!({"reason": "slow", "escalated_by": {"name": "Jane", "job_title": "CTO", "phone": "+44 20 7946 0123"}}),
        )
        .await
        .expect_problem(409, "crisis_process_active");
    assert_eq!(refused.body["major_incident"], parent);
    assert_eq!(refused.body["incident_manager"], "im@provider.example");
    assert!(refused.body["detail"].as_str().unwrap().contains(&parent));
}

async fn resolving_the_parent_resolves_open_children(app: TestApp) {
    let (_, a, _) = app.two_tenants().await;
    let noc = app.token_for(Role::Agent, None);
    let parent = tn(&raise_mni(&app, &noc, &["SVC-A"]).await);
    let open1 = tn(&app.raise(&a, "SVC-A", "service_down").await);
    let open2 = tn(&app.raise(&a, "SVC-A", "degraded").await);
    app.transition(&noc, &open2, json!({"to": "acknowledged"}))
        .await
        .expect(200);
    let closed = tn(&app.raise(&a, "SVC-A", "degraded").await);
    app.post(
        &format!("/api/v1/incidents/{closed}/close"),
        &a,
        json!({"reason": "n/a"}),
    )
    .await
    .expect(200);
    let resolved = app
        .post(
            &format!("/api/v1/major-incidents/{parent}/resolve"),
            &noc,
            json!({"resolution": "Fibre spliced at 13:42"}),
        )
        .await
        .expect(200);
    assert_eq!(resolved.body["resolved_children"], 2);
    assert_eq!(resolved.body["major_incident"]["status"], "resolved");
    for t in [&open1, &open2] {
        let child = app
            .get(&format!("/api/v1/incidents/{t}"), &a)
            .await
            .expect(200);
        assert_eq!(child.body["status"], "resolved");
        assert_eq!(child.body["resolution"]["fix"], "Fibre spliced at 13:42");
        assert_eq!(child.body["sla"]["stopped"], true);
    }
    let untouched = app
        .get(&format!("/api/v1/incidents/{closed}"), &a)
        .await
        .expect(200);
    assert_eq!(untouched.body["status"], "closed");
    app.post(
        &format!("/api/v1/major-incidents/{parent}/resolve"),
        &noc,
        json!({"resolution": "again"}),
    )
    .await
    .expect_problem(409, "illegal_transition");
    // Resolved: no longer auto-links, and its former children can be escalated again.
    let after = app.raise(&a, "SVC-A", "degraded").await;
    assert_eq!(after["parent_ticket_number"], Value::Null);
    let reopened = app
        .post(
            &format!("/api/v1/incidents/{open1}/reopen"),
            &a,
            json!({"reason": "still down"}),
        )
        .await
        .expect(200);
    assert_eq!(reopened.body["status"], "in_progress");
    app.post(
        &format!("/api/v1/incidents/{open1}/escalations"),
        &a,
        json!({"reason": "slow", "escalated_by": {"name": "Jane", "job_title": "CTO", "phone": "+44 20 7946 0123"}}),
    )
    .await
    .expect(201);
}

async fn customers_see_only_their_part_of_a_major_incident(app: TestApp) {
    let (admin, a, b) = app.two_tenants().await;
    app.create_customer(&admin, "OCN-3003").await;
    let c = app.token_for(Role::CustomerUser, Some("OCN-3003"));
    let noc = app.token_for(Role::Agent, None);
    let shared = tn(&raise_mni(&app, &noc, &["SVC-A", "SVC-B"]).await);
    let only_a = tn(&raise_mni(&app, &noc, &["SVC-A"]).await);
    let a_child = tn(&app.raise(&a, "SVC-A", "service_down").await);
    let b_child = tn(&app.raise(&b, "SVC-B", "service_down").await);

    let a_view = app
        .get(&format!("/api/v1/major-incidents/{shared}"), &a)
        .await
        .expect(200);
    assert_eq!(a_view.body["affected_service_ids"], json!(["SVC-A"]));
    let b_view = app
        .get(&format!("/api/v1/major-incidents/{shared}"), &b)
        .await
        .expect(200);
    assert_eq!(b_view.body["affected_service_ids"], json!(["SVC-B"]));
    let noc_view = app
        .get(&format!("/api/v1/major-incidents/{shared}"), &noc)
        .await
        .expect(200);
    assert_eq!(
        noc_view.body["affected_service_ids"],
        json!(["SVC-A", "SVC-B"])
    );

    app.get(&format!("/api/v1/major-incidents/{only_a}"), &b)
        .await
        .expect_problem(404, "not_found");
    app.get(&format!("/api/v1/major-incidents/{only_a}/updates"), &b)
        .await
        .expect_problem(404, "not_found");
    app.get(&format!("/api/v1/major-incidents/{shared}"), &c)
        .await
        .expect_problem(404, "not_found");
    let listed = |token: String| {
        let app = &app;
        async move {
            let mut v: Vec<String> = app
                .get("/api/v1/major-incidents", &token)
                .await
                .expect(200)
                .body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(tn)
                .collect();
            v.sort();
            v
        }
    };
    let mut both = vec![shared.clone(), only_a.clone()];
    both.sort();
    assert_eq!(listed(a.clone()).await, both);
    assert_eq!(listed(b.clone()).await, vec![shared.clone()]);
    assert!(listed(c).await.is_empty());
    assert_eq!(listed(noc.clone()).await, both);

    let children_of = |token: String| {
        let app = &app;
        let shared = shared.clone();
        async move {
            app.get(
                &format!("/api/v1/major-incidents/{shared}/children"),
                &token,
            )
            .await
            .expect(200)
            .body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(tn)
                .collect::<Vec<_>>()
        }
    };
    // New tickets join the newest active MNI on their service.
    let a_children = children_of(a.clone()).await;
    assert!(!a_children.contains(&b_child));
    assert_eq!(children_of(b.clone()).await, vec![b_child.clone()]);
    assert!(children_of(noc).await.contains(&b_child));
    let _ = a_child;
}

async fn a_failed_cascade_leaves_no_child_touched(app: TestApp) {
    let (_, a, _) = app.two_tenants().await;
    let noc = app.token_for(Role::Agent, None);
    let parent = tn(&raise_mni(&app, &noc, &["SVC-A"]).await);
    let children: Vec<String> = {
        let mut v = Vec::new();
        for _ in 0..5 {
            v.push(tn(&app.raise(&a, "SVC-A", "degraded").await));
        }
        v
    };
    let ticket = domain::TicketRef::parse(&parent).unwrap();
    let caller = domain::Caller::new("test", Role::Agent, None).unwrap();
    let result: Result<(), app::AppError> = app::Store::new(app.db.clone()).write(|conn| {
        let (_, n) = app::major_incidents::post_update(
            conn,
            &caller,
            app::major_incidents::PostMajorUpdate {
                major: ticket,
                text: "doomed update".into(),
                next_update_by: None,
                estimated_restoration_at: None,
            },
            chrono::Utc::now(),
        )?;
        assert_eq!(n, 5);
        Err(app::AppError::Internal("failure after the cascade".into()))
    });
    assert!(result.is_err());
    for t in &children {
        assert!(
            !texts(&app, &a, t)
                .await
                .iter()
                .any(|x| x.contains("doomed")),
            "rolled back for {t}"
        );
    }
    let updates = app
        .get(&format!("/api/v1/major-incidents/{parent}/updates"), &noc)
        .await
        .expect(200);
    assert_eq!(updates.body, json!([]));
}

/// Issue 16: a major incident raised on a region affects every service whose region it is
/// (without regard to case, non-ASCII letters included, or spacing): their open tickets join it, their customers see it and
/// hear of it; a service moved out of the region no longer is.
async fn a_region_affects_every_service_there(app: TestApp) {
    let (admin, a, b) = app.two_tenants().await;
    let region = app
        .post(
            "/api/v1/services",
            &admin,
            json!({"service_id": "SVC-R", "circuit_reference": "RDG/ETH/1", "order_number": "ORD-R",
                   "customer_number": "OCN-1001", "product": "Ethernet Line", "label": "Reading",
                   "region": "  Île-de-France   Ouest "}),
        )
        .await
        .expect(201);
    assert_eq!(region.body["region"], "Île-de-France Ouest");
    app.post(
        "/api/v1/services",
        &admin,
        json!({"service_id": "SVC-X", "circuit_reference": "X/1", "order_number": "ORD-X",
               "customer_number": "OCN-1001", "product": "Ethernet Line", "label": "X", "region": " \t "}),
    )
    .await
    .expect_problem(422, "validation_failed");
    let patched = app
        .send(
            actix_web::http::Method::PATCH,
            "/api/v1/services/SVC-B",
            Some(&admin),
            Some(json!({"region": "île-de-france ouest"})),
            &[],
        )
        .await
        .expect(200);
    assert_eq!(patched.body["region"], "île-de-france ouest");
    let waiting = tn(&app.raise(&a, "SVC-R", "service_down").await);
    let noc = app.token_for(Role::Agent, None);
    let mni = app
        .post(
            "/api/v1/major-incidents",
            &noc,
            json!({"summary": "Power loss at the Paris West exchange", "description": "d", "severity": "major",
                   "affected_service_ids": [], "region": "ÎLE-DE-FRANCE OUEST"}),
        )
        .await
        .expect(201);
    let parent = tn(&mni.body);
    let children = app
        .get(&format!("/api/v1/major-incidents/{parent}/children"), &noc)
        .await
        .expect(200);
    assert_eq!(children.body["items"][0]["ticket_number"], waiting.as_str());
    let late = tn(&app.raise(&b, "SVC-B", "degraded").await);
    let seen = app
        .get(&format!("/api/v1/incidents/{late}"), &b)
        .await
        .expect(200);
    assert_eq!(
        seen.body["parent_ticket_number"],
        parent.as_str(),
        "{:#}",
        seen.body
    );
    for (token, own) in [(&a, "SVC-R"), (&b, "SVC-B")] {
        let list = app.get("/api/v1/major-incidents", token).await.expect(200);
        assert_eq!(list.body["items"][0]["ticket_number"], parent.as_str());
        assert_eq!(list.body["items"][0]["affected_service_ids"], json!([own]));
    }
    // Out of the region: Globex's service no longer makes it Globex's business, but its linked
    // ticket still does until it is unlinked.
    app.send(
        actix_web::http::Method::PATCH,
        "/api/v1/services/SVC-B",
        Some(&admin),
        Some(json!({"region": null})),
        &[],
    )
    .await
    .expect(200);
    let list = app.get("/api/v1/major-incidents", &b).await.expect(200);
    assert_eq!(list.body["items"][0]["affected_service_ids"], json!([]));
    app.delete(
        &format!("/api/v1/major-incidents/{parent}/children/{late}"),
        &noc,
    )
    .await
    .expect(200);
    let list = app.get("/api/v1/major-incidents", &b).await.expect(200);
    assert_eq!(list.body["items"], json!([]));
}
