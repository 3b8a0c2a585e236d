//! Reading document requests within the caller's tenancy.

use domain::{Caller, DocumentKind, DocumentRequest, TicketRef};
use persistence::{documents, incidents, Cursor, Page};

use super::DocumentFilter;
use crate::{AppError, Conn};

pub fn get(conn: &mut Conn, caller: &Caller, id: i64) -> Result<DocumentRequest, AppError> {
    Ok(documents::get(conn, id, caller.tenant_scope())?)
}

/// Requests matching `filter` within the caller's tenancy, oldest first.
pub fn list(
    conn: &mut Conn,
    caller: &Caller,
    mut filter: DocumentFilter,
    after: Option<Cursor>,
    limit: usize,
) -> Result<Page<DocumentRequest>, AppError> {
    filter.scope = caller.tenant_scope().cloned();
    Ok(documents::list(conn, &filter, after, limit)?)
}

/// The requests of one kind on a ticket the caller can see.
pub fn for_ticket(
    conn: &mut Conn,
    caller: &Caller,
    ticket: TicketRef,
    kind: DocumentKind,
    after: Option<Cursor>,
    limit: usize,
) -> Result<Page<DocumentRequest>, AppError> {
    incidents::get(conn, ticket, caller.tenant_scope())?;
    let filter = DocumentFilter {
        ticket: Some(ticket),
        kind: Some(kind),
        ..Default::default()
    };
    list(conn, caller, filter, after, limit)
}
