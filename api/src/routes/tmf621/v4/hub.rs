//! `POST /hub`, `DELETE /hub/{id}`: TMF621 listeners, delivered through the signed, retried
//! webhook outbox, and the notification envelopes they receive.

use actix_web::{delete, post, web, HttpResponse};
use app::events::StreamedEvent as Event;
use app::webhooks::{Subscription, TMF621};
use app::{AppError, Store};
use domain::SlaPolicy;
use serde_json::{json, Value};
use validator::Validate;

use super::{trouble_ticket, EventSubscription, EventSubscriptionInput, BASE};
use crate::http::caller::{gate, Permit};
use crate::http::error::ApiError;
use crate::routes::tmf621::flow;
use crate::state::AppState;

/// Register a listener.
///
/// TMF621 `registerListener`. The `callback` receives TMF621 notifications —
/// `TroubleTicketCreateEvent`, `TroubleTicketStatusChangeEvent`, `TroubleTicketResolvedEvent`,
/// `TroubleTicketAttributeValueChangeEvent` — about your company's tickets (an admin's listener:
/// every company's), each a JSON `POST` of `{eventId, eventTime, eventType, correlationId,
/// domain, title, description, timeOcurred, event: {troubleTicket}}` carrying the ticket as it is
/// when delivered. `query` `eventType=A,B` chooses notifications (absent: all); a resolution is
/// sent as `TroubleTicketResolvedEvent`, or as a status change to a listener that wants only
/// those. Deliveries are signed and retried like `/api/v1/webhooks` (`X-Signature` with the
/// `secret` returned once here; `X-Delivery-Id` stable across retries), and appear in
/// `/api/v1/webhooks/{id}/deliveries`. Customer admins and admins only.
#[utoipa::path(
    tag = "TMF621 trouble tickets",
    operation_id = "registerListener",
    security(("bearer" = [])),
    request_body = EventSubscriptionInput,
    responses(
        (status = 201, description = "Registered; the secret is shown only now.", body = EventSubscription,
            headers(("Location" = String, description = "URL of the listener"))),
        (status = 403, response = crate::http::error::Forbidden),
        (status = 409, response = crate::http::error::Conflict),
    )
)]
#[post("/hub")]
pub async fn register_listener(
    state: web::Data<AppState>,
    caller: Permit<gate::ManageWebhooks>,
    body: crate::http::json::Json<EventSubscriptionInput>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let body = body.into_inner();
    let saved = flow::register(
        &state,
        &caller,
        &body.callback,
        body.query,
        body.secret,
        TMF621,
    )
    .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("{BASE}/hub/{}", saved.id)))
        .insert_header(("Cache-Control", "no-store"))
        .json(EventSubscription {
            id: saved.id.to_string(),
            callback: saved.url,
            query: saved.query,
            secret: Some(saved.secret),
        }))
}

/// Unregister a listener.
///
/// TMF621 `unregisterListener`. No further notifications are sent; the delivery log is kept.
#[utoipa::path(
    tag = "TMF621 trouble tickets",
    operation_id = "unregisterListener",
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
    flow::unregister(&state, &caller, &path, TMF621).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The TMF621 v4 notification for listener `sub` about `event`: its type and envelope, with
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
            "eventId": event.id.to_string(),
            "eventTime": event.created_at,
            "eventType": notice.event_type,
            "correlationId": view.id,
            "domain": "troubleTicket",
            "title": notice.title,
            "description": notice.description,
            "timeOcurred": event.created_at,
            "event": {"troubleTicket": view},
        }),
    )))
}
