//! `PATCH /incidents/{ref}`: the desk changes priority and assignee (R-INC8).

use actix_web::{patch, web, HttpRequest, HttpResponse};
use validator::ValidateEmail;

use super::{incident_response, ticket_from_path, IncidentView, UpdateIncident};
use crate::http::caller::{gate, Permit};
use crate::http::error::ApiError;
use crate::http::etag::if_match_version;
use crate::state::{write, AppState};

/// Change an incident's priority or assignee.
///
/// Service desk only. A new priority recomputes the SLA targets from `logged_at`, keeping the
/// pause history; an assignee must be an active agent, incident manager or admin (`null`
/// unassigns). Each change is recorded in the timeline (assignments internally). Honours
/// `If-Match`.
#[utoipa::path(
    tag = "incidents",
    security(("bearer" = [])),
    params(
        ("ref" = String, Path, description = "Ticket reference, either form", example = "1-0000000042"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read"),
    ),
    request_body = UpdateIncident,
    responses(
        (status = 200, description = "The updated ticket.", body = IncidentView),
        (status = 403, response = crate::http::error::Forbidden),
        (status = 409, response = crate::http::error::Conflict),
        (status = 412, response = crate::http::error::PreconditionFailed),
    )
)]
#[patch("/incidents/{ref}")]
pub async fn update_incident(
    state: web::Data<AppState>,
    caller: Permit<gate::WorkIncidents>,
    req: HttpRequest,
    path: web::Path<String>,
    body: crate::http::json::Json<UpdateIncident>,
) -> Result<HttpResponse, ApiError> {
    let ticket = ticket_from_path(&path)?;
    let body = body.into_inner();
    if let Some(Some(email)) = &body.assignee_email {
        if email.chars().count() > 254 {
            return Err(ApiError::field(
                "assignee_email",
                "too_long",
                "at most 254 characters",
            ));
        }
        if !email.validate_email() {
            return Err(ApiError::field(
                "assignee_email",
                "email",
                "must be a valid email address",
            ));
        }
    }
    // Preconditions come after the request itself is known to be valid (RFC 9110 §13.2.1).
    let cmd = app::incidents::UpdateIncident {
        ticket,
        priority: body.priority,
        assignee_email: body.assignee_email,
        expected_version: if_match_version(&req)?,
    };
    let by = caller.0.clone();
    let incident = write(&state, move |conn, ctx, now| {
        app::incidents::update(conn, &by, cmd, ctx, now)
    })
    .await?;
    Ok(incident_response(
        HttpResponse::Ok(),
        &state,
        &caller,
        incident,
    ))
}
