//! R-CON1–4: contacts, email over a real SMTP server, restart safety, Server-Sent Events with
//! resume and across instances, signed webhooks with retries, failure and redelivery.

use std::time::Duration;

use chrono::Utc;
use domain::Role;
use futures_util::StreamExt;
use serde_json::{json, Value};
use tests::sinks::{SmtpSink, WebhookReceiver};
use tests::{on_both_backends, test_settings, TestApp};

on_both_backends!(
    contacts_are_managed_by_customer_admins_within_their_company,
    major_incident_update_reaches_subscribed_contacts_only,
    a_major_incident_reaches_every_affected_customer_ticket_or_not,
    contacts_receive_notices_only_at_confirmed_addresses,
    outbox_survives_a_crash_and_waits_for_smtp,
    event_stream_resumes_without_loss_and_spans_instances,
    webhooks_are_signed_retried_failed_and_redelivered,
    a_rebinding_name_reaches_nothing_private,
    event_streams_end_with_their_token_and_are_capped,
    streams_share_one_reader_of_the_event_table,
    retention_purges_old_events_and_their_delivery_logs,
    deliveries_run_side_by_side,
);

const CONFIRMATION_SUBJECT: &str = "Please confirm your address for service notices";

/// Sends the outbox, then confirms every address a confirmation mail reached, with its code, as
/// the person there would (no authentication).
pub(crate) async fn confirm_mailed_addresses(app: &TestApp, smtp: &SmtpSink) -> usize {
    app.dispatch(Utc::now()).await;
    let mails: Vec<_> = smtp
        .messages()
        .into_iter()
        .filter(|m| m.subject == CONFIRMATION_SUBJECT)
        .collect();
    for mail in &mails {
        let reply = app
            .send(
                actix_web::http::Method::POST,
                "/api/v1/contact-confirmations",
                None,
                Some(json!({"token": mail.code()})),
                &[],
            )
            .await
            .expect(200);
        assert_eq!(reply.body["email"], mail.to.as_str());
    }
    mails.len()
}

fn contact(email: &str, major: bool, incidents: bool) -> Value {
    json!({"name": email, "email": email, "phone": "+44 20 7946 0100",
           "notices": {"incident_updates": incidents, "major_incidents": major, "planned_works": true, "escalations": false}})
}

async fn contacts_are_managed_by_customer_admins_within_their_company(app: TestApp) {
    let (_, a, b) = app.two_tenants().await;
    let a_admin = app.token_for(Role::CustomerAdmin, Some("OCN-1001"));
    app.post(
        "/api/v1/contacts",
        &a,
        contact("x@acme.example", true, true),
    )
    .await
    .expect_problem(403, "forbidden");
    let mut bad = contact("not-an-email", true, true);
    bad["phone"] = json!("call me");
    let reply = app
        .post("/api/v1/contacts", &a_admin, bad)
        .await
        .expect_problem(422, "validation_failed");
    let fields: Vec<&str> = reply.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["email", "phone"]);
    let created = app
        .post(
            "/api/v1/contacts",
            &a_admin,
            contact("NOC@Acme.example", true, false),
        )
        .await
        .expect(201);
    assert_eq!(created.body["customer_number"], "OCN-1001");
    assert_eq!(created.body["email"], "noc@acme.example");
    let id = created.body["id"].as_i64().unwrap();
    app.post(
        "/api/v1/contacts",
        &a_admin,
        contact("noc@acme.example", true, false),
    )
    .await
    .expect_problem(409, "contact_exists");
    let listed = app.get("/api/v1/contacts", &a).await.expect(200);
    assert_eq!(
        listed.body["items"].as_array().unwrap().len(),
        1,
        "customer users read"
    );
    assert!(
        app.get("/api/v1/contacts", &b).await.expect(200).body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    app.get(&format!("/api/v1/contacts/{id}"), &b)
        .await
        .expect_problem(404, "not_found");
    let changed = app
        .send(actix_web::http::Method::PATCH, &format!("/api/v1/contacts/{id}"), Some(&a_admin),
              Some(json!({"notices": {"incident_updates": true, "major_incidents": false, "planned_works": false, "escalations": true}})),
              &[("If-Match", "\"v1\"")])
        .await
        .expect(200);
    assert_eq!(changed.body["notices"]["escalations"], true);
    app.send(
        actix_web::http::Method::DELETE,
        &format!("/api/v1/contacts/{id}"),
        Some(&a),
        None,
        &[],
    )
    .await
    .expect_problem(403, "forbidden");
    app.send(
        actix_web::http::Method::DELETE,
        &format!("/api/v1/contacts/{id}"),
        Some(&a_admin),
        None,
        &[],
    )
    .await
    .expect(204);
    app.get(&format!("/api/v1/contacts/{id}"), &a)
        .await
        .expect_problem(404, "not_found");
}

/// Issue 20: no notice goes to an address before someone there confirmed it with the code mailed
/// to it; the code works once per address, not for another contact, not after the address
/// changed, and not when forged. The confirmation mail carries no customer-written text.
async fn contacts_receive_notices_only_at_confirmed_addresses(app: TestApp) {
    let smtp = SmtpSink::start();
    let mut settings = test_settings();
    settings.notify.smtp = Some(smtp.settings());
    let app = app.restart(settings).await;
    let (admin, a, _) = app.two_tenants().await;
    let a_admin = app.token_for(Role::CustomerAdmin, Some("OCN-1001"));
    // A provider-wide webhook that takes everything, and one that asks for the bookkeeping.
    let receiver = WebhookReceiver::start();
    app.post(
        "/api/v1/webhooks",
        &admin,
        json!({"url": receiver.url, "event_types": ["*"]}),
    )
    .await
    .expect(201);
    app.post(
        "/api/v1/webhooks",
        &admin,
        json!({"url": receiver.url, "event_types": ["contact.confirmation_requested"]}),
    )
    .await
    .expect_problem(422, "validation_failed");
    let created = app
        .post(
            "/api/v1/contacts",
            &a_admin,
            contact("ops@acme.example", false, true),
        )
        .await
        .expect(201);
    assert_eq!(created.body["confirmed_at"], Value::Null);
    let id = created.body["id"].as_i64().unwrap();
    app.raise(&a, "SVC-A", "degraded").await;
    app.dispatch(Utc::now()).await;
    let mails = smtp.messages();
    assert_eq!(mails.len(), 1, "only the confirmation mail: {mails:?}");
    assert_eq!(mails[0].subject, CONFIRMATION_SUBJECT);
    assert_eq!(mails[0].to, "ops@acme.example");
    let first_code = mails[0].code();

    let confirm = |token: String| {
        app.send(
            actix_web::http::Method::POST,
            "/api/v1/contact-confirmations",
            None,
            Some(json!({"token": token})),
            &[],
        )
    };
    // Forged codes: another contact's id under this signature, a changed signature, junk.
    let (cid, rest) = first_code.split_once('.').unwrap();
    let other_id = format!("{}.{rest}", cid.parse::<i64>().unwrap() + 1);
    let mut flipped = first_code.clone();
    let last = flipped.pop().unwrap();
    flipped.push(if last == '0' { '1' } else { '0' });
    for forged in [other_id, flipped, "junk".to_owned()] {
        confirm(forged).await.expect_problem(404, "not_found");
    }
    // The address changes before the code is used: the old code is void, a new one is mailed.
    let changed = app
        .send(
            actix_web::http::Method::PATCH,
            &format!("/api/v1/contacts/{id}"),
            Some(&a_admin),
            Some(json!({"email": "noc@acme.example"})),
            &[],
        )
        .await
        .expect(200);
    assert_eq!(changed.body["confirmed_at"], Value::Null);
    confirm(first_code).await.expect_problem(404, "not_found");
    app.dispatch(Utc::now()).await;
    let second = smtp
        .messages()
        .into_iter()
        .find(|m| m.to == "noc@acme.example")
        .expect("a code for the new address");
    let confirmed = confirm(second.code()).await.expect(200);
    assert_eq!(confirmed.body["email"], "noc@acme.example");
    // Twice is harmless; a confirmed contact needs no new code.
    confirm(second.code()).await.expect(200);
    app.post(
        &format!("/api/v1/contacts/{id}/confirmation"),
        &a_admin,
        json!({}),
    )
    .await
    .expect_problem(409, "already_confirmed");
    let shown = app
        .get(&format!("/api/v1/contacts/{id}"), &a_admin)
        .await
        .expect(200);
    assert!(shown.body["confirmed_at"].is_string());

    // From now on the notices arrive.
    let before = smtp.messages().len();
    let raised = app.raise(&a, "SVC-A", "degraded").await;
    app.dispatch(Utc::now()).await;
    let mails = smtp.messages();
    assert_eq!(mails.len(), before + 1, "{mails:?}");
    let notice = mails
        .iter()
        .find(|m| {
            m.subject
                .contains(raised["ticket_number"].as_str().unwrap())
        })
        .expect("the incident notice");
    assert_eq!(notice.to, "noc@acme.example");
    // The webhook heard of the incidents, never of the confirmations.
    let heard: Vec<String> = receiver
        .received
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.body.clone())
        .collect();
    assert!(
        heard.iter().any(|b| b.contains("incident.created")),
        "{heard:?}"
    );
    assert!(
        heard.iter().all(|b| !b.contains("confirmation")),
        "{heard:?}"
    );
}

async fn major_incident_update_reaches_subscribed_contacts_only(app: TestApp) {
    let smtp = SmtpSink::start();
    let mut settings = test_settings();
    settings.notify.smtp = Some(smtp.settings());
    let app = app.restart(settings).await;
    let (_, a, b) = app.two_tenants().await;
    let a_admin = app.token_for(Role::CustomerAdmin, Some("OCN-1001"));
    let b_admin = app.token_for(Role::CustomerAdmin, Some("OCN-2002"));
    app.post(
        "/api/v1/contacts",
        &a_admin,
        contact("crisis@acme.example", true, false),
    )
    .await
    .expect(201);
    app.post(
        "/api/v1/contacts",
        &a_admin,
        contact("quiet@acme.example", false, false),
    )
    .await
    .expect(201);
    app.post(
        "/api/v1/contacts",
        &b_admin,
        contact("crisis@globex.example", true, false),
    )
    .await
    .expect(201);
    assert_eq!(confirm_mailed_addresses(&app, &smtp).await, 3);
    let confirmations = smtp.messages().len();
    let noc = app.token_for(Role::Agent, None);
    let mni = app
        .post("/api/v1/major-incidents", &noc, json!({"summary": "Fibre cut", "description": "d", "severity": "critical", "affected_service_ids": ["SVC-A"]}))
        .await
        .expect(201);
    let parent = mni.body["ticket_number"].as_str().unwrap().to_owned();
    app.raise(&a, "SVC-A", "service_down").await;
    app.raise(&b, "SVC-B", "service_down").await;
    app.post(
        &format!("/api/v1/major-incidents/{parent}/updates"),
        &noc,
        json!({"text": "Splicing team on site"}),
    )
    .await
    .expect(201);
    let round = app.dispatch(Utc::now()).await;
    assert_eq!(round.failed, 0, "{round:?}");
    let mails = smtp.messages();
    // Acme heard of the raise and of the update, once each although its ticket is linked;
    // Globex, not concerned, nothing.
    let major: Vec<_> = mails
        .iter()
        .filter(|m| m.subject.contains("Major incident update"))
        .collect();
    assert_eq!(major.len(), 1, "{mails:?}");
    assert_eq!(major[0].to, "crisis@acme.example");
    assert!(major[0].body.contains("Splicing team on site"));
    assert!(major[0].from.contains("noreply@"));
    // What mail providers require: a Message-ID on the sender's domain, MIME-Version, a Date.
    for mail in &mails {
        let sender_domain = mail.from.rsplit('@').next().unwrap().trim_end_matches('>');
        let id = &mail.headers["message-id"];
        assert!(
            id.starts_with('<') && id.ends_with(&format!("@{sender_domain}>")),
            "{id} for {}",
            mail.from
        );
        assert_eq!(mail.headers["mime-version"], "1.0");
        assert!(chrono::DateTime::parse_from_rfc2822(&mail.headers["date"]).is_ok());
        assert!(mail.headers["content-type"].starts_with("text/plain"));
    }
    let ids: std::collections::HashSet<&String> =
        mails.iter().map(|m| &m.headers["message-id"]).collect();
    assert_eq!(ids.len(), mails.len(), "one Message-ID per message");
    assert!(
        mails.iter().all(|m| m.subject == CONFIRMATION_SUBJECT
            || (m.to != "quiet@acme.example" && m.to != "crisis@globex.example")),
        "{mails:?}"
    );
    assert!(mails.len() > confirmations);
    // A second round sends nothing twice.
    let again = app.dispatch(Utc::now()).await;
    assert_eq!(again.delivered, 0);
    assert_eq!(smtp.messages().len(), mails.len());

    // Planned works notices come from the change-management address.
    let cm = app.token_for(Role::ChangeManager, None);
    let start = Utc::now() + chrono::Duration::days(15);
    let work = app
        .post("/api/v1/planned-works", &cm, json!({"title": "Router upgrade", "description": "d",
            "start_at": start.to_rfc3339(), "end_at": (start + chrono::Duration::hours(1)).to_rfc3339(),
            "expected_impact": "Outage up to 10 minutes", "affected_service_ids": ["SVC-A"], "emergency": false}))
        .await
        .expect(201);
    let wid = work.body["id"].as_str().unwrap();
    app.post(
        &format!("/api/v1/planned-works/{wid}/schedule"),
        &cm,
        json!({}),
    )
    .await
    .expect(200);
    app.dispatch(Utc::now()).await;
    let planned: Vec<_> = smtp
        .messages()
        .into_iter()
        .filter(|m| m.subject.starts_with("Planned works"))
        .collect();
    assert_eq!(
        planned.len(),
        2,
        "both Acme contacts take planned-works notices"
    );
    assert!(planned
        .iter()
        .all(|m| m.from.contains("change-management-noreply@")));
    assert!(planned.iter().all(|m| m.body.contains("SVC-A")));
}

/// Issue 16: the broadcast. A major incident on a service of Acme, which has no ticket, reaches
/// Acme's stream and its crisis contact at every step, and Globex not at all until one of its
/// services is named; then Globex gets the history so far, and a closing notice when the service
/// is taken off again.
async fn a_major_incident_reaches_every_affected_customer_ticket_or_not(app: TestApp) {
    let smtp = SmtpSink::start();
    let mut settings = test_settings();
    settings.notify.smtp = Some(smtp.settings());
    let app = app.restart(settings).await;
    let (_, a, b) = app.two_tenants().await;
    for (company, email) in [
        ("OCN-1001", "crisis@acme.example"),
        ("OCN-2002", "crisis@globex.example"),
    ] {
        let admin = app.token_for(Role::CustomerAdmin, Some(company));
        app.post("/api/v1/contacts", &admin, contact(email, true, false))
            .await
            .expect(201);
    }
    assert_eq!(confirm_mailed_addresses(&app, &smtp).await, 2);
    let noc = app.token_for(Role::Agent, None);
    let next = Utc::now() + chrono::Duration::hours(1);
    let mni = app
        .post("/api/v1/major-incidents", &noc, json!({"summary": "Fibre cut Slough", "description": "Trunk cut by third-party works",
            "severity": "critical", "affected_service_ids": ["SVC-A"], "next_update_by": next.to_rfc3339()}))
        .await
        .expect(201);
    let parent = mni.body["ticket_number"].as_str().unwrap().to_owned();
    let promised: chrono::DateTime<Utc> = mni.body["next_update_by"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (promised - next).num_milliseconds().abs() < 1,
        "{promised} vs {next}"
    );
    let updates = format!("/api/v1/major-incidents/{parent}/updates");
    // A promise already past is refused, and tells no one.
    app.post(&updates, &noc, json!({"text": "late", "next_update_by": (Utc::now() - chrono::Duration::minutes(5)).to_rfc3339()}))
        .await
        .expect_problem(422, "validation_failed");
    let etr = Utc::now() + chrono::Duration::hours(4);
    let posted = app
        .post(
            &updates,
            &noc,
            json!({"text": "Splicing team on site",
            "next_update_by": next.to_rfc3339(), "estimated_restoration_at": etr.to_rfc3339()}),
        )
        .await
        .expect(201);
    assert_eq!(posted.body["cascaded_to"], 0, "no ticket is linked");
    assert!(posted.body["estimated_restoration_at"].is_string());
    // SVC-B named mid-incident, then taken off again.
    let affected = format!("/api/v1/major-incidents/{parent}/affected-services");
    let view = app
        .post(&affected, &noc, json!({"service_ids": ["SVC-B"]}))
        .await
        .expect(200);
    assert_eq!(view.body["affected_service_ids"], json!(["SVC-A", "SVC-B"]));
    let seen_by_b = app
        .get(&format!("/api/v1/major-incidents/{parent}"), &b)
        .await
        .expect(200);
    assert_eq!(seen_by_b.body["affected_service_ids"], json!(["SVC-B"]));
    app.delete(&format!("{affected}/SVC-B"), &noc)
        .await
        .expect(200);
    app.get(&format!("/api/v1/major-incidents/{parent}"), &b)
        .await
        .expect_problem(404, "not_found");
    // Its last service goes only if it names a region.
    app.delete(&format!("{affected}/SVC-A"), &noc)
        .await
        .expect_problem(409, "nothing_affected");
    app.delete(&format!("{affected}/SVC-B"), &noc)
        .await
        .expect_problem(404, "not_found");
    app.post(
        &format!("/api/v1/major-incidents/{parent}/resolve"),
        &noc,
        json!({"resolution": "Fibre spliced"}),
    )
    .await
    .expect(200);
    app.post(&affected, &noc, json!({"service_ids": ["SVC-B"]}))
        .await
        .expect_problem(409, "major_incident_resolved");
    // A last event of Globex's own, so that its stream is read to its end without waiting.
    app.raise(&b, "SVC-B", "degraded").await;

    let notices = |events: &[(i64, String, Value)]| -> Vec<(String, String)> {
        events
            .iter()
            .map(|(_, kind, data)| {
                (
                    kind.clone(),
                    data["data"]["notice"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                )
            })
            .collect()
    };
    let heard_by_a = read_events(&app, &a, Some(0), 3).await;
    assert_eq!(
        notices(&heard_by_a),
        [
            ("major_incident.notice", "raised"),
            ("major_incident.notice", "update"),
            ("major_incident.notice", "resolved")
        ]
        .map(|(k, n)| (k.to_owned(), n.to_owned()))
    );
    let update = &heard_by_a[1].2["data"];
    assert_eq!(update["text"], "Splicing team on site");
    assert_eq!(update["affected_service_ids"], json!(["SVC-A"]));
    assert!(update["estimated_restoration_at"].is_string());
    assert!(update["next_update_by"].is_string());
    let heard_by_b = read_events(&app, &b, Some(0), 3).await;
    assert_eq!(
        notices(&heard_by_b),
        [
            ("major_incident.notice", "now_affected"),
            ("major_incident.notice", "no_longer_affected"),
            ("incident.created", "")
        ]
        .map(|(k, n)| (k.to_owned(), n.to_owned()))
    );
    let joined = &heard_by_b[0].2["data"];
    assert_eq!(joined["history"][0]["text"], "Splicing team on site");
    assert_eq!(
        joined["affected_service_ids"],
        json!(["SVC-B"]),
        "Globex sees its own service only"
    );
    assert!(!joined.to_string().contains("SVC-A"), "{joined}");

    let round = app.dispatch(Utc::now()).await;
    assert_eq!(round.failed, 0, "{round:?}");
    let mails = smtp.messages();
    let to = |who: &str| -> Vec<_> {
        mails
            .iter()
            .filter(|m| m.to == who && m.subject.contains("Major incident"))
            .collect()
    };
    // Mail goes out in parallel: in any order, each step once.
    let acme = to("crisis@acme.example");
    let step = |mails: &[&tests::sinks::Mail], what: &str| {
        let found: Vec<_> = mails
            .iter()
            .filter(|m| {
                m.subject
                    .starts_with(&format!("[{parent}] Major incident {what}"))
            })
            .collect();
        assert_eq!(found.len(), 1, "{what}: {mails:?}");
        (*found[0]).clone()
    };
    assert_eq!(acme.len(), 3, "{acme:?}");
    assert_eq!(
        step(&acme, "declared").subject,
        format!("[{parent}] Major incident declared: Fibre cut Slough")
    );
    assert!(step(&acme, "declared")
        .body
        .contains("Trunk cut by third-party works"));
    let update = step(&acme, "update");
    assert!(
        update.body.contains("Estimated restoration: "),
        "{}",
        update.body
    );
    assert!(
        update.body.contains("Your affected services: SVC-A"),
        "{}",
        update.body
    );
    assert!(step(&acme, "resolved")
        .body
        .contains("Resolved: Fibre spliced"));
    let globex = to("crisis@globex.example");
    assert_eq!(globex.len(), 2, "{globex:?}");
    let joined = step(&globex, "now affects your services");
    assert!(joined.body.contains("Updates so far:"), "{}", joined.body);
    assert!(joined.body.contains("Splicing team on site"));
    assert!(!joined.body.contains("SVC-A"), "{}", joined.body);
    let left = step(&globex, "no longer affects");
    assert!(
        left.body.contains("SVC-B is no longer affected"),
        "{}",
        left.body
    );
}

async fn outbox_survives_a_crash_and_waits_for_smtp(app: TestApp) {
    // No SMTP yet: the change commits its event; nothing is sent.
    let (_, a, _) = app.two_tenants().await;
    let a_admin = app.token_for(Role::CustomerAdmin, Some("OCN-1001"));
    app.post(
        "/api/v1/contacts",
        &a_admin,
        contact("desk@acme.example", false, true),
    )
    .await
    .expect(201);
    app.raise(&a, "SVC-A", "degraded").await;
    // Crash after commit, before any delivery.
    let smtp = SmtpSink::start();
    let mut with_smtp = test_settings();
    with_smtp.notify.smtp = Some(smtp.settings());
    let app = app.restart(with_smtp.clone()).await;
    // A dispatcher claims the delivery and dies before sending it.
    let claimed = app::Store::new(app.db.clone())
        .write(|conn| {
            app::notifications::expand(conn, 100, Utc::now())?;
            app::notifications::claim(conn, 10, chrono::Duration::seconds(120), Utc::now())
        })
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let app = app.restart(with_smtp.clone()).await;
    let during_lease = app.dispatch(Utc::now()).await;
    assert_eq!(
        during_lease.delivered, 0,
        "the lease protects the claimed delivery"
    );
    let after_lease = app
        .dispatch(Utc::now() + chrono::Duration::minutes(3))
        .await;
    assert_eq!(after_lease.delivered, 1);
    assert_eq!(smtp.messages().len(), 1);
    assert_eq!(smtp.messages()[0].to, "desk@acme.example");
    // That was the address's confirmation mail (the incident raised before it was confirmed
    // reaches nobody); the desk confirms, and later notices go there.
    assert_eq!(smtp.messages()[0].subject, CONFIRMATION_SUBJECT);
    app.send(
        actix_web::http::Method::POST,
        "/api/v1/contact-confirmations",
        None,
        Some(json!({"token": smtp.messages()[0].code()})),
        &[],
    )
    .await
    .expect(200);

    // Without SMTP, emails are kept (held), logged, and sent once SMTP is configured.
    let app = app.restart(test_settings()).await;
    app.raise(&a, "SVC-A", "degraded").await;
    let held = app.dispatch(Utc::now()).await;
    assert_eq!(held.held, 1);
    assert_eq!(
        app.db
            .read(|conn| persistence::outbox::count_by_status(conn, "held"))
            .unwrap(),
        1
    );
    let app = app.restart(with_smtp).await;
    app.db
        .read(|conn| persistence::outbox::release_held(conn, Utc::now()))
        .unwrap();
    let sent = app.dispatch(Utc::now()).await;
    assert_eq!(sent.delivered, 1);
    assert_eq!(smtp.messages().len(), 2);
}

/// Reads SSE frames until `want` events arrived or the deadline passes.
async fn read_events(
    app: &TestApp,
    token: &str,
    last_id: Option<i64>,
    want: usize,
) -> Vec<(i64, String, Value)> {
    let mut req = app
        .client
        .get(format!("{}/api/v1/events", app.base_url))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .timeout(Duration::from_secs(30));
    if let Some(id) = last_id {
        req = req.insert_header(("Last-Event-ID", id.to_string()));
    }
    let mut resp = req.send().await.expect("stream");
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(
        resp.headers().get("content-type").unwrap(),
        "text/event-stream"
    );
    let mut buffer = String::new();
    let mut out = Vec::new();
    let deadline = tokio_deadline();
    while out.len() < want && std::time::Instant::now() < deadline {
        let chunk = actix_web::rt::time::timeout(Duration::from_secs(5), resp.next()).await;
        let Ok(Some(Ok(bytes))) = chunk else { break };
        buffer.push_str(&String::from_utf8_lossy(&bytes));
        while let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            let mut id = None;
            let mut kind = String::new();
            let mut data = Value::Null;
            for line in frame.lines() {
                if let Some(v) = line.strip_prefix("id: ") {
                    id = v.parse().ok();
                } else if let Some(v) = line.strip_prefix("event: ") {
                    kind = v.to_owned();
                } else if let Some(v) = line.strip_prefix("data: ") {
                    data = serde_json::from_str(v).unwrap();
                }
            }
            if let Some(id) = id {
                out.push((id, kind, data));
            }
        }
    }
    out
}

fn tokio_deadline() -> std::time::Instant {
    std::time::Instant::now() + Duration::from_secs(20)
}

async fn event_stream_resumes_without_loss_and_spans_instances(app: TestApp) {
    let (_, a, b) = app.two_tenants().await;
    let t1 = app.raise(&a, "SVC-A", "degraded").await;
    app.raise(&b, "SVC-B", "degraded").await;
    let t2 = app.raise(&a, "SVC-A", "service_down").await;
    // Resume from the beginning: A's two creations, nothing of B's.
    let first = read_events(&app, &a, Some(0), 2).await;
    assert_eq!(first.len(), 2, "{first:?}");
    assert!(
        first
            .iter()
            .all(|(_, kind, data)| kind == "incident.created"
                && data["customer_number"] == "OCN-1001")
    );
    assert_eq!(first[0].2["ticket_number"], t1["ticket_number"]);
    assert_eq!(first[1].2["ticket_number"], t2["ticket_number"]);
    let last_seen = first[1].0;
    // While disconnected: more events, raised on a second API instance sharing the database.
    let other = app.second_instance().await;
    other
        .post(
            &format!(
                "/api/v1/incidents/{}/updates",
                t1["ticket_number"].as_str().unwrap()
            ),
            &a,
            json!({"text": "still down"}),
        )
        .await
        .expect(201);
    other.raise(&b, "SVC-B", "degraded").await;
    let t3 = other.raise(&a, "SVC-A", "degraded").await;
    let resumed = read_events(&app, &a, Some(last_seen), 2).await;
    let kinds: Vec<&str> = resumed.iter().map(|(_, k, _)| k.as_str()).collect();
    assert_eq!(
        kinds,
        ["incident.updated", "incident.created"],
        "{resumed:?}"
    );
    assert_eq!(resumed[1].2["ticket_number"], t3["ticket_number"]);
    assert!(resumed.iter().all(|(id, _, _)| *id > last_seen));
    // A live subscriber on instance 1 sees an event produced on instance 2.
    let live = {
        let app_ref = &app;
        let a = a.clone();
        async move { read_events(app_ref, &a, None, 1).await }
    };
    let produce = async {
        actix_web::rt::time::sleep(Duration::from_millis(700)).await;
        other.raise(&a, "SVC-A", "no_impact").await
    };
    let (seen, raised) = futures_util::join!(live, produce);
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].2["ticket_number"], raised["ticket_number"]);
    // Staff see every company's events.
    let staff = read_events(&app, &app.token_for(Role::Agent, None), Some(0), 5).await;
    assert!(staff
        .iter()
        .any(|(_, _, d)| d["customer_number"] == "OCN-2002"));
}

/// Issue 20: the event log and finished delivery logs are purged after the retention, on every
/// backend; what is still owed stays.
async fn retention_purges_old_events_and_their_delivery_logs(app: TestApp) {
    let (_, a, _) = app.two_tenants().await;
    let a_admin = app.token_for(Role::CustomerAdmin, Some("OCN-1001"));
    let receiver = WebhookReceiver::start();
    let sub = app
        .post(
            "/api/v1/webhooks",
            &a_admin,
            json!({"url": receiver.url, "event_types": ["incident.created"]}),
        )
        .await
        .expect(201);
    let sub_id = sub.body["id"].as_i64().unwrap();
    app.raise(&a, "SVC-A", "degraded").await;
    let now = Utc::now();
    assert_eq!(app.dispatch(now).await.delivered, 1);
    receiver.answer(503);
    app.raise(&a, "SVC-A", "degraded").await;
    assert_eq!(
        app.dispatch(now).await.retried,
        1,
        "the second is still owed"
    );
    let state = app.state();
    let later = now + chrono::Duration::days(91);
    let purged =
        actix_web::web::block(move || app::retention::purge(&state.store, &state.ctx, later))
            .await
            .unwrap()
            .unwrap();
    assert_eq!(purged.events, 1);
    let log = app
        .get(&format!("/api/v1/webhooks/{sub_id}/deliveries"), &a_admin)
        .await
        .expect(200);
    let items = log.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", log.body);
    assert_eq!(items[0]["status"], "pending");
}

/// Issue 20: a slow target does not hold up the others. Two targets that each answer only once
/// the other has been called (or fail after 5 s) are both delivered in one round: the dispatcher
/// calls them side by side.
async fn deliveries_run_side_by_side(app: TestApp) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let (_, a, _) = app.two_tenants().await;
    let a_admin = app.token_for(Role::CustomerAdmin, Some("OCN-1001"));
    let arrived = Arc::new(AtomicUsize::new(0));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let counter = arrived.clone();
    let server = actix_web::HttpServer::new(move || {
        let counter = counter.clone();
        actix_web::App::new().default_service(actix_web::web::to(move || {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                let deadline = std::time::Instant::now() + Duration::from_secs(5);
                while counter.load(Ordering::SeqCst) < 2 && std::time::Instant::now() < deadline {
                    actix_web::rt::time::sleep(Duration::from_millis(20)).await;
                }
                if counter.load(Ordering::SeqCst) >= 2 {
                    actix_web::HttpResponse::Ok().finish()
                } else {
                    actix_web::HttpResponse::ServiceUnavailable().finish()
                }
            }
        }))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)
    .unwrap()
    .run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    for path in ["one", "two"] {
        app.post(
            "/api/v1/webhooks",
            &a_admin,
            json!({"url": format!("http://127.0.0.1:{port}/{path}"), "event_types": ["incident.created"]}),
        )
        .await
        .expect(201);
    }
    app.raise(&a, "SVC-A", "degraded").await;
    let round = app.dispatch(Utc::now()).await;
    assert_eq!(round.delivered, 2, "{round:?}");
    assert_eq!(arrived.load(Ordering::SeqCst), 2);
    handle.stop(false).await;
}

/// Opens an event stream; the response is returned as it is (200 or an error).
async fn open_stream(
    app: &TestApp,
    token: &str,
) -> awc::ClientResponse<
    impl futures_util::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>>,
> {
    app.client
        .get(format!("{}/api/v1/events", app.base_url))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .expect("stream")
}

/// Reads a stream until it ends or `within` passes: whether it ended, and the events it sent.
async fn drain(
    resp: &mut (impl futures_util::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>>
              + Unpin),
    within: Duration,
) -> (bool, String) {
    let deadline = std::time::Instant::now() + within;
    let mut text = String::new();
    while std::time::Instant::now() < deadline {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match actix_web::rt::time::timeout(left, resp.next()).await {
            Ok(Some(Ok(bytes))) => text.push_str(&String::from_utf8_lossy(&bytes)),
            Ok(None) | Ok(Some(Err(_))) => return (true, text),
            Err(_) => break,
        }
    }
    (false, text)
}

/// Issue 20: a stream ends when its account is disabled (within the revocation bound) and at its
/// token's expiry, and one subject holds a bounded number of streams.
async fn event_streams_end_with_their_token_and_are_capped(app: TestApp) {
    let mut settings = test_settings();
    settings.revocation_check = Duration::from_secs(1);
    settings.streams_per_subject = 2;
    let app = app.restart(settings).await;
    let (admin, a, _) = app.two_tenants().await;
    let a_admin = app.token_for(Role::CustomerAdmin, Some("OCN-1001"));
    app.post(
        "/api/v1/users",
        &a_admin,
        json!({"email": "sam@acme.example", "name": "Sam", "password": "correct horse battery 9", "role": "customer_user"}),
    )
    .await
    .expect(201);
    let sam = app
        .login("sam@acme.example", "correct horse battery 9")
        .await
        .expect(200)
        .body["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let sam_id = app.get("/api/v1/me", &sam).await.expect(200).body["subject"]
        .as_str()
        .unwrap()
        .trim_start_matches("user:")
        .to_owned();

    let mut first = open_stream(&app, &sam).await;
    assert_eq!(first.status().as_u16(), 200);
    let mut second = open_stream(&app, &sam).await;
    assert_eq!(second.status().as_u16(), 200);
    let mut third = open_stream(&app, &sam).await;
    assert_eq!(third.status().as_u16(), 429);
    let refused: Value = third.json().await.unwrap();
    assert_eq!(refused["code"], "too_many_streams");
    // Another subject is not held back by Sam's streams.
    assert_eq!(open_stream(&app, &a).await.status().as_u16(), 200);

    // Sam is disabled: within the revocation bound both streams end, with nothing raised after.
    app.send(
        actix_web::http::Method::PATCH,
        &format!("/api/v1/users/{sam_id}"),
        Some(&admin),
        Some(json!({"status": "disabled"})),
        &[],
    )
    .await
    .expect(200);
    let (ended, _) = drain(&mut first, Duration::from_secs(4)).await;
    assert!(ended, "the first stream ended within the revocation bound");
    app.raise(&a, "SVC-A", "degraded").await;
    let (ended, text) = drain(&mut second, Duration::from_secs(4)).await;
    assert!(ended, "the second stream ended too");
    assert!(!text.contains("incident.created"), "{text}");
    // A reconnect with the same token is refused.
    assert_eq!(open_stream(&app, &sam).await.status().as_u16(), 401);

    // Tokens about to expire: their streams end at `exp`, and the places they held are free again.
    let agent = app.token_for(Role::Agent, None);
    let caller = app.tokens.verify(&agent).unwrap().caller;
    let ttl = chrono::Duration::seconds(app.tokens.ttl_seconds() as i64);
    let short = app
        .tokens
        .issue(&caller, Utc::now() - ttl + chrono::Duration::seconds(2))
        .unwrap();
    let started = std::time::Instant::now();
    let mut expiring = [
        open_stream(&app, &short).await,
        open_stream(&app, &short).await,
    ];
    assert!(expiring.iter().all(|r| r.status().as_u16() == 200));
    assert_eq!(open_stream(&app, &agent).await.status().as_u16(), 429);
    for stream in &mut expiring {
        let (ended, _) = drain(stream, Duration::from_secs(6)).await;
        assert!(ended, "the stream ended at the token's expiry");
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(open_stream(&app, &agent).await.status().as_u16(), 200);
}

/// The instance's reads of the event table, from `/metrics`.
async fn feed_reads(app: &TestApp) -> u64 {
    let mut resp = app
        .client
        .get(format!("{}/metrics", app.base_url))
        .send()
        .await
        .expect("metrics");
    let text = String::from_utf8(resp.body().await.expect("metrics body").to_vec()).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("event_feed_reads_total "))
        .expect("the feed's counter is exported")
        .trim()
        .parse()
        .unwrap()
}

/// Issue 20: idle streams cost no query each. Fifteen open streams on one instance are served by
/// one reader of the event table (one read per tick, not two per stream and tick), and every
/// stream still gets its company's events, another company's never.
async fn streams_share_one_reader_of_the_event_table(app: TestApp) {
    let (_, a, b) = app.two_tenants().await;
    let agent = app.token_for(Role::Agent, None);
    let mut streams = Vec::new();
    for token in [&a, &b, &agent] {
        for _ in 0..5 {
            let stream = open_stream(&app, token).await;
            assert_eq!(stream.status().as_u16(), 200);
            streams.push(stream);
        }
    }
    let before = feed_reads(&app).await;
    let watched = std::time::Instant::now();
    actix_web::rt::time::sleep(Duration::from_secs(3)).await;
    let reads = feed_reads(&app).await - before;
    let ticks = watched.elapsed().as_millis() as u64 / 300;
    // Per stream and tick it used to be two queries: 15 streams, 10 ticks, 300 queries.
    assert!(
        reads <= ticks + 2,
        "{reads} reads in {ticks} ticks with 15 streams open"
    );
    assert!(reads >= 1, "the feed reads while streams are open");
    let raised = app.raise(&a, "SVC-A", "degraded").await;
    let ticket = raised["ticket_number"].as_str().unwrap().to_owned();
    for (i, stream) in streams.iter_mut().enumerate() {
        let (_, text) = drain(
            stream,
            Duration::from_millis(if i == 0 { 3000 } else { 300 }),
        )
        .await;
        let sees_it = text.contains(&ticket);
        // Streams 0–4 are company A's, 5–9 company B's, 10–14 staff's.
        assert_eq!(sees_it, !(5..10).contains(&i), "stream {i}: {text}");
    }
}

/// HMAC-SHA256 written out from the hash function (RFC 2104), independent of the `hmac` crate
/// the server uses.
fn hmac_sha256(key: &[u8], message: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let ipad: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::new()
        .chain_update(&ipad)
        .chain_update(message)
        .finalize();
    let outer = Sha256::new()
        .chain_update(&opad)
        .chain_update(inner)
        .finalize();
    outer.iter().map(|b| format!("{b:02x}")).collect()
}

async fn webhooks_are_signed_retried_failed_and_redelivered(app: TestApp) {
    assert_eq!(
        hmac_sha256(b"Jefe", b"what do ya want for nothing?"),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        "RFC 4231 test case 2"
    );
    let (_, a, b) = app.two_tenants().await;
    let a_admin = app.token_for(Role::CustomerAdmin, Some("OCN-1001"));
    let receiver = WebhookReceiver::start();
    let secret = "a-shared-secret-of-enough-length";
    app.post(
        "/api/v1/webhooks",
        &a,
        json!({"url": receiver.url, "event_types": ["incident.*"]}),
    )
    .await
    .expect_problem(403, "forbidden");
    app.post(
        "/api/v1/webhooks",
        &a_admin,
        json!({"url": "ftp://x.example/", "event_types": ["incident.*"]}),
    )
    .await
    .expect_problem(422, "validation_failed");
    app.post(
        "/api/v1/webhooks",
        &a_admin,
        json!({"url": receiver.url, "event_types": ["tickets.*"]}),
    )
    .await
    .expect_problem(422, "validation_failed");
    let sub = app
        .post(
            "/api/v1/webhooks",
            &a_admin,
            json!({"url": receiver.url, "event_types": ["incident.created"], "secret": secret}),
        )
        .await
        .expect(201);
    let sub_id = sub.body["id"].as_i64().unwrap();
    assert_eq!(sub.body["secret"], secret);
    assert!(
        app.get("/api/v1/webhooks", &a_admin).await.expect(200).body["items"][0]
            .get("secret")
            .is_none()
    );

    let t = app.raise(&a, "SVC-A", "degraded").await;
    app.raise(&b, "SVC-B", "degraded").await; // another company's: never delivered here
    app.dispatch(Utc::now()).await;
    let got = receiver.requests();
    assert_eq!(got.len(), 1);
    let req = &got[0];
    let sig = &req.headers["x-signature"];
    let (t_part, v1_part) = sig.split_once(',').unwrap();
    let ts = t_part.strip_prefix("t=").unwrap();
    let expected = hmac_sha256(secret.as_bytes(), format!("{ts}.{}", req.body).as_bytes());
    assert_eq!(
        v1_part.strip_prefix("v1=").unwrap(),
        expected,
        "signature verifies independently"
    );
    assert!((Utc::now().timestamp() - ts.parse::<i64>().unwrap()).abs() < 60);
    let body: Value = serde_json::from_str(&req.body).unwrap();
    assert_eq!(body["type"], "incident.created");
    assert_eq!(body["ticket_number"], t["ticket_number"]);
    assert_eq!(
        req.headers["x-delivery-id"],
        body["delivery_id"].to_string()
    );

    // The endpoint fails: retried with backoff, then marked failed.
    receiver.answer(500);
    app.raise(&a, "SVC-A", "service_down").await;
    let mut now = Utc::now();
    let mut rounds = Vec::new();
    for _ in 0..5 {
        rounds.push(app.dispatch(now).await);
        now += chrono::Duration::minutes(10);
    }
    assert_eq!(
        rounds.iter().map(|r| r.retried).sum::<usize>(),
        2,
        "{rounds:?}"
    );
    assert_eq!(rounds.iter().map(|r| r.failed).sum::<usize>(), 1);
    let log = app
        .get(&format!("/api/v1/webhooks/{sub_id}/deliveries"), &a_admin)
        .await
        .expect(200);
    let failed = &log.body["items"][0];
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["attempts"], 3);
    assert_eq!(failed["attempt_log"].as_array().unwrap().len(), 3);
    assert_eq!(failed["attempt_log"][0]["response_status"], 500);
    assert_eq!(log.body["items"][1]["status"], "delivered");
    let delivery_id = failed["id"].as_i64().unwrap();
    let failing_requests = receiver.requests().len();
    assert_eq!(failing_requests, 4);

    // Fixed: redeliver, same delivery id.
    receiver.answer(204);
    let queued = app
        .post(
            &format!("/api/v1/webhooks/{sub_id}/deliveries/{delivery_id}/redeliver"),
            &a_admin,
            json!({}),
        )
        .await
        .expect(202);
    assert_eq!(queued.body["status"], "pending");
    // The earlier attempts stay counted and logged; the retry budget starts afresh.
    assert_eq!(queued.body["attempts"], 3);
    assert_eq!(queued.body["attempt_log"].as_array().unwrap().len(), 3);
    app.dispatch(now).await;
    let last = receiver.requests().last().cloned().unwrap();
    assert_eq!(last.headers["x-delivery-id"], delivery_id.to_string());
    let log = app
        .get(&format!("/api/v1/webhooks/{sub_id}/deliveries"), &a_admin)
        .await
        .expect(200);
    assert_eq!(log.body["items"][0]["status"], "delivered");
    assert_eq!(log.body["items"][0]["attempts"], 4);
    assert_eq!(
        log.body["items"][0]["attempt_log"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    // Other companies cannot see or drive this subscription.
    let b_admin = app.token_for(Role::CustomerAdmin, Some("OCN-2002"));
    app.get(&format!("/api/v1/webhooks/{sub_id}/deliveries"), &b_admin)
        .await
        .expect_problem(404, "not_found");
    app.send(
        actix_web::http::Method::DELETE,
        &format!("/api/v1/webhooks/{sub_id}"),
        Some(&b_admin),
        None,
        &[],
    )
    .await
    .expect_problem(404, "not_found");
    app.send(
        actix_web::http::Method::DELETE,
        &format!("/api/v1/webhooks/{sub_id}"),
        Some(&a_admin),
        None,
        &[],
    )
    .await
    .expect(204);
    app.raise(&a, "SVC-A", "degraded").await;
    app.dispatch(now).await;
    assert_eq!(
        receiver.requests().len(),
        failing_requests + 1,
        "no deliveries after deletion"
    );
}

/// A name that resolves to a public address when the target is registered and to the loopback
/// listener when the delivery connects (DNS rebinding) reaches nothing: the agent connects only to
/// the addresses it has just checked, and the log says so without the network's words.
async fn a_rebinding_name_reaches_nothing_private(app: TestApp) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let receiver = WebhookReceiver::start();
    let port: u16 = receiver
        .url
        .trim_start_matches("http://127.0.0.1:")
        .trim_end_matches("/hook")
        .parse()
        .unwrap();
    let lookups = Arc::new(AtomicUsize::new(0));
    let counted = lookups.clone();
    let mut settings = test_settings();
    settings.notify.webhook_allow_private = false;
    settings.notify.dns = app::webhooks::Dns::new(move |host, port| {
        if host != "rebind.partner.example" {
            return app::webhooks::Dns::system().resolve(host, port);
        }
        let first = counted.fetch_add(1, Ordering::SeqCst) == 0;
        let ip = if first { "93.184.216.34" } else { "127.0.0.1" };
        Ok(vec![std::net::SocketAddr::new(ip.parse().unwrap(), port)])
    });
    let app = app.restart(settings).await;
    let (_, a, _) = app.two_tenants().await;
    let a_admin = app.token_for(Role::CustomerAdmin, Some("OCN-1001"));

    // Addresses and encodings that reach this machine or a private network are refused at once.
    for url in [
        "http://127.0.0.1/hook".to_owned(),
        format!("http://2130706433:{port}/hook"),
        "http://0x7f.1/hook".into(),
        "http://[::ffff:127.0.0.1]/hook".into(),
        "http://[::127.0.0.1]/hook".into(),
        "http://[64:ff9b::7f00:1]/hook".into(),
        "http://[2002:7f00:1::1]/hook".into(),
        "http://198.18.0.1/hook".into(),
        "http://240.0.0.1/hook".into(),
        "http://192.0.0.170/hook".into(),
        "http://169.254.169.254/latest/meta-data".into(),
    ] {
        let refused = app
            .post(
                "/api/v1/webhooks",
                &a_admin,
                json!({"url": url, "event_types": ["incident.*"]}),
            )
            .await
            .expect_problem(422, "validation_failed");
        assert!(
            refused.body.to_string().contains("public addresses only"),
            "{url}: {}",
            refused.body
        );
    }

    let url = format!("http://rebind.partner.example:{port}/hook");
    let sub = app
        .post(
            "/api/v1/webhooks",
            &a_admin,
            json!({"url": url, "event_types": ["incident.created"]}),
        )
        .await
        .expect(201);
    assert_eq!(
        lookups.load(Ordering::SeqCst),
        1,
        "checked once at registration"
    );
    let sub_id = sub.body["id"].as_i64().unwrap();
    app.raise(&a, "SVC-A", "degraded").await;
    let round = app.dispatch(Utc::now()).await;
    assert_eq!(round.failed, 1, "{round:?}");
    assert_eq!(
        lookups.load(Ordering::SeqCst),
        2,
        "the delivery resolved the name itself, once"
    );
    assert!(
        receiver.requests().is_empty(),
        "no request reached the loopback listener"
    );
    let log = app
        .get(&format!("/api/v1/webhooks/{sub_id}/deliveries"), &a_admin)
        .await
        .expect(200);
    let delivery = &log.body["items"][0];
    assert_eq!(delivery["status"], "failed", "{delivery}");
    let attempt = &delivery["attempt_log"][0];
    assert_eq!(attempt["response_status"], Value::Null);
    assert_eq!(
        attempt["error"],
        "refused: the target does not resolve to public addresses only"
    );
    assert!(!log.body.to_string().contains("127.0.0.1"), "{}", log.body);
}

#[test]
fn private_webhook_targets_are_refused_outside_test_mode() {
    let mut settings = test_settings();
    settings.notify.webhook_allow_private = false;
    let strict = tests::ctx_of(&settings);
    let lenient = tests::ctx_of(&test_settings());
    let check = app::webhooks::check_target;
    assert!(check("http://127.0.0.1:8080/hook", &strict).is_err());
    assert!(check("http://192.168.1.20/hook", &strict).is_err());
    assert!(check("http://[::1]/hook", &strict).is_err());
    assert!(check("http://127.0.0.1:8080/hook", &lenient).is_ok());
}
