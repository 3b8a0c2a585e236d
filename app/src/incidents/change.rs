//! The one way a ticket changes: loaded (locked) within the caller's tenancy, its version checked
//! against the caller's `If-Match`, changed by the domain, saved with its timeline entries, and
//! its customer told — in the caller's transaction.

use chrono::{DateTime, Utc};
use domain::{CustomerNumber, EventType, Incident, NewEntry, TicketRef, TimelineEntry, Visibility};
use persistence::{events, incidents, timeline, StoreError};

use crate::{AppError, Conn, Ctx};

/// Loads `ticket` within `scope`, checks `expected_version`, lets `apply` change it and return
/// its timeline entries, and records the change ([`record_change`]). A refused change or a stale
/// version writes nothing.
pub(crate) fn change_ticket(
    conn: &mut Conn,
    scope: Option<&CustomerNumber>,
    ticket: TicketRef,
    expected_version: Option<i64>,
    ctx: &Ctx,
    now: DateTime<Utc>,
    apply: impl FnOnce(&mut Incident) -> Result<Vec<NewEntry>, AppError>,
) -> Result<(Incident, Vec<TimelineEntry>), AppError> {
    let mut incident = incidents::get_for_change(conn, ticket, scope)?;
    if expected_version.is_some_and(|v| v != incident.version) {
        return Err(AppError::PreconditionFailed(format!(
            "ticket {ticket} is at version {}",
            incident.version
        )));
    }
    let entries = apply(&mut incident)?;
    record_change(
        conn,
        &incident,
        expected_version.is_some(),
        &entries,
        ctx,
        now,
    )
}

/// Saves a changed ticket (with the SLA projection its filters read) and appends `entries`; when
/// any of them is public, its customer is told (`incident.updated`, with the status it left).
/// A lost race is 412 when the caller named a version, else 409 `concurrent_update`.
pub(crate) fn record_change(
    conn: &mut Conn,
    incident: &Incident,
    named_version: bool,
    entries: &[NewEntry],
    ctx: &Ctx,
    now: DateTime<Utc>,
) -> Result<(Incident, Vec<TimelineEntry>), AppError> {
    let (saved, written) = save_change(conn, incident, named_version, entries, ctx, now)?;
    let public: Vec<&str> = written
        .iter()
        .filter(|e| e.visibility == Visibility::Public)
        .map(|e| e.text.as_str())
        .collect();
    // Internal-only changes (assignments, internal notes) are not the customer's business.
    if !public.is_empty() {
        let previous_status = written
            .iter()
            .find_map(|e| e.status.as_ref())
            .map(|s| s.from.as_str());
        events::append(
            conn,
            EventType::IncidentUpdated,
            Some(&saved.customer_number),
            Some(saved.ticket),
            &serde_json::json!({
                "ticket_number": saved.ticket.to_string(),
                "status": saved.status.as_str(),
                "priority": saved.priority.as_str(),
                "previous_status": previous_status,
                "changes": public,
                "cancellation_requested": written
                    .iter()
                    .any(|e| e.kind == domain::EntryKind::CancellationRequest),
            }),
            now,
        )?;
    }
    Ok((saved, written))
}

/// Saves a changed ticket and appends `entries`, telling no one: for a change that publishes an
/// event of its own (an attachment added). A lost race as in [`record_change`].
pub(crate) fn save_change(
    conn: &mut Conn,
    incident: &Incident,
    named_version: bool,
    entries: &[NewEntry],
    ctx: &Ctx,
    now: DateTime<Utc>,
) -> Result<(Incident, Vec<TimelineEntry>), AppError> {
    let projection = incident
        .sla
        .projection(ctx.sla.targets(incident.priority), ctx.sla.at_risk_percent);
    let saved = incidents::save(conn, incident, &projection).map_err(|e| match e {
        StoreError::Stale(message) if named_version => AppError::PreconditionFailed(message),
        other => other.into(),
    })?;
    let written = timeline::append(conn, saved.id, entries, now)?;
    Ok((saved, written))
}
