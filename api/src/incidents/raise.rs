//! `POST /incidents`: raise a trouble ticket (R-INC1).

use actix_web::{post, web, HttpResponse};
use domain::{Reporter, ServiceLocator};
use persistence::incidents::NewIncident;
use validator::Validate;

use super::{incident_response, RaiseIncident};
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::state::{now, AppState};

/// Raise an incident.
///
/// Logs a trouble ticket on one of your services, named by **exactly one** of its circuit
/// reference, order number or service id. The ticket is logged at once: it gets its reference
/// (`1-` and ten digits) and the SLA runs from `logged_at`. The priority follows the impact
/// (`service_down` P1, `degraded` P2, `intermittent` P3, `no_impact` P4).
///
/// A service that is not yours answers 422 exactly like one that does not exist.
#[utoipa::path(
    tag = "incidents",
    security(("bearer" = [])),
    request_body = RaiseIncident,
    responses(
        (status = 201, description = "Ticket logged.", body = super::IncidentView,
            headers(
                ("Location" = String, description = "URL of the new ticket"),
                ("ETag" = String, description = "Version of the ticket"),
            )),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 403, response = crate::error::Forbidden),
        (status = 415, response = crate::error::UnsupportedMediaType),
        (status = 422, response = crate::error::Unprocessable),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[post("/incidents")]
pub async fn raise_incident(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: web::Json<RaiseIncident>,
) -> Result<HttpResponse, ApiError> {
    if !caller.can_raise_incident() {
        return Err(ApiError::forbidden("your role does not raise incidents"));
    }
    body.validate()?;
    let locator = ServiceLocator::from_parts(
        body.circuit_reference.as_deref(),
        body.order_number.as_deref(),
        body.service_id.as_deref(),
    )?;
    let body = body.into_inner();
    let reporter = Reporter::from(body.reporter);
    let scope = caller.tenant_scope().cloned();
    let raised_by = caller.subject.clone();
    let db_state = state.clone();
    let incident = web::block(move || {
        db_state.db.write(|conn| {
            persistence::incidents::raise(
                conn,
                NewIncident {
                    locator: &locator,
                    summary: body.summary.trim(),
                    description: body.description.trim(),
                    impact: body.impact,
                    reporter: &reporter,
                    raised_by: &raised_by,
                    external_id: body.external_id.as_deref().map(str::trim),
                },
                scope.as_ref(),
                db_state.sla(),
                now(),
            )
        })
    })
    .await??;
    let location = format!("/api/v1/incidents/{}", incident.ticket);
    Ok(incident_response(
        HttpResponse::Created()
            .insert_header(("Location", location))
            .take(),
        &state,
        &caller,
        incident,
    ))
}
