//! MEF 124 Sonata (issue 15, item 3): trouble tickets with the buyer's task operations, the major
//! incidents that concern a buyer, hub listeners receiving Sonata's notifications, and errors in
//! the document's shapes. Every answer under `/mefApi/sonata/troubleTicket/v4` is validated
//! against MEF's document by `TestApp::send`; every notification against MEF's notification
//! document here.

use actix_web::http::Method;
use domain::Role;
use serde_json::{json, Value};
use tests::sinks::WebhookReceiver;
use tests::specs;
use tests::{on_both_backends, TestApp};

on_both_backends!(
    sonata_tickets_are_our_tickets_with_sonatas_names_and_tasks,
    sonata_lists_filter_by_the_documents_attributes,
    sonata_incidents_show_each_buyer_what_concerns_it_and_notify_its_listener,
    sonata_errors_are_the_documents_errors,
);

const BASE: &str = "/mefApi/sonata/troubleTicket/v4";
const TT: &str = "/mefApi/sonata/troubleTicket/v4/troubleTicket";

fn create_body(service_id: &str, severity: &str, observed: &str) -> Value {
    json!({
        "description": "No light since 09:12 UTC",
        "externalId": "ACME-INC-7781",
        "issueStartDate": "2026-12-01T09:12:00Z",
        "observedImpact": observed,
        "priority": "high",
        "severity": severity,
        "ticketType": "assistance",
        "relatedEntity": [{"@referredType": "Product", "id": service_id, "role": "affectedProduct"}],
        "relatedContactInformation": [
            {"emailAddress": "noc@acme.example", "name": "Acme NOC", "number": "+44 20 7946 0001", "role": "buyerTechnicalContact"},
            {"emailAddress": "alice@acme.example", "name": "Alice Example", "number": "+44 20 7946 0000", "role": "reporter"}],
        "note": [{"id": "b-1", "author": "Acme NOC", "date": "2026-12-01T09:15:00Z", "source": "buyer", "text": "Site access from 10:00"}]
    })
}

async fn task(
    app: &TestApp,
    token: &str,
    id: &str,
    name: &str,
    body: Option<Value>,
) -> tests::Reply {
    app.send(
        Method::POST,
        &format!("{TT}/{id}/{name}"),
        Some(token),
        body,
        &[],
    )
    .await
}

async fn status_of(app: &TestApp, token: &str, id: &str) -> String {
    app.get(&format!("{TT}/{id}"), token).await.expect(200).body["status"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn sonata_tickets_are_our_tickets_with_sonatas_names_and_tasks(app: TestApp) {
    let (_, a, b) = app.two_tenants().await;
    let created = app
        .post(TT, &a, create_body("SVC-A", "extensive", "down"))
        .await
        .expect(201);
    let t = &created.body;
    let id = t["id"].as_str().unwrap().to_owned();
    assert_eq!(
        created.header("Location"),
        Some(format!("{TT}/{id}").as_str())
    );
    assert_eq!(t["status"], "acknowledged");
    // The severity sets our impact and priority; both priorities are ours.
    assert_eq!(
        (
            &t["severity"],
            &t["sellerSeverity"],
            &t["priority"],
            &t["sellerPriority"]
        ),
        (
            &json!("extensive"),
            &json!("extensive"),
            &json!("critical"),
            &json!("critical")
        )
    );
    assert_eq!(t["observedImpact"], "down");
    assert_eq!(t["ticketType"], "assistance");
    assert_eq!(t["externalId"], "ACME-INC-7781");
    assert_eq!(t["relatedEntity"][0]["id"], "SVC-A");
    // The reporter is the contact with role `reporter`, not the first.
    assert_eq!(
        t["relatedContactInformation"][0]["emailAddress"],
        "alice@acme.example"
    );
    // The buyer's wish and start date are in the first note, its notes after; all the buyer's.
    let notes = t["note"].as_array().unwrap();
    assert!(notes[0]["text"].as_str().unwrap().contains("priority high"));
    assert!(notes[0]["text"]
        .as_str()
        .unwrap()
        .contains("2026-12-01T09:12:00"));
    assert_eq!(notes[1]["text"], "Site access from 10:00");
    assert!(notes.iter().all(|n| n["source"] == "buyer"));
    specs::mef_sonata().assert_valid("TroubleTicket", t);

    // The same ticket through /api/v1 and TMF621; not another buyer's.
    let ours = app
        .get(&format!("/api/v1/incidents/{id}"), &a)
        .await
        .expect(200);
    assert_eq!(ours.body["impact"], "service_down");
    assert_eq!(ours.body["reporter"]["name"], "Alice Example");
    app.get(&format!("{TT}/{id}"), &b).await.expect(404);
    app.get(&format!("{TT}/{id}?buyerId=OCN-2002"), &a)
        .await
        .expect(404);

    // PATCH: a new note and the buyer's reference; what it sends back unchanged is accepted.
    let patched = app
        .send(
            Method::PATCH,
            &format!("{TT}/{id}"),
            Some(&a),
            Some(
                json!({"externalId": "ACME-INC-7782", "severity": "extensive",
                        "note": [notes[1].clone(), {"id": "b-2", "text": "Engineer on site"}]}),
            ),
            &[],
        )
        .await
        .expect(200);
    assert_eq!(patched.body["externalId"], "ACME-INC-7782");
    assert_eq!(patched.body["note"].as_array().unwrap().len(), 3);
    // The desk's note is the seller's.
    let desk = app.token_for(Role::Agent, None);
    app.post(
        &format!("/api/v1/incidents/{id}/updates"),
        &desk,
        json!({"text": "Fault located", "visibility": "public"}),
    )
    .await
    .expect(201);
    let seen = app.get(&format!("{TT}/{id}"), &a).await.expect(200).body;
    assert_eq!(seen["note"][3]["source"], "seller");

    // cancel: the buyer asks; the ticket awaits the desk's decision, asked again nothing changes.
    task(&app, &a, &id, "cancel", None).await.expect(204);
    assert_eq!(status_of(&app, &a, &id).await, "assessingCancellation");
    task(&app, &a, &id, "cancel", None).await.expect(204);
    let timeline = app
        .get(&format!("/api/v1/incidents/{id}/updates?limit=100"), &a)
        .await
        .expect(200);
    let asked = timeline.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "cancellation_request")
        .count();
    assert_eq!(asked, 1);
    // The desk carries on instead: in progress again.
    app.transition(&desk, &id, json!({"to": "acknowledged"}))
        .await
        .expect(200);
    app.transition(&desk, &id, json!({"to": "in_progress"}))
        .await
        .expect(200);
    assert_eq!(status_of(&app, &a, &id).await, "inProgress");

    // close and reopen only from resolved: otherwise 422 otherIssue.
    let refused = task(&app, &a, &id, "close", None).await.expect(422);
    assert_eq!(refused.body[0]["code"], "otherIssue");
    let resolve = json!({"to": "resolved", "resolution": {"cause": "Fibre cut", "fix": "Spliced"}});
    app.transition(&desk, &id, resolve.clone())
        .await
        .expect(200);
    task(
        &app,
        &a,
        &id,
        "reopen",
        Some(json!({"reason": "Still no light"})),
    )
    .await
    .expect(204);
    let reopened = app.get(&format!("{TT}/{id}"), &a).await.expect(200).body;
    assert_eq!(reopened["status"], "reopened");
    let changes: Vec<&str> = reopened["statusChange"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    // The request to cancel was overtaken by the desk's move: not a status any more.
    assert_eq!(
        changes,
        ["acknowledged", "inProgress", "resolved", "reopened"]
    );
    app.transition(&desk, &id, resolve).await.expect(200);
    task(&app, &a, &id, "close", None).await.expect(204);
    assert_eq!(status_of(&app, &a, &id).await, "closed");
    let ours = app
        .get(&format!("/api/v1/incidents/{id}"), &a)
        .await
        .expect(200);
    assert_eq!(ours.body["status"], "closed");

    // The desk's own cancel cancels at once.
    let other = app
        .post(TT, &a, create_body("SVC-A", "minor", "intermittent"))
        .await
        .expect(201)
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    task(&app, &a, &other, "cancel", None).await.expect(204);
    task(&app, &desk, &other, "cancel", None).await.expect(204);
    assert_eq!(status_of(&app, &a, &other).await, "cancelled");
    let refused = task(&app, &a, &other, "cancel", None).await.expect(422);
    assert_eq!(refused.body[0]["code"], "otherIssue");
}

async fn sonata_lists_filter_by_the_documents_attributes(app: TestApp) {
    let (admin, a, b) = app.two_tenants().await;
    let down = app
        .post(TT, &a, create_body("SVC-A", "extensive", "down"))
        .await
        .expect(201)
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let minor = app
        .post(TT, &a, create_body("SVC-A", "minor", "degraded"))
        .await
        .expect(201)
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // A buyer's retry with its Idempotency-Key logs one ticket, as under /api/v1.
    let key = [("Idempotency-Key", "buyer-retry-7781")];
    let first = app
        .post_with(
            TT,
            &b,
            create_body("SVC-B", "significant", "degraded"),
            &key,
        )
        .await
        .expect(201);
    let again = app
        .post_with(
            TT,
            &b,
            create_body("SVC-B", "significant", "degraded"),
            &key,
        )
        .await
        .expect(201);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.body["id"], first.body["id"]);
    let reused = app
        .post_with(TT, &b, create_body("SVC-B", "extensive", "down"), &key)
        .await
        .expect(422);
    assert!(reused.body[0]["message"]
        .as_str()
        .unwrap()
        .starts_with("idempotency_key_reused"));
    let ids = |reply: &tests::Reply| -> Vec<String> {
        reply
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = app.get(TT, &a).await.expect(200);
    assert_eq!(ids(&all), [minor.clone(), down.clone()]);
    assert_eq!(all.header("X-Total-Count"), Some("2"));
    assert_eq!(all.header("X-Pagination-Throttled"), Some("false"));
    for item in all.body.as_array().unwrap() {
        specs::mef_sonata().assert_valid("TroubleTicket_Find", item);
    }
    for (query, expected) in [
        ("severity=extensive", vec![down.clone()]),
        ("sellerPriority=low", vec![minor.clone()]),
        ("observedImpact=intermittent", vec![minor.clone()]),
        ("observedImpact=down", vec![down.clone()]),
        ("status=acknowledged", vec![minor.clone(), down.clone()]),
        ("status=inProgress", vec![]),
        (
            "relatedEntityId=SVC-A&relatedEntityType=Product",
            vec![minor.clone(), down.clone()],
        ),
        ("relatedEntityType=Resource", vec![]),
        ("ticketType=maintenance", vec![]),
        ("buyerId=OCN-2002", vec![]),
        ("sellerId=someone-else", vec![]),
        (
            "creationDate.gt=2020-01-01T00:00:00Z",
            vec![minor.clone(), down.clone()],
        ),
        ("creationDate.lt=2020-01-01T00:00:00Z", vec![]),
        ("resolutionDate.gt=2020-01-01T00:00:00Z", vec![]),
        (
            "expectedResolutionDate.gt=2020-01-01T00:00:00Z",
            vec![minor.clone(), down.clone()],
        ),
        ("limit=1&offset=1", vec![down.clone()]),
    ] {
        let found = app.get(&format!("{TT}?{query}"), &a).await.expect(200);
        assert_eq!(ids(&found), expected, "{query}");
    }
    // A buyer asking to cancel is found by that status only.
    task(&app, &a, &down, "cancel", None).await.expect(204);
    let assessing = app
        .get(&format!("{TT}?status=assessingCancellation"), &a)
        .await
        .expect(200);
    assert_eq!(ids(&assessing), vec![down.clone()]);
    assert_eq!(assessing.header("X-Total-Count"), Some("1"));
    let acknowledged = app
        .get(&format!("{TT}?status=acknowledged"), &a)
        .await
        .expect(200);
    assert_eq!(ids(&acknowledged), vec![minor.clone()]);
    // Staff see every buyer's, narrowed by buyerId; a page over 100 is throttled, not refused.
    let staff = app
        .get(&format!("{TT}?limit=500"), &admin)
        .await
        .expect(200);
    assert_eq!(ids(&staff).len(), 3);
    assert_eq!(staff.header("X-Pagination-Throttled"), Some("true"));
    let of_b = app
        .get(&format!("{TT}?buyerId=OCN-2002"), &admin)
        .await
        .expect(200);
    assert_eq!(ids(&of_b).len(), 1);
}

async fn sonata_incidents_show_each_buyer_what_concerns_it_and_notify_its_listener(app: TestApp) {
    let (_, a, b) = app.two_tenants().await;
    let a_admin = app.token_for(Role::CustomerAdmin, Some("OCN-1001"));
    let b_admin = app.token_for(Role::CustomerAdmin, Some("OCN-2002"));
    let noc = app.token_for(Role::IncidentManager, None);
    let a_listener = WebhookReceiver::start();
    let b_listener = WebhookReceiver::start();
    let hub = format!("{BASE}/hub");
    let registered = app
        .post(&hub, &a_admin, json!({"callback": a_listener.url}))
        .await
        .expect(201);
    let hub_id = registered.body["id"].as_str().unwrap().to_owned();
    assert!(registered.body["secret"].as_str().unwrap().len() >= 16);
    assert_eq!(
        registered.header("Location"),
        Some(format!("{hub}/{hub_id}").as_str())
    );
    app.post(&hub, &b_admin, json!({"callback": b_listener.url}))
        .await
        .expect(201);
    let got = app
        .get(&format!("{hub}/{hub_id}"), &a_admin)
        .await
        .expect(200);
    assert_eq!(got.body["callback"], a_listener.url.as_str());
    assert!(got.body.get("secret").is_none());
    app.get(&format!("{hub}/{hub_id}"), &b_admin)
        .await
        .expect(404);

    // A major incident on A's service: A sees it with its own product only; B does not.
    let mni = app
        .post(
            "/api/v1/major-incidents",
            &noc,
            json!({"summary": "Fibre cut Slough", "description": "Third-party works",
                   "severity": "major", "affected_service_ids": ["SVC-A"]}),
        )
        .await
        .expect(201)
        .body["ticket_number"]
        .as_str()
        .unwrap()
        .to_owned();
    let child = app.raise(&a, "SVC-A", "service_down").await["ticket_number"]
        .as_str()
        .unwrap()
        .to_owned();
    let listed = app.get(&format!("{BASE}/incident"), &a).await.expect(200);
    assert_eq!(listed.body.as_array().unwrap().len(), 1);
    let found = &listed.body[0];
    specs::mef_sonata().assert_valid("Incident_Find", found);
    assert_eq!(found["id"], mni.as_str());
    assert_eq!(found["status"], "created");
    assert_eq!(
        (
            &found["severity"],
            &found["impact"],
            &found["priority"],
            &found["incidentType"]
        ),
        (
            &json!("significant"),
            &json!("degraded"),
            &json!("high"),
            &json!("repair")
        )
    );
    assert_eq!(found["relatedEntity"][0]["id"], "SVC-A");
    let empty = app.get(&format!("{BASE}/incident"), &b).await.expect(200);
    assert_eq!(empty.body, json!([]));
    app.get(&format!("{BASE}/incident/{mni}"), &b)
        .await
        .expect(404);
    // Staff naming a buyer see the incident as that buyer does; one it does not concern is 404.
    let as_a = app
        .get(&format!("{BASE}/incident/{mni}?buyerId=OCN-1001"), &noc)
        .await
        .expect(200);
    assert_eq!(as_a.body["relatedEntity"].as_array().unwrap().len(), 1);
    app.get(&format!("{BASE}/incident/{mni}?buyerId=OCN-2002"), &noc)
        .await
        .expect(404);
    // A region-only incident names its region, so relatedEntity is never empty.
    let regional = app
        .post(
            "/api/v1/major-incidents",
            &noc,
            json!({"summary": "Power cut Reading", "description": "Grid failure",
                   "severity": "minor", "region": "Thames Valley", "affected_service_ids": []}),
        )
        .await
        .expect(201)
        .body["ticket_number"]
        .as_str()
        .unwrap()
        .to_owned();
    let region = app
        .get(&format!("{BASE}/incident/{regional}"), &noc)
        .await
        .expect(200)
        .body;
    assert_eq!(
        region["relatedEntity"],
        json!([{"@referredType": "GeographicSite", "id": "Thames Valley", "role": "affectedRegion"}])
    );
    let ticket = app.get(&format!("{TT}/{child}"), &a).await.expect(200).body;
    assert_eq!(ticket["relatedIssue"][0]["id"], mni.as_str());

    // Updates: the first moves it to inProgress (a status event), the next is an attribute change;
    // each reaches A's listener, and the child ticket's timeline.
    for text in ["Splicing team on site", "Half the fibres spliced"] {
        app.post(
            &format!("/api/v1/major-incidents/{mni}/updates"),
            &noc,
            json!({"text": text}),
        )
        .await
        .expect(201);
    }
    let incident = app
        .get(&format!("{BASE}/incident/{mni}"), &a)
        .await
        .expect(200)
        .body;
    specs::mef_sonata().assert_valid("Incident", &incident);
    assert_eq!(incident["status"], "inProgress");
    let notes: Vec<&str> = incident["note"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["text"].as_str().unwrap())
        .collect();
    assert_eq!(notes, ["Splicing team on site", "Half the fibres spliced"]);
    let timeline = app
        .get(&format!("/api/v1/incidents/{child}/updates?limit=100"), &a)
        .await
        .expect(200);
    assert!(timeline
        .body
        .to_string()
        .contains("Half the fibres spliced"));
    app.dispatch(chrono::Utc::now()).await;
    let received = a_listener.requests();
    let seen: Vec<(String, Value)> = received
        .iter()
        .map(|r| (r.path.clone(), serde_json::from_str(&r.body).unwrap()))
        .collect();
    let notifications = specs::mef_sonata_notifications();
    for (path, event) in &seen {
        let event_type = event["eventType"].as_str().unwrap();
        assert_eq!(path, &format!("/hook/listener/{event_type}"));
        let schema = if event_type.starts_with("incident") {
            "IncidentEvent"
        } else {
            "TroubleTicketEvent"
        };
        notifications.assert_valid(schema, event);
        assert_eq!(event["event"]["buyerId"], "OCN-1001");
    }
    let incident_events: Vec<&str> = seen
        .iter()
        .filter(|(_, e)| e["event"]["id"] == mni.as_str())
        .map(|(_, e)| e["eventType"].as_str().unwrap())
        .collect();
    assert_eq!(
        incident_events,
        [
            "incidentCreateEvent",
            "incidentStatusChangeEvent",
            "incidentAttributeValueChangeEvent"
        ]
    );
    let child_events = seen
        .iter()
        .filter(|(_, e)| {
            e["event"]["id"] == child.as_str()
                && e["eventType"] == "troubleTicketAttributeValueChangeEvent"
        })
        .count();
    assert!(child_events >= 2, "{seen:?}");
    assert_eq!(
        seen.iter()
            .find(|(_, e)| e["event"]["id"] == mni.as_str())
            .unwrap()
            .1["event"]["href"],
        format!("{BASE}/incident/{mni}")
    );
    // Nothing of A's reaches B.
    assert!(
        b_listener.requests().is_empty(),
        "{:?}",
        b_listener.requests()
    );

    // Resolved: closed, a status event.
    app.post(
        &format!("/api/v1/major-incidents/{mni}/resolve"),
        &noc,
        json!({"resolution": "Fibre spliced at 13:42"}),
    )
    .await
    .expect(200);
    let closed = app
        .get(&format!("{BASE}/incident?status=closed"), &a)
        .await
        .expect(200);
    assert_eq!(closed.body[0]["id"], mni.as_str());
    assert!(closed.body[0]["closedDate"].is_string());
    app.dispatch(chrono::Utc::now()).await;
    let last: Vec<Value> = a_listener
        .requests()
        .iter()
        .skip(received.len())
        .map(|r| serde_json::from_str(&r.body).unwrap())
        .collect();
    assert!(
        last.iter()
            .any(|e| e["eventType"] == "incidentStatusChangeEvent"
                && e["event"]["id"] == mni.as_str())
    );
    assert!(last
        .iter()
        .any(|e| e["eventType"] == "troubleTicketResolvedEvent"
            && e["event"]["id"] == child.as_str()));

    // Unregistered: gone.
    app.send(
        Method::DELETE,
        &format!("{hub}/{hub_id}"),
        Some(&a_admin),
        None,
        &[],
    )
    .await
    .expect(204);
    app.get(&format!("{hub}/{hub_id}"), &a_admin)
        .await
        .expect(404);
}

/// Every refusal is the document's error for that status and operation (each answer is also
/// validated against the operation's declared response by `TestApp::send`); the judge refuses
/// our answers without what the document requires.
async fn sonata_errors_are_the_documents_errors(app: TestApp) {
    let (_, a, b) = app.two_tenants().await;
    let created = app
        .post(TT, &a, create_body("SVC-A", "significant", "degraded"))
        .await
        .expect(201);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let etag = created.header("ETag").unwrap().to_owned();
    let code = |r: &tests::Reply| r.body["code"].as_str().unwrap_or_default().to_owned();

    let r = app.send(Method::GET, TT, None, None, &[]).await.expect(401);
    assert_eq!(code(&r), "missingCredentials");
    let r = app.get(TT, "not-a-token").await.expect(401);
    assert_eq!(code(&r), "invalidCredentials");
    let r = app
        .post(
            &format!("{BASE}/hub"),
            &a,
            json!({"callback": "https://x.example"}),
        )
        .await
        .expect(403);
    assert_eq!(code(&r), "accessDenied");
    let r = app.get(&format!("{TT}/{id}"), &b).await.expect(404);
    assert_eq!(code(&r), "notFound");
    let r = app.get(&format!("{TT}?limit=0"), &a).await.expect(400);
    assert_eq!(code(&r), "invalidQuery");
    let r = app.get(&format!("{TT}?colour=red"), &a).await.expect(400);
    assert_eq!(code(&r), "invalidQuery");

    // Invalid properties: 422, one Error422 per property, with a JSON pointer.
    let mut bad = create_body("SVC-A", "extensive", "intermittent");
    bad["relatedContactInformation"] =
        json!([{"emailAddress": "", "name": "A", "number": "1", "role": "reporter"}]);
    let r = app.post(TT, &a, bad).await.expect(422);
    let errors = r.body.as_array().unwrap();
    assert!(errors.iter().any(|e| e["propertyPath"]
        .as_str()
        .is_some_and(|p| p.starts_with("/relatedContactInformation/0"))));
    let r = app
        .post(TT, &a, create_body("SVC-A", "extensive", "intermittent"))
        .await
        .expect(422);
    assert_eq!(r.body[0]["propertyPath"], "/observedImpact");
    let mut other = create_body("SVC-B", "extensive", "down");
    other["ticketType"] = json!("assistance");
    let r = app.post(TT, &a, other).await.expect(422);
    assert!(r.body[0]["reason"].as_str().unwrap().len() <= 255);
    let r = app
        .send(
            Method::POST,
            TT,
            Some(&a),
            None,
            &[("content-type", "application/json")],
        )
        .await
        .expect(400);
    assert_eq!(code(&r), "invalidBody");

    // A stale If-Match: 409 conflict; a task the state does not allow: 422 otherIssue.
    app.send(
        Method::PATCH,
        &format!("{TT}/{id}"),
        Some(&a),
        Some(json!({"note": [{"text": "x"}]})),
        &[],
    )
    .await
    .expect(200);
    let r = app
        .send(
            Method::PATCH,
            &format!("{TT}/{id}"),
            Some(&a),
            Some(json!({"note": [{"text": "y"}]})),
            &[("If-Match", etag.as_str())],
        )
        .await
        .expect(409);
    assert_eq!(code(&r), "conflict");
    let r = task(&app, &a, &id, "reopen", Some(json!({"reason": "why not"})))
        .await
        .expect(422);
    assert_eq!(r.body[0]["code"], "otherIssue");
    // What is fixed at creation is refused when it differs, never dropped.
    for (change, pointer) in [
        (json!({"severity": "minor"}), "/severity"),
        (
            json!({"relatedContactInformation": [{"emailAddress": "mallory@acme.example",
                "name": "Mallory", "number": "+44 20 7946 0009", "role": "reporter"}]}),
            "/relatedContactInformation",
        ),
        (
            json!({"issueStartDate": "2026-12-01T09:00:00Z"}),
            "/issueStartDate",
        ),
    ] {
        let r = app
            .send(
                Method::PATCH,
                &format!("{TT}/{id}"),
                Some(&a),
                Some(change),
                &[],
            )
            .await
            .expect(422);
        assert_eq!(r.body[0]["propertyPath"], pointer);
    }
    // A buyer acts for itself only.
    let r = app
        .post(
            &format!("{TT}?buyerId=OCN-2002"),
            &a,
            create_body("SVC-A", "significant", "degraded"),
        )
        .await
        .expect(403);
    assert_eq!(code(&r), "accessDenied");

    // The judge refuses what loses a required attribute or a documented code.
    let sonata = specs::mef_sonata();
    let ticket = app.get(&format!("{TT}/{id}"), &a).await.expect(200).body;
    for attribute in [
        "status",
        "sellerPriority",
        "relatedContactInformation",
        "creationDate",
    ] {
        let mut lost = ticket.clone();
        lost.as_object_mut().unwrap().remove(attribute);
        assert!(
            !sonata.errors("TroubleTicket", &lost).is_empty(),
            "{attribute}"
        );
    }
    let not_found = app.get(&format!("{TT}/{id}"), &b).await.body;
    let mut wrong = not_found.clone();
    wrong["code"] = json!("not_found");
    assert!(!sonata.errors("Error404", &wrong).is_empty());
    assert!(sonata.errors("Error404", &not_found).is_empty());
}
