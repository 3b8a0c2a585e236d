//! Reading tickets and timelines as the caller may see them: a customer its own company's
//! (another company's ticket is "not found"), internal entries only for the desk.

use domain::{Caller, EntryKind, Incident, TicketRef, TimelineEntry};
use persistence::{incidents, timeline, Cursor, Page};

use super::IncidentFilter;
use crate::{AppError, Conn};

pub fn get(conn: &mut Conn, caller: &Caller, ticket: TicketRef) -> Result<Incident, AppError> {
    Ok(incidents::get(conn, ticket, caller.tenant_scope())?)
}

/// Tickets matching `filter`, within the caller's tenancy, one keyset page at a time.
pub fn list(
    conn: &mut Conn,
    caller: &Caller,
    mut filter: IncidentFilter,
    after: Option<Cursor>,
    limit: usize,
) -> Result<Page<Incident>, AppError> {
    filter.scope = caller.tenant_scope().cloned();
    Ok(incidents::list(conn, &filter, after, limit)?)
}

/// Tickets matching `filter` within the caller's tenancy, newest first, from `offset` (TMF621).
pub fn list_offset(
    conn: &mut Conn,
    caller: &Caller,
    mut filter: IncidentFilter,
    offset: i64,
    limit: i64,
) -> Result<Vec<Incident>, AppError> {
    filter.scope = caller.tenant_scope().cloned();
    Ok(incidents::list_offset(conn, &filter, offset, limit)?)
}

/// How many tickets `filter` selects within the caller's tenancy.
pub fn count(
    conn: &mut Conn,
    caller: &Caller,
    mut filter: IncidentFilter,
) -> Result<i64, AppError> {
    filter.scope = caller.tenant_scope().cloned();
    Ok(incidents::count(conn, &filter)?)
}

/// A ticket's timeline, oldest first; customers see public entries only.
pub fn timeline(
    conn: &mut Conn,
    caller: &Caller,
    ticket: TicketRef,
    after: Option<Cursor>,
    limit: usize,
) -> Result<Page<TimelineEntry>, AppError> {
    let incident = incidents::get(conn, ticket, caller.tenant_scope())?;
    let internal = !caller.role.is_customer_side();
    Ok(timeline::list(conn, incident.id, internal, after, limit)?)
}

/// The public entries of `kinds` on each of `tickets`, oldest first, as `(incident id, entry)`:
/// one query for a whole page of tickets.
pub fn timeline_of(
    conn: &mut Conn,
    tickets: &[Incident],
    kinds: &[EntryKind],
) -> Result<Vec<(i64, TimelineEntry)>, AppError> {
    let ids: Vec<i64> = tickets.iter().map(|i| i.id).collect();
    Ok(timeline::public_of(conn, &ids, kinds)?)
}
