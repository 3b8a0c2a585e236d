//! Issue 23, exports: `GET /incidents/export` streams every ticket the list's filters select, as
//! CSV or NDJSON; read back with a real CSV parser it must say what the list API says, within the
//! caller's tenancy, with formula cells neutralised.

use app::incidents::RaiseIncident;
use chrono::{Duration, SubsecRound, Utc};
use domain::{Caller, Impact, Reporter, Role, ServiceId, ServiceLocator};
use serde_json::{json, Value};
use tests::{on_both_backends, TestApp};

on_both_backends!(
    an_export_says_what_the_list_says_in_every_form,
    cells_a_spreadsheet_would_run_are_neutralised
);

/// Raises `count` tickets on `service` directly (one transaction), a minute apart, the newest
/// now, impacts in turn.
fn raise_many(app: &TestApp, service: &str, count: usize) {
    let now = Utc::now().trunc_subsecs(6);
    let desk = Caller::new("test", Role::Agent, None).unwrap();
    let ctx = tests::ctx_of(&app.settings);
    let impacts = [Impact::ServiceDown, Impact::Degraded, Impact::Intermittent];
    let service = service.to_owned();
    app::Store::new(app.db.clone())
        .write(move |conn| {
            for k in 0..count {
                app::incidents::raise(
                    conn,
                    &desk,
                    RaiseIncident {
                        locator: ServiceLocator::ServiceId(ServiceId::parse(&service).unwrap()),
                        summary: format!("Fault {k} on {service}, \"quoted\", with a comma"),
                        description: format!("Line one of {k}\nline two"),
                        impact: impacts[k % impacts.len()],
                        reporter: Reporter {
                            name: "Rita Reporter".into(),
                            email: "rita@acme.example".into(),
                            phone: "+44 20 7946 0000".into(),
                        },
                        external_id: (k % 2 == 0).then(|| format!("EXT-{k}")),
                    },
                    &ctx,
                    now - Duration::minutes(count as i64 - k as i64),
                )?;
            }
            Ok(())
        })
        .unwrap();
}

/// Every ticket of the list API for `query`, all pages, as JSON.
async fn listed(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = match &cursor {
            None => format!("/api/v1/incidents?limit=100&{query}"),
            Some(c) => format!("/api/v1/incidents?limit=100&cursor={c}&{query}"),
        };
        let body = app.get(&page, token).await.expect(200).body;
        items.extend(body["items"].as_array().unwrap().iter().cloned());
        match body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return items,
        }
    }
}

/// The export for `query`, as (status, content type, content disposition, body).
async fn export(
    app: &TestApp,
    token: &str,
    query: &str,
    accept: Option<&str>,
) -> (u16, String, String, Vec<u8>) {
    let headers: Vec<(&str, &str)> = accept.iter().map(|a| ("Accept", *a)).collect();
    let (status, headers, body) = app
        .download(
            &format!("/api/v1/incidents/export?{query}"),
            token,
            &headers,
        )
        .await;
    let header = |name: &str| {
        headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    (
        status.as_u16(),
        header("content-type"),
        header("content-disposition"),
        body,
    )
}

/// Where a CSV column's value sits in the list's JSON.
fn json_path(column: &str) -> Vec<&str> {
    match column {
        "reporter_name" => vec!["reporter", "name"],
        "reporter_email" => vec!["reporter", "email"],
        "reporter_phone" => vec!["reporter", "phone"],
        "resolution_cause" => vec!["resolution", "cause"],
        "resolution_fix" => vec!["resolution", "fix"],
        "response_due_at"
        | "responded_at"
        | "response_breached"
        | "restore_due_at"
        | "restore_remaining_seconds"
        | "restore_breached"
        | "at_risk"
        | "paused"
        | "stopped" => {
            vec!["sla", column]
        }
        other => vec![other],
    }
}

/// What a CSV cell must hold for a JSON value: free text neutralised, null empty.
fn expected_cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) if s.starts_with(['=', '+', '-', '@', '\t', '\r']) => format!("'{s}"),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Parses a CSV export with the `csv` crate (RFC 4180): the header and the rows.
fn parse_csv(body: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(body);
    let header: Vec<String> = reader
        .headers()
        .expect("a header row")
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| {
            r.expect("an RFC 4180 record")
                .iter()
                .map(str::to_owned)
                .collect()
        })
        .collect();
    (header, rows)
}

/// Checks CSV rows against the list's tickets, cell by cell (the clock's own figure, the time
/// left, moves between the two reads and is left out).
fn assert_rows_match(header: &[String], rows: &[Vec<String>], items: &[Value]) {
    assert_eq!(rows.len(), items.len(), "rows of the export and the list");
    for (row, item) in rows.iter().zip(items) {
        assert_eq!(row.len(), header.len());
        for (column, cell) in header.iter().zip(row) {
            if column == "restore_remaining_seconds" {
                assert!(cell.parse::<i64>().is_ok(), "{column}: {cell}");
                continue;
            }
            let value = json_path(column)
                .iter()
                .fold(item, |v, key| v.get(key).unwrap_or(&Value::Null));
            assert_eq!(
                cell,
                &expected_cell(value),
                "{column} of {}",
                item["ticket_number"]
            );
        }
    }
}

fn without_clock(mut v: Value) -> Value {
    v["sla"]
        .as_object_mut()
        .unwrap()
        .remove("restore_remaining_seconds");
    v
}

async fn an_export_says_what_the_list_says_in_every_form(app: TestApp) {
    let (admin, a, b) = app.two_tenants().await;
    // More than one page of the export's reads (500), on A; a few on B.
    raise_many(&app, "SVC-A", 1_203);
    raise_many(&app, "SVC-B", 7);
    let noc = app.token_for(Role::Agent, None);
    let first = listed(&app, &a, "").await[0]["ticket_number"]
        .as_str()
        .unwrap()
        .to_owned();
    for to in ["acknowledged", "in_progress"] {
        app.transition(&noc, &first, json!({ "to": to }))
            .await
            .expect(200);
    }
    app.transition(
        &noc,
        &first,
        json!({"to": "resolved", "resolution": {"cause": "Card failure", "fix": "-48V feed restored"}}),
    )
    .await
    .expect(200);

    // CSV, the default: a header, then A's tickets exactly as the list gives them.
    let (status, content_type, disposition, body) = export(&app, &a, "", None).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(content_type, "text/csv; charset=utf-8");
    assert!(
        disposition.starts_with("attachment; filename=\"incidents-")
            && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    let (header, rows) = parse_csv(&body);
    assert_eq!(header[0], "ticket_number");
    let items = listed(&app, &a, "").await;
    assert_eq!(items.len(), 1_203);
    assert_rows_match(&header, &rows, &items);
    // The resolved one: its fix starts with '-', so it is neutralised.
    let resolved = rows.iter().find(|r| r[0] == first).unwrap();
    let fix = header.iter().position(|c| c == "resolution_fix").unwrap();
    assert_eq!(resolved[fix], "'-48V feed restored");
    assert!(rows
        .iter()
        .all(|r| r[header.iter().position(|c| c == "customer_number").unwrap()] == "OCN-1001"));

    // The list's filters and order, the same.
    for query in [
        "status=resolved",
        "priority=P1&sort=logged_at",
        "open=true&service_id=SVC-A",
        "external_id=EXT-10",
    ] {
        let (status, _, _, body) = export(&app, &a, query, Some("text/csv")).await;
        assert_eq!(status, 200, "{query}");
        let (header, rows) = parse_csv(&body);
        assert_rows_match(&header, &rows, &listed(&app, &a, query).await);
    }

    // NDJSON: each line a ticket as the list shows it.
    let (status, content_type, disposition, body) =
        export(&app, &a, "", Some("application/x-ndjson")).await;
    assert_eq!(status, 200);
    assert_eq!(content_type, "application/x-ndjson");
    assert!(disposition.ends_with(".ndjson\""), "{disposition}");
    let lines: Vec<Value> = std::str::from_utf8(&body)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(
        lines.into_iter().map(without_clock).collect::<Vec<_>>(),
        items.into_iter().map(without_clock).collect::<Vec<_>>()
    );

    // Tenancy: B sees its 7 only, and nothing when it names A; the desk chooses a company.
    let (_, _, _, body) = export(&app, &b, "", None).await;
    let (_, rows) = parse_csv(&body);
    assert_eq!(rows.len(), 7);
    let (_, _, _, body) = export(&app, &b, "customer_number=OCN-1001", None).await;
    assert!(
        parse_csv(&body).1.is_empty()
            && listed(&app, &b, "customer_number=OCN-1001")
                .await
                .is_empty(),
        "another company's number selects nothing for a customer, as in the list"
    );
    let (_, _, _, body) = export(&app, &admin, "customer_number=OCN-2002", None).await;
    let (header, rows) = parse_csv(&body);
    assert_rows_match(
        &header,
        &rows,
        &listed(&app, &admin, "customer_number=OCN-2002").await,
    );
    let (_, _, _, body) = export(&app, &admin, "", None).await;
    assert_eq!(parse_csv(&body).1.len(), 1_210);

    // Nothing selected: the header alone.
    let (status, _, _, body) = export(&app, &a, "parent_ticket_number=1-0000000000", None).await;
    assert_eq!(status, 200);
    let (header, rows) = parse_csv(&body);
    assert!(rows.is_empty() && header.len() > 20);

    // A format it does not serve, or a bad filter: problem+json.
    app.send(
        actix_web::http::Method::GET,
        "/api/v1/incidents/export",
        Some(&a),
        None,
        &[("Accept", "application/json")],
    )
    .await
    .expect_problem(406, "not_acceptable");
    app.get("/api/v1/incidents/export?status=bogus", &a)
        .await
        .expect(422);
}

async fn cells_a_spreadsheet_would_run_are_neutralised(app: TestApp) {
    let (_, a, _) = app.two_tenants().await;
    let mut body = tests::raise_body("service_id", "SVC-A", "service_down");
    body["summary"] = json!("=HYPERLINK(\"http://evil.example\",\"click\")");
    body["description"] = json!("+1+1");
    body["reporter"]["name"] = json!("@SUM(A1:A9)");
    body["external_id"] = json!("-2+3");
    let raised = app
        .post("/api/v1/incidents", &a, body)
        .await
        .expect(201)
        .body;
    let (_, _, _, csv) = export(&app, &a, "", None).await;
    let (header, rows) = parse_csv(&csv);
    assert_eq!(rows.len(), 1);
    let cell = |column: &str| rows[0][header.iter().position(|c| c == column).unwrap()].clone();
    assert_eq!(
        cell("ticket_number"),
        raised["ticket_number"].as_str().unwrap()
    );
    assert_eq!(
        cell("summary"),
        "'=HYPERLINK(\"http://evil.example\",\"click\")"
    );
    assert_eq!(cell("description"), "'+1+1");
    assert_eq!(cell("reporter_name"), "'@SUM(A1:A9)");
    assert_eq!(cell("external_id"), "'-2+3");
    // A figure is a figure: the escalation level and version are not text.
    assert_eq!(cell("escalation_level"), "0");
    // NDJSON carries the text as it is: JSON runs nothing.
    let (_, _, _, ndjson) = export(&app, &a, "", Some("application/x-ndjson")).await;
    let line: Value =
        serde_json::from_slice(ndjson.split(|b| *b == b'\n').next().unwrap()).unwrap();
    assert_eq!(line["summary"], raised["summary"]);
    assert_eq!(line["external_id"], "-2+3");
}
