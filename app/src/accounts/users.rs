//! User accounts (R-AUTH2): customer admins manage their company's people, admins everyone.

use chrono::{DateTime, Utc};
use domain::policy::{self, Permission};
use domain::{AccountStatus, Caller, CustomerNumber, Role, User};
use persistence::accounts::{self, NewUser};
use persistence::{Cursor, Page};

use super::secrets::hash_secret;
use super::{account_customer, customer_must_exist};
use crate::{AppError, Conn, Store};

pub struct NewAccount {
    pub email: String,
    pub name: String,
    pub password: String,
    pub role: Role,
    pub customer_number: Option<CustomerNumber>,
}

/// Creates an active account. The password is checked and hashed before the transaction, so no
/// write waits for the (deliberately slow) hashing.
pub fn create_user(
    store: &Store,
    caller: &Caller,
    new: NewAccount,
    now: DateTime<Utc>,
) -> Result<User, AppError> {
    let customer = account_customer(caller, new.role, new.customer_number)?;
    domain::account::check_password(&new.password, &new.email)?;
    let hash = hash_secret(&new.password)?;
    store.write(|conn| {
        accounts::create_user(
            conn,
            NewUser {
                email: &new.email,
                name: new.name.trim(),
                password_hash: &hash,
                role: new.role,
                customer_number: customer.as_ref(),
                status: AccountStatus::Active,
            },
            now,
        )
        .map_err(customer_must_exist)
    })
}

pub fn list_users(
    conn: &mut Conn,
    caller: &Caller,
    status: Option<AccountStatus>,
    after: Option<Cursor>,
    limit: usize,
) -> Result<Page<User>, AppError> {
    policy::require(caller, Permission::ManageAccounts)?;
    Ok(accounts::list_users(
        conn,
        caller.tenant_scope(),
        status,
        after,
        limit,
    )?)
}

/// What an account admin changes about a user.
pub struct UserChange {
    pub id: i64,
    pub role: Option<Role>,
    /// `Some(true)` re-enables, `Some(false)` disables.
    pub enabled: Option<bool>,
    pub reason: Option<String>,
}

pub fn update_user(conn: &mut Conn, caller: &Caller, change: UserChange) -> Result<User, AppError> {
    policy::require(caller, Permission::ManageAccounts)?;
    if caller.subject == format!("user:{}", change.id) {
        return Err(AppError::forbidden(
            "you cannot change your own role or status",
        ));
    }
    if let Some(role) = change.role {
        policy::may_assign_role(caller, role)?;
    }
    let mut user = accounts::lock_user_in(conn, change.id, caller.tenant_scope())?;
    if let Some(role) = change.role {
        domain::access::check_role_binding(role, user.customer_number.as_ref())?;
        user.role = role;
    }
    if let Some(enabled) = change.enabled {
        user.set_enabled(enabled, change.reason.as_deref())?;
    }
    Ok(accounts::save_user(conn, &user)?)
}
