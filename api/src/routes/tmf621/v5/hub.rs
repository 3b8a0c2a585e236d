//! `POST /hub`, `GET|DELETE /hub/{id}` in TMF621 v5: listeners delivered through the signed,
//! retried webhook outbox, and the v5 notifications they receive.

use actix_web::{delete, get, post, web, HttpResponse};
use app::events::StreamedEvent as Event;
use app::webhooks::{Subscription, TMF621_V5};
use app::{AppError, Store};
use domain::SlaPolicy;
use serde_json::{json, Value};
use validator::Validate;

use super::{trouble_ticket, HubInputV5, HubV5, BASE};
use crate::http::caller::{gate, Permit};
use crate::http::error::ApiError;
use crate::routes::tmf621::flow;
use crate::state::AppState;

fn hub(sub: Subscription, secret: bool) -> HubV5 {
    HubV5 {
        at_type: "Hub",
        id: sub.id.to_string(),
        href: format!("{BASE}/hub/{}", sub.id),
        callback: sub.url,
        query: sub.query,
        secret: secret.then_some(sub.secret),
    }
}

/// Register a listener (TMF621 v5).
///
/// TMF621 v5 `createHub`. The `callback` receives TMF621 v5 notifications —
/// `TroubleTicketCreateEvent`, `TroubleTicketStatusChangeEvent`, `TroubleTicketResolvedEvent`,
/// `TroubleTicketAttributeValueChangeEvent` — about your company's tickets (an admin's listener:
/// every company's), each a JSON `POST` of `{@type, eventId, eventTime, eventType,
/// correlationId, domain, title, description, timeOccurred, event: {troubleTicket}}` carrying the
/// ticket in its v5 shape as it is when delivered. `query` `eventType=A,B` chooses notifications
/// (absent: all). Deliveries are signed and retried like `/api/v1/webhooks` (`X-Signature` with
/// the `secret` returned once here; `X-Delivery-Id` stable across retries), and appear in
/// `/api/v1/webhooks/{id}/deliveries`. Customer admins and admins only.
#[utoipa::path(
    tag = "TMF621 v5 trouble tickets",
    operation_id = "createHubV5",
    security(("bearer" = [])),
    request_body = HubInputV5,
    responses(
        (status = 201, description = "Registered; the secret is shown only now.", body = HubV5,
            headers(("Location" = String, description = "URL of the listener"))),
        (status = 403, response = crate::http::error::Forbidden),
        (status = 409, response = crate::http::error::Conflict),
    )
)]
#[post("/hub")]
pub async fn register_listener(
    state: web::Data<AppState>,
    caller: Permit<gate::ManageWebhooks>,
    body: crate::http::json::Json<HubInputV5>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let body = body.into_inner();
    let saved = flow::register(
        &state,
        &caller,
        &body.callback,
        body.query,
        body.secret,
        TMF621_V5,
    )
    .await?;
    let listener = hub(saved, true);
    Ok(HttpResponse::Created()
        .insert_header(("Location", listener.href.clone()))
        .insert_header(("Cache-Control", "no-store"))
        .json(listener))
}

/// Retrieve a listener (TMF621 v5).
///
/// TMF621 v5 `hubGet`: the listener as registered (its secret is not shown again). Another
/// company's listener, or one registered through TMF621 v4 or `/api/v1/webhooks`, answers 404.
#[utoipa::path(
    tag = "TMF621 v5 trouble tickets",
    operation_id = "hubGetV5",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Listener id", example = "7")),
    responses(
        (status = 200, description = "The listener.", body = HubV5),
        (status = 403, response = crate::http::error::Forbidden),
    )
)]
#[get("/hub/{id}")]
pub async fn get_listener(
    state: web::Data<AppState>,
    caller: Permit<gate::ManageWebhooks>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let sub = flow::listener(&state, &caller, &path, TMF621_V5).await?;
    Ok(HttpResponse::Ok().json(hub(sub, false)))
}

/// Unregister a listener (TMF621 v5).
///
/// TMF621 v5 `hubDelete`. No further notifications are sent; the delivery log is kept.
#[utoipa::path(
    tag = "TMF621 v5 trouble tickets",
    operation_id = "hubDeleteV5",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Listener id", example = "7")),
    responses(
        (status = 204, description = "Unregistered."),
        (status = 403, response = crate::http::error::Forbidden),
    )
)]
#[delete("/hub/{id}")]
pub async fn unregister_listener(
    state: web::Data<AppState>,
    caller: Permit<gate::ManageWebhooks>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    flow::unregister(&state, &caller, &path, TMF621_V5).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The TMF621 v5 notification for listener `sub` about `event`: its type and envelope, with
/// the ticket as it is now. `None` when the listener wants no notification for this event.
pub fn notification(
    store: &Store,
    sla: &SlaPolicy,
    sub: &Subscription,
    event: &Event,
) -> Result<Option<(&'static str, Value)>, AppError> {
    let Some(notice) = flow::notice(store, sla, sub, event)? else {
        return Ok(None);
    };
    let view = trouble_ticket(notice.facts);
    Ok(Some((
        notice.event_type,
        json!({
            "@type": notice.event_type,
            "eventId": event.id.to_string(),
            "eventTime": event.created_at,
            "eventType": notice.event_type,
            "correlationId": view.id,
            "domain": "troubleTicket",
            "title": notice.title,
            "description": notice.description,
            "timeOccurred": event.created_at,
            "event": {"troubleTicket": view},
        }),
    )))
}
