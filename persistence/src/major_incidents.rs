//! Major network incidents (R-MNI1–5): parent tickets, their children, and the cascade of
//! updates and resolution to the children — each cascade in the caller's one transaction.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::dsl::{exists, not};
use diesel::prelude::*;
use diesel::sql_types::{Text, Timestamp};
use domain::{
    CustomerNumber, DomainError, EntryKind, Incident, IncidentStatus, MajorIncident, MajorStatus,
    NewEntry, ServiceId, Severity, SlaPolicy, TicketRef,
};

use crate::backend::next_ticket_number;
use crate::error::corrupt;
use crate::schema::{
    events, incident_updates, incidents, major_incident_services, major_incident_updates,
    major_incidents, services,
};
use crate::{
    events as outbox, from_db_time, incidents as tickets, to_db_time, Cursor, DbConnection, Page,
    StoreError,
};

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
        version: row.version,
    })
}

/// A major incident about to be raised.
pub struct NewMajorIncident<'a> {
    pub summary: &'a str,
    pub description: &'a str,
    pub severity: Severity,
    pub region: Option<&'a str>,
    pub started_at: DateTime<Utc>,
    pub affected_services: &'a [ServiceId],
    pub incident_manager_email: Option<&'a str>,
    pub raised_by: &'a str,
}

/// Raises a major incident with a reference from the shared ticket sequence, and links the open
/// customer tickets already raised on its services. Must run in a write transaction.
pub fn raise(
    conn: &mut DbConnection,
    new: NewMajorIncident<'_>,
    policy: &SlaPolicy,
    now: DateTime<Utc>,
) -> Result<MajorIncident, StoreError> {
    for service in new.affected_services {
        let known: i64 = services::table
            .filter(services::service_id.eq(service.as_str()))
            .count()
            .get_result(conn)?;
        if known == 0 {
            return Err(DomainError::invalid(
                "affected_service_ids",
                format!("no service has id '{service}'"),
            )
            .into());
        }
    }
    let ticket = TicketRef::from_number(next_ticket_number(conn)?)?;
    let row: MajorRow = diesel::insert_into(major_incidents::table)
        .values((
            major_incidents::ticket_number.eq(ticket.number()),
            major_incidents::summary.eq(new.summary),
            major_incidents::description.eq(new.description),
            major_incidents::severity.eq(new.severity.as_str()),
            major_incidents::region.eq(new.region),
            major_incidents::started_at.eq(to_db_time(new.started_at)),
            major_incidents::status.eq(MajorStatus::Active.as_str()),
            major_incidents::incident_manager_email.eq(new.incident_manager_email),
            major_incidents::raised_by.eq(new.raised_by),
            major_incidents::created_at.eq(to_db_time(now)),
            major_incidents::updated_at.eq(to_db_time(now)),
            major_incidents::version.eq(1_i64),
        ))
        .returning(major_incidents::all_columns)
        .get_result(conn)?;
    let mut unique = new.affected_services.to_vec();
    unique.sort();
    unique.dedup();
    for service in &unique {
        diesel::insert_into(major_incident_services::table)
            .values((
                major_incident_services::major_incident_id.eq(row.id),
                major_incident_services::service_id.eq(service.as_str()),
            ))
            .execute(conn)?;
    }
    let major = into_domain(conn, row)?;
    let waiting: Vec<i64> = incidents::table
        .filter(
            incidents::service_id.eq_any(unique.iter().map(ServiceId::as_str).collect::<Vec<_>>()),
        )
        .filter(incidents::parent_ticket_number.is_null())
        .filter(incidents::status.ne_all([
            IncidentStatus::Resolved.as_str(),
            IncidentStatus::Closed.as_str(),
            IncidentStatus::Cancelled.as_str(),
        ]))
        .select(incidents::ticket_number)
        .load(conn)?;
    for number in waiting {
        link(
            conn,
            &major,
            TicketRef::from_number(number).map_err(corrupt)?,
            new.raised_by,
            policy,
            now,
        )?;
    }
    Ok(major)
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
    let affected: i64 = major_incident_services::table
        .inner_join(
            services::table.on(services::service_id.eq(major_incident_services::service_id)),
        )
        .filter(major_incident_services::major_incident_id.eq(major.id))
        .filter(services::customer_number.eq(customer.as_str()))
        .count()
        .get_result(conn)?;
    let children: i64 = incidents::table
        .filter(incidents::parent_ticket_number.eq(major.ticket.number()))
        .filter(incidents::customer_number.eq(customer.as_str()))
        .count()
        .get_result(conn)?;
    Ok(affected + children > 0)
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

/// Service ids of `major` that belong to `customer`.
pub fn services_of(
    conn: &mut DbConnection,
    major: &MajorIncident,
    customer: &CustomerNumber,
) -> Result<Vec<String>, StoreError> {
    Ok(major_incident_services::table
        .inner_join(
            services::table.on(services::service_id.eq(major_incident_services::service_id)),
        )
        .filter(major_incident_services::major_incident_id.eq(major.id))
        .filter(services::customer_number.eq(customer.as_str()))
        .order(major_incident_services::service_id.asc())
        .select(major_incident_services::service_id)
        .load(conn)?)
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
        query = query.filter(
            major_incidents::id
                .eq_any(affected)
                .or(major_incidents::ticket_number.eq_any(parents)),
        );
    }
    if let Some(c) = after {
        query = query.filter(major_incidents::id.lt(c.id));
    }
    let rows = query.load(conn)?;
    let page = Page::from_overfetch(rows, limit, |r| Cursor {
        at: from_db_time(r.created_at),
        id: r.id,
    });
    let mut items = Vec::with_capacity(page.items.len());
    for row in page.items {
        items.push(into_domain(conn, row)?);
    }
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}

/// The newest active major incident covering `service`, for auto-linking new tickets.
pub fn find_active_for_service(
    conn: &mut DbConnection,
    service: &ServiceId,
) -> Result<Option<MajorIncident>, StoreError> {
    let row = major_incidents::table
        .filter(major_incidents::status.eq(MajorStatus::Active.as_str()))
        .filter(exists(
            major_incident_services::table
                .filter(major_incident_services::major_incident_id.eq(major_incidents::id))
                .filter(major_incident_services::service_id.eq(service.as_str())),
        ))
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
}

/// The updates of a major incident, oldest first.
pub fn updates(
    conn: &mut DbConnection,
    major: &MajorIncident,
) -> Result<Vec<MajorUpdate>, StoreError> {
    let rows: Vec<(i64, i64, String, String, NaiveDateTime)> = major_incident_updates::table
        .filter(major_incident_updates::major_incident_id.eq(major.id))
        .order(major_incident_updates::id.asc())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, _, author, text, at)| MajorUpdate {
            id,
            author,
            text,
            created_at: from_db_time(at),
        })
        .collect())
}

fn update_entry_text(major: &MajorIncident, text: &str) -> String {
    format!("Major incident {} update: {text}", major.ticket)
}

/// Takes `major`'s row lock until the transaction ends (PostgreSQL; SQLite's single writer
/// already serialises). Linking a child and cascading an update both take it, so one runs after
/// the other: a child linked first is among the cascade's children, an update posted first is
/// among those copied to the child on linking. Without it, a child linked while an update was
/// being posted could miss that update, or join a major incident being resolved.
fn lock(conn: &mut DbConnection, major: &MajorIncident) -> Result<(), StoreError> {
    if let DbConnection::Postgresql(pg) = conn {
        major_incidents::table
            .find(major.id)
            .select(major_incidents::id)
            .for_update()
            .first::<i64>(pg)?;
    }
    Ok(())
}

/// Links a customer ticket under `major` (R-MNI3): the child gets a timeline entry and the
/// parent's earlier updates, so a late joiner misses nothing. Must run in a write transaction.
pub fn link(
    conn: &mut DbConnection,
    major: &MajorIncident,
    child: TicketRef,
    actor: &str,
    policy: &SlaPolicy,
    now: DateTime<Utc>,
) -> Result<Incident, StoreError> {
    lock(conn, major)?;
    // As it is now, under the lock: it may have been resolved since the caller read it.
    let major = &get(conn, major.ticket)?;
    if major_incidents::table
        .filter(major_incidents::ticket_number.eq(child.number()))
        .count()
        .get_result::<i64>(conn)?
        > 0
    {
        return Err(DomainError::illegal_state(
            "parent_cannot_be_child",
            format!("{child} is a major incident; a parent cannot become a child"),
        )
        .into());
    }
    let earlier = updates(conn, major)?;
    let (incident, _) = tickets::change(conn, child, None, None, policy, now, |incident| {
        major.check_link(incident)?;
        incident.parent_ticket = Some(major.ticket);
        incident.updated_at = now;
        let mut entries = vec![NewEntry::public(
            EntryKind::MajorIncident,
            actor,
            format!(
                "Linked to major incident {}: {}. Updates come from the major incident; its \
                 incident manager coordinates resolution.",
                major.ticket, major.summary
            ),
        )];
        entries.extend(earlier.iter().map(|u| {
            NewEntry::public(
                EntryKind::MajorIncident,
                &u.author,
                update_entry_text(major, &u.text),
            )
        }));
        Ok(entries)
    })?;
    Ok(incident)
}

/// Unlinks a child from `major`. Must run in a write transaction.
pub fn unlink(
    conn: &mut DbConnection,
    major: &MajorIncident,
    child: TicketRef,
    actor: &str,
    policy: &SlaPolicy,
    now: DateTime<Utc>,
) -> Result<Incident, StoreError> {
    let (incident, _) = tickets::change(conn, child, None, None, policy, now, |incident| {
        if incident.parent_ticket != Some(major.ticket) {
            return Err(StoreError::NotFound("linked child"));
        }
        incident.parent_ticket = None;
        incident.updated_at = now;
        Ok(vec![NewEntry::public(
            EntryKind::MajorIncident,
            actor,
            format!("Unlinked from major incident {}", major.ticket),
        )])
    })?;
    Ok(incident)
}

type Backend = <DbConnection as diesel::Connection>::Backend;

/// Children of `major` that are neither closed nor cancelled.
fn open_children(major: &MajorIncident) -> incidents::BoxedQuery<'static, Backend> {
    incidents::table
        .filter(incidents::parent_ticket_number.eq(major.ticket.number()))
        .filter(not(incidents::status.eq_any([
            IncidentStatus::Closed.as_str(),
            IncidentStatus::Cancelled.as_str(),
        ])))
        .into_boxed()
}

/// Posts an update on `major` and cascades it (R-MNI4) to the timeline of every open child and
/// to each child's customer as an event: three set-based statements, all or nothing in the
/// caller's transaction. Returns the update and how many children received it.
pub fn post_update(
    conn: &mut DbConnection,
    major: &MajorIncident,
    text: &str,
    author: &str,
    now: DateTime<Utc>,
) -> Result<(MajorUpdate, usize), StoreError> {
    lock(conn, major)?;
    let at = to_db_time(now);
    let (id, _, author_s, text_s, created): (i64, i64, String, String, NaiveDateTime) =
        diesel::insert_into(major_incident_updates::table)
            .values((
                major_incident_updates::major_incident_id.eq(major.id),
                major_incident_updates::author.eq(author),
                major_incident_updates::text.eq(text),
                major_incident_updates::created_at.eq(at),
            ))
            .returning(major_incident_updates::all_columns)
            .get_result(conn)?;
    let entry = update_entry_text(major, text);
    let cascaded = diesel::insert_into(incident_updates::table)
        .values(open_children(major).select((
            incidents::id,
            EntryKind::MajorIncident.as_str().into_sql::<Text>(),
            domain::Visibility::Public.as_str().into_sql::<Text>(),
            author.to_owned().into_sql::<Text>(),
            entry.clone().into_sql::<Text>(),
            at.into_sql::<Timestamp>(),
        )))
        .into_columns((
            incident_updates::incident_id,
            incident_updates::kind,
            incident_updates::visibility,
            incident_updates::author,
            incident_updates::text,
            incident_updates::created_at,
        ))
        .execute(conn)?;
    let payload = serde_json::json!({
        "major_incident": major.ticket.to_string(),
        "summary": major.summary,
        "text": text,
    })
    .to_string();
    diesel::insert_into(events::table)
        .values(open_children(major).select((
            "major_incident.updated".into_sql::<Text>(),
            incidents::customer_number.nullable(),
            incidents::ticket_number.nullable(),
            payload.into_sql::<Text>(),
            at.into_sql::<Timestamp>(),
        )))
        .into_columns((
            events::event_type,
            events::customer_number,
            events::ticket_number,
            events::payload,
            events::created_at,
        ))
        .execute(conn)?;
    diesel::update(
        incidents::table
            .filter(incidents::parent_ticket_number.eq(major.ticket.number()))
            .filter(not(incidents::status.eq_any([
                IncidentStatus::Closed.as_str(),
                IncidentStatus::Cancelled.as_str(),
            ]))),
    )
    .set((
        incidents::updated_at.eq(at),
        incidents::version.eq(incidents::version + 1),
    ))
    .execute(conn)?;
    diesel::update(major_incidents::table.find(major.id))
        .set((
            major_incidents::updated_at.eq(at),
            major_incidents::version.eq(major_incidents::version + 1),
        ))
        .execute(conn)?;
    outbox::emit(
        conn,
        "major_incident.updated",
        None,
        Some(major.ticket),
        &serde_json::json!({"major_incident": major.ticket.to_string(), "text": text}),
        now,
    )?;
    Ok((
        MajorUpdate {
            id,
            author: author_s,
            text: text_s,
            created_at: from_db_time(created),
        },
        cascaded,
    ))
}

/// Resolves `major` and every open, unresolved child with its resolution (R-MNI4), in the
/// caller's transaction. Returns the resolved major incident and how many children it resolved.
pub fn resolve(
    conn: &mut DbConnection,
    ticket: TicketRef,
    resolution: &str,
    actor: &str,
    policy: &SlaPolicy,
    now: DateTime<Utc>,
) -> Result<(MajorIncident, usize), StoreError> {
    let major = get(conn, ticket)?;
    lock(conn, &major)?;
    let mut major = get(conn, major.ticket)?;
    major.resolve(resolution, now)?;
    let updated = diesel::update(
        major_incidents::table
            .find(major.id)
            .filter(major_incidents::version.eq(major.version)),
    )
    .set((
        major_incidents::status.eq(major.status.as_str()),
        major_incidents::resolved_at.eq(major.resolved_at.map(to_db_time)),
        major_incidents::resolution.eq(major.resolution.as_deref()),
        major_incidents::updated_at.eq(to_db_time(now)),
        major_incidents::version.eq(major.version + 1),
    ))
    .execute(conn)?;
    if updated == 0 {
        return Err(StoreError::conflict(
            "concurrent_update",
            format!("major incident {ticket} changed meanwhile"),
        ));
    }
    post_update(
        conn,
        &major,
        &format!("Resolved: {}", resolution.trim()),
        actor,
        now,
    )?;
    let children: Vec<i64> = open_children(&major)
        .select(incidents::ticket_number)
        .load(conn)?;
    let child_resolution = major.child_resolution();
    let mut resolved = 0;
    for number in children {
        let child = TicketRef::from_number(number).map_err(corrupt)?;
        let mut incident = tickets::get(conn, child, None)?;
        if let Some(change) = incident.resolve_by_parent(child_resolution.clone(), now) {
            let text = format!(
                "Status changed from {} to resolved with major incident {}. Cause: {}. Fix: {}",
                change.from, major.ticket, child_resolution.cause, child_resolution.fix
            );
            tickets::save(
                conn,
                &incident,
                policy,
                &[NewEntry::public(EntryKind::StatusChange, actor, text)],
                now,
            )?;
            resolved += 1;
        }
    }
    Ok((get(conn, ticket)?, resolved))
}

/// Assigns the incident manager (R-MNI2). Must run in a write transaction.
pub fn assign_manager(
    conn: &mut DbConnection,
    ticket: TicketRef,
    email: &str,
    expected_version: Option<i64>,
    now: DateTime<Utc>,
) -> Result<MajorIncident, StoreError> {
    let major = get(conn, ticket)?;
    if expected_version.is_some_and(|v| v != major.version) {
        return Err(StoreError::conflict(
            "version_mismatch",
            format!("major incident {ticket} is at version {}", major.version),
        ));
    }
    let updated = diesel::update(
        major_incidents::table
            .find(major.id)
            .filter(major_incidents::version.eq(major.version)),
    )
    .set((
        major_incidents::incident_manager_email.eq(email),
        major_incidents::updated_at.eq(to_db_time(now)),
        major_incidents::version.eq(major.version + 1),
    ))
    .execute(conn)?;
    if updated == 0 {
        return Err(StoreError::conflict(
            "concurrent_update",
            format!("major incident {ticket} changed meanwhile"),
        ));
    }
    get(conn, ticket)
}

/// The children of `major`, oldest first; a customer scope sees only its own.
pub fn children(
    conn: &mut DbConnection,
    major: &MajorIncident,
    scope: Option<&CustomerNumber>,
    after: Option<Cursor>,
    limit: usize,
) -> Result<Page<Incident>, StoreError> {
    let filter = tickets::IncidentFilter {
        scope: scope.cloned(),
        parent: Some(major.ticket),
        order: tickets::IncidentOrder::OldestFirst,
        ..Default::default()
    };
    tickets::list(conn, &filter, after, limit)
}
