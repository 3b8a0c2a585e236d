//! Incidents (trouble tickets): raise, follow, work and close them (R-INC1–8).

mod dto;
mod export;
mod follow;
mod lifecycle;
mod raise;
mod timeline;
mod update;

pub use dto::*;
pub use export::export_incidents;
pub use follow::{get_incident, list_incidents, IncidentQuery};
pub use lifecycle::{close_incident, reopen_incident, transition_incident};
pub use raise::raise_incident;
pub use timeline::{list_updates, post_update};
pub use update::update_incident;

use actix_web::HttpResponse;
use domain::{Caller, Incident, TicketRef};

use crate::http::error::ApiError;
use crate::http::etag::etag;
use crate::state::AppState;

/// Parses a `{ref}` path segment in either form; a malformed one cannot name a ticket: 404.
pub(crate) fn ticket_from_path(text: &str) -> Result<TicketRef, ApiError> {
    TicketRef::parse(text)
        .map_err(|e| ApiError::not_found("incident").with_members(|m| m.hint = Some(e.to_string())))
}

/// A ticket as JSON, as this caller may see it, with its `ETag`.
pub(crate) fn incident_response(
    mut builder: actix_web::HttpResponseBuilder,
    state: &AppState,
    caller: &Caller,
    incident: Incident,
) -> HttpResponse {
    builder
        .insert_header(("ETag", etag(incident.version)))
        .json(IncidentView::new(
            incident,
            state.sla(),
            !caller.role.is_customer_side(),
            app::now(),
        ))
}
