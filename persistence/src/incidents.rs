//! Incidents (trouble tickets), stored (R-INC1–8): insert, read, list, and save with a version
//! check. The rules and the timeline entries and events of a change are the use cases' (`app`).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::{
    CustomerNumber, Impact, Incident, IncidentStatus, Priority, Reporter, Resolution, ServiceId,
    SlaClock, SlaPause, SlaProjection, TicketRef,
};

use crate::error::corrupt;
use crate::schema::incidents;
use crate::{from_db_time, to_db_time, Cursor, DbConnection, Page, StoreError};

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
    assignee_email: Option<String>,
    resolved_at: Option<NaiveDateTime>,
    resolution_cause: Option<String>,
    resolution_fix: Option<String>,
    closed_at: Option<NaiveDateTime>,
    close_reason: Option<String>,
    parent_ticket_number: Option<i64>,
    responded_at: Option<NaiveDateTime>,
    sla_pauses: String,
    sla_stopped_at: Option<NaiveDateTime>,
    // The projection columns are written from the domain and only read by SQL filters.
    #[allow(dead_code)]
    response_due_at: NaiveDateTime,
    #[allow(dead_code)]
    restore_due_at: NaiveDateTime,
    #[allow(dead_code)]
    at_risk_from: NaiveDateTime,
    #[allow(dead_code)]
    sla_halted_since: Option<NaiveDateTime>,
    version: i64,
    escalation_level: i32,
    external_id: Option<String>,
}

impl IncidentRow {
    fn into_domain(self) -> Result<Incident, StoreError> {
        let pauses: Vec<SlaPause> = serde_json::from_str(&self.sla_pauses)
            .map_err(|e| StoreError::Corrupt(format!("sla_pauses: {e}")))?;
        let resolution = match (self.resolution_cause, self.resolution_fix) {
            (Some(cause), Some(fix)) => Some(Resolution { cause, fix }),
            _ => None,
        };
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
            assignee_email: self.assignee_email,
            sla: SlaClock {
                logged_at: from_db_time(self.logged_at),
                responded_at: self.responded_at.map(from_db_time),
                pauses,
                stopped_at: self.sla_stopped_at.map(from_db_time),
            },
            updated_at: from_db_time(self.updated_at),
            resolved_at: self.resolved_at.map(from_db_time),
            resolution,
            closed_at: self.closed_at.map(from_db_time),
            close_reason: self.close_reason,
            parent_ticket: self
                .parent_ticket_number
                .map(TicketRef::from_number)
                .transpose()
                .map_err(corrupt)?,
            escalation_level: self.escalation_level,
            external_id: self.external_id,
            version: self.version,
        })
    }
}

fn pauses_json(clock: &SlaClock) -> Result<String, StoreError> {
    serde_json::to_string(&clock.pauses).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// A ticket about to be stored: the service it is on is known to exist and accept tickets.
pub struct NewIncident<'a> {
    pub customer_number: &'a CustomerNumber,
    pub service_id: &'a ServiceId,
    pub summary: &'a str,
    pub description: &'a str,
    pub impact: Impact,
    pub priority: Priority,
    pub reporter: &'a Reporter,
    /// Subject of the caller raising it.
    pub raised_by: &'a str,
    /// The partner's own identifier (TMF621 `externalId`).
    pub external_id: Option<&'a str>,
    pub clock: &'a SlaClock,
    pub projection: &'a SlaProjection,
}

/// Stores a new ticket at version 1, status `new`, under the next ticket number: numbering and
/// storing are one statement (see [`crate::backend::next_ticket_number`]).
pub fn insert(
    conn: &mut DbConnection,
    new: NewIncident<'_>,
    now: DateTime<Utc>,
) -> Result<Incident, StoreError> {
    let row: IncidentRow = diesel::insert_into(incidents::table)
        .values((
            incidents::ticket_number.eq(crate::backend::next_ticket_number(conn)),
            incidents::customer_number.eq(new.customer_number.as_str()),
            incidents::service_id.eq(new.service_id.as_str()),
            incidents::summary.eq(new.summary),
            incidents::description.eq(new.description),
            incidents::impact.eq(new.impact.as_str()),
            incidents::priority.eq(new.priority.as_str()),
            incidents::status.eq(IncidentStatus::New.as_str()),
            incidents::reporter_name.eq(&new.reporter.name),
            incidents::reporter_email.eq(&new.reporter.email),
            incidents::reporter_phone.eq(&new.reporter.phone),
            incidents::raised_by.eq(new.raised_by),
            incidents::external_id.eq(new.external_id),
            incidents::logged_at.eq(to_db_time(now)),
            incidents::updated_at.eq(to_db_time(now)),
            incidents::sla_pauses.eq(pauses_json(new.clock)?),
            incidents::response_due_at.eq(to_db_time(new.projection.response_due_at)),
            incidents::restore_due_at.eq(to_db_time(new.projection.restore_due_at)),
            incidents::at_risk_from.eq(to_db_time(new.projection.at_risk_from)),
            incidents::version.eq(1_i64),
        ))
        .returning(incidents::all_columns)
        .get_result(conn)?;
    row.into_domain()
}

/// A ticket visible within `scope`, or `NotFound` (also for another company's ticket).
///
/// Written as two fixed queries rather than one boxed query so that diesel keeps both as
/// prepared statements: this is the hottest read of the API.
pub fn get(
    conn: &mut DbConnection,
    ticket: TicketRef,
    scope: Option<&CustomerNumber>,
) -> Result<Incident, StoreError> {
    let base = incidents::table.filter(incidents::ticket_number.eq(ticket.number()));
    let row = match scope {
        Some(number) => base
            .filter(incidents::customer_number.eq(number.as_str()))
            .select(IncidentRow::as_select())
            .first(conn)
            .optional()?,
        None => base
            .select(IncidentRow::as_select())
            .first(conn)
            .optional()?,
    };
    row.ok_or(StoreError::NotFound("incident"))?.into_domain()
}

/// As [`get`], for a change: on PostgreSQL the row stays locked until the transaction ends, so
/// concurrent changes to one ticket queue up instead of failing on the version check (SQLite's
/// single writer already serialises them).
pub fn get_for_change(
    conn: &mut DbConnection,
    ticket: TicketRef,
    scope: Option<&CustomerNumber>,
) -> Result<Incident, StoreError> {
    let DbConnection::Postgresql(pg) = conn else {
        return get(conn, ticket, scope);
    };
    let base = incidents::table.filter(incidents::ticket_number.eq(ticket.number()));
    let row = match scope {
        Some(number) => base
            .filter(incidents::customer_number.eq(number.as_str()))
            .select(IncidentRow::as_select())
            .for_update()
            .first(pg)
            .optional()?,
        None => base
            .select(IncidentRow::as_select())
            .for_update()
            .first(pg)
            .optional()?,
    };
    row.ok_or(StoreError::NotFound("incident"))?.into_domain()
}

/// Writes every mutable field of `incident` (and the SLA projection the filters read) if the
/// stored version is still `incident.version`, bumps the version and returns the ticket as
/// stored; `Stale` when another change got there first. Must run in a write transaction.
pub fn save(
    conn: &mut DbConnection,
    incident: &Incident,
    projection: &SlaProjection,
) -> Result<Incident, StoreError> {
    let row: Option<IncidentRow> = diesel::update(
        incidents::table
            .filter(incidents::id.eq(incident.id))
            .filter(incidents::version.eq(incident.version)),
    )
    .set((
        (
            incidents::status.eq(incident.status.as_str()),
            incidents::priority.eq(incident.priority.as_str()),
            incidents::assignee_email.eq(incident.assignee_email.as_deref()),
            incidents::updated_at.eq(to_db_time(incident.updated_at)),
            incidents::resolved_at.eq(incident.resolved_at.map(to_db_time)),
            incidents::resolution_cause.eq(incident.resolution.as_ref().map(|r| r.cause.as_str())),
            incidents::resolution_fix.eq(incident.resolution.as_ref().map(|r| r.fix.as_str())),
            incidents::closed_at.eq(incident.closed_at.map(to_db_time)),
            incidents::close_reason.eq(incident.close_reason.as_deref()),
            incidents::parent_ticket_number.eq(incident.parent_ticket.map(TicketRef::number)),
        ),
        (
            incidents::responded_at.eq(incident.sla.responded_at.map(to_db_time)),
            incidents::sla_pauses.eq(pauses_json(&incident.sla)?),
            incidents::sla_stopped_at.eq(incident.sla.stopped_at.map(to_db_time)),
            incidents::response_due_at.eq(to_db_time(projection.response_due_at)),
            incidents::restore_due_at.eq(to_db_time(projection.restore_due_at)),
            incidents::at_risk_from.eq(to_db_time(projection.at_risk_from)),
            incidents::sla_halted_since.eq(projection.halted_since.map(to_db_time)),
            incidents::escalation_level.eq(incident.escalation_level),
            incidents::external_id.eq(incident.external_id.as_deref()),
            incidents::version.eq(incident.version + 1),
        ),
    ))
    .returning(incidents::all_columns)
    .get_result(conn)
    .optional()?;
    row.ok_or_else(|| {
        StoreError::Stale(format!(
            "ticket {} was changed by another request meanwhile; retry",
            incident.ticket
        ))
    })?
    .into_domain()
}

/// Open tickets on `services` that belong to no major incident yet, oldest first.
pub fn open_unlinked_on(
    conn: &mut DbConnection,
    services: &[ServiceId],
) -> Result<Vec<TicketRef>, StoreError> {
    let numbers: Vec<i64> = incidents::table
        .filter(incidents::service_id.eq_any(services.iter().map(ServiceId::as_str)))
        .filter(incidents::parent_ticket_number.is_null())
        .filter(incidents::status.ne_all([
            IncidentStatus::Resolved.as_str(),
            IncidentStatus::Closed.as_str(),
            IncidentStatus::Cancelled.as_str(),
        ]))
        .order(incidents::id.asc())
        .select(incidents::ticket_number)
        .load(conn)?;
    numbers
        .into_iter()
        .map(|n| TicketRef::from_number(n).map_err(corrupt))
        .collect()
}

/// The children of `parent` that are neither closed nor cancelled, oldest first.
pub fn open_children(
    conn: &mut DbConnection,
    parent: TicketRef,
) -> Result<Vec<TicketRef>, StoreError> {
    let numbers: Vec<i64> = crate::queries::open_children(parent)
        .order(incidents::id.asc())
        .select(incidents::ticket_number)
        .load(conn)?;
    numbers
        .into_iter()
        .map(|n| TicketRef::from_number(n).map_err(corrupt))
        .collect()
}

/// Marks every open child of `parent` changed at `now` (a new version): after a cascade wrote
/// to their timelines. Returns how many.
pub fn touch_open_children(
    conn: &mut DbConnection,
    parent: TicketRef,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    // The conditions of `queries::open_children`, which an UPDATE cannot take boxed.
    let children = incidents::table
        .filter(incidents::parent_ticket_number.eq(parent.number()))
        .filter(diesel::dsl::not(incidents::status.eq_any([
            IncidentStatus::Closed.as_str(),
            IncidentStatus::Cancelled.as_str(),
        ])));
    Ok(diesel::update(children)
        .set((
            incidents::updated_at.eq(to_db_time(now)),
            incidents::version.eq(incidents::version + 1),
        ))
        .execute(conn)?)
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
    pub assignee_email: Option<String>,
    /// Only children of this major incident.
    pub parent: Option<TicketRef>,
    /// `Some(true)`: response or restore target missed (judged at `now`); `Some(false)`: not.
    pub breached: Option<bool>,
    /// Only tickets with this impact.
    pub impact: Option<Impact>,
    /// Only tickets with this partner identifier.
    pub external_id: Option<String>,
    /// Only tickets with one of these impacts (none: any).
    pub impacts: Vec<Impact>,
    /// Only tickets logged strictly after / before these instants.
    pub logged_after: Option<DateTime<Utc>>,
    pub logged_before: Option<DateTime<Utc>>,
    /// Only tickets resolved strictly after / before these instants.
    pub resolved_after: Option<DateTime<Utc>>,
    pub resolved_before: Option<DateTime<Utc>>,
    /// Only tickets still to be restored whose restore target falls strictly after / before
    /// these instants.
    pub restore_due_after: Option<DateTime<Utc>>,
    pub restore_due_before: Option<DateTime<Utc>>,
    /// Only tickets whose running restore clock is within the at-risk margin at `now`.
    pub at_risk: bool,
    pub now: Option<DateTime<Utc>>,
    pub order: IncidentOrder,
}

type Backend = <DbConnection as diesel::Connection>::Backend;

/// The tickets `filter` selects, unordered, as a query to refine.
fn filtered(filter: &IncidentFilter) -> incidents::BoxedQuery<'_, Backend> {
    let mut query = incidents::table.into_boxed();
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
    if let Some(impact) = filter.impact {
        query = query.filter(incidents::impact.eq(impact.as_str()));
    }
    if let Some(external) = &filter.external_id {
        query = query.filter(incidents::external_id.eq(external));
    }
    if !filter.impacts.is_empty() {
        let names: Vec<&str> = filter.impacts.iter().map(|i| i.as_str()).collect();
        query = query.filter(incidents::impact.eq_any(names));
    }
    if let Some(t) = filter.logged_after {
        query = query.filter(incidents::logged_at.gt(to_db_time(t)));
    }
    if let Some(t) = filter.logged_before {
        query = query.filter(incidents::logged_at.lt(to_db_time(t)));
    }
    if let Some(t) = filter.resolved_after {
        query = query.filter(incidents::resolved_at.gt(to_db_time(t)));
    }
    if let Some(t) = filter.resolved_before {
        query = query.filter(incidents::resolved_at.lt(to_db_time(t)));
    }
    if filter.restore_due_after.is_some() || filter.restore_due_before.is_some() {
        let to_restore = [
            IncidentStatus::New.as_str(),
            IncidentStatus::Acknowledged.as_str(),
            IncidentStatus::InProgress.as_str(),
            IncidentStatus::PendingCustomer.as_str(),
        ];
        query = query.filter(incidents::status.eq_any(to_restore));
    }
    if let Some(t) = filter.restore_due_after {
        query = query.filter(incidents::restore_due_at.gt(to_db_time(t)));
    }
    if let Some(t) = filter.restore_due_before {
        query = query.filter(incidents::restore_due_at.lt(to_db_time(t)));
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(incidents::updated_at.ge(to_db_time(since)));
    }
    if let Some(parent) = filter.parent {
        query = query.filter(incidents::parent_ticket_number.eq(parent.number()));
    }
    if let Some(assignee) = &filter.assignee_email {
        query = query.filter(incidents::assignee_email.eq(assignee));
    }
    let now = to_db_time(filter.now.unwrap_or_else(Utc::now));
    if let Some(breached) = filter.breached {
        // Mirrors SlaClock::status: the restore clock is judged where it halted, or now. Every
        // comparison with a nullable column is guarded so NOT(...) never meets a NULL.
        let restore_breached = incidents::sla_halted_since
            .is_null()
            .and(incidents::restore_due_at.lt(now))
            .or(incidents::sla_halted_since.is_not_null().and(
                incidents::sla_halted_since
                    .assume_not_null()
                    .gt(incidents::restore_due_at),
            ));
        let response_breached = incidents::responded_at
            .is_null()
            .and(incidents::response_due_at.lt(now))
            .or(incidents::responded_at.is_not_null().and(
                incidents::responded_at
                    .assume_not_null()
                    .gt(incidents::response_due_at),
            ));
        let any = restore_breached.or(response_breached);
        query = if breached {
            query.filter(any)
        } else {
            query.filter(diesel::dsl::not(any))
        };
    }
    if filter.at_risk {
        query = query.filter(
            incidents::sla_halted_since
                .is_null()
                .and(incidents::at_risk_from.le(now))
                .and(incidents::restore_due_at.ge(now)),
        );
    }
    query
}

/// Tickets matching `filter`, one keyset page at a time.
pub fn list(
    conn: &mut DbConnection,
    filter: &IncidentFilter,
    after: Option<Cursor>,
    limit: usize,
) -> Result<Page<Incident>, StoreError> {
    let mut query = filtered(filter)
        .select(IncidentRow::as_select())
        .limit(limit as i64 + 1);
    query = match filter.order {
        IncidentOrder::NewestFirst => {
            query.order((incidents::logged_at.desc(), incidents::id.desc()))
        }
        IncidentOrder::OldestFirst => {
            query.order((incidents::logged_at.asc(), incidents::id.asc()))
        }
    };
    if let Some(c) = after {
        // The bound on logged_at alone is what lets the (customer, logged_at, id) index seek
        // straight to the cursor; the OR only sorts out rows logged in the same microsecond.
        let at = to_db_time(c.at);
        query = match filter.order {
            IncidentOrder::NewestFirst => query
                .filter(incidents::logged_at.le(at))
                .filter(incidents::logged_at.lt(at).or(incidents::id.lt(c.id))),
            IncidentOrder::OldestFirst => query
                .filter(incidents::logged_at.ge(at))
                .filter(incidents::logged_at.gt(at).or(incidents::id.gt(c.id))),
        };
    }
    let rows = query.load(conn)?;
    Page::from_overfetch(rows, limit, |r| Cursor {
        at: from_db_time(r.logged_at),
        id: r.id,
    })
    .try_map(IncidentRow::into_domain)
}

/// Tickets matching `filter`, newest first, skipping `offset` (TMF621's paging). Deep offsets
/// cost what they skip; `/api/v1` lists page by cursor instead.
pub fn list_offset(
    conn: &mut DbConnection,
    filter: &IncidentFilter,
    offset: i64,
    limit: i64,
) -> Result<Vec<Incident>, StoreError> {
    filtered(filter)
        .select(IncidentRow::as_select())
        .order((incidents::logged_at.desc(), incidents::id.desc()))
        .offset(offset)
        .limit(limit)
        .load(conn)?
        .into_iter()
        .map(IncidentRow::into_domain)
        .collect()
}

/// How many tickets `filter` selects.
pub fn count(conn: &mut DbConnection, filter: &IncidentFilter) -> Result<i64, StoreError> {
    Ok(filtered(filter).count().get_result(conn)?)
}

/// The impacts reported by the tickets on `services` not yet resolved, by service (for their
/// state), in one statement.
pub fn open_impacts_on(
    conn: &mut DbConnection,
    services: &[ServiceId],
) -> Result<Vec<(ServiceId, Impact)>, StoreError> {
    let ids: Vec<&str> = services.iter().map(ServiceId::as_str).collect();
    let rows: Vec<(String, String)> = incidents::table
        .filter(incidents::service_id.eq_any(ids))
        .filter(incidents::status.ne_all([
            IncidentStatus::Resolved.as_str(),
            IncidentStatus::Closed.as_str(),
            IncidentStatus::Cancelled.as_str(),
        ]))
        .select((incidents::service_id, incidents::impact))
        .distinct()
        .load(conn)?;
    rows.iter()
        .map(|(s, i)| {
            Ok((
                ServiceId::parse(s).map_err(corrupt)?,
                i.parse::<Impact>().map_err(corrupt)?,
            ))
        })
        .collect()
}

/// Tickets resolved before `cutoff` and still resolved: candidates for auto-close.
pub fn resolved_before(
    conn: &mut DbConnection,
    cutoff: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<TicketRef>, StoreError> {
    let numbers: Vec<i64> = incidents::table
        .filter(incidents::status.eq(IncidentStatus::Resolved.as_str()))
        .filter(incidents::resolved_at.lt(to_db_time(cutoff)))
        .order(incidents::resolved_at.asc())
        .select(incidents::ticket_number)
        .limit(limit)
        .load(conn)?;
    numbers
        .into_iter()
        .map(|n| TicketRef::from_number(n).map_err(corrupt))
        .collect()
}
