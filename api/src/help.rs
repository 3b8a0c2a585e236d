//! Help articles (R-HELP1): admins write them; everyone signed in reads and searches them with
//! the database's full-text search. A starter set ships with the binary (`api/help/*.md`) and is
//! loaded into an empty table at start-up.

use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use persistence::help::Article;
use persistence::{Database, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::etag::{etag, if_match_version};
use crate::state::{now, AppState};

/// The starter set: (slug, file text). The first line is `# Title`, the second `tags: a, b`.
const STARTER_SET: &[(&str, &str)] = &[
    (
        "raise-an-incident",
        include_str!("../help/raise-an-incident.md"),
    ),
    (
        "close-an-incident",
        include_str!("../help/close-an-incident.md"),
    ),
    (
        "escalate-an-incident",
        include_str!("../help/escalate-an-incident.md"),
    ),
    (
        "escalation-matrix",
        include_str!("../help/escalation-matrix.md"),
    ),
    (
        "rfo-and-incident-reports",
        include_str!("../help/rfo-and-incident-reports.md"),
    ),
    (
        "planned-works-notifications",
        include_str!("../help/planned-works-notifications.md"),
    ),
    (
        "request-planned-works",
        include_str!("../help/request-planned-works.md"),
    ),
    (
        "keep-contacts-current",
        include_str!("../help/keep-contacts-current.md"),
    ),
    (
        "major-incidents",
        include_str!("../help/major-incidents.md"),
    ),
];

fn parse_starter(slug: &str, text: &str) -> Article {
    let mut lines = text.lines();
    let title = lines
        .next()
        .unwrap_or_default()
        .trim_start_matches('#')
        .trim()
        .to_owned();
    let tags = lines
        .next()
        .and_then(|l| l.strip_prefix("tags:"))
        .map(|t| {
            t.split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let body = lines.collect::<Vec<_>>().join("\n").trim().to_owned();
    let at = now();
    Article {
        id: 0,
        slug: slug.to_owned(),
        title,
        body,
        tags,
        created_at: at,
        updated_at: at,
        version: 1,
    }
}

/// Loads the starter set when there are no articles at all (a fresh installation). Safe to call
/// on every start and from several instances.
pub fn seed_starter_set(db: &Database) -> Result<usize, StoreError> {
    db.write(|conn| {
        if persistence::help::count(conn)? > 0 {
            return Ok(0);
        }
        for (slug, text) in STARTER_SET {
            persistence::help::create(conn, &parse_starter(slug, text), now())?;
        }
        Ok(STARTER_SET.len())
    })
}

/// A help article.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"slug": "raising-a-ticket", "title": "Raising a ticket", "body": "Name your service by **one** of circuit reference, order number or service id…", "tags": ["incidents", "getting-started"], "created_at": "2026-11-01T09:00:00Z", "updated_at": "2026-11-10T09:00:00Z", "version": 3}))]
pub struct ArticleView {
    pub slug: String,
    pub title: String,
    /// Markdown.
    pub body: String,
    pub tags: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl From<Article> for ArticleView {
    fn from(a: Article) -> Self {
        Self {
            slug: a.slug,
            title: a.title,
            body: a.body,
            tags: a.tags,
            created_at: a.created_at,
            updated_at: a.updated_at,
            version: a.version,
        }
    }
}

/// Search results.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleList {
    pub items: Vec<ArticleView>,
}

/// An article to write.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"slug": "report-a-fault", "title": "How to report a fault",
    "body": "Use `POST /api/v1/incidents`…", "tags": ["incidents"]}))]
pub struct WriteArticle {
    /// Lower-case letters, digits and dashes; fixed once created.
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub slug: String,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// Markdown.
    #[validate(length(min = 1, max = 50000))]
    #[schema(min_length = 1, max_length = 50000)]
    pub body: String,
    #[validate(length(max = 20))]
    #[serde(default)]
    #[schema(max_items = 20)]
    pub tags: Vec<String>,
}

fn check_slug(slug: &str) -> Result<(), ApiError> {
    let ok = !slug.is_empty()
        && slug.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    if ok {
        Ok(())
    } else {
        Err(ApiError::field(
            "slug",
            "invalid",
            "lower-case letters, digits and single dashes",
        ))
    }
}

/// Search parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArticleQuery {
    /// Words to search for (stemmed: `escalate` finds "escalation"); all must match. Absent:
    /// every article by title.
    #[param(max_length = 200)]
    pub q: Option<String>,
}

/// Search help articles.
///
/// Full-text search ranked by relevance, title matches first (SQLite FTS5 or PostgreSQL
/// full-text search). At most 50 results.
#[utoipa::path(
    tag = "help",
    security(("bearer" = [])),
    params(ArticleQuery),
    responses(
        (status = 200, description = "Matching articles, most relevant first.", body = ArticleList),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[get("/help/articles")]
pub async fn search_articles(
    state: web::Data<AppState>,
    _caller: Authenticated,
    query: web::Query<ArticleQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner().q.unwrap_or_default();
    if q.chars().count() > 200 {
        return Err(ApiError::field("q", "too_long", "at most 200 characters"));
    }
    let found = web::block(move || {
        state
            .db
            .read(|conn| persistence::help::search(conn, &q, 50))
    })
    .await??;
    Ok(HttpResponse::Ok().json(ArticleList {
        items: found.into_iter().map(ArticleView::from).collect(),
    }))
}

/// Get a help article.
///
/// By slug.
#[utoipa::path(
    tag = "help",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "Article slug", example = "escalate-an-incident")),
    responses(
        (status = 200, description = "The article.", body = ArticleView),
        (status = 401, response = crate::error::Unauthorized),
        (status = 404, response = crate::error::NotFound),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[get("/help/articles/{slug}")]
pub async fn get_article(
    state: web::Data<AppState>,
    _caller: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let slug = path.into_inner();
    let a = web::block(move || state.db.read(|conn| persistence::help::get(conn, &slug))).await??;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(a.version)))
        .json(ArticleView::from(a)))
}

fn require_admin(caller: &Authenticated) -> Result<(), ApiError> {
    if caller.role == domain::Role::Admin {
        Ok(())
    } else {
        Err(ApiError::forbidden("help articles are written by admins"))
    }
}

/// Write a help article.
///
/// Admins.
#[utoipa::path(
    tag = "help",
    security(("bearer" = [])),
    request_body = WriteArticle,
    responses(
        (status = 201, description = "Created.", body = ArticleView),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 403, response = crate::error::Forbidden),
        (status = 409, response = crate::error::Conflict),
        (status = 422, response = crate::error::Unprocessable),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[post("/help/articles")]
pub async fn create_article(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: web::Json<WriteArticle>,
) -> Result<HttpResponse, ApiError> {
    require_admin(&caller)?;
    body.validate()?;
    check_slug(&body.slug)?;
    let b = body.into_inner();
    let at = now();
    let article = Article {
        id: 0,
        slug: b.slug,
        title: b.title.trim().to_owned(),
        body: b.body,
        tags: b
            .tags
            .iter()
            .map(|t| t.trim().replace(',', " "))
            .filter(|t| !t.is_empty())
            .collect(),
        created_at: at,
        updated_at: at,
        version: 1,
    };
    let saved = web::block(move || {
        state
            .db
            .write(|conn| persistence::help::create(conn, &article, at))
    })
    .await??;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/help/articles/{}", saved.slug)))
        .json(ArticleView::from(saved)))
}

/// Edit a help article.
///
/// Admins; the slug stays. Honours `If-Match`.
#[utoipa::path(
    tag = "help",
    security(("bearer" = [])),
    params(
        ("slug" = String, Path, description = "Article slug"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read"),
    ),
    request_body = WriteArticle,
    responses(
        (status = 200, description = "Saved.", body = ArticleView),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
        (status = 412, response = crate::error::PreconditionFailed),
        (status = 422, response = crate::error::Unprocessable),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[put("/help/articles/{slug}")]
pub async fn update_article(
    state: web::Data<AppState>,
    caller: Authenticated,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<WriteArticle>,
) -> Result<HttpResponse, ApiError> {
    require_admin(&caller)?;
    body.validate()?;
    let slug = path.into_inner();
    let b = body.into_inner();
    if b.slug != slug {
        return Err(ApiError::field(
            "slug",
            "immutable",
            "the slug of an article does not change",
        ));
    }
    // Preconditions come after the request itself is known to be valid (RFC 9110 §13.2.1).
    let expected = if_match_version(&req)?;
    let saved = web::block(move || {
        state.db.write(|conn| {
            let mut a = persistence::help::get(conn, &slug)?;
            if expected.is_some_and(|v| v != a.version) {
                return Err(StoreError::conflict(
                    "version_mismatch",
                    "the article changed",
                ));
            }
            a.title = b.title.trim().to_owned();
            a.body = b.body;
            a.tags = b
                .tags
                .iter()
                .map(|t| t.trim().replace(',', " "))
                .filter(|t| !t.is_empty())
                .collect();
            persistence::help::save(conn, &a, now())
        })
    })
    .await??;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(saved.version)))
        .json(ArticleView::from(saved)))
}
