//! R-HELP1: help articles with full-text search on both backends.

use actix_web::http::Method;
use domain::Role;
use serde_json::json;
use tests::{on_both_backends, TestApp};

on_both_backends!(
    starter_set_is_searchable_and_ranks_title_matches_first,
    admins_write_articles
);

async fn starter_set_is_searchable_and_ranks_title_matches_first(app: TestApp) {
    let (_, customer, _) = app.two_tenants().await;
    let all = app
        .get("/api/v1/help/articles", &customer)
        .await
        .expect(200);
    let slugs: Vec<&str> = all.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["slug"].as_str().unwrap())
        .collect();
    for expected in [
        "raise-an-incident",
        "close-an-incident",
        "escalate-an-incident",
        "rfo-and-incident-reports",
        "planned-works-notifications",
        "request-planned-works",
        "keep-contacts-current",
    ] {
        assert!(slugs.contains(&expected), "{expected} in the starter set");
    }
    let found = app
        .get("/api/v1/help/articles?q=escalate", &customer)
        .await
        .expect(200);
    let hits: Vec<(&str, &str)> = found.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["slug"].as_str().unwrap(), a["title"].as_str().unwrap()))
        .collect();
    assert!(hits.len() >= 3, "{hits:?}");
    assert!(
        hits[0].1.to_lowercase().contains("escalat"),
        "a title match ranks first: {hits:?}"
    );
    assert!(hits.iter().any(|(slug, _)| *slug == "escalate-an-incident"));
    assert!(
        hits.iter().any(|(slug, _)| *slug == "escalation-matrix"),
        "stemming: escalate finds escalation"
    );
    assert!(
        hits.iter().any(|(slug, _)| *slug == "major-incidents"),
        "body matches are found too"
    );
    let title_hits = hits
        .iter()
        .take_while(|(_, t)| t.to_lowercase().contains("escalat"))
        .count();
    assert!(
        title_hits >= 2
            && hits[title_hits..]
                .iter()
                .all(|(_, t)| !t.to_lowercase().contains("escalat")),
        "{hits:?}"
    );
    let rfo = app
        .get("/api/v1/help/articles?q=Reason%20For%20Outage", &customer)
        .await
        .expect(200);
    assert_eq!(rfo.body["items"][0]["slug"], "rfo-and-incident-reports");
    // Search syntax in the query is just text.
    app.get(
        "/api/v1/help/articles?q=%22escalate%22%20OR%20NEAR(*",
        &customer,
    )
    .await
    .expect(200);
    let none = app
        .get("/api/v1/help/articles?q=xylophone", &customer)
        .await
        .expect(200);
    assert_eq!(none.body["items"], json!([]));
    let one = app
        .get("/api/v1/help/articles/request-planned-works", &customer)
        .await
        .expect(200);
    assert!(one.body["body"]
        .as_str()
        .unwrap()
        .contains("20 working days"));
    app.get("/api/v1/help/articles/nope", &customer)
        .await
        .expect_problem(404, "not_found");
}

async fn admins_write_articles(app: TestApp) {
    let (admin, customer, _) = app.two_tenants().await;
    let article = json!({"slug": "fibre-faults", "title": "Understanding fibre faults", "body": "Splicing restores light.", "tags": ["fibre"]});
    app.post("/api/v1/help/articles", &customer, article.clone())
        .await
        .expect_problem(403, "forbidden");
    app.post(
        "/api/v1/help/articles",
        &app.token_for(Role::Agent, None),
        article.clone(),
    )
    .await
    .expect_problem(403, "forbidden");
    let mut bad = article.clone();
    bad["slug"] = json!("Bad Slug");
    app.post("/api/v1/help/articles", &admin, bad)
        .await
        .expect_problem(422, "validation_failed");
    app.post("/api/v1/help/articles", &admin, article.clone())
        .await
        .expect(201);
    app.post("/api/v1/help/articles", &admin, article.clone())
        .await
        .expect_problem(409, "slug_taken");
    let found = app
        .get("/api/v1/help/articles?q=splice", &customer)
        .await
        .expect(200);
    assert_eq!(found.body["items"][0]["slug"], "fibre-faults");
    let mut edited = article;
    edited["body"] = json!("Fusion splicing restores light; an OTDR finds the break.");
    app.send(
        Method::PUT,
        "/api/v1/help/articles/fibre-faults",
        Some(&admin),
        Some(edited.clone()),
        &[("If-Match", "\"v9\"")],
    )
    .await
    .expect_problem(412, "precondition_failed");
    app.send(
        Method::PUT,
        "/api/v1/help/articles/fibre-faults",
        Some(&admin),
        Some(edited),
        &[("If-Match", "\"v1\"")],
    )
    .await
    .expect(200);
    let found = app
        .get("/api/v1/help/articles?q=OTDR", &customer)
        .await
        .expect(200);
    assert_eq!(
        found.body["items"][0]["slug"], "fibre-faults",
        "the index follows edits"
    );
}
