//! Service inventory (R-SVC1): the circuits and lines customers buy and raise tickets on.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::{
    AvailabilityTarget, CustomerNumber, Service, ServiceId, ServiceLocator, ServiceStatus,
};

use crate::error::{corrupt, on_unique_violation};
use crate::schema::services;
use crate::{from_db_time, to_db_time, Cursor, DbConnection, Page, StoreError};

use crate::queries::lower;

#[derive(Queryable, Selectable)]
#[diesel(table_name = services)]
pub(crate) struct ServiceRow {
    id: i64,
    service_id: String,
    circuit_reference: String,
    order_number: String,
    customer_number: String,
    product: String,
    label: String,
    status: String,
    handover_date: Option<NaiveDate>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i64,
    region: Option<String>,
    #[allow(dead_code)]
    region_key: Option<String>,
    availability_target: Option<f64>,
}

impl ServiceRow {
    fn into_domain(self) -> Result<Service, StoreError> {
        Ok(Service {
            service_id: ServiceId::parse(&self.service_id).map_err(corrupt)?,
            circuit_reference: self.circuit_reference,
            order_number: self.order_number,
            customer_number: CustomerNumber::parse(&self.customer_number).map_err(corrupt)?,
            product: self.product,
            label: self.label,
            status: self.status.parse::<ServiceStatus>().map_err(corrupt)?,
            handover_date: self.handover_date,
            region: self.region,
            availability_target: self
                .availability_target
                .map(AvailabilityTarget::from_percent)
                .transpose()
                .map_err(corrupt)?,
            created_at: from_db_time(self.created_at),
            updated_at: from_db_time(self.updated_at),
            version: self.version,
        })
    }
}

/// A service about to be registered.
pub struct NewService<'a> {
    pub service_id: &'a ServiceId,
    pub circuit_reference: &'a str,
    pub order_number: &'a str,
    pub customer_number: &'a CustomerNumber,
    pub product: &'a str,
    pub label: &'a str,
    pub status: ServiceStatus,
    pub handover_date: Option<NaiveDate>,
    /// Normalised (`domain::major_incident::normalize_region`).
    pub region: Option<&'a str>,
    pub availability_target: Option<AvailabilityTarget>,
}

/// Registers a service of a customer known to exist. Service id, circuit reference and order
/// number are each unique, because each alone identifies the service when a ticket is raised.
pub fn create(
    conn: &mut DbConnection,
    new: NewService<'_>,
    now: DateTime<Utc>,
) -> Result<Service, StoreError> {
    diesel::insert_into(services::table)
        .values((
            services::service_id.eq(new.service_id.as_str()),
            services::circuit_reference.eq(new.circuit_reference),
            services::order_number.eq(new.order_number),
            services::customer_number.eq(new.customer_number.as_str()),
            services::product.eq(new.product),
            services::label.eq(new.label),
            services::status.eq(new.status.as_str()),
            services::handover_date.eq(new.handover_date),
            services::region.eq(new.region),
            services::region_key.eq(new.region.map(domain::major_incident::region_key)),
            services::availability_target
                .eq(new.availability_target.map(AvailabilityTarget::percent)),
            services::created_at.eq(to_db_time(now)),
            services::updated_at.eq(to_db_time(now)),
            services::version.eq(1_i64),
        ))
        .returning(services::all_columns)
        .get_result::<ServiceRow>(conn)
        .map_err(|e| {
            on_unique_violation(e, "service_exists", || {
                "a service with this service_id, circuit_reference or order_number already exists"
                    .into()
            })
        })?
        .into_domain()
}

/// A service visible within `scope` (a customer's own, or any for staff), or `NotFound`.
pub fn get(
    conn: &mut DbConnection,
    service_id: &ServiceId,
    scope: Option<&CustomerNumber>,
) -> Result<Service, StoreError> {
    let mut query = services::table
        .filter(services::service_id.eq(service_id.as_str()))
        .select(ServiceRow::as_select())
        .into_boxed();
    if let Some(number) = scope {
        query = query.filter(services::customer_number.eq(number.as_str()));
    }
    query
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound("service"))?
        .into_domain()
}

/// Finds the service a ticket is raised on, within the caller's scope.
pub fn find_by_locator(
    conn: &mut DbConnection,
    locator: &ServiceLocator,
    scope: Option<&CustomerNumber>,
) -> Result<Option<Service>, StoreError> {
    let mut query = services::table.select(ServiceRow::as_select()).into_boxed();
    query = match locator {
        ServiceLocator::CircuitReference(c) => query.filter(services::circuit_reference.eq(c)),
        ServiceLocator::OrderNumber(o) => query.filter(services::order_number.eq(o)),
        ServiceLocator::ServiceId(s) => query.filter(services::service_id.eq(s.as_str())),
    };
    if let Some(number) = scope {
        query = query.filter(services::customer_number.eq(number.as_str()));
    }
    query
        .first(conn)
        .optional()?
        .map(ServiceRow::into_domain)
        .transpose()
}

/// Filters of `GET /services`; all optional and combined with AND.
#[derive(Debug, Default, Clone)]
pub struct ServiceFilter {
    pub scope: Option<CustomerNumber>,
    pub customer_number: Option<CustomerNumber>,
    pub circuit_reference: Option<String>,
    pub order_number: Option<String>,
    /// Case-insensitive substring of id, circuit, order number, product or label.
    pub text: Option<String>,
}

fn like_pattern(text: &str) -> String {
    let escaped = text
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Services matching `filter`, in registration order, one keyset page at a time.
pub fn list(
    conn: &mut DbConnection,
    filter: &ServiceFilter,
    after: Option<Cursor>,
    limit: usize,
) -> Result<Page<Service>, StoreError> {
    let mut query = services::table
        .select(ServiceRow::as_select())
        .order(services::id.asc())
        .limit(limit as i64 + 1)
        .into_boxed();
    if let Some(number) = &filter.scope {
        query = query.filter(services::customer_number.eq(number.as_str()));
    }
    if let Some(number) = &filter.customer_number {
        query = query.filter(services::customer_number.eq(number.as_str()));
    }
    if let Some(c) = &filter.circuit_reference {
        query = query.filter(services::circuit_reference.eq(c));
    }
    if let Some(o) = &filter.order_number {
        query = query.filter(services::order_number.eq(o));
    }
    if let Some(text) = filter.text.as_deref().filter(|t| !t.trim().is_empty()) {
        let pattern = like_pattern(text.trim());
        query = query.filter(
            lower(services::service_id)
                .like(pattern.clone())
                .escape('\\')
                .or(lower(services::circuit_reference)
                    .like(pattern.clone())
                    .escape('\\'))
                .or(lower(services::order_number)
                    .like(pattern.clone())
                    .escape('\\'))
                .or(lower(services::product).like(pattern.clone()).escape('\\'))
                .or(lower(services::label).like(pattern).escape('\\')),
        );
    }
    if let Some(c) = after {
        query = query.filter(services::id.gt(c.id));
    }
    let rows = query.load(conn)?;
    Page::from_overfetch(rows, limit, |r| Cursor {
        at: from_db_time(r.created_at),
        id: r.id,
    })
    .try_map(ServiceRow::into_domain)
}

/// Changes to a service; `None` leaves a field as it is.
#[derive(Debug, Default, Clone)]
pub struct ServiceChanges {
    pub product: Option<String>,
    pub label: Option<String>,
    pub status: Option<ServiceStatus>,
    pub handover_date: Option<NaiveDate>,
    /// `Some(None)` clears the region; normalised.
    pub region: Option<Option<String>>,
    /// `Some(None)` clears the target.
    pub availability_target: Option<Option<AvailabilityTarget>>,
}

/// Applies `changes` if the stored version is still `expected_version` (when given); a stale
/// version is a conflict and nothing changes.
pub fn update(
    conn: &mut DbConnection,
    service_id: &ServiceId,
    changes: &ServiceChanges,
    expected_version: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Service, StoreError> {
    let current = get(conn, service_id, None)?;
    if let Some(expected) = expected_version {
        if expected != current.version {
            return Err(StoreError::VersionMismatch(format!(
                "service {service_id} is at version {}, not {expected}",
                current.version
            )));
        }
    }
    let status = changes.status.unwrap_or(current.status);
    let region = changes.region.clone().unwrap_or(current.region);
    let target = changes
        .availability_target
        .unwrap_or(current.availability_target);
    let updated = diesel::update(
        services::table
            .filter(services::service_id.eq(service_id.as_str()))
            .filter(services::version.eq(current.version)),
    )
    .set((
        services::product.eq(changes.product.as_deref().unwrap_or(&current.product)),
        services::label.eq(changes.label.as_deref().unwrap_or(&current.label)),
        services::status.eq(status.as_str()),
        services::handover_date.eq(changes.handover_date.or(current.handover_date)),
        services::region.eq(region.as_deref()),
        services::region_key.eq(region.as_deref().map(domain::major_incident::region_key)),
        services::availability_target.eq(target.map(AvailabilityTarget::percent)),
        services::updated_at.eq(to_db_time(now)),
        services::version.eq(current.version + 1),
    ))
    .returning(services::all_columns)
    .get_result::<ServiceRow>(conn)
    .optional()?;
    updated
        .ok_or_else(|| StoreError::VersionMismatch("service changed concurrently".into()))?
        .into_domain()
}

/// Those of `ids` that name no service.
pub fn unknown_among(
    conn: &mut DbConnection,
    ids: &[ServiceId],
) -> Result<Vec<ServiceId>, StoreError> {
    let known: Vec<String> = services::table
        .filter(services::service_id.eq_any(ids.iter().map(ServiceId::as_str)))
        .select(services::service_id)
        .load(conn)?;
    Ok(ids
        .iter()
        .filter(|id| !known.iter().any(|k| k == id.as_str()))
        .cloned()
        .collect())
}

/// Those of `ids` that belong to `customer`, in order: the part of a major incident or a planned
/// work a customer sees.
pub fn owned_by(
    conn: &mut DbConnection,
    ids: &[ServiceId],
    customer: &CustomerNumber,
) -> Result<Vec<String>, StoreError> {
    Ok(services::table
        .filter(services::service_id.eq_any(ids.iter().map(ServiceId::as_str)))
        .filter(services::customer_number.eq(customer.as_str()))
        .order(services::service_id.asc())
        .select(services::service_id)
        .load(conn)?)
}

/// The services of `ids` (unknown ones are left out), by service id; read 500 at a time.
pub fn with_ids(conn: &mut DbConnection, ids: &[ServiceId]) -> Result<Vec<Service>, StoreError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let rows: Vec<ServiceRow> = services::table
            .filter(services::service_id.eq_any(chunk.iter().map(ServiceId::as_str)))
            .select(ServiceRow::as_select())
            .load(conn)?;
        for row in rows {
            out.push(row.into_domain()?);
        }
    }
    out.sort_by(|a, b| a.service_id.as_str().cmp(b.service_id.as_str()));
    Ok(out)
}
