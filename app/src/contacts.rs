//! The contact management centre (R-CON1): who at a customer receives which notices. Customer
//! admins manage their company's contacts, admins anyone's; everyone sees their own company's.

use chrono::{DateTime, Utc};
use domain::policy::{self, Permission};
use domain::{Caller, Contact, CustomerNumber, EventType};
use persistence::{contacts, customers, events, Cursor, Page, StoreError};

use crate::links::{Purpose, Token};
use crate::{AppError, Conn, Ctx};

/// The notices a contact receives.
#[derive(Debug, Clone, Copy)]
pub struct Notices {
    pub incident_updates: bool,
    pub major_incidents: bool,
    pub planned_works: bool,
    pub escalations: bool,
    /// Last month's service report, on the first working day of each month.
    pub service_reports: bool,
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
        service_reports: new.notices.service_reports,
        created_at: now,
        updated_at: now,
        version: 1,
        confirmed_at: None,
    };
    let contact = contacts::create(conn, &contact, now)?;
    ask_confirmation(conn, &contact, now)?;
    Ok(contact)
}

/// Queues the mail that asks the address to confirm (an internal event: the outbox sends it to
/// that address alone; nothing else goes there until it is confirmed).
fn ask_confirmation(conn: &mut Conn, c: &Contact, now: DateTime<Utc>) -> Result<(), AppError> {
    let payload = serde_json::json!({
        "contact_id": c.id,
        "email": c.email,
        "customer_number": c.customer_number.as_str(),
    });
    Ok(events::append(
        conn,
        EventType::ContactConfirmationRequested,
        None,
        None,
        &payload,
        now,
    )?)
}

/// Sends the confirmation mail again (a lost mail, an expired link). A confirmed contact needs
/// none: 409 `already_confirmed`.
pub fn request_confirmation(
    conn: &mut Conn,
    caller: &Caller,
    id: i64,
    now: DateTime<Utc>,
) -> Result<Contact, AppError> {
    policy::require(caller, Permission::ManageContacts)?;
    let c = contacts::get(conn, id, caller.tenant_scope())?;
    if c.confirmed_at.is_some() {
        return Err(AppError::Conflict {
            code: "already_confirmed",
            message: "this address is confirmed already".into(),
        });
    }
    ask_confirmation(conn, &c, now)?;
    Ok(c)
}

/// Confirms a contact's address with the token mailed to it. Anyone holding the token may: it
/// proves access to the mailbox. A token that is malformed, forged, expired, or for an address
/// the contact no longer has is 404 alike.
pub fn confirm(
    conn: &mut Conn,
    token: &str,
    ctx: &Ctx,
    now: DateTime<Utc>,
) -> Result<Contact, AppError> {
    let unknown =
        || AppError::NotFound("an address awaiting this code (unknown, expired or superseded)");
    let token = Token::parse(token).ok_or_else(unknown)?;
    let mut c = match contacts::get(conn, token.id, None) {
        Ok(c) => c,
        Err(StoreError::NotFound(_)) => return Err(unknown()),
        Err(e) => return Err(e.into()),
    };
    if !ctx
        .links
        .holds(Purpose::ConfirmContact, &token, &c.email, now)
    {
        return Err(unknown());
    }
    if c.confirmed_at.is_some() {
        return Ok(c);
    }
    c.confirmed_at = Some(now);
    Ok(contacts::save(conn, &c, now)?)
}

/// The token of the confirmation mail for the request `event` (sent at its time).
pub fn confirmation_token(
    ctx: &Ctx,
    contact_id: i64,
    email: &str,
    asked_at: DateTime<Utc>,
) -> String {
    ctx.links
        .sign(Purpose::ConfirmContact, contact_id, email, asked_at)
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
    let mut readdressed = false;
    if let Some(e) = changes.email {
        let e = e.trim().to_owned();
        readdressed =
            domain::account::normalize_email(&e) != domain::account::normalize_email(&c.email);
        c.email = e;
        if readdressed {
            // A new address is confirmed anew; the old one's link is void (it signs the address).
            c.confirmed_at = None;
        }
    }
    if let Some(p) = changes.phone {
        c.phone = Some(p.trim().to_owned());
    }
    if let Some(n) = changes.notices {
        c.incident_updates = n.incident_updates;
        c.major_incidents = n.major_incidents;
        c.planned_works = n.planned_works;
        c.escalations = n.escalations;
        c.service_reports = n.service_reports;
    }
    let c = contacts::save(conn, &c, now)?;
    if readdressed {
        ask_confirmation(conn, &c, now)?;
    }
    Ok(c)
}

pub fn delete(conn: &mut Conn, caller: &Caller, id: i64) -> Result<(), AppError> {
    policy::require(caller, Permission::ManageContacts)?;
    Ok(contacts::delete(conn, id, caller.tenant_scope())?)
}
