//! Provider planned works (R-CHG1–2) and the events that tell affected customers about them.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::dsl::exists;
use diesel::prelude::*;
use domain::{CustomerNumber, PlannedWork, ServiceId, WorkStatus};

use crate::error::corrupt;
use crate::schema::{planned_work_services, planned_works, services};
use crate::{from_db_time, to_db_time, Cursor, DbConnection, Page, StoreError};

#[derive(Queryable, Selectable)]
#[diesel(table_name = planned_works)]
struct WorkRow {
    id: i64,
    title: String,
    description: String,
    start_at: NaiveDateTime,
    end_at: NaiveDateTime,
    expected_impact: String,
    outage_minutes: Option<i32>,
    emergency: bool,
    emergency_justification: Option<String>,
    status: String,
    cancel_reason: Option<String>,
    created_by: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    sequence: i32,
    version: i64,
    /// Read only to keep rows and columns in step (the jobs query it directly).
    #[allow(dead_code)]
    reminded_for: Option<NaiveDateTime>,
}

fn into_domain(conn: &mut DbConnection, r: WorkRow) -> Result<PlannedWork, StoreError> {
    let ids: Vec<String> = planned_work_services::table
        .filter(planned_work_services::planned_work_id.eq(r.id))
        .order(planned_work_services::service_id.asc())
        .select(planned_work_services::service_id)
        .load(conn)?;
    Ok(PlannedWork {
        id: r.id,
        title: r.title,
        description: r.description,
        start_at: from_db_time(r.start_at),
        end_at: from_db_time(r.end_at),
        expected_impact: r.expected_impact,
        outage_minutes: r.outage_minutes,
        affected_services: ids
            .iter()
            .map(|s| ServiceId::parse(s).map_err(corrupt))
            .collect::<Result<_, _>>()?,
        emergency: r.emergency,
        emergency_justification: r.emergency_justification,
        status: WorkStatus::parse(&r.status).map_err(corrupt)?,
        cancel_reason: r.cancel_reason,
        created_by: r.created_by,
        created_at: from_db_time(r.created_at),
        updated_at: from_db_time(r.updated_at),
        sequence: r.sequence,
        version: r.version,
    })
}

/// A planned work about to be proposed.
pub struct NewPlannedWork<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub start_at: DateTime<Utc>,
    pub end_at: DateTime<Utc>,
    pub expected_impact: &'a str,
    pub outage_minutes: Option<i32>,
    pub affected_services: &'a [ServiceId],
    pub emergency: bool,
    pub emergency_justification: Option<&'a str>,
    pub created_by: &'a str,
}

/// Stores a proposed planned work on services known to exist.
pub fn create(
    conn: &mut DbConnection,
    new: NewPlannedWork<'_>,
    now: DateTime<Utc>,
) -> Result<PlannedWork, StoreError> {
    let mut unique = new.affected_services.to_vec();
    unique.sort();
    unique.dedup();
    let row: WorkRow = diesel::insert_into(planned_works::table)
        .values((
            planned_works::title.eq(new.title),
            planned_works::description.eq(new.description),
            planned_works::start_at.eq(to_db_time(new.start_at)),
            planned_works::end_at.eq(to_db_time(new.end_at)),
            planned_works::expected_impact.eq(new.expected_impact),
            planned_works::outage_minutes.eq(new.outage_minutes),
            planned_works::emergency.eq(new.emergency),
            planned_works::emergency_justification.eq(new.emergency_justification),
            planned_works::status.eq(WorkStatus::Proposed.as_str()),
            planned_works::created_by.eq(new.created_by),
            planned_works::created_at.eq(to_db_time(now)),
            planned_works::updated_at.eq(to_db_time(now)),
            planned_works::sequence.eq(0),
            planned_works::version.eq(1_i64),
        ))
        .returning(planned_works::all_columns)
        .get_result(conn)?;
    for service in &unique {
        diesel::insert_into(planned_work_services::table)
            .values((
                planned_work_services::planned_work_id.eq(row.id),
                planned_work_services::service_id.eq(service.as_str()),
            ))
            .execute(conn)?;
    }
    into_domain(conn, row)
}

type Backend = <DbConnection as diesel::Connection>::Backend;

/// Works touching at least one of `customer`'s services.
fn touching(customer: &CustomerNumber) -> planned_works::BoxedQuery<'static, Backend> {
    planned_works::table
        .filter(exists(
            planned_work_services::table
                .inner_join(
                    services::table.on(services::service_id.eq(planned_work_services::service_id)),
                )
                .filter(planned_work_services::planned_work_id.eq(planned_works::id))
                .filter(services::customer_number.eq(customer.as_str().to_owned())),
        ))
        .into_boxed()
}

/// A planned work within `scope` (a customer sees works touching its services), or `NotFound`.
pub fn get(
    conn: &mut DbConnection,
    id: i64,
    scope: Option<&CustomerNumber>,
) -> Result<PlannedWork, StoreError> {
    let query = match scope {
        Some(customer) => touching(customer),
        None => planned_works::table.into_boxed(),
    };
    let row = query
        .filter(planned_works::id.eq(id))
        .select(WorkRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound("planned work"))?;
    into_domain(conn, row)
}

/// Filters of the calendar.
#[derive(Debug, Default, Clone)]
pub struct WorkFilter {
    pub scope: Option<CustomerNumber>,
    /// Windows overlapping `[from, to)`.
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub status: Option<WorkStatus>,
    /// Leave out works not yet announced (customers never see proposals).
    pub announced_only: bool,
}

/// Planned works by start, then id.
pub fn list(
    conn: &mut DbConnection,
    filter: &WorkFilter,
    after: Option<Cursor>,
    limit: usize,
) -> Result<Page<PlannedWork>, StoreError> {
    let mut query = match &filter.scope {
        Some(customer) => touching(customer),
        None => planned_works::table.into_boxed(),
    }
    .select(WorkRow::as_select())
    .order((planned_works::start_at.asc(), planned_works::id.asc()))
    .limit(limit as i64 + 1);
    if let Some(from) = filter.from {
        query = query.filter(planned_works::end_at.gt(to_db_time(from)));
    }
    if let Some(to) = filter.to {
        query = query.filter(planned_works::start_at.lt(to_db_time(to)));
    }
    if let Some(status) = filter.status {
        query = query.filter(planned_works::status.eq(status.as_str()));
    }
    if filter.announced_only {
        query = query.filter(planned_works::status.ne(WorkStatus::Proposed.as_str()));
    }
    if let Some(c) = after {
        let at = to_db_time(c.at);
        query = query.filter(
            planned_works::start_at.gt(at).or(planned_works::start_at
                .eq(at)
                .and(planned_works::id.gt(c.id))),
        );
    }
    let rows = query.load(conn)?;
    Page::from_overfetch(rows, limit, |r| Cursor {
        at: from_db_time(r.start_at),
        id: r.id,
    })
    .try_map(|row| into_domain(conn, row))
}

/// The announced works (scheduled, under way or completed) on any of `services` whose window
/// overlaps `[from, to)`, by start.
pub fn on_services_between(
    conn: &mut DbConnection,
    services: &[ServiceId],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<PlannedWork>, StoreError> {
    let ids: Vec<String> = services.iter().map(|s| s.as_str().to_owned()).collect();
    let rows = announced_between(from, to)
        .select(WorkRow::as_select())
        .filter(exists(
            planned_work_services::table
                .filter(planned_work_services::planned_work_id.eq(planned_works::id))
                .filter(planned_work_services::service_id.eq_any(ids)),
        ))
        .load(conn)?;
    rows.into_iter().map(|r| into_domain(conn, r)).collect()
}

/// The announced works on any service whose window overlaps `[from, to)`, by start.
pub fn between(
    conn: &mut DbConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<PlannedWork>, StoreError> {
    let rows = announced_between(from, to)
        .select(WorkRow::as_select())
        .load(conn)?;
    rows.into_iter().map(|r| into_domain(conn, r)).collect()
}

fn announced_between(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> planned_works::BoxedQuery<'static, Backend> {
    planned_works::table
        .filter(planned_works::status.eq_any([
            WorkStatus::Scheduled.as_str(),
            WorkStatus::InProgress.as_str(),
            WorkStatus::Completed.as_str(),
        ]))
        .filter(planned_works::end_at.gt(to_db_time(from)))
        .filter(planned_works::start_at.lt(to_db_time(to)))
        .order((planned_works::start_at.asc(), planned_works::id.asc()))
        .into_boxed()
}

/// Scheduled works starting within `(now, now + lead]` not yet reminded of for that start.
pub fn due_reminders(
    conn: &mut DbConnection,
    lead: chrono::Duration,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<i64>, StoreError> {
    Ok(planned_works::table
        .filter(planned_works::status.eq(WorkStatus::Scheduled.as_str()))
        .filter(planned_works::start_at.gt(to_db_time(now)))
        .filter(planned_works::start_at.le(to_db_time(now + lead)))
        .filter(
            planned_works::reminded_for
                .is_null()
                .or(planned_works::reminded_for.ne(planned_works::start_at.nullable())),
        )
        .order(planned_works::start_at.asc())
        .select(planned_works::id)
        .limit(limit)
        .load(conn)?)
}

/// Records that `work` was reminded of for its current start; `false` when another instance
/// did it first (or the work moved meanwhile), so exactly one reminder goes out.
pub fn mark_reminded(conn: &mut DbConnection, work: &PlannedWork) -> Result<bool, StoreError> {
    let start = to_db_time(work.start_at);
    let n = diesel::update(
        planned_works::table
            .filter(planned_works::id.eq(work.id))
            .filter(planned_works::start_at.eq(start))
            .filter(
                planned_works::reminded_for
                    .is_null()
                    .or(planned_works::reminded_for.ne(start)),
            ),
    )
    .set(planned_works::reminded_for.eq(start))
    .execute(conn)?;
    Ok(n == 1)
}

/// Works whose time has come: scheduled ones whose start passed, and those under way whose end
/// passed.
pub fn due_steps(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<i64>, StoreError> {
    let at = to_db_time(now);
    Ok(planned_works::table
        .filter(
            planned_works::status
                .eq(WorkStatus::Scheduled.as_str())
                .and(planned_works::start_at.le(at))
                .or(planned_works::status
                    .eq(WorkStatus::InProgress.as_str())
                    .and(planned_works::end_at.le(at))),
        )
        .order(planned_works::start_at.asc())
        .select(planned_works::id)
        .limit(limit)
        .load(conn)?)
}

/// The companies with a service affected by `work`.
pub fn customers_of(
    conn: &mut DbConnection,
    work: &PlannedWork,
) -> Result<Vec<CustomerNumber>, StoreError> {
    let numbers: Vec<String> = planned_work_services::table
        .inner_join(services::table.on(services::service_id.eq(planned_work_services::service_id)))
        .filter(planned_work_services::planned_work_id.eq(work.id))
        .select(services::customer_number)
        .distinct()
        .order(services::customer_number.asc())
        .load(conn)?;
    numbers
        .iter()
        .map(|n| CustomerNumber::parse(n).map_err(corrupt))
        .collect()
}

/// Writes a changed work if its stored version is still `work.version`, bumps the version and
/// returns it as stored; `Stale` when another change got there first.
pub fn save(conn: &mut DbConnection, work: &PlannedWork) -> Result<PlannedWork, StoreError> {
    let row: Option<WorkRow> = diesel::update(
        planned_works::table
            .find(work.id)
            .filter(planned_works::version.eq(work.version)),
    )
    .set((
        planned_works::title.eq(&work.title),
        planned_works::description.eq(&work.description),
        planned_works::start_at.eq(to_db_time(work.start_at)),
        planned_works::end_at.eq(to_db_time(work.end_at)),
        planned_works::expected_impact.eq(&work.expected_impact),
        planned_works::outage_minutes.eq(work.outage_minutes),
        planned_works::status.eq(work.status.as_str()),
        planned_works::cancel_reason.eq(work.cancel_reason.as_deref()),
        planned_works::updated_at.eq(to_db_time(work.updated_at)),
        planned_works::sequence.eq(work.sequence),
        planned_works::version.eq(work.version + 1),
    ))
    .returning(planned_works::all_columns)
    .get_result(conn)
    .optional()?;
    let row = row
        .ok_or_else(|| StoreError::Stale(format!("planned work {} changed meanwhile", work.id)))?;
    into_domain(conn, row)
}
