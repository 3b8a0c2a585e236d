//! Customer maintenance (planned-works) requests (R-CHG3).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::{CustomerNumber, MaintenanceRequest, RequestStatus, ServiceId, ServiceOwner};

use crate::error::corrupt;
use crate::schema::maintenance_requests as mr;
use crate::{from_db_time, to_db_time, Cursor, DbConnection, Page, StoreError};

#[derive(Queryable, Selectable)]
#[diesel(table_name = mr)]
struct RequestRow {
    id: i64,
    customer_number: String,
    service_id: String,
    start_at: NaiveDateTime,
    end_at: NaiveDateTime,
    description: String,
    owner_name: String,
    owner_email: String,
    owner_phone: String,
    status: String,
    submitted_by: String,
    submitted_at: NaiveDateTime,
    acknowledged_at: Option<NaiveDateTime>,
    decided_at: Option<NaiveDateTime>,
    decision_reason: Option<String>,
    withdrawn_at: Option<NaiveDateTime>,
    updated_at: NaiveDateTime,
    version: i64,
}

impl RequestRow {
    fn into_domain(self) -> Result<MaintenanceRequest, StoreError> {
        Ok(MaintenanceRequest {
            id: self.id,
            customer_number: CustomerNumber::parse(&self.customer_number).map_err(corrupt)?,
            service_id: ServiceId::parse(&self.service_id).map_err(corrupt)?,
            start_at: from_db_time(self.start_at),
            end_at: from_db_time(self.end_at),
            description: self.description,
            service_owner: ServiceOwner {
                name: self.owner_name,
                email: self.owner_email,
                phone: self.owner_phone,
            },
            status: RequestStatus::parse(&self.status).map_err(corrupt)?,
            submitted_by: self.submitted_by,
            submitted_at: from_db_time(self.submitted_at),
            acknowledged_at: self.acknowledged_at.map(from_db_time),
            decided_at: self.decided_at.map(from_db_time),
            decision_reason: self.decision_reason,
            withdrawn_at: self.withdrawn_at.map(from_db_time),
            updated_at: from_db_time(self.updated_at),
            version: self.version,
        })
    }
}

/// A request about to be submitted (already checked against the working-day rule).
pub struct NewRequest<'a> {
    pub customer_number: &'a CustomerNumber,
    pub service_id: &'a ServiceId,
    pub start_at: DateTime<Utc>,
    pub end_at: DateTime<Utc>,
    pub description: &'a str,
    pub owner: &'a ServiceOwner,
    pub submitted_by: &'a str,
}

/// Stores a submitted request.
pub fn submit(
    conn: &mut DbConnection,
    new: NewRequest<'_>,
    now: DateTime<Utc>,
) -> Result<MaintenanceRequest, StoreError> {
    let row: RequestRow = diesel::insert_into(mr::table)
        .values((
            mr::customer_number.eq(new.customer_number.as_str()),
            mr::service_id.eq(new.service_id.as_str()),
            mr::start_at.eq(to_db_time(new.start_at)),
            mr::end_at.eq(to_db_time(new.end_at)),
            mr::description.eq(new.description),
            mr::owner_name.eq(&new.owner.name),
            mr::owner_email.eq(&new.owner.email),
            mr::owner_phone.eq(&new.owner.phone),
            mr::status.eq(RequestStatus::Submitted.as_str()),
            mr::submitted_by.eq(new.submitted_by),
            mr::submitted_at.eq(to_db_time(now)),
            mr::updated_at.eq(to_db_time(now)),
            mr::version.eq(1_i64),
        ))
        .returning(mr::all_columns)
        .get_result(conn)?;
    row.into_domain()
}

/// A request within `scope`, or `NotFound`.
pub fn get(
    conn: &mut DbConnection,
    id: i64,
    scope: Option<&CustomerNumber>,
) -> Result<MaintenanceRequest, StoreError> {
    let mut query = mr::table
        .find(id)
        .select(RequestRow::as_select())
        .into_boxed();
    if let Some(customer) = scope {
        query = query.filter(mr::customer_number.eq(customer.as_str()));
    }
    query
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound("maintenance request"))?
        .into_domain()
}

/// Requests within `scope`, oldest first, optionally of one status.
pub fn list(
    conn: &mut DbConnection,
    scope: Option<&CustomerNumber>,
    status: Option<RequestStatus>,
    after: Option<Cursor>,
    limit: usize,
) -> Result<Page<MaintenanceRequest>, StoreError> {
    let mut query = mr::table
        .select(RequestRow::as_select())
        .order(mr::id.asc())
        .limit(limit as i64 + 1)
        .into_boxed();
    if let Some(customer) = scope {
        query = query.filter(mr::customer_number.eq(customer.as_str()));
    }
    if let Some(status) = status {
        query = query.filter(mr::status.eq(status.as_str()));
    }
    if let Some(c) = after {
        query = query.filter(mr::id.gt(c.id));
    }
    let rows = query.load(conn)?;
    Page::from_overfetch(rows, limit, |r| Cursor {
        at: from_db_time(r.submitted_at),
        id: r.id,
    })
    .try_map(RequestRow::into_domain)
}

/// Writes a changed request if its stored version is still `request.version`, bumps the version
/// and returns it as stored; `Stale` when another change got there first.
pub fn save(
    conn: &mut DbConnection,
    request: &MaintenanceRequest,
) -> Result<MaintenanceRequest, StoreError> {
    let row: Option<RequestRow> = diesel::update(
        mr::table
            .find(request.id)
            .filter(mr::version.eq(request.version)),
    )
    .set((
        mr::status.eq(request.status.as_str()),
        mr::acknowledged_at.eq(request.acknowledged_at.map(to_db_time)),
        mr::decided_at.eq(request.decided_at.map(to_db_time)),
        mr::decision_reason.eq(request.decision_reason.as_deref()),
        mr::withdrawn_at.eq(request.withdrawn_at.map(to_db_time)),
        mr::updated_at.eq(to_db_time(request.updated_at)),
        mr::version.eq(request.version + 1),
    ))
    .returning(mr::all_columns)
    .get_result(conn)
    .optional()?;
    row.ok_or_else(|| {
        StoreError::Stale(format!(
            "maintenance request {} changed meanwhile",
            request.id
        ))
    })?
    .into_domain()
}
