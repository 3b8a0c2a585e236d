//! `POST /hub`, `DELETE /hub/{id}`: TMF621 listeners, delivered through the signed, retried
//! webhook outbox, and the notification envelopes they receive.

use actix_web::{delete, post, web, HttpResponse};
use domain::{CustomerNumber, Role, TicketRef};
use persistence::events::Event;
use persistence::webhooks::{Subscription, TMF621};
use persistence::StoreError;
use serde_json::{json, Value};
use validator::Validate;

use super::{trouble_ticket, EventSubscription, EventSubscriptionInput, BASE};
use crate::auth::password::random_token;
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::state::{now, AppState};

fn require_manager(caller: &Authenticated) -> Result<(), ApiError> {
    if matches!(caller.role, Role::CustomerAdmin | Role::Admin) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "listeners are registered by customer admins (give an integration's API client that role)",
        ))
    }
}

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
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 403, response = crate::error::Forbidden),
        (status = 415, response = crate::error::UnsupportedMediaType),
        (status = 422, response = crate::error::Unprocessable),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[post("/hub")]
pub async fn register_listener(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: web::Json<EventSubscriptionInput>,
) -> Result<HttpResponse, ApiError> {
    require_manager(&caller)?;
    body.validate()?;
    let body = body.into_inner();
    let callback = body.callback.trim().to_owned();
    crate::dispatch::check_target(&callback, state.settings.notify.webhook_allow_private)
        .map_err(|e| ApiError::field("callback", "refused", e))?;
    let query = body
        .query
        .map(|q| q.trim().to_owned())
        .filter(|q| !q.is_empty());
    let event_types = domain::tmf::parse_hub_query(query.as_deref())?;
    let at = now();
    let subscription = Subscription {
        id: 0,
        customer_number: caller.tenant_scope().cloned(),
        url: callback,
        event_types,
        secret: body.secret.unwrap_or_else(|| random_token(32)),
        created_by: caller.subject.clone(),
        created_at: at,
        format: TMF621.to_owned(),
        query,
    };
    let saved = web::block(move || {
        state
            .db
            .write(|conn| persistence::webhooks::create(conn, &subscription, at))
    })
    .await??;
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
        (status = 401, response = crate::error::Unauthorized),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[delete("/hub/{id}")]
pub async fn unregister_listener(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    require_manager(&caller)?;
    let id: i64 = path
        .trim()
        .parse()
        .map_err(|_| ApiError::not_found("listener"))?;
    let scope: Option<CustomerNumber> = caller.tenant_scope().cloned();
    web::block(move || {
        state.db.write(|conn| {
            let sub = persistence::webhooks::get(conn, id, scope.as_ref())?;
            if sub.format != TMF621 {
                return Err(StoreError::NotFound("listener"));
            }
            persistence::webhooks::delete(conn, id, scope.as_ref(), now())
        })
    })
    .await??;
    Ok(HttpResponse::NoContent().finish())
}

/// The TMF621 notification for listener `sub` about `event`: its type and envelope, with the
/// ticket as it is now. `None` when the listener wants no notification for this event.
pub fn notification(
    state: &AppState,
    sub: &Subscription,
    event: &Event,
) -> Result<Option<(&'static str, Value)>, StoreError> {
    let Some(event_type) = persistence::outbox::tmf621_event_type(sub, event) else {
        return Ok(None);
    };
    let ticket = event
        .ticket_number
        .map(TicketRef::from_number)
        .transpose()
        .map_err(|e| StoreError::Corrupt(e.to_string()))?
        .ok_or(StoreError::NotFound("incident"))?;
    let (incident, entries) = state.db.read(|conn| {
        let incident = persistence::incidents::get(conn, ticket, None)?;
        let entries = persistence::timeline::public_of(conn, &[incident.id], super::VIEW_KINDS)?;
        Ok((incident, entries))
    })?;
    let entries: Vec<_> = entries.into_iter().map(|(_, e)| e).collect();
    let staff = sub.customer_number.is_none();
    let view = trouble_ticket(incident, &entries, state.sla(), staff, now());
    let title = match event_type {
        domain::tmf::CREATE_EVENT => "Trouble ticket created",
        domain::tmf::STATUS_CHANGE_EVENT => "Trouble ticket status changed",
        domain::tmf::RESOLVED_EVENT => "Trouble ticket resolved",
        _ => "Trouble ticket changed",
    };
    let description = event.payload["changes"]
        .as_array()
        .map(|c| {
            c.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("; ")
        })
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| format!("{title}: {}", view.id));
    Ok(Some((
        event_type,
        json!({
            "eventId": event.id.to_string(),
            "eventTime": event.created_at,
            "eventType": event_type,
            "correlationId": view.id,
            "domain": "troubleTicket",
            "title": title,
            "description": description,
            "timeOcurred": event.created_at,
            "event": {"troubleTicket": view},
        }),
    )))
}
