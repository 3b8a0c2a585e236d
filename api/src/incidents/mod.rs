//! Incidents (trouble tickets): raise, follow, work and close them (R-INC1–8).

mod dto;
mod follow;
mod lifecycle;
mod raise;
mod timeline;
mod update;

pub use dto::*;
pub use follow::{get_incident, list_incidents, IncidentQuery};
pub use lifecycle::{close_incident, reopen_incident, transition_incident};
pub use raise::raise_incident;
pub use timeline::{list_updates, post_update};
pub use update::update_incident;

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use domain::{Actor, Caller, Incident, NewEntry, StatusChange, TicketRef, TimelineEntry};
use persistence::StoreError;

use crate::error::ApiError;
use crate::etag::etag;
use crate::state::{now, AppState};

/// Parses a `{ref}` path segment in either form; a malformed one cannot name a ticket: 404.
pub(crate) fn ticket_from_path(text: &str) -> Result<TicketRef, ApiError> {
    TicketRef::parse(text).map_err(|e| {
        ApiError::not_found("incident").with_extension("hint", serde_json::json!(e.to_string()))
    })
}

/// Whether the caller acts as the customer or as the service desk.
pub(crate) fn actor_of(caller: &Caller) -> Actor {
    if caller.role.is_customer_side() {
        Actor::Customer
    } else {
        Actor::ServiceDesk
    }
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
            now(),
        ))
}

/// The timeline entry recording a status change.
pub(crate) fn status_entry(author: &str, change: &StatusChange, incident: &Incident) -> NewEntry {
    let text = domain::timeline::status_change_text(
        change.from,
        change.to,
        change.reason.as_deref(),
        incident.resolution.as_ref(),
    );
    NewEntry::public(domain::EntryKind::StatusChange, author, text)
}

/// Applies `change` to a ticket the caller can see, in one write transaction with its timeline
/// entries; `expected_version` comes from `If-Match`.
pub(crate) async fn change_incident<F>(
    state: &web::Data<AppState>,
    caller: &Caller,
    ticket: TicketRef,
    expected_version: Option<i64>,
    change: F,
) -> Result<Incident, ApiError>
where
    F: FnOnce(&mut Incident, DateTime<Utc>) -> Result<Vec<NewEntry>, StoreError> + Send + 'static,
{
    Ok(
        change_incident_with_entries(state, caller, ticket, expected_version, change)
            .await?
            .0,
    )
}

/// As [`change_incident`], also returning the timeline entries written.
pub(crate) async fn change_incident_with_entries<F>(
    state: &web::Data<AppState>,
    caller: &Caller,
    ticket: TicketRef,
    expected_version: Option<i64>,
    change: F,
) -> Result<(Incident, Vec<TimelineEntry>), ApiError>
where
    F: FnOnce(&mut Incident, DateTime<Utc>) -> Result<Vec<NewEntry>, StoreError> + Send + 'static,
{
    let scope = caller.tenant_scope().cloned();
    let state = state.clone();
    let incident = web::block(move || {
        let at = now();
        state.db.write(|conn| {
            persistence::incidents::change(
                conn,
                ticket,
                scope.as_ref(),
                expected_version,
                state.sla(),
                at,
                |incident| change(incident, at),
            )
        })
    })
    .await??;
    Ok(incident)
}
