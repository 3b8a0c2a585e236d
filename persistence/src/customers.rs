//! Customer companies.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::{Customer, CustomerNumber};

use crate::error::{corrupt, on_unique_violation};
use crate::schema::customers;
use crate::{from_db_time, to_db_time, Cursor, DbConnection, Page, StoreError};

#[derive(Queryable, Selectable)]
#[diesel(table_name = customers)]
struct CustomerRow {
    id: i64,
    customer_number: String,
    name: String,
    created_at: NaiveDateTime,
}

impl CustomerRow {
    fn into_domain(self) -> Result<Customer, StoreError> {
        Ok(Customer {
            customer_number: CustomerNumber::parse(&self.customer_number).map_err(corrupt)?,
            name: self.name,
            created_at: from_db_time(self.created_at),
        })
    }
}

/// Registers a customer company; its number must be new.
pub fn create(
    conn: &mut DbConnection,
    number: &CustomerNumber,
    name: &str,
    now: DateTime<Utc>,
) -> Result<Customer, StoreError> {
    diesel::insert_into(customers::table)
        .values((
            customers::customer_number.eq(number.as_str()),
            customers::name.eq(name),
            customers::created_at.eq(to_db_time(now)),
        ))
        .returning(customers::all_columns)
        .get_result::<CustomerRow>(conn)
        .map_err(|e| {
            on_unique_violation(e, "customer_exists", || {
                format!("customer {number} already exists")
            })
        })?
        .into_domain()
}

/// One customer, or `NotFound`.
pub fn get(conn: &mut DbConnection, number: &CustomerNumber) -> Result<Customer, StoreError> {
    customers::table
        .filter(customers::customer_number.eq(number.as_str()))
        .select(CustomerRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound("customer"))?
        .into_domain()
}

/// Customers in creation order; `only` restricts the list to one company (customer callers).
pub fn list(
    conn: &mut DbConnection,
    only: Option<&CustomerNumber>,
    after: Option<Cursor>,
    limit: usize,
) -> Result<Page<Customer>, StoreError> {
    let mut query = customers::table
        .select(CustomerRow::as_select())
        .order(customers::id.asc())
        .limit(limit as i64 + 1)
        .into_boxed();
    if let Some(number) = only {
        query = query.filter(customers::customer_number.eq(number.as_str()));
    }
    if let Some(c) = after {
        query = query.filter(customers::id.gt(c.id));
    }
    let rows = query.load(conn)?;
    let keyed: Vec<(i64, CustomerRow)> = rows.into_iter().map(|r| (r.id, r)).collect();
    Page::from_overfetch(keyed, limit, |(id, r)| Cursor {
        at: from_db_time(r.created_at),
        id: *id,
    })
    .try_map(|(_, r)| r.into_domain())
}
