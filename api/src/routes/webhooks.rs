//! Partner webhooks (R-CON4): subscriptions, their delivery log, and redelivery.
//!
//! Each delivery is a `POST` of JSON `{delivery_id, event_id, type, created_at, customer_number,
//! ticket_number, data}` with headers `X-Delivery-Id` (stable across retries: drop duplicates),
//! `X-Event-Type`, and `X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
//! Any 2xx is success; anything else is retried with exponential backoff, then marked failed.
//! Targets must be http(s) URLs on public addresses: checked on subscription, and again by every
//! delivery, which connects only to the addresses it has just checked (DNS rebinding reaches nothing
//! private; no proxy from the environment, no redirects). `WEBHOOK_ALLOW_PRIVATE=true` lifts that
//! for tests only, with a warning at start.

use actix_web::{delete, get, post, web, HttpResponse};
use app::webhooks::{AttemptRecord, Delivery, Subscribe, Subscription, NATIVE};
use chrono::{DateTime, Utc};
use domain::{CustomerNumber, EventType};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::http::caller::{gate, Permit};
use crate::http::error::ApiError;
use crate::http::pagination::{PageOf, PageParams};
use crate::state::{read, write, AppState};

/// A webhook subscription to create.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"url": "https://tickets.acme.example/hooks/service-assurance",
    "event_types": ["incident.*", "major_incident.updated"]}))]
pub struct CreateWebhook {
    /// http(s) URL on a public address.
    #[validate(length(min = 1, max = 2000))]
    #[schema(format = "uri", max_length = 2000)]
    pub url: String,
    /// Event types, exact (`incident.updated`) or by prefix (`incident.*`), or `*`.
    #[validate(length(min = 1, max = 50))]
    #[schema(min_items = 1, max_items = 50)]
    pub event_types: Vec<String>,
    /// Signing secret, at least 16 characters; generated (and returned once) when absent.
    #[validate(length(min = 16, max = 200))]
    #[schema(min_length = 16, max_length = 200)]
    pub secret: Option<String>,
    /// Admins only: the company whose events to receive; absent = every company's.
    #[schema(max_length = 32)]
    pub customer_number: Option<String>,
}

/// A webhook subscription (the secret is shown only when created).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 4, "url": "https://tickets.acme.example/hooks/service-assurance", "event_types": ["incident.created", "incident.updated"], "customer_number": "OCN-1001", "format": "native", "created_at": "2026-11-20T09:00:00Z", "secret": "whsec_3f9a1c7e5b2d4f6a8c0e1b3d5f7a9c1e"}))]
pub struct WebhookView {
    pub id: i64,
    pub url: String,
    pub event_types: Vec<String>,
    pub customer_number: Option<String>,
    /// `native` (this API's envelope), `tmf621` or `tmf621v5` (a TMF621 v4 or v5 hub listener;
    /// `event_types` are TMF621 notification names), or `mef124` (a MEF 124 Sonata hub
    /// listener; `event_types` are Sonata notification names).
    pub format: String,
    pub created_at: DateTime<Utc>,
    /// Only in the answer to the creation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl WebhookView {
    fn new(s: Subscription, show_secret: bool) -> Self {
        Self {
            id: s.id,
            url: s.url,
            event_types: s.event_types,
            customer_number: s.customer_number.map(|c| c.to_string()),
            format: s.format,
            created_at: s.created_at,
            secret: show_secret.then_some(s.secret),
        }
    }
}

/// One attempt to deliver.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"attempted_at": "2026-11-28T10:05:01Z", "succeeded": false, "response_status": 503, "error": "HTTP 503 from the target", "duration_ms": 84}))]
pub struct AttemptView {
    pub attempted_at: DateTime<Utc>,
    pub succeeded: bool,
    pub response_status: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// One delivery of one event to the subscription, with its attempts.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 311, "event_id": 902, "event_type": "incident.updated", "status": "pending", "attempts": 1, "next_attempt_at": "2026-11-28T10:05:31Z", "last_error": "HTTP 503 from the target", "delivered_at": null, "created_at": "2026-11-28T10:05:00Z", "attempt_log": [{"attempted_at": "2026-11-28T10:05:01Z", "succeeded": false, "response_status": 503, "error": "HTTP 503 from the target", "duration_ms": 84}]}))]
pub struct DeliveryView {
    pub id: i64,
    pub event_id: i64,
    pub event_type: String,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    /// Attempts made in all, as `attempt_log` lists them (a redelivery keeps the earlier ones and
    /// gives the delivery a fresh retry budget).
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub attempt_log: Vec<AttemptView>,
}

impl DeliveryView {
    fn new(d: Delivery, event_type: EventType, attempts: Vec<AttemptRecord>) -> Self {
        Self {
            id: d.id,
            event_id: d.event_id,
            event_type: event_type.as_str().to_owned(),
            status: d.status,
            attempts: i32::try_from(attempts.len()).unwrap_or(i32::MAX),
            next_attempt_at: d.next_attempt_at,
            last_error: d.last_error,
            delivered_at: d.delivered_at,
            created_at: d.created_at,
            attempt_log: attempts
                .into_iter()
                .map(|a| AttemptView {
                    attempted_at: a.attempted_at,
                    succeeded: a.succeeded,
                    response_status: a.response_status,
                    error: a.error,
                    duration_ms: a.duration_ms,
                })
                .collect(),
        }
    }
}

/// Subscribe a webhook.
///
/// Customer admins subscribe to their company's events; admins may subscribe to one company's
/// or to all. Deliveries are signed (see the `webhooks` tag description and `X-Signature`).
/// A company has at most `WEBHOOKS_PER_COMPANY` (default 25) webhooks and hub listeners; one
/// more is 409 `too_many_webhooks`.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    request_body = CreateWebhook,
    responses(
        (status = 201, description = "Subscribed; the secret is shown only now.", body = WebhookView),
        (status = 403, response = crate::http::error::Forbidden),
        (status = 409, response = crate::http::error::Conflict),
    )
)]
#[post("/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    caller: Permit<gate::ManageWebhooks>,
    body: crate::http::json::Json<CreateWebhook>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let body = body.into_inner();
    let ctx = state.ctx.clone();
    let url = body.url.trim().to_owned();
    // The target is resolved and checked before any transaction is opened.
    let target = web::block(move || app::webhooks::check_target(&url, &ctx))
        .await?
        .map_err(|e| ApiError::field("url", "refused", e))?;
    let new = Subscribe {
        target,
        event_types: body
            .event_types
            .iter()
            .map(|t| t.trim().to_owned())
            .collect(),
        customer_number: body
            .customer_number
            .as_deref()
            .map(CustomerNumber::parse)
            .transpose()?,
        secret: body.secret,
        format: NATIVE,
        query: None,
    };
    let saved = write(&state, move |conn, ctx, now| {
        app::webhooks::subscribe(conn, &caller, new, ctx, now)
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/webhooks/{}", saved.id)))
        .insert_header(("Cache-Control", "no-store"))
        .json(WebhookView::new(saved, true)))
}

/// List webhook subscriptions.
///
/// A company's own; admins see all.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, description = "A page of subscriptions.", body = PageOf<WebhookView>),
        (status = 403, response = crate::http::error::Forbidden),
    )
)]
#[get("/webhooks")]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    caller: Permit<gate::ManageWebhooks>,
    page: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let (limit, cursor) = page.resolve()?;
    let page = read(&state, move |conn| {
        app::webhooks::list(conn, &caller, cursor, limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(PageOf::from_page(page, |s| WebhookView::new(s, false))))
}

/// Delete a webhook subscription.
///
/// No further deliveries are made; the delivery log is kept.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Subscription id")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 403, response = crate::http::error::Forbidden),
    )
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    caller: Permit<gate::ManageWebhooks>,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    write(&state, move |conn, _, now| {
        app::webhooks::unsubscribe(conn, &caller, id, now)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A subscription's delivery log.
///
/// Newest first, each delivery with every attempt (time, HTTP status, error, duration).
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Subscription id"), PageParams),
    responses(
        (status = 200, description = "A page of deliveries.", body = PageOf<DeliveryView>),
        (status = 403, response = crate::http::error::Forbidden),
    )
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_deliveries(
    state: web::Data<AppState>,
    caller: Permit<gate::ManageWebhooks>,
    path: web::Path<i64>,
    page: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let (limit, cursor) = page.resolve()?;
    let id = path.into_inner();
    let page = read(&state, move |conn| {
        app::webhooks::deliveries(conn, &caller, id, cursor, limit)
    })
    .await?;
    Ok(
        HttpResponse::Ok().json(PageOf::from_page(page, |(d, t, a)| {
            DeliveryView::new(d, t, a)
        })),
    )
}

/// Redeliver a webhook delivery.
///
/// Queues the delivery again with a fresh attempt budget (e.g. after fixing a failing endpoint).
/// The receiver sees the same `X-Delivery-Id`.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Subscription id"),
        ("delivery_id" = i64, Path, description = "Delivery id"),
    ),
    responses(
        (status = 202, description = "Queued.", body = DeliveryView),
        (status = 403, response = crate::http::error::Forbidden),
    )
)]
#[post("/webhooks/{id}/deliveries/{delivery_id}/redeliver")]
pub async fn redeliver(
    state: web::Data<AppState>,
    caller: Permit<gate::ManageWebhooks>,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, delivery_id) = path.into_inner();
    let (delivery, event_type, attempts) = write(&state, move |conn, _, now| {
        app::webhooks::redeliver(conn, &caller, id, delivery_id, now)
    })
    .await?;
    Ok(HttpResponse::Accepted().json(DeliveryView::new(delivery, event_type, attempts)))
}
