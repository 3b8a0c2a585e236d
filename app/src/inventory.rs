//! The inventory (R-INV): customer companies and the services they buy. Admins register and
//! change them; customers see their own.

use chrono::{DateTime, Utc};
use domain::policy::{self, Permission};
use domain::{Caller, Customer, CustomerNumber, Service, ServiceId};
pub use persistence::services::{NewService, ServiceChanges, ServiceFilter};
use persistence::{customers, services, Cursor, Page, StoreError};

use crate::{AppError, Conn};

pub fn create_customer(
    conn: &mut Conn,
    caller: &Caller,
    number: &CustomerNumber,
    name: &str,
    now: DateTime<Utc>,
) -> Result<Customer, AppError> {
    policy::require(caller, Permission::ManageInventory)?;
    Ok(customers::create(conn, number, name.trim(), now)?)
}

/// Customers the caller sees: its own company, or all for provider staff.
pub fn list_customers(
    conn: &mut Conn,
    caller: &Caller,
    after: Option<Cursor>,
    limit: usize,
) -> Result<Page<Customer>, AppError> {
    Ok(customers::list(conn, caller.tenant_scope(), after, limit)?)
}

/// A customer the caller may see; another company reads as not found.
pub fn get_customer(
    conn: &mut Conn,
    caller: &Caller,
    number: &CustomerNumber,
) -> Result<Customer, AppError> {
    if !caller.can_see_customer(number) {
        return Err(AppError::NotFound("customer"));
    }
    Ok(customers::get(conn, number)?)
}

/// Registers a service of an existing customer.
pub fn create_service(
    conn: &mut Conn,
    caller: &Caller,
    new: NewService<'_>,
    now: DateTime<Utc>,
) -> Result<Service, AppError> {
    policy::require(caller, Permission::ManageInventory)?;
    customers::get(conn, new.customer_number).map_err(|e| match e {
        StoreError::NotFound(_) => AppError::Field {
            field: "customer_number",
            code: "unknown",
            message: "no such customer".into(),
        },
        other => other.into(),
    })?;
    Ok(services::create(conn, new, now)?)
}

pub fn get_service(conn: &mut Conn, caller: &Caller, id: &ServiceId) -> Result<Service, AppError> {
    Ok(services::get(conn, id, caller.tenant_scope())?)
}

/// Services matching `filter`, within the caller's tenancy.
pub fn list_services(
    conn: &mut Conn,
    caller: &Caller,
    mut filter: ServiceFilter,
    after: Option<Cursor>,
    limit: usize,
) -> Result<Page<Service>, AppError> {
    filter.scope = caller.tenant_scope().cloned();
    Ok(services::list(conn, &filter, after, limit)?)
}

pub fn update_service(
    conn: &mut Conn,
    caller: &Caller,
    id: &ServiceId,
    changes: &ServiceChanges,
    expected_version: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Service, AppError> {
    policy::require(caller, Permission::ManageInventory)?;
    Ok(services::update(conn, id, changes, expected_version, now)?)
}
