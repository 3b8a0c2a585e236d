//! Status changes: the desk's transitions, the customer's close and reopen (R-INC4, R-INC8).

use actix_web::{post, web, HttpRequest, HttpResponse};
use domain::IncidentStatus;
use validator::Validate;

use super::{
    actor_of, change_incident, incident_response, status_entry, ticket_from_path, CloseIncident,
    IncidentView, ReopenIncident, TransitionRequest,
};
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::etag::if_match_version;
use crate::state::AppState;

/// Move an incident through its lifecycle.
///
/// Service desk only. Allowed moves: `new → acknowledged → in_progress ⇄ pending_customer`,
/// `in_progress | pending_customer → resolved` (with a `resolution`), any open state to
/// `cancelled` (with a `reason`), `resolved → in_progress | closed`. `pending_customer` pauses
/// the SLA clock (the `reason` says what is awaited), `resolved` stops it. An illegal move
/// answers 409 and changes nothing. Every move is recorded in the timeline. Honours `If-Match`.
#[utoipa::path(
    tag = "incidents",
    security(("bearer" = [])),
    params(
        ("ref" = String, Path, description = "Ticket reference, either form", example = "1-0000000042"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read"),
    ),
    request_body = TransitionRequest,
    responses(
        (status = 200, description = "The ticket after the move.", body = IncidentView),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
        (status = 409, response = crate::error::Conflict),
        (status = 412, response = crate::error::PreconditionFailed),
        (status = 422, response = crate::error::Unprocessable),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[post("/incidents/{ref}/transitions")]
pub async fn transition_incident(
    state: web::Data<AppState>,
    caller: Authenticated,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<TransitionRequest>,
) -> Result<HttpResponse, ApiError> {
    let ticket = ticket_from_path(&path)?;
    if !caller.works_incidents() {
        return Err(ApiError::forbidden(
            "only the service desk moves tickets; customers close or reopen them",
        ));
    }
    body.validate()?;
    let expected = if_match_version(&req)?;
    let body = body.into_inner();
    let author = caller.subject.clone();
    let incident = change_incident(&state, &caller, ticket, expected, move |incident, now| {
        let change = incident.transition(
            domain::Actor::ServiceDesk,
            body.to,
            body.reason.as_deref(),
            body.resolution.map(Into::into),
            now,
        )?;
        Ok(vec![status_entry(&author, &change, incident)])
    })
    .await?;
    Ok(incident_response(
        HttpResponse::Ok(),
        &state,
        &caller,
        incident,
    ))
}

/// Close an incident.
///
/// The customer closes their own ticket with a reason, from any state but `closed` and
/// `cancelled` (those answer 409 and nothing changes). Service-desk staff may close on the
/// customer's behalf. Honours `If-Match`.
#[utoipa::path(
    tag = "incidents",
    security(("bearer" = [])),
    params(
        ("ref" = String, Path, description = "Ticket reference, either form", example = "1-0000000042"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read"),
    ),
    request_body = CloseIncident,
    responses(
        (status = 200, description = "The closed ticket.", body = IncidentView),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
        (status = 409, response = crate::error::Conflict),
        (status = 412, response = crate::error::PreconditionFailed),
        (status = 422, response = crate::error::Unprocessable),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[post("/incidents/{ref}/close")]
pub async fn close_incident(
    state: web::Data<AppState>,
    caller: Authenticated,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<CloseIncident>,
) -> Result<HttpResponse, ApiError> {
    let ticket = ticket_from_path(&path)?;
    if !(caller.role.is_customer_side() || caller.works_incidents()) {
        return Err(ApiError::forbidden("your role does not close incidents"));
    }
    body.validate()?;
    let expected = if_match_version(&req)?;
    let reason = body.into_inner().reason;
    let actor = actor_of(&caller);
    let author = caller.subject.clone();
    let incident = change_incident(&state, &caller, ticket, expected, move |incident, now| {
        let change = incident.close(actor, &reason, now)?;
        Ok(vec![status_entry(&author, &change, incident)])
    })
    .await?;
    Ok(incident_response(
        HttpResponse::Ok(),
        &state,
        &caller,
        incident,
    ))
}

/// Reopen a resolved incident.
///
/// When the fix did not hold, the customer (or the desk) reopens a `resolved` ticket with a
/// reason; it goes back to `in_progress` and the SLA clock runs again (the time it spent
/// resolved does not count). Other states answer 409. Honours `If-Match`.
#[utoipa::path(
    tag = "incidents",
    security(("bearer" = [])),
    params(
        ("ref" = String, Path, description = "Ticket reference, either form", example = "1-0000000042"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read"),
    ),
    request_body = ReopenIncident,
    responses(
        (status = 200, description = "The reopened ticket.", body = IncidentView),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
        (status = 409, response = crate::error::Conflict),
        (status = 412, response = crate::error::PreconditionFailed),
        (status = 422, response = crate::error::Unprocessable),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[post("/incidents/{ref}/reopen")]
pub async fn reopen_incident(
    state: web::Data<AppState>,
    caller: Authenticated,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<ReopenIncident>,
) -> Result<HttpResponse, ApiError> {
    let ticket = ticket_from_path(&path)?;
    if !(caller.role.is_customer_side() || caller.works_incidents()) {
        return Err(ApiError::forbidden("your role does not reopen incidents"));
    }
    body.validate()?;
    let expected = if_match_version(&req)?;
    let reason = body.into_inner().reason;
    let actor = actor_of(&caller);
    let author = caller.subject.clone();
    let incident = change_incident(&state, &caller, ticket, expected, move |incident, now| {
        if incident.status != IncidentStatus::Resolved {
            return Err(domain::DomainError::illegal_state(
                "illegal_transition",
                format!(
                    "ticket {} is {}; only resolved tickets reopen",
                    incident.ticket, incident.status
                ),
            )
            .into());
        }
        let change =
            incident.transition(actor, IncidentStatus::InProgress, Some(&reason), None, now)?;
        Ok(vec![status_entry(&author, &change, incident)])
    })
    .await?;
    Ok(incident_response(
        HttpResponse::Ok(),
        &state,
        &caller,
        incident,
    ))
}
