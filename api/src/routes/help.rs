//! Help articles (R-HELP1): admins write them; everyone signed in reads and searches them with
//! the database's full-text search.

use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use app::help::Article;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::http::caller::{gate, Authenticated, Permit};
use crate::http::error::ApiError;
use crate::http::etag::{etag, if_match_version};
use crate::state::{read, write, AppState};

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
    let found = read(&state, move |conn| app::help::search(conn, &q)).await?;
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
    )
)]
#[get("/help/articles/{slug}")]
pub async fn get_article(
    state: web::Data<AppState>,
    _caller: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let slug = path.into_inner();
    let a = read(&state, move |conn| app::help::get(conn, &slug)).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(a.version)))
        .json(ArticleView::from(a)))
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
        (status = 403, response = crate::http::error::Forbidden),
        (status = 409, response = crate::http::error::Conflict),
    )
)]
#[post("/help/articles")]
pub async fn create_article(
    state: web::Data<AppState>,
    caller: Permit<gate::WriteHelp>,
    body: crate::http::json::Json<WriteArticle>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    check_slug(&body.slug)?;
    let b = body.into_inner();
    let article = app::help::WriteArticle {
        slug: b.slug,
        title: b.title,
        body: b.body,
        tags: b.tags,
    };
    let saved = write(&state, move |conn, _, now| {
        app::help::create(conn, &caller, article, now)
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/help/articles/{}", saved.slug)))
        .insert_header(("ETag", etag(saved.version)))
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
        (status = 403, response = crate::http::error::Forbidden),
        (status = 412, response = crate::http::error::PreconditionFailed),
    )
)]
#[put("/help/articles/{slug}")]
pub async fn update_article(
    state: web::Data<AppState>,
    caller: Permit<gate::WriteHelp>,
    req: HttpRequest,
    path: web::Path<String>,
    body: crate::http::json::Json<WriteArticle>,
) -> Result<HttpResponse, ApiError> {
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
    let article = app::help::WriteArticle {
        slug,
        title: b.title,
        body: b.body,
        tags: b.tags,
    };
    let saved = write(&state, move |conn, _, now| {
        app::help::update(conn, &caller, article, expected, now)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(saved.version)))
        .json(ArticleView::from(saved)))
}
