//! The calendar of planned works: customers see announced works on their own services, and of
//! each only their own services; provider staff see everything.

use domain::{Caller, PlannedWork};
use persistence::{planned_works, services, Cursor, Page};

use super::WorkFilter;
use crate::{AppError, Conn};

/// A work with the services the caller sees of it.
pub type Visible = (PlannedWork, Vec<String>);

fn visible(conn: &mut Conn, caller: &Caller, work: PlannedWork) -> Result<Visible, AppError> {
    let services = match caller.tenant_scope() {
        Some(c) => services::owned_by(conn, &work.affected_services, c)?,
        None => work
            .affected_services
            .iter()
            .map(|s| s.to_string())
            .collect(),
    };
    Ok((work, services))
}

fn scoped(caller: &Caller, mut filter: WorkFilter) -> WorkFilter {
    filter.scope = caller.tenant_scope().cloned();
    // Customers never see proposals: only works announced to them.
    filter.announced_only = filter.scope.is_some();
    filter
}

pub fn get(conn: &mut Conn, caller: &Caller, id: i64) -> Result<Visible, AppError> {
    let work = planned_works::get(conn, id, caller.tenant_scope())?;
    if caller.tenant_scope().is_some() && !work.is_announced() {
        return Err(AppError::NotFound("planned work"));
    }
    visible(conn, caller, work)
}

/// Works overlapping the filter's window, by start, one page at a time.
pub fn list(
    conn: &mut Conn,
    caller: &Caller,
    filter: WorkFilter,
    after: Option<Cursor>,
    limit: usize,
) -> Result<Page<Visible>, AppError> {
    let page = planned_works::list(conn, &scoped(caller, filter), after, limit)?;
    let mut items = Vec::with_capacity(page.items.len());
    for work in page.items {
        items.push(visible(conn, caller, work)?);
    }
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}

/// The works of an iCalendar feed: up to a thousand.
pub fn calendar(
    conn: &mut Conn,
    caller: &Caller,
    filter: WorkFilter,
) -> Result<Vec<Visible>, AppError> {
    Ok(list(conn, caller, filter, None, 1000)?.items)
}
