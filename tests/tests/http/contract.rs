//! R-API1/2/6: the published contract matches the code, every error is problem+json, Swagger UI
//! and the probes are served, and the two migration trees stay aligned.

use actix_web::http::Method;
use serde_json::json;
use tests::{on_both_backends, TestApp};

on_both_backends!(
    malformed_requests_are_problem_json,
    unknown_routes_are_problem_json,
    oversized_body_is_413,
    unsupported_methods_are_405_with_allow,
    nul_characters_are_refused,
    control_characters_are_refused,
    query_values_follow_the_published_patterns,
    bodies_are_objects_and_non_nullable_fields_refuse_null,
    swagger_ui_and_contract_are_served,
    health_probes_answer,
    services_crud_with_etags,
    authentication_then_route_and_role_then_body,
    integers_may_be_written_with_a_zero_fraction,
);

#[test]
fn openapi_yaml_matches_the_code() {
    let generated = api::openapi::to_yaml(&api::openapi()).expect("yaml");
    assert!(
        committed_openapi_yaml() == generated,
        "openapi.yaml is out of date: run `make openapi` and commit the result"
    );
}

#[test]
fn every_operation_documents_its_errors_and_has_a_summary() {
    let spec = serde_json::to_value(api::openapi()).expect("json");
    let paths = spec["paths"].as_object().expect("paths");
    assert!(paths.len() >= 10);
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let name = format!("{method} {path}");
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{name}: summary"
            );
            assert!(
                op["description"].as_str().is_some_and(|s| !s.is_empty()),
                "{name}: description"
            );
            assert!(
                op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{name}: tags"
            );
            let responses = op["responses"].as_object().unwrap();
            // `security: [{}]` marks a public operation.
            let secured = op["security"].as_array().is_some_and(|r| {
                r.iter()
                    .any(|r| r.as_object().is_some_and(|o| !o.is_empty()))
            });
            if secured {
                assert!(responses.contains_key("401"), "{name}: documents 401");
            }
            if !path.starts_with("/health") || path.ends_with("ready") {
                assert!(
                    responses.keys().any(|k| k.starts_with('5')),
                    "{name}: documents 5xx"
                );
            }
        }
    }
    assert_eq!(
        spec["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}

#[test]
fn migration_trees_list_the_same_migrations() {
    let dir = |backend: &str| {
        let root = format!("{}/../migrations/{backend}", env!("CARGO_MANIFEST_DIR"));
        let mut names: Vec<String> = std::fs::read_dir(root)
            .expect("migrations dir")
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert!(!dir("sqlite").is_empty());
    assert_eq!(dir("sqlite"), dir("postgres"));
    let (sqlite, postgres) = persistence::db::migration_names();
    assert_eq!(sqlite, postgres, "embedded migrations match");
    assert_eq!(sqlite.len(), dir("sqlite").len());
}

async fn malformed_requests_are_problem_json(app: TestApp) {
    let admin = app.admin_token().await;
    let url = format!("{}/api/v1/customers", app.base_url);
    let mut resp = app
        .client
        .post(&url)
        .insert_header(("Authorization", format!("Bearer {admin}")))
        .insert_header(("Content-Type", "application/json"))
        .send_body("{\"customer_number\": ")
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    assert_eq!(
        resp.headers().get("content-type").unwrap(),
        "application/problem+json"
    );
    let body: serde_json::Value = serde_json::from_slice(&resp.body().await.unwrap()).unwrap();
    assert_eq!(body["code"], "malformed_json");

    let mut resp = app
        .client
        .post(&url)
        .insert_header(("Authorization", format!("Bearer {admin}")))
        .insert_header(("Content-Type", "text/plain"))
        .send_body("hello")
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 415);
    let body: serde_json::Value = serde_json::from_slice(&resp.body().await.unwrap()).unwrap();
    assert_eq!(body["code"], "unsupported_media_type");

    app.post(
        "/api/v1/customers",
        &admin,
        json!({"customer_number": 5, "name": []}),
    )
    .await
    .expect_problem(422, "invalid_body");
    app.post(
        "/api/v1/customers",
        &admin,
        json!({"customer_number": "no spaces allowed", "name": "x"}),
    )
    .await
    .expect_problem(422, "validation_failed");
    app.get("/api/v1/incidents?limit=lots", &admin)
        .await
        .expect_problem(400, "invalid_query");
}

async fn unknown_routes_are_problem_json(app: TestApp) {
    let admin = app.admin_token().await;
    app.get("/api/v1/nothing-here", &admin)
        .await
        .expect_problem(404, "route_not_found");
    app.send(
        Method::DELETE,
        "/api/v1/customers/nothing/here",
        Some(&admin),
        None,
        &[],
    )
    .await
    .expect_problem(404, "route_not_found");
}

/// A known path with a method it does not serve is 405 with `Allow` (found by schemathesis).
async fn unsupported_methods_are_405_with_allow(app: TestApp) {
    let admin = app.admin_token().await;
    let reply = app
        .send(Method::DELETE, "/api/v1/customers", Some(&admin), None, &[])
        .await
        .expect_problem(405, "method_not_allowed");
    assert_eq!(reply.header("allow"), Some("GET, POST"));
    let reply = app
        .send(
            Method::PUT,
            "/api/v1/incidents/1-0000000001",
            None,
            None,
            &[],
        )
        .await
        .expect_problem(405, "method_not_allowed");
    assert_eq!(reply.header("allow"), Some("GET, PATCH"));
    let reply = app
        .send(Method::TRACE, "/health/live", None, None, &[])
        .await
        .expect_problem(405, "method_not_allowed");
    assert_eq!(reply.header("allow"), Some("GET"));
}

/// NUL characters are refused before they reach the database, where PostgreSQL would fail on
/// them with a 500 (found by schemathesis): in JSON bodies, query strings and paths alike.
async fn nul_characters_are_refused(app: TestApp) {
    let admin = app.admin_token().await;
    let reply = app
        .post(
            "/api/v1/customers",
            &admin,
            json!({"customer_number": "OCN-1001", "name": "Acme\u{0}Ltd"}),
        )
        .await
        .expect_problem(422, "validation_failed");
    assert_eq!(reply.body["errors"][0]["field"], "name");
    assert_eq!(reply.body["errors"][0]["code"], "nul_character");
    app.get("/api/v1/help/articles?q=a%00b", &admin)
        .await
        .expect_problem(400, "invalid_query");
    app.get("/api/v1/services/SVC%00-1", &admin)
        .await
        .expect_problem(400, "invalid_path");
    // Nothing was stored, on either backend.
    app.get("/api/v1/customers/OCN-1001", &admin)
        .await
        .expect_problem(404, "not_found");
}

/// Issue 20: control characters other than tab and line feed are refused in every free-text
/// field (a bare CR would end an iCalendar line or a log line; ESC drives terminals; U+0085 is a
/// line break to some readers), with the field and the character named; tabs and line feeds pass,
/// and what the schema does not declare is not judged. The contract states the rule as a pattern.
async fn control_characters_are_refused(app: TestApp) {
    let admin = app.admin_token().await;
    for (name, shown) in [
        ("Acme\rLtd", "U+000D"),
        ("Acme\u{1b}[2JLtd", "U+001B"),
        ("Acme\u{7f}", "U+007F"),
        ("Acme\u{85}Ltd", "U+0085"),
    ] {
        let reply = app
            .post(
                "/api/v1/customers",
                &admin,
                json!({"customer_number": "OCN-1001", "name": name}),
            )
            .await
            .expect_problem(422, "validation_failed");
        assert_eq!(reply.body["errors"][0]["field"], "name");
        assert_eq!(reply.body["errors"][0]["code"], "control_character");
        let message = reply.body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(shown), "{message}");
    }
    app.get("/api/v1/customers/OCN-1001", &admin)
        .await
        .expect_problem(404, "not_found");
    // Nested, on a route with a path parameter, and under the carrier facade.
    let (_, a, _) = app.two_tenants().await;
    let mut body = tests::raise_body("service_id", "SVC-A", "degraded");
    body["reporter"]["name"] = json!("Bob\rSmith");
    let reply = app
        .post("/api/v1/incidents", &a, body)
        .await
        .expect_problem(422, "validation_failed");
    assert_eq!(reply.body["errors"][0]["field"], "reporter.name");
    let ticket = app.raise(&a, "SVC-A", "degraded").await["ticket_number"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post(
        &format!("/api/v1/incidents/{ticket}/updates"),
        &a,
        json!({"text": "line one\r\nline two"}),
    )
    .await
    .expect_problem(422, "validation_failed");
    let tmf = app
        .post(
            "/tmf-api/troubleTicket/v4/troubleTicket",
            &a,
            json!({"description": "Down\u{1b}", "ticketType": "incident", "severity": "Major",
                   "relatedEntity": [{"id": "SVC-A", "role": "affectedService", "@referredType": "Service"}]}),
        )
        .await;
    // The TMF621 v4 document has no 422: invalid input is its 400, with the same field code.
    assert_eq!(tmf.status.as_u16(), 400, "{}", tmf.body);
    assert!(
        tmf.body.to_string().contains("control_character"),
        "{}",
        tmf.body
    );
    // Tabs and line feeds are text; an undeclared property is ignored as before, whatever it holds.
    let mut body = tests::raise_body("service_id", "SVC-A", "degraded");
    body["description"] = json!("line one\n\tline two");
    body["x-extra"] = json!("\r\u{1b}");
    app.post("/api/v1/incidents", &a, body).await.expect(201);
    // The contract says so.
    let doc = app
        .get("/api-docs/openapi.json", &admin)
        .await
        .expect(200)
        .body;
    let summary = &doc["components"]["schemas"]["RaiseIncident"]["properties"]["summary"];
    assert_eq!(
        summary["pattern"],
        "^[^\\u0000-\\u0008\\u000B-\\u001F\\u007F-\\u009F]*$"
    );
}

/// What the contract's patterns and caps allow is accepted; anything else is refused, not
/// silently trimmed or truncated (both found by schemathesis).
async fn query_values_follow_the_published_patterns(app: TestApp) {
    let admin = app.admin_token().await;
    // Any cursor of the published form is a position, even one this API never handed out.
    for cursor in ["0.0", "fffffffffffff.fffffffffffffff"] {
        app.get(&format!("/api/v1/incidents?cursor={cursor}"), &admin)
            .await
            .expect(200);
    }
    for cursor in ["%2B1.1", "A.1", "1.1%20", "ffffffffffffff.1"] {
        app.get(&format!("/api/v1/incidents?cursor={cursor}"), &admin)
            .await
            .expect_problem(422, "validation_failed");
    }
    // Filters take exactly their published patterns: untrimmed, and no blank (found by
    // schemathesis: `service_id=` and `customer_number=__main__` were schema-valid, yet 422).
    for query in [
        "customer_number=ocn-1001",
        "customer_number=OCN-1001",
        "service_id=SVC-A",
    ] {
        app.get(&format!("/api/v1/incidents?{query}"), &admin)
            .await
            .expect(200);
    }
    for query in [
        "customer_number=__main__",
        "customer_number=%20OCN-1001",
        "service_id=",
        "service_id=%20SVC-A",
    ] {
        app.get(&format!("/api/v1/incidents?{query}"), &admin)
            .await
            .expect_problem(422, "validation_failed");
    }
    app.get("/api/v1/services?customer_number=%20OCN-1001", &admin)
        .await
        .expect_problem(422, "validation_failed");
    let long_external_id = format!("external_id={}", "x".repeat(101));
    for query in ["status=new,", "status=new,%20closed", &long_external_id] {
        app.get(&format!("/api/v1/incidents?{query}"), &admin)
            .await
            .expect_problem(422, "validation_failed");
    }
    let long = "a".repeat(201);
    app.get(&format!("/api/v1/help/articles?q={long}"), &admin)
        .await
        .expect_problem(422, "validation_failed");
    let tt = "/tmf-api/troubleTicket/v4/troubleTicket";
    for query in [
        "status=acknowledged,",
        "status=%20acknowledged",
        "fields=status,",
        "fields=",
    ] {
        app.get(&format!("{tt}?{query}"), &admin)
            .await
            .expect_tmf_error(400, "validation_failed");
    }
    app.get(
        &format!("{tt}?status=acknowledged,inProgress&fields=status"),
        &admin,
    )
    .await
    .expect(200);
}

/// serde reads a struct from a JSON array and an `Option` from `null`; the contract allows
/// neither, so neither is accepted (found by schemathesis), and nothing is written.
async fn bodies_are_objects_and_non_nullable_fields_refuse_null(app: TestApp) {
    let admin = app.admin_token().await;
    app.post(
        "/api/v1/customers",
        &admin,
        json!(["OCN-7007", "Array Ltd"]),
    )
    .await
    .expect_problem(422, "validation_failed");
    app.get("/api/v1/customers/OCN-7007", &admin)
        .await
        .expect_problem(404, "not_found");
    let service = json!({"service_id": "SVC-7007", "circuit_reference": "LON/ETH/7007",
        "order_number": "ORD-7007", "customer_number": "OCN-1001", "product": "Ethernet",
        "label": "Null test", "status": null});
    let refused = app.post("/api/v1/services", &admin, service).await;
    assert!(
        [400, 422].contains(&refused.status.as_u16()),
        "null status: {}",
        refused.status
    );
    app.get("/api/v1/services/SVC-7007", &admin)
        .await
        .expect_problem(404, "not_found");
    // The event stream's query parameter is an event id or nothing.
    app.get("/api/v1/events?last_event_id=next", &admin)
        .await
        .expect_problem(422, "validation_failed");
    app.send(
        Method::GET,
        "/api/v1/events",
        Some(&admin),
        None,
        &[("Last-Event-ID", "9223372036854775808")],
    )
    .await
    .expect_problem(422, "validation_failed");
}

async fn oversized_body_is_413(app: TestApp) {
    let admin = app.admin_token().await;
    let huge = "x".repeat(api::JSON_BODY_LIMIT + 1);
    app.post(
        "/api/v1/customers",
        &admin,
        json!({"customer_number": "OCN-1", "name": huge}),
    )
    .await
    .expect_problem(413, "payload_too_large");
}

async fn swagger_ui_and_contract_are_served(app: TestApp) {
    let mut ui = app
        .client
        .get(format!("{}/swagger-ui/", app.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(ui.status().as_u16(), 200);
    let html = String::from_utf8(ui.body().await.unwrap().to_vec()).unwrap();
    assert!(html.contains("swagger"), "Swagger UI page");
    let spec = app
        .send(Method::GET, "/api-docs/openapi.json", None, None, &[])
        .await
        .expect(200);
    assert_eq!(spec.body, serde_json::to_value(api::openapi()).unwrap());
    assert!(spec.body["paths"]["/api/v1/incidents"]["post"].is_object());
    // The rules the server enforces are the patterns the contract states (one source each), on
    // every request field they apply to.
    let requested = request_schemas(&spec.body);
    let schemas = &spec.body["components"]["schemas"];
    let mut seen = (0, 0);
    for name in &requested {
        let properties = &schemas[name.as_str()]["properties"];
        // The escalation matrix's numbers follow another rule (E.164, `domain::escalation::is_e164`),
        // which its exclusion in scripts/schemathesis.toml names.
        if properties.get("phone").is_some() && name != "MatrixLevelView" {
            assert_eq!(
                properties["phone"]["pattern"],
                api::http::validation::PHONE_PATTERN,
                "{name}"
            );
            seen.0 += 1;
        }
        if properties.get("password").is_some() && name != "PasswordGrant" {
            assert_eq!(
                properties["password"]["pattern"],
                domain::account::PASSWORD_MIX_PATTERN,
                "{name}"
            );
            seen.1 += 1;
        }
    }
    // Reporter, escalating person, service owner, contact (create and update); user, registration.
    assert_eq!(seen, (5, 2), "{requested:?}");
    // Idempotency-Key is declared where the layer serves it (a signed-in caller's POST), and only
    // there; query filters carry no example for "Try it out" to fill in (the page size does).
    let paths = &spec.body["paths"];
    let names = |op: &serde_json::Value| -> Vec<String> {
        op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| p["name"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert!(names(&paths["/api/v1/incidents"]["post"]).contains(&"Idempotency-Key".to_owned()));
    for public in ["/api/v1/auth/token", "/api/v1/registrations"] {
        assert!(!names(&paths[public]["post"]).contains(&"Idempotency-Key".to_owned()));
    }
    for parameter in paths["/api/v1/incidents"]["get"]["parameters"]
        .as_array()
        .unwrap()
    {
        let shown = parameter.get("example").is_some()
            || parameter["schema"].get("examples").is_some()
            || parameter["schema"].get("example").is_some();
        assert_eq!(shown, parameter["name"] == "limit", "{parameter}");
    }
    // Swagger UI calls no other host (no validator badge), keeps the token over a reload, and
    // offers the OAuth 2.0 password flow against our token operation.
    let mut init = app
        .client
        .get(format!(
            "{}/swagger-ui/swagger-initializer.js",
            app.base_url
        ))
        .send()
        .await
        .unwrap();
    let csp = init
        .headers()
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("connect-src 'self'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    let init = String::from_utf8(init.body().await.unwrap().to_vec()).unwrap();
    assert!(init.contains(r#""validatorUrl": "none""#), "{init}");
    assert!(init.contains(r#""persistAuthorization": true"#), "{init}");
    assert_eq!(
        spec.body["components"]["securitySchemes"]["oauth2"]["flows"]["password"]["tokenUrl"],
        "/api/v1/auth/token"
    );
    // `/swagger-ui` without the slash leads to the page.
    let redirect = awc::Client::builder()
        .disable_redirects()
        .finish()
        .get(format!("{}/swagger-ui", app.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(redirect.status().as_u16(), 301);
    assert_eq!(redirect.headers().get("location").unwrap(), "/swagger-ui/");
    // Client generators read openapi.yaml with YAML 1.1 loaders (PyYAML here; SnakeYAML, Ruby):
    // they must see exactly the served document, every example timestamp still a string.
    assert_eq!(yaml11_load(&committed_openapi_yaml()), spec.body);
}

/// The component schemas a request body is made of (its own and those it refers to).
fn request_schemas(doc: &serde_json::Value) -> std::collections::BTreeSet<String> {
    fn visit(
        node: &serde_json::Value,
        doc: &serde_json::Value,
        out: &mut std::collections::BTreeSet<String>,
    ) {
        match node {
            serde_json::Value::Object(map) => {
                if let Some(name) = map
                    .get("$ref")
                    .and_then(|r| r.as_str())
                    .and_then(|r| r.strip_prefix("#/components/schemas/"))
                {
                    if out.insert(name.to_owned()) {
                        visit(&doc["components"]["schemas"][name], doc, out);
                    }
                }
                map.values().for_each(|v| visit(v, doc, out));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| visit(v, doc, out)),
            _ => {}
        }
    }
    let mut out = std::collections::BTreeSet::new();
    for item in doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|p| p.values())
    {
        for op in item.as_object().into_iter().flat_map(|i| i.values()) {
            visit(&op["requestBody"], doc, &mut out);
        }
    }
    out
}

fn committed_openapi_yaml() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml");
    std::fs::read_to_string(path).expect("openapi.yaml")
}

/// Loads YAML with PyYAML (a YAML 1.1 loader); anything it resolves to a type JSON does not have
/// (a timestamp, a date) comes back as `{"yaml11": "<type>: <value>"}`, so a comparison shows it.
fn yaml11_load(yaml: &str) -> serde_json::Value {
    use std::io::Write;
    let script = "import json, sys, yaml\n\
        doc = yaml.safe_load(sys.stdin)\n\
        print(json.dumps(doc, default=lambda o: {'yaml11': type(o).__name__ + ': ' + str(o)}))";
    let mut child = std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 (with PyYAML: scripts/setup.sh installs it)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(yaml.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "PyYAML could not load openapi.yaml");
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn yaml11_loader_sees_timestamps_written_plain_as_non_strings() {
    // The check above can fail: a plain timestamp is not a string to a YAML 1.1 loader.
    assert_eq!(
        yaml11_load("at: 2026-11-28T09:12:00Z\nquoted: \"2026-11-28T09:12:00Z\"\n"),
        json!({"at": {"yaml11": "datetime: 2026-11-28 09:12:00+00:00"}, "quoted": "2026-11-28T09:12:00Z"})
    );
}

async fn health_probes_answer(app: TestApp) {
    let live = app
        .send(Method::GET, "/health/live", None, None, &[])
        .await
        .expect(200);
    assert_eq!(live.body["status"], "ok");
    let ready = app
        .send(Method::GET, "/health/ready", None, None, &[])
        .await
        .expect(200);
    assert_eq!(ready.body["database"], app.db.backend().name());
}

async fn services_crud_with_etags(app: TestApp) {
    let admin = app.admin_token().await;
    app.create_customer(&admin, "OCN-1001").await;
    let created = app.create_service(&admin, "SVC-1", "OCN-1001").await;
    assert_eq!(created["status"], "active");
    app.post(
        "/api/v1/services",
        &admin,
        json!({"service_id": "SVC-2", "circuit_reference": "CIR/SVC-1", "order_number": "O2",
               "customer_number": "OCN-1001", "product": "p", "label": "l"}),
    )
    .await
    .expect_problem(409, "service_exists");
    app.post(
        "/api/v1/services",
        &admin,
        json!({"service_id": "SVC-3", "circuit_reference": "C3", "order_number": "O3",
               "customer_number": "OCN-4040", "product": "p", "label": "l"}),
    )
    .await
    .expect_problem(422, "validation_failed");
    let read = app.get("/api/v1/services/SVC-1", &admin).await.expect(200);
    let etag = read.header("etag").unwrap().to_owned();
    let patch = |if_match: String| {
        let app = &app;
        let admin = admin.clone();
        async move {
            app.send(
                Method::PATCH,
                "/api/v1/services/SVC-1",
                Some(&admin),
                Some(json!({"label": "Renamed"})),
                &[("If-Match", if_match.as_str())],
            )
            .await
        }
    };
    // If-Match compares strongly (RFC 9110 §13.1.1): the weak form of the current tag fails.
    patch(format!("W/{etag}"))
        .await
        .expect_problem(412, "precondition_failed");
    let updated = patch(etag.clone()).await.expect(200);
    assert_eq!(updated.body["label"], "Renamed");
    assert_eq!(updated.body["version"], 2);
    assert_eq!(updated.header("etag"), Some("\"v2\""));
    patch(etag).await.expect_problem(412, "precondition_failed");
    let search = app
        .get("/api/v1/services?q=renam", &admin)
        .await
        .expect(200);
    assert_eq!(search.body["items"][0]["service_id"], "SVC-1");
    let search = app
        .get("/api/v1/services?q=100%25", &admin)
        .await
        .expect(200);
    assert_eq!(
        search.body["items"],
        json!([]),
        "LIKE wildcards are escaped"
    );
}

mod gates {
    use actix_web::http::Method;
    use serde_json::json;
    use tests::{on_both_backends, test_settings, TestApp};

    on_both_backends!(
        metrics_count_requests_per_route_without_tenant_data,
        cors_allows_only_configured_origins,
        clients_over_their_rate_get_429_with_retry_after,
    );

    async fn clients_over_their_rate_get_429_with_retry_after(app: TestApp) {
        let (_, a, b) = app.two_tenants().await;
        let mut settings = test_settings();
        settings.rate_limit_per_second = 1;
        settings.rate_limit_burst = 3;
        let app = app.restart(settings).await;
        let mut statuses = Vec::new();
        for _ in 0..3 {
            statuses.push(app.get("/api/v1/incidents", &a).await.status.as_u16());
        }
        assert_eq!(statuses, [200, 200, 200]);
        // The bucket refills one request per second: a quick burst soon runs dry.
        let mut limited = None;
        for _ in 0..6 {
            let reply = app.get("/api/v1/incidents", &a).await;
            if reply.status.as_u16() == 429 {
                limited = Some(reply);
                break;
            }
        }
        let limited = limited
            .expect("a 429 within the burst")
            .expect_problem(429, "rate_limited");
        assert!(
            limited
                .header("retry-after")
                .unwrap()
                .parse::<u64>()
                .unwrap()
                >= 1
        );
        // The wait is in the problem too (`retry_after`, typed in the contract), the same as the
        // header.
        assert_eq!(
            limited.body["retry_after"].to_string(),
            limited.header("retry-after").unwrap()
        );
        // Another client is not affected, and probes are never limited.
        app.get("/api/v1/incidents", &b).await.expect(200);
        for _ in 0..5 {
            app.send(Method::GET, "/health/live", None, None, &[])
                .await
                .expect(200);
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(2100)).await;
        app.get("/api/v1/incidents", &a).await.expect(200);
    }

    async fn metrics_count_requests_per_route_without_tenant_data(app: TestApp) {
        let (_, a, _) = app.two_tenants().await;
        let t = app.raise(&a, "SVC-A", "degraded").await;
        let t = t["ticket_number"].as_str().unwrap().to_owned();
        for _ in 0..3 {
            app.get(&format!("/api/v1/incidents/{t}"), &a)
                .await
                .expect(200);
        }
        // Invented methods are counted as "other", not as a new series each.
        for invented in ["BREW", "XYZZY"] {
            let method = actix_web::http::Method::from_bytes(invented.as_bytes()).unwrap();
            app.send(method, "/api/v1/incidents", Some(&a), None, &[])
                .await;
        }
        let mut resp = app
            .client
            .get(format!("{}/metrics", app.base_url))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        let text = String::from_utf8(resp.body().await.unwrap().to_vec()).unwrap();
        let line = text
            .lines()
            .find(|l| {
                l.starts_with("http_requests_total{")
                    && l.contains("route=\"/api/v1/incidents/{ref}\"")
                    && l.contains("method=\"GET\"")
                    && l.contains("status=\"200\"")
            })
            .unwrap_or_else(|| panic!("per-route counter missing:\n{text}"));
        assert!(line.ends_with(" 3"), "{line}");
        assert!(!text.contains("BREW") && !text.contains("XYZZY"), "{text}");
        assert!(text.contains("method=\"other\""), "{text}");
        assert!(text.contains("http_request_duration_seconds_bucket"));
        assert!(text.contains("db_pool_connections"));
        assert!(
            !text.contains(&t) && !text.contains("OCN-1001"),
            "no ticket numbers or tenants in metrics"
        );
    }

    async fn cors_allows_only_configured_origins(app: TestApp) {
        let mut settings = test_settings();
        settings.cors_origins = vec!["https://portal.example.com".into()];
        let app = app.restart(settings).await;
        let preflight = |origin: &'static str| {
            let app = &app;
            async move {
                app.client
                    .request(
                        Method::OPTIONS,
                        format!("{}/api/v1/incidents", app.base_url),
                    )
                    .insert_header(("Origin", origin))
                    .insert_header(("Access-Control-Request-Method", "POST"))
                    .insert_header((
                        "Access-Control-Request-Headers",
                        "authorization, content-type, idempotency-key",
                    ))
                    .send()
                    .await
                    .unwrap()
            }
        };
        let ok = preflight("https://portal.example.com").await;
        assert_eq!(
            ok.headers().get("access-control-allow-origin").unwrap(),
            "https://portal.example.com"
        );
        let evil = preflight("https://evil.example").await;
        assert!(evil.headers().get("access-control-allow-origin").is_none());
        // A same-origin caller that sends Origin (as Swagger UI does on POST) is served.
        let admin = app.admin_token().await;
        let own_origin = app.base_url.clone();
        app.send(
            Method::POST,
            "/api/v1/customers",
            Some(&admin),
            Some(json!({"customer_number": "OCN-7001", "name": "X"})),
            &[("Origin", own_origin.as_str())],
        )
        .await
        .expect(201);
    }
}

#[test]
fn demo_data_loads_once_with_every_kind_of_record() {
    let (url, _scratch) = tests::scratch_sqlite();
    let db = persistence::Database::open(&url, &persistence::PoolOptions::default()).unwrap();
    let store = app::Store::new(db.clone());
    let ctx = tests::ctx_of(&tests::test_settings());
    assert!(app::setup::load_demo(&store, &ctx, app::now()).unwrap());
    assert!(
        !app::setup::load_demo(&store, &ctx, app::now()).unwrap(),
        "loading twice changes nothing"
    );
    db.read(|conn| {
        for (email, role, _) in app::setup::DEMO_USERS {
            let (user, _) = persistence::accounts::find_user_by_email(conn, email)?.unwrap();
            assert_eq!(user.role, *role);
        }
        let filter = persistence::incidents::IncidentFilter::default();
        assert_eq!(
            persistence::incidents::list(conn, &filter, None, 100)?
                .items
                .len(),
            3
        );
        let majors = persistence::major_incidents::list(conn, &Default::default(), None, 10)?;
        assert_eq!(majors.items.len(), 1);
        let works = persistence::planned_works::list(conn, &Default::default(), None, 10)?;
        assert_eq!(works.items[0].status, domain::WorkStatus::Scheduled);
        Ok(())
    })
    .unwrap();
}

/// The order of checks: authentication (401), then the route (404) and the role (403), then the
/// body (422) — whatever the body holds, a request that fails an earlier check says so.
async fn authentication_then_route_and_role_then_body(app: TestApp) {
    let (_, customer, _) = app.two_tenants().await;
    let bad_bodies = [
        json!([1]),
        json!({"summary": "nul \u{0} inside"}),
        json!({"summary": "bell \u{7}"}),
        json!({"summary": 5}),
    ];
    // In the order the checks come: no token, an unknown route (with and without a token), a
    // role that may not (a customer creating customers); with every earlier check passed, the
    // body is judged.
    let checks = [
        ("/api/v1/incidents", None, 401, Some("unauthorized")),
        ("/api/v1/no-such", None, 404, Some("route_not_found")),
        (
            "/api/v1/no-such",
            Some(customer.as_str()),
            404,
            Some("route_not_found"),
        ),
        (
            "/api/v1/customers",
            Some(customer.as_str()),
            403,
            Some("forbidden"),
        ),
        ("/api/v1/incidents", Some(customer.as_str()), 422, None),
    ];
    for body in &bad_bodies {
        for (path, token, status, code) in checks {
            let reply = app
                .send(Method::POST, path, token, Some(body.clone()), &[])
                .await;
            match code {
                Some(code) => reply.expect_problem(status, code),
                None => reply.expect(status),
            };
        }
    }
}

/// JSON Schema's `integer` includes `30.0`; the server reads it as 30.
async fn integers_may_be_written_with_a_zero_fraction(app: TestApp) {
    let admin = app.admin_token().await;
    let matrix = app
        .get("/api/v1/escalation-matrix", &admin)
        .await
        .expect(200);
    let mut levels = matrix.body.clone();
    for level in levels["levels"].as_array_mut().unwrap() {
        let n = level["level"].as_i64().unwrap();
        level["level"] = json!(n as f64);
    }
    let text = serde_json::to_string(&levels).unwrap();
    assert!(text.contains("\"level\":1.0"), "{text}");
    let saved = app
        .send(
            Method::PUT,
            "/api/v1/escalation-matrix",
            Some(&admin),
            Some(levels),
            &[],
        )
        .await
        .expect(200);
    assert_eq!(saved.body["levels"][0]["level"], 1);
    // A fraction that is not zero is still refused.
    let mut half = matrix.body.clone();
    half["levels"][0]["level"] = json!(1.5);
    app.send(
        Method::PUT,
        "/api/v1/escalation-matrix",
        Some(&admin),
        Some(half),
        &[],
    )
    .await
    .expect_problem(422, "invalid_body");
}
