//! `POST /hub`, `GET|DELETE /hub/{id}` of MEF 124: listeners delivered through the signed,
//! retried webhook outbox, and the Sonata notifications they receive.

use actix_web::{delete, get, post, web, HttpResponse};
use app::events::StreamedEvent as Event;
use app::webhooks::{Subscription, MEF124};
use domain::TicketRef;
use serde_json::{json, Value};
use validator::Validate;

use super::{incident_href, ticket_href, BuyerSeller, MefHub, MefHubInput, BASE, TAG};
use crate::http::caller::{gate, Permit};
use crate::http::error::ApiError;
use crate::routes::tmf621::flow;
use crate::state::AppState;

fn hub(sub: Subscription, secret: bool) -> MefHub {
    MefHub {
        id: sub.id.to_string(),
        callback: sub.url,
        query: sub.query,
        secret: secret.then_some(sub.secret),
    }
}

/// Register a listener (MEF 124).
///
/// MEF 124 `registerListener`. Sonata notifications are POSTed to
/// `{callback}/listener/{eventType}`: `troubleTicketAttributeValueChangeEvent`,
/// `troubleTicketStatusChangeEvent`, `troubleTicketResolvedEvent`,
/// `troubleTicketInformationRequiredEvent` about the buyer's tickets, and `incidentCreateEvent`,
/// `incidentAttributeValueChangeEvent`, `incidentStatusChangeEvent` about the major incidents
/// that concern it (an admin's listener: every buyer's). Each is `{eventId, eventTime,
/// eventType, event: {id, href, buyerId, sellerId}}`: read the resource for its state. `query`
/// `eventType=A,B` chooses notifications (absent: all). Deliveries are signed and retried like
/// `/api/v1/webhooks` (`X-Signature` with the `secret` returned once here; `X-Delivery-Id`
/// stable across retries) and appear in `/api/v1/webhooks/{id}/deliveries`. Customer admins and
/// admins only.
#[utoipa::path(
    tag = TAG,
    operation_id = "registerListenerMef",
    security(("bearer" = [])),
    params(BuyerSeller),
    request_body = MefHubInput,
    responses(
        (status = 201, description = "Registered; the secret is shown only now.", body = MefHub,
            headers(("Location" = String, description = "URL of the listener"))),
        (status = 403, response = crate::http::error::Forbidden),
        (status = 409, response = crate::http::error::Conflict),
    )
)]
#[post("/hub")]
pub async fn register_listener(
    state: web::Data<AppState>,
    caller: Permit<gate::ManageWebhooks>,
    ids: web::Query<BuyerSeller>,
    body: crate::http::json::Json<MefHubInput>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    ids.check()?;
    super::buyer_matches(&caller, &ids, &state.settings.seller.id)?;
    let body = body.into_inner();
    let saved = flow::register(
        &state,
        &caller,
        &body.callback,
        body.query,
        body.secret,
        MEF124,
    )
    .await?;
    let location = format!("{BASE}/hub/{}", saved.id);
    Ok(HttpResponse::Created()
        .insert_header(("Location", location))
        .insert_header(("Cache-Control", "no-store"))
        .json(hub(saved, true)))
}

/// Retrieve a listener (MEF 124).
///
/// MEF 124 `retrieveHub`: the listener as registered (its secret is not shown again). Another
/// buyer's listener, or one registered through TMF621 or `/api/v1/webhooks`, answers 404.
#[utoipa::path(
    tag = TAG,
    operation_id = "retrieveHubMef",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "Listener id", example = "7"),
        BuyerSeller,
    ),
    responses(
        (status = 200, description = "The listener.", body = MefHub),
        (status = 403, response = crate::http::error::Forbidden),
    )
)]
#[get("/hub/{id}")]
pub async fn get_listener(
    state: web::Data<AppState>,
    caller: Permit<gate::ManageWebhooks>,
    path: web::Path<String>,
    ids: web::Query<BuyerSeller>,
) -> Result<HttpResponse, ApiError> {
    ids.check()?;
    let sub = flow::listener(&state, &caller, &path, MEF124).await?;
    if !admitted(&sub, &ids, &state.settings.seller.id) {
        return Err(ApiError::not_found("listener"));
    }
    Ok(HttpResponse::Ok().json(hub(sub, false)))
}

fn admitted(sub: &Subscription, ids: &BuyerSeller, seller: &str) -> bool {
    ids.seller_matches(seller)
        && ids.buyer_id.as_deref().is_none_or(|b| {
            sub.customer_number
                .as_ref()
                .is_some_and(|c| c.as_str() == b.trim())
        })
}

/// Unregister a listener (MEF 124).
///
/// MEF 124 `unregisterListener`. No further notifications are sent; the delivery log is kept.
#[utoipa::path(
    tag = TAG,
    operation_id = "unregisterListenerMef",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "Listener id", example = "7"),
        BuyerSeller,
    ),
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
    ids: web::Query<BuyerSeller>,
) -> Result<HttpResponse, ApiError> {
    ids.check()?;
    let sub = flow::listener(&state, &caller, &path, MEF124).await?;
    if !admitted(&sub, &ids, &state.settings.seller.id) {
        return Err(ApiError::not_found("listener"));
    }
    flow::unregister(&state, &caller, &path, MEF124).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The Sonata notification for listener `sub` about `event`: its type, where it goes
/// (`{callback}/listener/{eventType}`) and its body. `None` when the listener wants none.
pub fn notification(
    sub: &Subscription,
    event: &Event,
    seller: &str,
) -> Result<Option<(&'static str, String, Value)>, String> {
    let Some(event_type) = app::notifications::sonata_event_type(sub, event) else {
        return Ok(None);
    };
    let ticket = event
        .ticket_number
        .map(TicketRef::from_number)
        .transpose()
        .map_err(|e| e.to_string())?
        .ok_or("the event names no ticket")?;
    let href = if domain::mef::is_incident_event(event_type) {
        incident_href(&ticket)
    } else {
        ticket_href(&ticket)
    };
    let buyer = event
        .customer_number
        .clone()
        .or_else(|| sub.customer_number.as_ref().map(|c| c.to_string()));
    let mut payload = json!({"id": ticket.to_string(), "href": href, "sellerId": seller});
    if let Some(buyer) = buyer {
        payload["buyerId"] = json!(buyer);
    }
    let url = format!("{}/listener/{event_type}", sub.url.trim_end_matches('/'));
    Ok(Some((
        event_type,
        url,
        json!({
            "eventId": event.id.to_string(),
            "eventTime": event.created_at,
            "eventType": event_type,
            "event": payload,
        }),
    )))
}
