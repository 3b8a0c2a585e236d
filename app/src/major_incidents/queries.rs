//! Reading major incidents: a customer sees those that concern it (a service of its own is
//! affected, or a ticket of its own is linked), and of them only its own services and children.

use domain::{Caller, CustomerNumber, Incident, MajorIncident, TicketRef};
use persistence::major_incidents::{self, MajorFilter, MajorUpdate};
use persistence::{incidents, services, Cursor, Page};

use crate::incidents::{IncidentFilter, IncidentOrder};
use crate::{AppError, Conn};

/// A major incident with the services of it the caller sees: a customer its own, provider staff
/// all (`None`).
pub type Visible = (MajorIncident, Option<Vec<String>>);

/// A major incident as the caller may see it.
pub fn get(conn: &mut Conn, caller: &Caller, ticket: TicketRef) -> Result<Visible, AppError> {
    let major = major_incidents::get_visible(conn, ticket, caller.tenant_scope())?;
    let own = services_of(conn, &major, caller.tenant_scope())?;
    Ok((major, own))
}

/// The services of `major` that belong to `customer` (`None` for provider staff: all of them).
pub fn services_of(
    conn: &mut Conn,
    major: &MajorIncident,
    customer: Option<&CustomerNumber>,
) -> Result<Option<Vec<String>>, AppError> {
    let Some(customer) = customer else {
        return Ok(None);
    };
    // Its own among the named ones, and its own in the region.
    let mut own = services::owned_by(conn, &major.affected_services, customer)?;
    for (service, _) in major_incidents::affected(conn, major, Some(customer))? {
        if !own.iter().any(|s| s == service.as_str()) {
            own.push(service.as_str().to_owned());
        }
    }
    own.sort();
    Ok(Some(own))
}

/// Major incidents, newest first; a customer sees active ones that concern it unless it asks
/// for a status.
pub fn list(
    conn: &mut Conn,
    caller: &Caller,
    status: Option<domain::MajorStatus>,
    after: Option<Cursor>,
    limit: usize,
) -> Result<Page<Visible>, AppError> {
    let scope = caller.tenant_scope().cloned();
    let status = match status {
        Some(s) => Some(s),
        None if scope.is_some() => Some(domain::MajorStatus::Active),
        None => None,
    };
    let filter = MajorFilter {
        scope: scope.clone(),
        status,
    };
    let page = major_incidents::list(conn, &filter, after, limit)?;
    let mut items = Vec::with_capacity(page.items.len());
    for major in page.items {
        let own = services_of(conn, &major, scope.as_ref())?;
        items.push((major, own));
    }
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}

/// The updates of a major incident the caller may see, oldest first.
pub fn updates(
    conn: &mut Conn,
    caller: &Caller,
    ticket: TicketRef,
) -> Result<Vec<MajorUpdate>, AppError> {
    let major = major_incidents::get_visible(conn, ticket, caller.tenant_scope())?;
    Ok(major_incidents::updates(conn, &major)?)
}

/// The children of a major incident, oldest first; a customer sees only its own.
pub fn children(
    conn: &mut Conn,
    caller: &Caller,
    ticket: TicketRef,
    after: Option<Cursor>,
    limit: usize,
) -> Result<Page<Incident>, AppError> {
    let major = major_incidents::get_visible(conn, ticket, caller.tenant_scope())?;
    let filter = IncidentFilter {
        scope: caller.tenant_scope().cloned(),
        parent: Some(major.ticket),
        order: IncidentOrder::OldestFirst,
        ..Default::default()
    };
    Ok(incidents::list(conn, &filter, after, limit)?)
}
