//! Issue 23, the SLA report: `GET /reports/sla` grouped by service, priority and month, from a
//! fixture of tickets, a major incident and a planned work at known times last month; every
//! figure computed by hand below. Tenancy, CSV and bad requests.

use actix_web::http::StatusCode;
use app::major_incidents::RaiseMajorIncident;
use app::planned_works::{ProposeWork, WorkStep};
use chrono::{DateTime, Duration, Utc};
use domain::service_review::CreditTable;
use domain::{Caller, Impact, IncidentStatus, Role, ServiceId, Severity};
use serde_json::{json, Value};
use tests::sinks::SmtpSink;
use tests::{on_both_backends, test_settings, TestApp};

on_both_backends!(
    the_sla_report_adds_up_tickets_durations_and_outages,
    the_sla_report_keeps_to_the_callers_company,
    the_monthly_report_is_mailed_once_with_two_instances
);

fn desk(role: Role) -> Caller {
    Caller::new("test", role, None).unwrap()
}

/// A major incident on SVC-A from `at` for `minutes`.
fn major_incident(app: &TestApp, at: DateTime<Utc>, minutes: i64) {
    let manager = desk(Role::IncidentManager);
    let ctx = tests::ctx_of(&app.settings);
    app::Store::new(app.db.clone())
        .write(|conn| {
            let major = app::major_incidents::raise(
                conn,
                &manager,
                RaiseMajorIncident {
                    summary: "Fibre cut".into(),
                    description: "d".into(),
                    severity: Severity::Major,
                    region: None,
                    started_at: Some(at),
                    affected_services: vec![ServiceId::parse("SVC-A").unwrap()],
                    incident_manager_email: None,
                    next_update_by: None,
                    estimated_restoration_at: None,
                },
                &ctx,
                at,
            )?;
            app::major_incidents::resolve(
                conn,
                &manager,
                major.ticket,
                "Fibre spliced",
                &ctx,
                at + Duration::minutes(minutes),
            )?;
            Ok(())
        })
        .unwrap();
}

/// A planned work on SVC-A from `at` for `minutes`, announced a month before.
fn planned_work(app: &TestApp, at: DateTime<Utc>, minutes: i64) {
    let changes = desk(Role::ChangeManager);
    let announced = at - Duration::days(30);
    app::Store::new(app.db.clone())
        .write(|conn| {
            let work = app::planned_works::propose(
                conn,
                &changes,
                ProposeWork {
                    title: "Router upgrade".into(),
                    description: "d".into(),
                    start_at: at,
                    end_at: at + Duration::minutes(minutes),
                    expected_impact: "Outage up to 10 minutes".into(),
                    outage_minutes: Some(10),
                    affected_services: vec![ServiceId::parse("SVC-A").unwrap()],
                    emergency: false,
                    emergency_justification: None,
                },
                announced,
            )?;
            app::planned_works::step(conn, &changes, work.id, WorkStep::Schedule, None, announced)?;
            Ok(())
        })
        .unwrap();
}

/// `100 × (1 − down / total)` to four decimals, as the report rounds it.
fn percent(down: i64, total: i64) -> f64 {
    ((1.0 - down as f64 / total as f64) * 1_000_000.0).round() / 10_000.0
}

fn group<'a>(report: &'a Value, key: &str) -> &'a Value {
    report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == key)
        .unwrap_or_else(|| panic!("no group {key} in {report}"))
}

/// The fixture, last month (`S` its first local midnight), company OCN-1001:
/// - T0, SVC-A down from S−60 min: acknowledged after 5 min, resolved after 120 (month before).
/// - T1, SVC-A down at S+2d 10:00: acknowledged after 10 min, waits for the customer from
///   minute 60 to 90, resolved at 180: 150 minutes net.
/// - T2, SVC-A degraded (P2: 30 min / 8 h) at S+5d 09:00: acknowledged after 45 min (late),
///   resolved after 600 (late).
/// - T3, SVC-A2 intermittent (P3: 2 h / 24 h) at S+10d 08:00: acknowledged after 60 min, still
///   open (overdue).
/// - T4, SVC-A no impact at S+12d 12:00: cancelled after 5 min.
/// - A planned work on SVC-A at S+15d 01:00 for 120 minutes.
/// - T5, SVC-A down at S+20d 23:00: acknowledged after 5 min, resolved after 240 (on time).
/// - A major incident on SVC-A at S+25d 08:00 for 90 minutes.
///
/// OCN-2002: T6, SVC-B degraded at S+3d: acknowledged after 10 min, open (overdue).
fn fixture(app: &TestApp) -> DateTime<Utc> {
    use IncidentStatus::*;
    let calendar = &app.settings.calendar;
    let last_month = calendar.month_of(Utc::now()).previous();
    let s = calendar.month_span(last_month).0;
    let day = |d: i64, h: i64| s + Duration::days(d) + Duration::hours(h);
    let down = Impact::ServiceDown;
    tests::ticket_at(
        app,
        "SVC-A",
        down,
        s - Duration::minutes(60),
        &[(5, Acknowledged), (10, InProgress), (120, Resolved)],
    );
    tests::ticket_at(
        app,
        "SVC-A",
        down,
        day(2, 10),
        &[
            (10, Acknowledged),
            (20, InProgress),
            (60, PendingCustomer),
            (90, InProgress),
            (180, Resolved),
        ],
    );
    tests::ticket_at(
        app,
        "SVC-B",
        Impact::Degraded,
        day(3, 0),
        &[(10, Acknowledged)],
    );
    tests::ticket_at(
        app,
        "SVC-A",
        Impact::Degraded,
        day(5, 9),
        &[(45, Acknowledged), (50, InProgress), (600, Resolved)],
    );
    tests::ticket_at(
        app,
        "SVC-A2",
        Impact::Intermittent,
        day(10, 8),
        &[(60, Acknowledged)],
    );
    tests::ticket_at(
        app,
        "SVC-A",
        Impact::NoImpact,
        day(12, 12),
        &[(5, Cancelled)],
    );
    planned_work(app, day(15, 1), 120);
    tests::ticket_at(
        app,
        "SVC-A",
        down,
        day(20, 23),
        &[(5, Acknowledged), (6, InProgress), (240, Resolved)],
    );
    major_incident(app, day(25, 8), 90);
    s
}

async fn the_sla_report_adds_up_tickets_durations_and_outages(backend: TestApp) {
    let mut settings = backend.settings.clone();
    settings.credits =
        Some(CreditTable::parse("99.95:0,99.9:5,99.5:10,0:25").expect("a credit table"));
    let app = backend.restart(settings).await;
    let (admin, a, _) = app.two_tenants().await;
    app.create_service(&admin, "SVC-A2", "OCN-1001").await;
    app.send(
        actix_web::http::Method::PATCH,
        "/api/v1/services/SVC-A",
        Some(&admin),
        Some(json!({"availability_target": 99.95})),
        &[],
    )
    .await
    .expect(200);
    let s = fixture(&app);
    let calendar = &app.settings.calendar;
    let month = calendar.month_of(s);
    let (_, end) = calendar.month_span(month);
    let minutes = (end - s).num_minutes();

    // By service, last month (the default period), as customer A.
    let report = app.get("/api/v1/reports/sla", &a).await.expect(200).body;
    assert_eq!(report["from"], json!(s), "{report}");
    assert_eq!(report["to"], json!(end));
    assert_eq!(report["group_by"], "service");
    assert_eq!(report["customer_number"], "OCN-1001");
    assert_eq!(report["groups"].as_array().unwrap().len(), 2, "{report}");
    let svc_a = group(&report, "SVC-A");
    // T1, T2, T4, T5 (T0 was raised the month before): 3 resolved, T4 cancelled.
    assert_eq!(
        svc_a["tickets"],
        json!({"raised": 4, "resolved": 3, "open": 0, "cancelled": 1})
    );
    // Response: T1 (10 min) and T5 (5) on time, T2 (45 > 30) late: 2 of 3.
    assert_eq!(
        svc_a["response"],
        json!({"met": 2, "breached": 1, "pending": 0, "met_percent": 66.67})
    );
    // Restore: T1 (150 net ≤ 240) and T5 (240 ≤ 240) met, T2 (600 > 480) breached.
    assert_eq!(
        svc_a["restore"],
        json!({"met": 2, "breached": 1, "pending": 0, "met_percent": 66.67})
    );
    // Acknowledge: 300, 600, 2,700 s: mean 1,200; p50 the 2nd (600), p90 the 3rd (2,700).
    assert_eq!(
        svc_a["time_to_acknowledge"],
        json!({"count": 3, "mean_seconds": 1200.0, "p50_seconds": 600, "p90_seconds": 2700})
    );
    // Restore, net of pauses: 9,000 (T1: 180 − 30 min), 14,400 (T5), 36,000 (T2) s: mean
    // 19,800; p50 14,400; p90 36,000.
    assert_eq!(
        svc_a["time_to_restore"],
        json!({"count": 3, "mean_seconds": 19800.0, "p50_seconds": 14400, "p90_seconds": 36000})
    );
    // Down: T0's last 60 minutes, T1 150 (net), T5 240, the major incident 90: 540 minutes;
    // the planned work's 120 apart. 540 of a month's 40,320–44,640 minutes is below 99.5 %:
    // 25 % credit.
    assert_eq!(
        svc_a["outages"],
        json!({"downtime_minutes": 540, "planned_works_minutes": 120,
            "availability_percent": percent(540, minutes), "availability_target": 99.95,
            "target_met": false, "service_credit_percent": 25.0})
    );
    assert_eq!(svc_a["customer_number"], "OCN-1001");
    let svc_a2 = group(&report, "SVC-A2");
    assert_eq!(
        svc_a2["tickets"],
        json!({"raised": 1, "resolved": 0, "open": 1, "cancelled": 0})
    );
    // T3: acknowledged in 60 of 120 minutes; its 24 h restore clock ran out while open.
    assert_eq!(svc_a2["response"]["met_percent"], 100.0);
    assert_eq!(
        svc_a2["restore"],
        json!({"met": 0, "breached": 1, "pending": 0, "met_percent": 0.0})
    );
    assert_eq!(
        svc_a2["time_to_restore"],
        json!({"count": 0, "mean_seconds": null, "p50_seconds": null, "p90_seconds": null})
    );
    assert_eq!(
        svc_a2["outages"],
        json!({"downtime_minutes": 0, "planned_works_minutes": 0, "availability_percent": 100.0,
            "availability_target": null, "target_met": null, "service_credit_percent": 0.0})
    );
    // Totals: 5 tickets; response 3 of 4 (75 %), restore 2 of 4 (50 %); acknowledge 300, 600,
    // 2,700, 3,600 s: mean 1,800, p50 the 2nd (600), p90 the 4th (3,600).
    let totals = &report["totals"];
    assert_eq!(totals["group"], "total");
    assert_eq!(
        totals["tickets"],
        json!({"raised": 5, "resolved": 3, "open": 1, "cancelled": 1})
    );
    assert_eq!(totals["response"]["met_percent"], 75.0);
    assert_eq!(totals["restore"]["met_percent"], 50.0);
    assert_eq!(
        totals["time_to_acknowledge"],
        json!({"count": 4, "mean_seconds": 1800.0, "p50_seconds": 600, "p90_seconds": 3600})
    );
    assert_eq!(totals["time_to_restore"], svc_a["time_to_restore"]);
    assert_eq!(totals["outages"]["downtime_minutes"], 540);
    assert!(totals["outages"]["availability_percent"].is_null());
    assert_eq!(
        report["targets"],
        json!({"services": 2, "with_target": 1, "met": 0, "missed": 1})
    );

    // By priority.
    let by_priority = app
        .get("/api/v1/reports/sla?group_by=priority", &a)
        .await
        .expect(200)
        .body;
    let keys: Vec<&str> = by_priority["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["group"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["P1", "P2", "P3", "P4"]);
    let p1 = group(&by_priority, "P1");
    // T1 and T5: acknowledged in 600 and 300 s (mean 450, p50 300, p90 600); restored in 9,000
    // and 14,400 s (mean 11,700).
    assert_eq!(p1["tickets"]["raised"], 2);
    assert_eq!(p1["restore"]["met"], 2);
    assert_eq!(
        p1["time_to_acknowledge"],
        json!({"count": 2, "mean_seconds": 450.0, "p50_seconds": 300, "p90_seconds": 600})
    );
    assert_eq!(p1["time_to_restore"]["mean_seconds"], 11700.0);
    assert!(p1["outages"].is_null());
    let p4 = group(&by_priority, "P4");
    // T4, cancelled: judged on nothing.
    assert_eq!(
        p4["response"],
        json!({"met": 0, "breached": 0, "pending": 0, "met_percent": null})
    );
    assert_eq!(p4["tickets"]["cancelled"], 1);

    // By month over last month only: one group, the whole report.
    let one_month = app
        .get("/api/v1/reports/sla?group_by=month", &a)
        .await
        .expect(200)
        .body;
    assert_eq!(one_month["groups"].as_array().unwrap().len(), 1);
    let only = group(&one_month, &month.to_string());
    assert_eq!(only["tickets"], totals["tickets"]);
    assert_eq!(only["time_to_acknowledge"], totals["time_to_acknowledge"]);
    assert_eq!(only["outages"]["downtime_minutes"], 540);

    // By month, SVC-A over the two months: T0 falls in the first, with its first 60 minutes
    // down (99.5–99.9 %: 10 % credit); the rest in the second.
    let before = calendar.month_span(month.previous()).0;
    let months = app
        .get(
            &format!(
                "/api/v1/reports/sla?group_by=month&service_id=SVC-A&from={}&to={}",
                before.format("%Y-%m-%dT%H:%M:%SZ"),
                end.format("%Y-%m-%dT%H:%M:%SZ")
            ),
            &a,
        )
        .await
        .expect(200)
        .body;
    let first = group(&months, &month.previous().to_string());
    let first_minutes = (s - before).num_minutes();
    assert_eq!(first["tickets"]["raised"], 1);
    assert_eq!(first["time_to_restore"]["p50_seconds"], 7200);
    assert_eq!(
        first["outages"],
        json!({"downtime_minutes": 60, "planned_works_minutes": 0,
            "availability_percent": percent(60, first_minutes), "availability_target": 99.95,
            "target_met": false, "service_credit_percent": 10.0})
    );
    let second = group(&months, &month.to_string());
    assert_eq!(second["tickets"], svc_a["tickets"]);
    assert_eq!(second["outages"], svc_a["outages"]);
    assert_eq!(second["from"], json!(s));
    // The whole period: one service, so an availability, but no month's credit.
    let whole = &months["totals"]["outages"];
    assert_eq!(whole["downtime_minutes"], 600);
    assert_eq!(
        whole["availability_percent"],
        percent(600, first_minutes + minutes)
    );
    assert!(whole["service_credit_percent"].is_null());
    assert_eq!(months["totals"]["tickets"]["raised"], 5);

    // The same report as CSV, read by a CSV parser: one row per group, then the total.
    let (status, headers, body) = app
        .download("/api/v1/reports/sla", &a, &[("Accept", "text/csv")])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers.get("content-type").unwrap(),
        "text/csv; charset=utf-8"
    );
    let disposition = headers
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"sla-report-"),
        "{disposition}"
    );
    let mut reader = csv::ReaderBuilder::new().from_reader(body.as_slice());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header, api::routes::reports::COLUMNS);
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    let cell = |row: &Vec<String>, column: &str| {
        row[header.iter().position(|h| h == column).unwrap()].clone()
    };
    assert_eq!(rows.len(), 3);
    let a_row = rows.iter().find(|r| r[0] == "SVC-A").expect("SVC-A's row");
    for (column, value) in [
        ("raised", "4"),
        ("response_met_percent", "66.67"),
        ("acknowledge_p90_seconds", "2700"),
        ("restore_mean_seconds", "19800"),
        ("downtime_minutes", "540"),
        ("planned_works_minutes", "120"),
        ("availability_target", "99.95"),
        ("target_met", "false"),
        ("service_credit_percent", "25"),
    ] {
        assert_eq!(cell(a_row, column), value, "{column}");
    }
    assert_eq!(
        cell(a_row, "availability_percent").parse::<f64>().unwrap(),
        percent(540, minutes)
    );
    let total = rows.last().unwrap();
    assert_eq!(
        (cell(total, "group"), cell(total, "raised")),
        ("total".into(), "5".into())
    );
    assert_eq!(cell(total, "availability_percent"), "");
}

async fn the_sla_report_keeps_to_the_callers_company(app: TestApp) {
    let (admin, _, b) = app.two_tenants().await;
    app.create_service(&admin, "SVC-A2", "OCN-1001").await;
    fixture(&app);
    // B sees its own service only; A's service and company are not found.
    let own = app.get("/api/v1/reports/sla", &b).await.expect(200).body;
    let keys: Vec<&str> = own["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["group"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["SVC-B"]);
    assert_eq!(own["totals"]["tickets"]["raised"], 1);
    assert_eq!(own["customer_number"], "OCN-2002");
    for path in [
        "/api/v1/reports/sla?service_id=SVC-A",
        "/api/v1/reports/sla?customer_number=OCN-1001",
        "/api/v1/reports/sla?service_id=NO-SUCH",
    ] {
        let refused = app.get(path, &b).await;
        assert_eq!(
            refused.status,
            StatusCode::NOT_FOUND,
            "{path}: {}",
            refused.body
        );
    }
    // The desk: every company, or one.
    let all = app
        .get("/api/v1/reports/sla", &admin)
        .await
        .expect(200)
        .body;
    assert!(all["customer_number"].is_null());
    assert_eq!(all["totals"]["tickets"]["raised"], 6);
    let keys: Vec<&str> = all["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["group"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["SVC-A", "SVC-A2", "SVC-B"]);
    let one = app
        .get("/api/v1/reports/sla?customer_number=OCN-2002", &admin)
        .await
        .expect(200)
        .body;
    assert_eq!(one["totals"]["tickets"]["raised"], 1);
    // One service without its company: the desk sees what its company sees, and the report
    // names no company (none was asked for).
    let service = app
        .get("/api/v1/reports/sla?service_id=SVC-B", &admin)
        .await
        .expect(200)
        .body;
    assert!(service["customer_number"].is_null());
    assert_eq!(service["service_id"], "SVC-B");
    for field in [
        "group",
        "tickets",
        "response",
        "restore",
        "time_to_acknowledge",
        "time_to_restore",
    ] {
        assert_eq!(
            service["groups"][0][field], own["groups"][0][field],
            "{field}"
        );
    }
    assert_eq!(service["groups"].as_array().unwrap().len(), 1);
    for path in [
        "/api/v1/reports/sla?customer_number=OCN-9999",
        "/api/v1/reports/sla?customer_number=OCN-1001&service_id=SVC-B",
    ] {
        let refused = app.get(path, &admin).await;
        assert_eq!(
            refused.status,
            StatusCode::NOT_FOUND,
            "{path}: {}",
            refused.body
        );
    }
    // Bad requests.
    let backwards = app
        .get(
            "/api/v1/reports/sla?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z",
            &admin,
        )
        .await;
    assert_eq!(backwards.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        backwards.body["errors"][0]["field"], "to",
        "{}",
        backwards.body
    );
    let too_long = app
        .get(
            "/api/v1/reports/sla?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z",
            &admin,
        )
        .await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
    let grouping = app.get("/api/v1/reports/sla?group_by=week", &admin).await;
    assert!(grouping.status.is_client_error(), "{}", grouping.body);
    assert_eq!(grouping.body["status"], grouping.status.as_u16());
    let xml = app
        .send(
            actix_web::http::Method::GET,
            "/api/v1/reports/sla",
            Some(&admin),
            None,
            &[("Accept", "application/xml")],
        )
        .await;
    assert_eq!(xml.status, StatusCode::NOT_ACCEPTABLE);
}

async fn the_monthly_report_is_mailed_once_with_two_instances(app: TestApp) {
    let smtp = SmtpSink::start();
    let mut settings = test_settings();
    settings.notify.smtp = Some(smtp.settings());
    let app = app.restart(settings).await;
    let (admin, _, _) = app.two_tenants().await;
    app.create_service(&admin, "SVC-A2", "OCN-1001").await;
    let a_admin = app.token_for(Role::CustomerAdmin, Some("OCN-1001"));
    let b_admin = app.token_for(Role::CustomerAdmin, Some("OCN-2002"));
    let notices = |reports: bool| {
        json!({"incident_updates": false, "major_incidents": false, "planned_works": false,
            "escalations": false, "service_reports": reports})
    };
    // A's reader, A's contact who did not ask for reports, and B's contact who asked but never
    // confirmed the address.
    for (token, email, reports) in [
        (&a_admin, "reviews@acme.example", true),
        (&a_admin, "noc@acme.example", false),
        (&b_admin, "reviews@globex.example", true),
    ] {
        let created = app
            .post(
                "/api/v1/contacts",
                token,
                json!({"name": email, "email": email, "notices": notices(reports)}),
            )
            .await
            .expect(201);
        assert_eq!(created.body["notices"]["service_reports"], reports);
    }
    app.dispatch(Utc::now()).await;
    let confirmation = smtp
        .messages()
        .into_iter()
        .find(|m| m.to == "reviews@acme.example")
        .expect("a confirmation mail");
    app.send(
        actix_web::http::Method::POST,
        "/api/v1/contact-confirmations",
        None,
        Some(json!({"token": confirmation.code()})),
        &[],
    )
    .await
    .expect(200);
    app.send(
        actix_web::http::Method::PATCH,
        "/api/v1/services/SVC-A",
        Some(&admin),
        Some(json!({"availability_target": 99.95})),
        &[],
    )
    .await
    .expect(200);
    let s = fixture(&app);
    let calendar = &app.settings.calendar;
    let month = calendar.month_of(s);
    // From the first working day of this month on (now, or that day if it is still to come).
    let first_day = calendar.start_of_day(calendar.first_working_day(month.next()));
    let now = Utc::now().max(first_day + Duration::hours(1));
    // The fixture's own notices reach none of these contacts.
    app.dispatch(now).await;

    // Two instances run the job at once: one report is queued for A (B's reader is not
    // confirmed), and each company's month is recorded once.
    let other = app.second_instance().await;
    let (one, two) = (app.state(), other.state());
    let (sent_one, sent_two) = std::thread::scope(|scope| {
        let a = scope.spawn(|| api::workers::jobs::service_reports(&one, now));
        let b = scope.spawn(|| api::workers::jobs::service_reports(&two, now));
        (a.join().unwrap().unwrap(), b.join().unwrap().unwrap())
    });
    assert_eq!(sent_one + sent_two, 1, "{sent_one} + {sent_two}");
    // Both instances send the outbox.
    let (r1, r2) = futures_util::join!(app.dispatch(now), other.dispatch(now));
    assert_eq!(r1.expanded + r2.expanded, 1);
    // Again, later in the month: nothing more.
    assert_eq!(
        api::workers::jobs::service_reports(&one, now + Duration::days(3)).unwrap(),
        0
    );
    assert_eq!(
        api::workers::jobs::service_reports(&two, now + Duration::days(3)).unwrap(),
        0
    );
    app.dispatch(now).await;

    let mails: Vec<_> = smtp
        .messages()
        .into_iter()
        .filter(|m| m.subject.starts_with("Service report"))
        .collect();
    assert_eq!(mails.len(), 1, "{mails:?}");
    let mail = &mails[0];
    assert_eq!(mail.to, "reviews@acme.example");
    assert_eq!(
        mail.subject,
        format!("Service report for {month}: OCN-1001")
    );
    // The figures of the report (hand-computed in the fixture's test): SVC-A down 540 minutes,
    // 120 of planned works, below its target; 5 tickets, 3 resolved.
    for line in [
        "Tickets raised: 5 (resolved 3, still open 1)",
        "Response on time: 75.0%; restore on time: 50.0%",
        "Downtime: 540 min; planned works: 120 min",
        "target 99.95%: missed",
        "downtime 540 min, planned works 120 min",
        "GET /api/v1/reports/sla?from=",
    ] {
        assert!(mail.body.contains(line), "{line:?} not in:\n{}", mail.body);
    }
    assert!(mail.body.contains("SVC-A2"), "{}", mail.body);
    assert!(!mail.body.contains("SVC-B"), "{}", mail.body);
}
