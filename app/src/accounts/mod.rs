//! Accounts (R-AUTH): users and API clients, self-registration and its approval, sign-in with
//! throttling, and the revocation state of a token's subject.

mod clients;
pub mod recovery;
mod registration;
pub mod secrets;
mod sign_in;
mod users;

pub use clients::{
    create_api_client, list_api_clients, revoke_api_client, rotate_secret, NewClient,
};
pub use registration::{
    decide_registration, list_registrations, register, verification_token, verify_email,
    Registration,
};
pub use sign_in::{sign_in, Credentials};
pub use users::{create_user, list_users, update_user, NewAccount, UserChange};

use domain::{Caller, CustomerNumber, Role};
use persistence::accounts;
pub use persistence::accounts::SubjectState;

use crate::{AppError, Conn};

/// What the subject of a token is now (active? which role and company? tokens good since when?);
/// `None` when it no longer exists.
pub fn subject_state(conn: &mut Conn, subject: &str) -> Result<Option<SubjectState>, AppError> {
    Ok(accounts::subject_state(conn, subject)?)
}

/// The company an account will belong to: a customer admin's own company by default, and only
/// what the caller may create (403 otherwise). Needs no database: the API asks it before it
/// validates the rest of the request.
pub fn account_customer(
    caller: &Caller,
    role: Role,
    given: Option<CustomerNumber>,
) -> Result<Option<CustomerNumber>, AppError> {
    let customer = match given {
        Some(c) => Some(c),
        None if caller.role == Role::CustomerAdmin => caller.customer_number.clone(),
        None => None,
    };
    domain::policy::may_create_account(caller, role, customer.as_ref())?;
    domain::access::check_role_binding(role, customer.as_ref())?;
    Ok(customer)
}

/// An account's company must exist: named in the request, so a 422 on its field.
fn customer_must_exist(err: persistence::StoreError) -> AppError {
    match err {
        persistence::StoreError::NotFound("customer") => AppError::Field {
            field: "customer_number",
            code: "unknown",
            message: "no such customer".into(),
        },
        other => other.into(),
    }
}

/// The caller's own user account; `None` for an API client.
pub fn own_account(conn: &mut Conn, caller: &Caller) -> Result<Option<domain::User>, AppError> {
    match caller
        .subject
        .strip_prefix("user:")
        .and_then(|id| id.parse::<i64>().ok())
    {
        Some(id) => Ok(Some(accounts::get_user(conn, id)?)),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests;
