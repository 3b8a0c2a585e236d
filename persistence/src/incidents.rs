//! Incidents (trouble tickets): raise, follow, close (R-INC1–4).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::{
    CustomerNumber, DomainError, Impact, Incident, IncidentStatus, Priority, Reporter, ServiceId,
    ServiceLocator, TicketRef,
};

use crate::backend::next_ticket_number;
use crate::error::corrupt;
use crate::schema::incidents;
use crate::{from_db_time, services, to_db_time, Cursor, DbConnection, Page, StoreError};

#[derive(Queryable, Selectable)]
#[diesel(table_name = incidents)]
struct IncidentRow {
    id: i64,
    ticket_number: i64,
    customer_number: String,
    service_id: String,
    summary: String,
    description: String,
    impact: String,
    priority: String,
    status: String,
    reporter_name: String,
    reporter_email: String,
    reporter_phone: String,
    raised_by: String,
    logged_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    closed_at: Option<NaiveDateTime>,
    close_reason: Option<String>,
    parent_ticket_number: Option<i64>,
    version: i64,
}

impl IncidentRow {
    fn into_domain(self) -> Result<Incident, StoreError> {
        Ok(Incident {
            id: self.id,
            ticket: TicketRef::from_number(self.ticket_number).map_err(corrupt)?,
            customer_number: CustomerNumber::parse(&self.customer_number).map_err(corrupt)?,
            service_id: ServiceId::parse(&self.service_id).map_err(corrupt)?,
            summary: self.summary,
            description: self.description,
            impact: self.impact.parse::<Impact>().map_err(corrupt)?,
            priority: self.priority.parse::<Priority>().map_err(corrupt)?,
            status: self.status.parse::<IncidentStatus>().map_err(corrupt)?,
            reporter: Reporter {
                name: self.reporter_name,
                email: self.reporter_email,
                phone: self.reporter_phone,
            },
            raised_by: self.raised_by,
            logged_at: from_db_time(self.logged_at),
            updated_at: from_db_time(self.updated_at),
            closed_at: self.closed_at.map(from_db_time),
            close_reason: self.close_reason,
            parent_ticket: self
                .parent_ticket_number
                .map(TicketRef::from_number)
                .transpose()
                .map_err(corrupt)?,
            version: self.version,
        })
    }
}

/// What a caller gives to raise a ticket.
pub struct NewIncident<'a> {
    pub locator: &'a ServiceLocator,
    pub summary: &'a str,
    pub description: &'a str,
    pub impact: Impact,
    pub reporter: &'a Reporter,
    /// Subject of the caller raising it.
    pub raised_by: &'a str,
}

/// Raises a ticket on a service within `scope` (a customer's own services, or any for staff).
///
/// Must run inside a write transaction: the service lookup, the ticket number and the insert
/// succeed or fail together, so a refused raise leaves nothing behind.
pub fn raise(
    conn: &mut DbConnection,
    new: NewIncident<'_>,
    scope: Option<&CustomerNumber>,
    now: DateTime<Utc>,
) -> Result<Incident, StoreError> {
    let service = services::find_by_locator(conn, new.locator, scope)?.ok_or_else(|| {
        DomainError::invalid(
            "service",
            format!("no service of yours has {}", new.locator.describe()),
        )
    })?;
    if !service.status.accepts_incidents() {
        return Err(DomainError::invalid(
            "service",
            format!(
                "service {} is {}",
                service.service_id,
                service.status.as_str()
            ),
        )
        .into());
    }
    let ticket = TicketRef::from_number(next_ticket_number(conn)?)?;
    let priority = Priority::from_impact(new.impact);
    diesel::insert_into(incidents::table)
        .values((
            incidents::ticket_number.eq(ticket.number()),
            incidents::customer_number.eq(service.customer_number.as_str()),
            incidents::service_id.eq(service.service_id.as_str()),
            incidents::summary.eq(new.summary),
            incidents::description.eq(new.description),
            incidents::impact.eq(new.impact.as_str()),
            incidents::priority.eq(priority.as_str()),
            incidents::status.eq(IncidentStatus::New.as_str()),
            incidents::reporter_name.eq(&new.reporter.name),
            incidents::reporter_email.eq(&new.reporter.email),
            incidents::reporter_phone.eq(&new.reporter.phone),
            incidents::raised_by.eq(new.raised_by),
            incidents::logged_at.eq(to_db_time(now)),
            incidents::updated_at.eq(to_db_time(now)),
            incidents::version.eq(1_i64),
        ))
        .returning(incidents::all_columns)
        .get_result::<IncidentRow>(conn)?
        .into_domain()
}

/// A ticket visible within `scope`, or `NotFound` (also for another company's ticket).
pub fn get(
    conn: &mut DbConnection,
    ticket: TicketRef,
    scope: Option<&CustomerNumber>,
) -> Result<Incident, StoreError> {
    let mut query = incidents::table
        .filter(incidents::ticket_number.eq(ticket.number()))
        .select(IncidentRow::as_select())
        .into_boxed();
    if let Some(number) = scope {
        query = query.filter(incidents::customer_number.eq(number.as_str()));
    }
    query
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound("incident"))?
        .into_domain()
}

/// Sort order of incident lists: by `logged_at`, ties broken by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IncidentOrder {
    #[default]
    NewestFirst,
    OldestFirst,
}

/// Filters of `GET /incidents`; all optional and combined with AND.
#[derive(Debug, Default, Clone)]
pub struct IncidentFilter {
    pub scope: Option<CustomerNumber>,
    pub customer_number: Option<CustomerNumber>,
    pub statuses: Vec<IncidentStatus>,
    pub open: Option<bool>,
    pub service_id: Option<ServiceId>,
    pub priority: Option<Priority>,
    pub updated_since: Option<DateTime<Utc>>,
    pub order: IncidentOrder,
}

/// Tickets matching `filter`, one keyset page at a time.
pub fn list(
    conn: &mut DbConnection,
    filter: &IncidentFilter,
    after: Option<Cursor>,
    limit: usize,
) -> Result<Page<Incident>, StoreError> {
    let mut query = incidents::table
        .select(IncidentRow::as_select())
        .limit(limit as i64 + 1)
        .into_boxed();
    query = match filter.order {
        IncidentOrder::NewestFirst => {
            query.order((incidents::logged_at.desc(), incidents::id.desc()))
        }
        IncidentOrder::OldestFirst => {
            query.order((incidents::logged_at.asc(), incidents::id.asc()))
        }
    };
    if let Some(number) = &filter.scope {
        query = query.filter(incidents::customer_number.eq(number.as_str()));
    }
    if let Some(number) = &filter.customer_number {
        query = query.filter(incidents::customer_number.eq(number.as_str()));
    }
    if !filter.statuses.is_empty() {
        let names: Vec<&str> = filter.statuses.iter().map(|s| s.as_str()).collect();
        query = query.filter(incidents::status.eq_any(names));
    }
    let final_states = [
        IncidentStatus::Closed.as_str(),
        IncidentStatus::Cancelled.as_str(),
    ];
    match filter.open {
        Some(true) => query = query.filter(incidents::status.ne_all(final_states)),
        Some(false) => query = query.filter(incidents::status.eq_any(final_states)),
        None => {}
    }
    if let Some(service) = &filter.service_id {
        query = query.filter(incidents::service_id.eq(service.as_str()));
    }
    if let Some(priority) = filter.priority {
        query = query.filter(incidents::priority.eq(priority.as_str()));
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(incidents::updated_at.ge(to_db_time(since)));
    }
    if let Some(c) = after {
        let at = to_db_time(c.at);
        query = match filter.order {
            IncidentOrder::NewestFirst => query.filter(
                incidents::logged_at
                    .lt(at)
                    .or(incidents::logged_at.eq(at).and(incidents::id.lt(c.id))),
            ),
            IncidentOrder::OldestFirst => query.filter(
                incidents::logged_at
                    .gt(at)
                    .or(incidents::logged_at.eq(at).and(incidents::id.gt(c.id))),
            ),
        };
    }
    let rows = query.load(conn)?;
    let page = Page::from_overfetch(rows, limit, |r| Cursor {
        at: from_db_time(r.logged_at),
        id: r.id,
    });
    let items = page
        .items
        .into_iter()
        .map(IncidentRow::into_domain)
        .collect::<Result<_, _>>()?;
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}

/// Closes a ticket at the customer's request. Runs in a write transaction: the version check
/// makes a concurrent change lose cleanly instead of being overwritten.
pub fn close(
    conn: &mut DbConnection,
    ticket: TicketRef,
    scope: Option<&CustomerNumber>,
    reason: &str,
    expected_version: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Incident, StoreError> {
    let mut incident = get(conn, ticket, scope)?;
    let version = incident.version;
    if expected_version.is_some_and(|v| v != version) {
        return Err(StoreError::conflict(
            "version_mismatch",
            format!("ticket {ticket} is at version {version}"),
        ));
    }
    incident.close(reason, now)?;
    let updated = diesel::update(
        incidents::table
            .filter(incidents::id.eq(incident.id))
            .filter(incidents::version.eq(version)),
    )
    .set((
        incidents::status.eq(incident.status.as_str()),
        incidents::closed_at.eq(incident.closed_at.map(to_db_time)),
        incidents::close_reason.eq(incident.close_reason.as_deref()),
        incidents::updated_at.eq(to_db_time(now)),
        incidents::version.eq(version + 1),
    ))
    .returning(incidents::all_columns)
    .get_result::<IncidentRow>(conn)
    .optional()?;
    updated
        .ok_or_else(|| StoreError::conflict("version_mismatch", "ticket changed concurrently"))?
        .into_domain()
}
