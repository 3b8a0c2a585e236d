//! Major network incidents (R-MNI1–5), stored: parent tickets, their affected services and their
//! updates. Linking children and cascading to them are the use cases' (`app`).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::dsl::exists;
use diesel::prelude::*;
use domain::{CustomerNumber, MajorIncident, MajorStatus, Outlook, ServiceId, Severity, TicketRef};

use crate::error::corrupt;
use crate::queries::{affected_services, open_children};
use crate::schema::{
    incidents, major_incident_services, major_incident_updates, major_incidents, services,
};
use crate::{from_db_time, to_db_time, Cursor, DbConnection, Page, StoreError};

#[derive(Queryable, Selectable)]
#[diesel(table_name = major_incidents)]
struct MajorRow {
    id: i64,
    ticket_number: i64,
    summary: String,
    description: String,
    severity: String,
    region: Option<String>,
    started_at: NaiveDateTime,
    status: String,
    incident_manager_email: Option<String>,
    raised_by: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    resolved_at: Option<NaiveDateTime>,
    resolution: Option<String>,
    version: i64,
    next_update_by: Option<NaiveDateTime>,
    estimated_restoration_at: Option<NaiveDateTime>,
    #[allow(dead_code)]
    region_key: Option<String>,
}

fn into_domain(conn: &mut DbConnection, row: MajorRow) -> Result<MajorIncident, StoreError> {
    let services: Vec<String> = major_incident_services::table
        .filter(major_incident_services::major_incident_id.eq(row.id))
        .order(major_incident_services::service_id.asc())
        .select(major_incident_services::service_id)
        .load(conn)?;
    Ok(MajorIncident {
        id: row.id,
        ticket: TicketRef::from_number(row.ticket_number).map_err(corrupt)?,
        summary: row.summary,
        description: row.description,
        severity: Severity::parse(&row.severity).map_err(corrupt)?,
        region: row.region,
        affected_services: services
            .iter()
            .map(|s| ServiceId::parse(s).map_err(corrupt))
            .collect::<Result<_, _>>()?,
        started_at: from_db_time(row.started_at),
        status: MajorStatus::parse(&row.status).map_err(corrupt)?,
        incident_manager_email: row.incident_manager_email,
        raised_by: row.raised_by,
        created_at: from_db_time(row.created_at),
        updated_at: from_db_time(row.updated_at),
        resolved_at: row.resolved_at.map(from_db_time),
        resolution: row.resolution,
        next_update_by: row.next_update_by.map(from_db_time),
        estimated_restoration_at: row.estimated_restoration_at.map(from_db_time),
        version: row.version,
    })
}

/// A major incident about to be stored; its services are known to exist.
pub struct NewMajorIncident<'a> {
    pub ticket: TicketRef,
    pub summary: &'a str,
    pub description: &'a str,
    pub severity: Severity,
    pub region: Option<&'a str>,
    pub started_at: DateTime<Utc>,
    pub affected_services: &'a [ServiceId],
    pub incident_manager_email: Option<&'a str>,
    pub raised_by: &'a str,
    pub outlook: Outlook,
}

/// Stores a new, active major incident and its affected services (each once).
pub fn insert(
    conn: &mut DbConnection,
    new: NewMajorIncident<'_>,
    now: DateTime<Utc>,
) -> Result<MajorIncident, StoreError> {
    let row: MajorRow = diesel::insert_into(major_incidents::table)
        .values((
            major_incidents::ticket_number.eq(new.ticket.number()),
            major_incidents::summary.eq(new.summary),
            major_incidents::description.eq(new.description),
            major_incidents::severity.eq(new.severity.as_str()),
            major_incidents::region.eq(new.region),
            major_incidents::region_key.eq(new.region.map(domain::major_incident::region_key)),
            major_incidents::started_at.eq(to_db_time(new.started_at)),
            major_incidents::status.eq(MajorStatus::Active.as_str()),
            major_incidents::incident_manager_email.eq(new.incident_manager_email),
            major_incidents::raised_by.eq(new.raised_by),
            major_incidents::next_update_by.eq(new.outlook.next_update_by.map(to_db_time)),
            major_incidents::estimated_restoration_at
                .eq(new.outlook.estimated_restoration_at.map(to_db_time)),
            major_incidents::created_at.eq(to_db_time(now)),
            major_incidents::updated_at.eq(to_db_time(now)),
            major_incidents::version.eq(1_i64),
        ))
        .returning(major_incidents::all_columns)
        .get_result(conn)?;
    let mut unique = new.affected_services.to_vec();
    unique.sort();
    unique.dedup();
    name_services(conn, row.id, &unique)?;
    into_domain(conn, row)
}

fn name_services(
    conn: &mut DbConnection,
    id: i64,
    services: &[ServiceId],
) -> Result<(), StoreError> {
    // One statement a service: the connection spanning both backends has no batch insert.
    for service in services {
        diesel::insert_into(major_incident_services::table)
            .values((
                major_incident_services::major_incident_id.eq(id),
                major_incident_services::service_id.eq(service.as_str()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Names `added` (not named yet) as affected by `major` and takes `removed` off its list.
pub fn change_services(
    conn: &mut DbConnection,
    major: &MajorIncident,
    added: &[ServiceId],
    removed: &[ServiceId],
) -> Result<(), StoreError> {
    name_services(conn, major.id, added)?;
    if !removed.is_empty() {
        diesel::delete(
            major_incident_services::table
                .filter(major_incident_services::major_incident_id.eq(major.id))
                .filter(
                    major_incident_services::service_id
                        .eq_any(removed.iter().map(ServiceId::as_str).collect::<Vec<_>>()),
                ),
        )
        .execute(conn)?;
    }
    Ok(())
}

/// The services `major` affects (named, or in its region; not ceased), with their customers, by
/// service id; only `customer`'s when given.
pub fn affected(
    conn: &mut DbConnection,
    major: &MajorIncident,
    customer: Option<&CustomerNumber>,
) -> Result<Vec<(ServiceId, CustomerNumber)>, StoreError> {
    let mut query = affected_services(major);
    if let Some(customer) = customer {
        query = query.filter(services::customer_number.eq(customer.as_str().to_owned()));
    }
    let rows: Vec<(String, String)> = query
        .order(services::service_id.asc())
        .select((services::service_id, services::customer_number))
        .load(conn)?;
    rows.into_iter()
        .map(|(s, c)| {
            Ok((
                ServiceId::parse(&s).map_err(corrupt)?,
                CustomerNumber::parse(&c).map_err(corrupt)?,
            ))
        })
        .collect()
}

/// A company a major incident concerns, and why: its affected services and its tickets linked
/// (and neither closed nor cancelled).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Concerned {
    pub customer: CustomerNumber,
    pub services: Vec<ServiceId>,
    pub tickets: Vec<TicketRef>,
}

/// Every company `major` concerns now, by customer number: those with an affected service and
/// those with a ticket linked to it. Its broadcast goes to them.
pub fn audience(
    conn: &mut DbConnection,
    major: &MajorIncident,
) -> Result<Vec<Concerned>, StoreError> {
    fn of(
        by: &mut std::collections::BTreeMap<String, Concerned>,
        customer: CustomerNumber,
    ) -> &mut Concerned {
        by.entry(customer.as_str().to_owned())
            .or_insert_with(|| Concerned {
                customer,
                services: Vec::new(),
                tickets: Vec::new(),
            })
    }
    let mut by = std::collections::BTreeMap::new();
    for (service, customer) in affected(conn, major, None)? {
        of(&mut by, customer).services.push(service);
    }
    let children: Vec<(String, i64)> = open_children(major.ticket)
        .order(incidents::id.asc())
        .select((incidents::customer_number, incidents::ticket_number))
        .load(conn)?;
    for (customer, number) in children {
        let customer = CustomerNumber::parse(&customer).map_err(corrupt)?;
        let ticket = TicketRef::from_number(number).map_err(corrupt)?;
        of(&mut by, customer).tickets.push(ticket);
    }
    Ok(by.into_values().collect())
}

/// Whether `ticket` is a major incident's reference.
pub fn is_major(conn: &mut DbConnection, ticket: TicketRef) -> Result<bool, StoreError> {
    Ok(major_incidents::table
        .filter(major_incidents::ticket_number.eq(ticket.number()))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

/// A major incident by reference, or `NotFound`.
pub fn get(conn: &mut DbConnection, ticket: TicketRef) -> Result<MajorIncident, StoreError> {
    let row = major_incidents::table
        .filter(major_incidents::ticket_number.eq(ticket.number()))
        .select(MajorRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound("major incident"))?;
    into_domain(conn, row)
}

/// Does `customer` have a service affected by, or a ticket linked to, this major incident?
pub fn concerns(
    conn: &mut DbConnection,
    major: &MajorIncident,
    customer: &CustomerNumber,
) -> Result<bool, StoreError> {
    let named: i64 = major_incident_services::table
        .inner_join(
            services::table.on(services::service_id.eq(major_incident_services::service_id)),
        )
        .filter(major_incident_services::major_incident_id.eq(major.id))
        .filter(services::customer_number.eq(customer.as_str()))
        .count()
        .get_result(conn)?;
    let affected: i64 = affected_services(major)
        .filter(services::customer_number.eq(customer.as_str()))
        .count()
        .get_result(conn)?;
    let children: i64 = incidents::table
        .filter(incidents::parent_ticket_number.eq(major.ticket.number()))
        .filter(incidents::customer_number.eq(customer.as_str()))
        .count()
        .get_result(conn)?;
    Ok(named + affected + children > 0)
}

/// A major incident as `scope` may see it: `NotFound` for a customer it does not concern.
pub fn get_visible(
    conn: &mut DbConnection,
    ticket: TicketRef,
    scope: Option<&CustomerNumber>,
) -> Result<MajorIncident, StoreError> {
    let major = get(conn, ticket)?;
    match scope {
        Some(customer) if !concerns(conn, &major, customer)? => {
            Err(StoreError::NotFound("major incident"))
        }
        _ => Ok(major),
    }
}

/// Filters of the major incident list.
#[derive(Debug, Default, Clone)]
pub struct MajorFilter {
    pub scope: Option<CustomerNumber>,
    pub status: Option<MajorStatus>,
}

/// Major incidents, newest first; a customer sees those that concern them.
pub fn list(
    conn: &mut DbConnection,
    filter: &MajorFilter,
    after: Option<Cursor>,
    limit: usize,
) -> Result<Page<MajorIncident>, StoreError> {
    let mut query = major_incidents::table
        .select(MajorRow::as_select())
        .order(major_incidents::id.desc())
        .limit(limit as i64 + 1)
        .into_boxed();
    if let Some(status) = filter.status {
        query = query.filter(major_incidents::status.eq(status.as_str()));
    }
    if let Some(customer) = &filter.scope {
        let affected = major_incident_services::table
            .inner_join(
                services::table.on(services::service_id.eq(major_incident_services::service_id)),
            )
            .filter(services::customer_number.eq(customer.as_str()))
            .select(major_incident_services::major_incident_id);
        let parents = incidents::table
            .filter(incidents::customer_number.eq(customer.as_str()))
            .filter(incidents::parent_ticket_number.is_not_null())
            .select(incidents::parent_ticket_number.assume_not_null());
        let regions = services::table
            .filter(services::customer_number.eq(customer.as_str()))
            .filter(services::status.ne(domain::ServiceStatus::Ceased.as_str()))
            .filter(services::region_key.is_not_null())
            .select(services::region_key.assume_not_null());
        query = query.filter(
            major_incidents::id
                .eq_any(affected)
                .or(major_incidents::ticket_number.eq_any(parents))
                .or(major_incidents::region_key.is_not_null().and(
                    major_incidents::region_key
                        .assume_not_null()
                        .eq_any(regions),
                )),
        );
    }
    if let Some(c) = after {
        query = query.filter(major_incidents::id.lt(c.id));
    }
    let rows = query.load(conn)?;
    Page::from_overfetch(rows, limit, |r| Cursor {
        at: from_db_time(r.created_at),
        id: r.id,
    })
    .try_map(|row| into_domain(conn, row))
}

/// Major incidents active now or resolved after `since`, newest first: those that may have
/// touched a service's last `since`.
pub fn active_or_resolved_since(
    conn: &mut DbConnection,
    since: DateTime<Utc>,
) -> Result<Vec<MajorIncident>, StoreError> {
    let rows = major_incidents::table
        .filter(
            major_incidents::status
                .eq(MajorStatus::Active.as_str())
                .or(major_incidents::resolved_at.gt(to_db_time(since))),
        )
        .order(major_incidents::id.desc())
        .select(MajorRow::as_select())
        .load(conn)?;
    rows.into_iter().map(|r| into_domain(conn, r)).collect()
}

/// The newest active major incident covering `service`, for auto-linking new tickets.
pub fn find_active_for_service(
    conn: &mut DbConnection,
    service: &ServiceId,
) -> Result<Option<MajorIncident>, StoreError> {
    let row = major_incidents::table
        .filter(major_incidents::status.eq(MajorStatus::Active.as_str()))
        .filter(
            exists(
                major_incident_services::table
                    .filter(major_incident_services::major_incident_id.eq(major_incidents::id))
                    .filter(major_incident_services::service_id.eq(service.as_str())),
            )
            .or(major_incidents::region_key.is_not_null().and(
                major_incidents::region_key.assume_not_null().eq_any(
                    services::table
                        .filter(services::service_id.eq(service.as_str()))
                        .filter(services::region_key.is_not_null())
                        .select(services::region_key.assume_not_null()),
                ),
            )),
        )
        .order(major_incidents::id.desc())
        .select(MajorRow::as_select())
        .first(conn)
        .optional()?;
    row.map(|r| into_domain(conn, r)).transpose()
}

/// One update posted on a major incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MajorUpdate {
    pub id: i64,
    pub author: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
    pub outlook: Outlook,
}

type UpdateRow = (
    i64,
    i64,
    String,
    String,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
);

fn into_update((id, _, author, text, at, next, etr): UpdateRow) -> MajorUpdate {
    MajorUpdate {
        id,
        author,
        text,
        created_at: from_db_time(at),
        outlook: Outlook {
            next_update_by: next.map(from_db_time),
            estimated_restoration_at: etr.map(from_db_time),
        },
    }
}

/// The updates of a major incident, oldest first.
pub fn updates(
    conn: &mut DbConnection,
    major: &MajorIncident,
) -> Result<Vec<MajorUpdate>, StoreError> {
    let rows: Vec<UpdateRow> = major_incident_updates::table
        .filter(major_incident_updates::major_incident_id.eq(major.id))
        .order(major_incident_updates::id.asc())
        .load(conn)?;
    Ok(rows.into_iter().map(into_update).collect())
}

/// Takes `major`'s row lock until the transaction ends (PostgreSQL; SQLite's single writer
/// already serialises). Linking a child and cascading an update both take it, so one runs after
/// the other: a child linked first is among the cascade's children, an update posted first is
/// among those copied to the child on linking. Without it, a child linked while an update was
/// being posted could miss that update, or join a major incident being resolved.
pub fn lock(conn: &mut DbConnection, major: &MajorIncident) -> Result<(), StoreError> {
    if let DbConnection::Postgresql(pg) = conn {
        major_incidents::table
            .find(major.id)
            .select(major_incidents::id)
            .for_update()
            .first::<i64>(pg)?;
    }
    Ok(())
}

/// Records an update posted on `major` (its own history; the cascade to the children is the
/// use case's).
pub fn insert_update(
    conn: &mut DbConnection,
    major: &MajorIncident,
    author: &str,
    text: &str,
    outlook: Outlook,
    now: DateTime<Utc>,
) -> Result<MajorUpdate, StoreError> {
    let row: UpdateRow = diesel::insert_into(major_incident_updates::table)
        .values((
            major_incident_updates::major_incident_id.eq(major.id),
            major_incident_updates::author.eq(author),
            major_incident_updates::text.eq(text),
            major_incident_updates::created_at.eq(to_db_time(now)),
            major_incident_updates::next_update_by.eq(outlook.next_update_by.map(to_db_time)),
            major_incident_updates::estimated_restoration_at
                .eq(outlook.estimated_restoration_at.map(to_db_time)),
        ))
        .returning(major_incident_updates::all_columns)
        .get_result(conn)?;
    Ok(into_update(row))
}

/// Writes the mutable fields of `major` (status, resolution, incident manager) if the stored
/// version is still `major.version`, bumps it and returns the major incident as stored; `Stale`
/// when another change got there first.
pub fn save(conn: &mut DbConnection, major: &MajorIncident) -> Result<MajorIncident, StoreError> {
    let updated = diesel::update(
        major_incidents::table
            .find(major.id)
            .filter(major_incidents::version.eq(major.version)),
    )
    .set((
        major_incidents::status.eq(major.status.as_str()),
        major_incidents::resolved_at.eq(major.resolved_at.map(to_db_time)),
        major_incidents::resolution.eq(major.resolution.as_deref()),
        major_incidents::incident_manager_email.eq(major.incident_manager_email.as_deref()),
        major_incidents::next_update_by.eq(major.next_update_by.map(to_db_time)),
        major_incidents::estimated_restoration_at
            .eq(major.estimated_restoration_at.map(to_db_time)),
        major_incidents::updated_at.eq(to_db_time(major.updated_at)),
        major_incidents::version.eq(major.version + 1),
    ))
    .execute(conn)?;
    if updated == 0 {
        return Err(StoreError::Stale(format!(
            "major incident {} changed meanwhile",
            major.ticket
        )));
    }
    get(conn, major.ticket)
}

/// Marks `major` changed at `now` (a new version), after an update was posted on it, with what
/// the update promised.
pub fn touch(
    conn: &mut DbConnection,
    major: &MajorIncident,
    outlook: Outlook,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::update(major_incidents::table.find(major.id))
        .set((
            major_incidents::next_update_by.eq(outlook.next_update_by.map(to_db_time)),
            major_incidents::estimated_restoration_at
                .eq(outlook.estimated_restoration_at.map(to_db_time)),
            major_incidents::updated_at.eq(to_db_time(now)),
            major_incidents::version.eq(major_incidents::version + 1),
        ))
        .execute(conn)?;
    Ok(())
}
