//! Status changes: the desk's transitions, the customer's close and reopen (R-INC4, R-INC8).

use actix_web::{post, web, HttpRequest, HttpResponse};
use app::incidents::Transition;
use validator::Validate;

use super::{
    incident_response, ticket_from_path, CloseIncident, IncidentView, ReopenIncident,
    TransitionRequest,
};
use crate::http::caller::{gate, Permit};
use crate::http::error::ApiError;
use crate::http::etag::if_match_version;
use crate::state::{write, AppState};

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
        (status = 403, response = crate::http::error::Forbidden),
        (status = 409, response = crate::http::error::Conflict),
        (status = 412, response = crate::http::error::PreconditionFailed),
    )
)]
#[post("/incidents/{ref}/transitions")]
pub async fn transition_incident(
    state: web::Data<AppState>,
    caller: Permit<gate::WorkIncidents>,
    req: HttpRequest,
    path: web::Path<String>,
    body: crate::http::json::Json<TransitionRequest>,
) -> Result<HttpResponse, ApiError> {
    let ticket = ticket_from_path(&path)?;
    body.validate()?;
    let body = body.into_inner();
    let cmd = Transition {
        ticket,
        to: body.to,
        reason: body.reason,
        resolution: body.resolution.map(Into::into),
        expected_version: if_match_version(&req)?,
    };
    let by = caller.0.clone();
    let incident = write(&state, move |conn, ctx, now| {
        app::incidents::transition(conn, &by, cmd, ctx, now)
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
        (status = 403, response = crate::http::error::Forbidden),
        (status = 409, response = crate::http::error::Conflict),
        (status = 412, response = crate::http::error::PreconditionFailed),
    )
)]
#[post("/incidents/{ref}/close")]
pub async fn close_incident(
    state: web::Data<AppState>,
    caller: Permit<gate::FollowIncident>,
    req: HttpRequest,
    path: web::Path<String>,
    body: crate::http::json::Json<CloseIncident>,
) -> Result<HttpResponse, ApiError> {
    let ticket = ticket_from_path(&path)?;
    body.validate()?;
    let cmd = app::incidents::CloseIncident {
        ticket,
        reason: body.into_inner().reason,
        expected_version: if_match_version(&req)?,
    };
    let by = caller.0.clone();
    let incident = write(&state, move |conn, ctx, now| {
        app::incidents::close(conn, &by, cmd, ctx, now)
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
        (status = 403, response = crate::http::error::Forbidden),
        (status = 409, response = crate::http::error::Conflict),
        (status = 412, response = crate::http::error::PreconditionFailed),
    )
)]
#[post("/incidents/{ref}/reopen")]
pub async fn reopen_incident(
    state: web::Data<AppState>,
    caller: Permit<gate::FollowIncident>,
    req: HttpRequest,
    path: web::Path<String>,
    body: crate::http::json::Json<ReopenIncident>,
) -> Result<HttpResponse, ApiError> {
    let ticket = ticket_from_path(&path)?;
    body.validate()?;
    let cmd = app::incidents::ReopenIncident {
        ticket,
        reason: body.into_inner().reason,
        expected_version: if_match_version(&req)?,
    };
    let by = caller.0.clone();
    let incident = write(&state, move |conn, ctx, now| {
        app::incidents::reopen(conn, &by, cmd, ctx, now)
    })
    .await?;
    Ok(incident_response(
        HttpResponse::Ok(),
        &state,
        &caller,
        incident,
    ))
}
