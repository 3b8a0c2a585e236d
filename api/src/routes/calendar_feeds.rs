//! Subscribable calendar feeds (issue 16): secret URLs calendar applications subscribe to
//! without any header, created, listed, rotated and revoked by their owner.

use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use app::calendar_feeds::CalendarFeed;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::http::caller::Authenticated;
use crate::http::error::ApiError;
use crate::state::{read, write, AppState};

use super::planned_works::{ics, CalendarQuery};

/// A feed to create.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"label": "Outlook at the NOC"}))]
pub struct CreateCalendarFeed {
    /// Your name for it (where it is subscribed).
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub label: String,
}

/// A calendar feed (its secret is shown only when created or rotated).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 3, "label": "Outlook at the NOC", "created_at": "2026-12-01T09:00:00Z",
    "rotated_at": null, "last_fetched_at": "2026-12-04T06:00:00Z"}))]
pub struct CalendarFeedView {
    pub id: i64,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub rotated_at: Option<DateTime<Utc>>,
    /// When a calendar application last fetched it.
    pub last_fetched_at: Option<DateTime<Utc>>,
}

impl From<CalendarFeed> for CalendarFeedView {
    fn from(f: CalendarFeed) -> Self {
        Self {
            id: f.id,
            label: f.label,
            created_at: f.created_at,
            rotated_at: f.rotated_at,
            last_fetched_at: f.last_fetched_at,
        }
    }
}

/// A feed with its secret URL: give the URL to your calendar application ("subscribe from
/// URL"); anyone holding it reads your planned works, so keep it like a password. It is not
/// shown again: rotate the feed for a new one.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"feed": {"id": 3, "label": "Outlook at the NOC", "created_at": "2026-12-01T09:00:00Z",
    "rotated_at": null, "last_fetched_at": null},
    "url": "https://portal.example.com/api/v1/calendars/5c1f0e6a9b2d4c8e7f3a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e/planned-works.ics",
    "webcal_url": "webcal://portal.example.com/api/v1/calendars/5c1f0e6a9b2d4c8e7f3a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e/planned-works.ics"}))]
pub struct CalendarFeedSecret {
    pub feed: CalendarFeedView,
    /// The feed's address (https, or as this server was reached).
    pub url: String,
    /// The same address for applications that open `webcal:` links (Apple Calendar).
    pub webcal_url: String,
}

fn secret_answer(
    req: &HttpRequest,
    mut builder: actix_web::HttpResponseBuilder,
    (feed, secret): (CalendarFeed, String),
) -> HttpResponse {
    let info = req.connection_info();
    let path = format!("/api/v1/calendars/{secret}/planned-works.ics");
    let host = info.host().to_owned();
    builder
        .insert_header(("Cache-Control", "no-store"))
        .json(CalendarFeedSecret {
            feed: feed.into(),
            url: format!("{}://{host}{path}", info.scheme()),
            webcal_url: format!("webcal://{host}{path}"),
        })
}

fn feed_from_path(text: &str) -> Result<i64, ApiError> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::not_found("calendar feed"))
}

/// Create a calendar feed.
///
/// A secret URL of the planned works you see, for calendar applications, which send no
/// header. Each fetch reads as you read at that moment: a customer's feed shows its company's
/// announced works, and a disabled account's feeds answer 404. Twenty live feeds at most (409).
#[utoipa::path(
    tag = "planned works",
    security(("bearer" = [])),
    request_body = CreateCalendarFeed,
    responses(
        (status = 201, description = "The feed and its URL (shown this once).", body = CalendarFeedSecret),
        (status = 409, response = crate::http::error::Conflict),
    )
)]
#[post("/calendar-feeds")]
pub async fn create_calendar_feed(
    state: web::Data<AppState>,
    caller: Authenticated,
    req: HttpRequest,
    body: crate::http::json::Json<CreateCalendarFeed>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let label = domain::text::words(&body.into_inner().label)
        .ok_or_else(|| ApiError::field("label", "invalid", "a label is not blank"))?;
    let created = write(&state, move |conn, _, now| {
        app::calendar_feeds::create(conn, &caller, &label, now)
    })
    .await?;
    Ok(secret_answer(&req, HttpResponse::Created(), created))
}

/// List your calendar feeds.
///
/// Your live feeds, without their secrets.
#[utoipa::path(
    tag = "planned works",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Your feeds.", body = Vec<CalendarFeedView>),
    )
)]
#[get("/calendar-feeds")]
pub async fn list_calendar_feeds(
    state: web::Data<AppState>,
    caller: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let feeds = read(&state, move |conn| app::calendar_feeds::list(conn, &caller)).await?;
    let items: Vec<CalendarFeedView> = feeds.into_iter().map(Into::into).collect();
    Ok(HttpResponse::Ok().json(items))
}

/// Rotate a calendar feed's secret.
///
/// A new URL; the old one answers 404 from now on (subscribe again with the new one).
#[utoipa::path(
    tag = "planned works",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Feed id", minimum = 1)),
    responses(
        (status = 200, description = "The feed and its new URL.", body = CalendarFeedSecret),
    )
)]
#[post("/calendar-feeds/{id}/rotate")]
pub async fn rotate_calendar_feed(
    state: web::Data<AppState>,
    caller: Authenticated,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = feed_from_path(&path)?;
    let rotated = write(&state, move |conn, _, now| {
        app::calendar_feeds::rotate(conn, &caller, id, now)
    })
    .await?;
    Ok(secret_answer(&req, HttpResponse::Ok(), rotated))
}

/// Revoke a calendar feed.
///
/// Its URL answers 404 from now on.
#[utoipa::path(
    tag = "planned works",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Feed id", minimum = 1)),
    responses(
        (status = 204, description = "Revoked."),
    )
)]
#[delete("/calendar-feeds/{id}")]
pub async fn revoke_calendar_feed(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = feed_from_path(&path)?;
    write(&state, move |conn, _, now| {
        app::calendar_feeds::revoke(conn, &caller, id, now)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A calendar feed.
///
/// What a calendar application fetches: the planned works its owner sees, as RFC 5545
/// `text/calendar` (the same as `GET /planned-works.ics` with a bearer token). No header: the
/// secret in the path is the credential. An unknown, rotated or revoked secret, or one whose
/// owner may no longer sign in, answers 404.
#[utoipa::path(
    tag = "planned works",
    security(()),
    params(
        ("secret" = String, Path, description = "The feed's secret", min_length = 64, max_length = 64, pattern = "^[0-9a-f]{64}$"),
        CalendarQuery,
    ),
    responses(
        (status = 200, description = "iCalendar feed.", body = String, content_type = "text/calendar"),
    )
)]
#[get("/calendars/{secret}/planned-works.ics")]
pub async fn calendar_feed(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<CalendarQuery>,
) -> Result<HttpResponse, ApiError> {
    let secret = path.into_inner();
    let filter = query.filter()?;
    let works = write(&state, move |conn, _, now| {
        app::calendar_feeds::works(conn, &secret, filter, now)
    })
    .await?;
    let mut answer = ics(works);
    answer.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("private, max-age=300"),
    );
    Ok(answer)
}
