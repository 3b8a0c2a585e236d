//! The contact management centre (R-CON1): who at a customer receives which notices. Customer
//! admins manage their company's contacts, admins anyone's; everyone sees their own company's.

use chrono::{DateTime, Utc};
use domain::policy::{self, Permission};
use domain::{Caller, Contact, CustomerNumber};
use persistence::{contacts, customers, Cursor, Page, StoreError};

use crate::{AppError, Conn, Ctx};

/// The notices a contact receives.
#[derive(Debug, Clone, Copy)]
pub struct Notices {
    pub incident_updates: bool,
    pub major_incidents: bool,
    pub planned_works: bool,
    pub escalations: bool,
}

pub struct NewContact {
    /// Required of provider staff; a customer names its own company or none.
    pub customer_number: Option<CustomerNumber>,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub notices: Notices,
}

pub fn create(
    conn: &mut Conn,
    caller: &Caller,
    new: NewContact,
    ctx: &Ctx,
    now: DateTime<Utc>,
) -> Result<Contact, AppError> {
    policy::require(caller, Permission::ManageContacts)?;
    let customer = match (caller.tenant_scope(), new.customer_number) {
        (Some(own), None) => own.clone(),
        (Some(own), Some(given)) if &given == own => given,
        (Some(_), Some(_)) => {
            return Err(AppError::Field {
                field: "customer_number",
                code: "not_yours",
                message: "must be your own company".into(),
            })
        }
        (None, Some(given)) => given,
        (None, None) => {
            return Err(AppError::Field {
                field: "customer_number",
                code: "required",
                message: "name the company".into(),
            })
        }
    };
    customers::get(conn, &customer).map_err(|e| match e {
        StoreError::NotFound(_) => AppError::invalid("customer_number", "no such customer"),
        other => other.into(),
    })?;
    if contacts::count(conn, &customer)? >= i64::from(ctx.contacts_per_company) {
        return Err(AppError::Conflict {
            code: "too_many_contacts",
            message: format!(
                "a company has at most {} contacts; delete one first",
                ctx.contacts_per_company
            ),
        });
    }
    let contact = Contact {
        id: 0,
        customer_number: customer,
        name: new.name.trim().to_owned(),
        email: new.email.trim().to_owned(),
        phone: new.phone.map(|p| p.trim().to_owned()),
        incident_updates: new.notices.incident_updates,
        major_incidents: new.notices.major_incidents,
        planned_works: new.notices.planned_works,
        escalations: new.notices.escalations,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    Ok(contacts::create(conn, &contact, now)?)
}

pub fn get(conn: &mut Conn, caller: &Caller, id: i64) -> Result<Contact, AppError> {
    Ok(contacts::get(conn, id, caller.tenant_scope())?)
}

pub fn list(
    conn: &mut Conn,
    caller: &Caller,
    after: Option<Cursor>,
    limit: usize,
) -> Result<Page<Contact>, AppError> {
    Ok(contacts::list(conn, caller.tenant_scope(), after, limit)?)
}

/// Changes to a contact; absent fields stay.
pub struct ContactChanges {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub notices: Option<Notices>,
}

pub fn update(
    conn: &mut Conn,
    caller: &Caller,
    id: i64,
    changes: ContactChanges,
    expected_version: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Contact, AppError> {
    policy::require(caller, Permission::ManageContacts)?;
    let mut c = contacts::get(conn, id, caller.tenant_scope())?;
    if expected_version.is_some_and(|v| v != c.version) {
        return Err(AppError::PreconditionFailed("the contact changed".into()));
    }
    if let Some(n) = changes.name {
        c.name = n.trim().to_owned();
    }
    if let Some(e) = changes.email {
        c.email = e.trim().to_owned();
    }
    if let Some(p) = changes.phone {
        c.phone = Some(p.trim().to_owned());
    }
    if let Some(n) = changes.notices {
        c.incident_updates = n.incident_updates;
        c.major_incidents = n.major_incidents;
        c.planned_works = n.planned_works;
        c.escalations = n.escalations;
    }
    Ok(contacts::save(conn, &c, now)?)
}

pub fn delete(conn: &mut Conn, caller: &Caller, id: i64) -> Result<(), AppError> {
    policy::require(caller, Permission::ManageContacts)?;
    Ok(contacts::delete(conn, id, caller.tenant_scope())?)
}
