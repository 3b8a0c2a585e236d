//! Query fragments several repositories share.

use diesel::dsl::not;
use diesel::prelude::*;
use domain::{IncidentStatus, MajorIncident, ServiceId, ServiceStatus, TicketRef};

use crate::schema::{incidents, services};
use crate::DbConnection;

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

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

/// The services `major` affects: those it names and, when it names a region, every service
/// there (by `region_key`); ceased services are affected by nothing.
pub(crate) fn affected_services(major: &MajorIncident) -> services::BoxedQuery<'static, Backend> {
    let named: Vec<String> = major
        .affected_services
        .iter()
        .map(ServiceId::as_str)
        .map(str::to_owned)
        .collect();
    let query = services::table
        .filter(services::status.ne(ServiceStatus::Ceased.as_str()))
        .into_boxed();
    match major
        .region
        .as_deref()
        .map(domain::major_incident::region_key)
    {
        Some(key) => query.filter(
            services::service_id.eq_any(named).or(services::region_key
                .is_not_null()
                .and(services::region_key.assume_not_null().eq(key))),
        ),
        None => query.filter(services::service_id.eq_any(named)),
    }
}
