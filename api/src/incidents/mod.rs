//! Incidents (trouble tickets): raise, follow and close (R-INC1–4).

mod close;
mod dto;
mod follow;
mod raise;

pub use close::close_incident;
pub use dto::{CloseIncident, IncidentView, RaiseIncident, ReporterInput, SlaView};
pub use follow::{get_incident, list_incidents, IncidentQuery};
pub use raise::raise_incident;

use actix_web::HttpResponse;
use domain::{Incident, TicketRef};

use crate::error::ApiError;
use crate::etag::etag;
use crate::state::AppState;

/// Parses a `{ref}` path segment in either form; a malformed one cannot name a ticket: 404.
fn ticket_from_path(text: &str) -> Result<TicketRef, ApiError> {
    TicketRef::parse(text).map_err(|e| {
        ApiError::not_found("incident").with_extension("hint", serde_json::json!(e.to_string()))
    })
}

/// A ticket as JSON with its `ETag`.
fn incident_response(
    mut builder: actix_web::HttpResponseBuilder,
    state: &AppState,
    incident: Incident,
) -> HttpResponse {
    builder
        .insert_header(("ETag", etag(incident.version)))
        .json(IncidentView::new(incident, &state.sla))
}
