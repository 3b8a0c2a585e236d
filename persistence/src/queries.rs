//! Query fragments several repositories share.

use diesel::dsl::not;
use diesel::prelude::*;
use domain::{IncidentStatus, TicketRef};

use crate::schema::incidents;
use crate::DbConnection;

type Backend = <DbConnection as diesel::Connection>::Backend;

/// The children of `parent` that are neither closed nor cancelled: those a major incident's
/// updates still reach.
pub(crate) fn open_children(parent: TicketRef) -> incidents::BoxedQuery<'static, Backend> {
    incidents::table
        .filter(incidents::parent_ticket_number.eq(parent.number()))
        .filter(not(incidents::status.eq_any([
            IncidentStatus::Closed.as_str(),
            IncidentStatus::Cancelled.as_str(),
        ])))
        .into_boxed()
}
