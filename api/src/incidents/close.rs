//! `POST /incidents/{ref}/close`: the customer closes their ticket (R-INC4).

use actix_web::{post, web, HttpRequest, HttpResponse};
use validator::Validate;

use super::{incident_response, ticket_from_path, CloseIncident};
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::etag::if_match_version;
use crate::state::{now, AppState};

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
        (status = 200, description = "The closed ticket.", body = super::IncidentView),
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
    let scope = caller.tenant_scope().cloned();
    let reason = body.into_inner().reason;
    let db_state = state.clone();
    let incident = web::block(move || {
        db_state.db.write(|conn| {
            persistence::incidents::close(conn, ticket, scope.as_ref(), &reason, expected, now())
        })
    })
    .await??;
    Ok(incident_response(HttpResponse::Ok(), &state, incident))
}
