//! `POST /incidents`: raise a trouble ticket (R-INC1).

use actix_web::{post, web, HttpResponse};
use domain::{Reporter, ServiceLocator};
use validator::Validate;

use super::{incident_response, RaiseIncident};
use crate::http::caller::{gate, Permit};
use crate::http::error::ApiError;
use crate::state::{write, AppState};

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
        (status = 403, response = crate::http::error::Forbidden),
    )
)]
#[post("/incidents")]
pub async fn raise_incident(
    state: web::Data<AppState>,
    caller: Permit<gate::RaiseIncident>,
    body: crate::http::json::Json<RaiseIncident>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let body = body.into_inner();
    let cmd = app::incidents::RaiseIncident {
        locator: ServiceLocator::from_parts(
            body.circuit_reference.as_deref(),
            body.order_number.as_deref(),
            body.service_id.as_deref(),
        )?,
        summary: body.summary,
        description: body.description,
        impact: body.impact,
        reporter: Reporter::from(body.reporter),
        external_id: body.external_id,
    };
    let by = caller.0.clone();
    let incident = write(&state, move |conn, ctx, now| {
        app::incidents::raise(conn, &by, cmd, ctx, now)
    })
    .await?;
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
