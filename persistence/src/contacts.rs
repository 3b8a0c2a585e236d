//! The contact management centre (R-CON1): who at a customer receives which notices.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::account::normalize_email;
use domain::{Contact, CustomerNumber};

use crate::error::{corrupt, on_unique_violation};
use crate::schema::contacts;
use crate::{from_db_time, to_db_time, Cursor, DbConnection, Page, StoreError};

#[derive(Queryable, Selectable)]
#[diesel(table_name = contacts)]
struct ContactRow {
    id: i64,
    customer_number: String,
    name: String,
    email: String,
    phone: Option<String>,
    notify_incident_updates: bool,
    notify_major_incidents: bool,
    notify_planned_works: bool,
    notify_escalations: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i64,
    confirmed_at: Option<NaiveDateTime>,
    notify_service_reports: bool,
}

impl ContactRow {
    fn into_domain(self) -> Result<Contact, StoreError> {
        Ok(Contact {
            id: self.id,
            customer_number: CustomerNumber::parse(&self.customer_number).map_err(corrupt)?,
            name: self.name,
            email: self.email,
            phone: self.phone,
            incident_updates: self.notify_incident_updates,
            major_incidents: self.notify_major_incidents,
            planned_works: self.notify_planned_works,
            escalations: self.notify_escalations,
            service_reports: self.notify_service_reports,
            created_at: from_db_time(self.created_at),
            updated_at: from_db_time(self.updated_at),
            version: self.version,
            confirmed_at: self.confirmed_at.map(from_db_time),
        })
    }
}

/// Adds a contact; the email must be new within the company.
pub fn create(
    conn: &mut DbConnection,
    c: &Contact,
    now: DateTime<Utc>,
) -> Result<Contact, StoreError> {
    let email = normalize_email(&c.email);
    diesel::insert_into(contacts::table)
        .values((
            contacts::customer_number.eq(c.customer_number.as_str()),
            contacts::name.eq(&c.name),
            contacts::email.eq(&email),
            contacts::phone.eq(c.phone.as_deref()),
            contacts::notify_incident_updates.eq(c.incident_updates),
            contacts::notify_major_incidents.eq(c.major_incidents),
            contacts::notify_planned_works.eq(c.planned_works),
            contacts::notify_escalations.eq(c.escalations),
            contacts::notify_service_reports.eq(c.service_reports),
            contacts::created_at.eq(to_db_time(now)),
            contacts::updated_at.eq(to_db_time(now)),
            contacts::version.eq(1_i64),
            contacts::confirmed_at.eq(c.confirmed_at.map(to_db_time)),
        ))
        .returning(contacts::all_columns)
        .get_result::<ContactRow>(conn)
        .map_err(|e| {
            on_unique_violation(e, "contact_exists", || {
                format!("a contact with email {email} exists")
            })
        })?
        .into_domain()
}

/// A contact within `scope`, or `NotFound`.
pub fn get(
    conn: &mut DbConnection,
    id: i64,
    scope: Option<&CustomerNumber>,
) -> Result<Contact, StoreError> {
    let mut q = contacts::table
        .find(id)
        .select(ContactRow::as_select())
        .into_boxed();
    if let Some(c) = scope {
        q = q.filter(contacts::customer_number.eq(c.as_str()));
    }
    q.first(conn)
        .optional()?
        .ok_or(StoreError::NotFound("contact"))?
        .into_domain()
}

/// Contacts of one company (or all for staff), by id.
pub fn list(
    conn: &mut DbConnection,
    customer: Option<&CustomerNumber>,
    after: Option<Cursor>,
    limit: usize,
) -> Result<Page<Contact>, StoreError> {
    let mut q = contacts::table
        .select(ContactRow::as_select())
        .order(contacts::id.asc())
        .limit(limit as i64 + 1)
        .into_boxed();
    if let Some(c) = customer {
        q = q.filter(contacts::customer_number.eq(c.as_str()));
    }
    if let Some(c) = after {
        q = q.filter(contacts::id.gt(c.id));
    }
    let rows = q.load(conn)?;
    Page::from_overfetch(rows, limit, |r| Cursor {
        at: from_db_time(r.created_at),
        id: r.id,
    })
    .try_map(ContactRow::into_domain)
}

/// Every contact of `customer` (for fan-out).
pub fn all_of(conn: &mut DbConnection, customer: &str) -> Result<Vec<Contact>, StoreError> {
    contacts::table
        .filter(contacts::customer_number.eq(customer))
        .select(ContactRow::as_select())
        .order(contacts::id.asc())
        .load(conn)?
        .into_iter()
        .map(ContactRow::into_domain)
        .collect()
}

/// Writes changed fields if the version is unchanged.
pub fn save(
    conn: &mut DbConnection,
    c: &Contact,
    now: DateTime<Utc>,
) -> Result<Contact, StoreError> {
    let email = normalize_email(&c.email);
    let row: Option<ContactRow> = diesel::update(
        contacts::table
            .find(c.id)
            .filter(contacts::version.eq(c.version)),
    )
    .set((
        contacts::name.eq(&c.name),
        contacts::email.eq(&email),
        contacts::phone.eq(c.phone.as_deref()),
        contacts::notify_incident_updates.eq(c.incident_updates),
        contacts::notify_major_incidents.eq(c.major_incidents),
        contacts::notify_planned_works.eq(c.planned_works),
        contacts::notify_escalations.eq(c.escalations),
        contacts::notify_service_reports.eq(c.service_reports),
        contacts::updated_at.eq(to_db_time(now)),
        contacts::version.eq(c.version + 1),
        contacts::confirmed_at.eq(c.confirmed_at.map(to_db_time)),
    ))
    .returning(contacts::all_columns)
    .get_result(conn)
    .optional()
    .map_err(|e| {
        on_unique_violation(e, "contact_exists", || {
            format!("a contact with email {email} exists")
        })
    })?;
    row.ok_or_else(|| StoreError::VersionMismatch("the contact changed meanwhile".into()))?
        .into_domain()
}

/// Removes a contact within `scope`.
pub fn delete(
    conn: &mut DbConnection,
    id: i64,
    scope: Option<&CustomerNumber>,
) -> Result<(), StoreError> {
    get(conn, id, scope)?;
    diesel::delete(contacts::table.find(id)).execute(conn)?;
    Ok(())
}

/// Contacts of one company.
pub fn count(conn: &mut DbConnection, customer: &CustomerNumber) -> Result<i64, StoreError> {
    Ok(contacts::table
        .filter(contacts::customer_number.eq(customer.as_str()))
        .count()
        .get_result(conn)?)
}
