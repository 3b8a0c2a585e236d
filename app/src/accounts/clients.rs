//! API clients (R-AUTH4): machine credentials for partners' systems. The secret is shown once and
//! stored only as a hash.

use chrono::{DateTime, Utc};
use domain::policy::{self, Permission};
use domain::{ApiClient, Caller, CustomerNumber, Role};
use persistence::accounts::{self, NewApiClient};

use super::secrets::{hash_secret, random_token};
use super::{account_customer, customer_must_exist};
use crate::{AppError, Conn};

pub struct NewClient {
    pub name: String,
    pub role: Role,
    pub customer_number: Option<CustomerNumber>,
}

/// Creates a client and returns it with its secret, in clear this once. The secret is hashed
/// before the transaction, so no write waits for the hashing.
pub fn create_api_client(
    store: &crate::Store,
    caller: &Caller,
    new: NewClient,
    now: DateTime<Utc>,
) -> Result<(ApiClient, String), AppError> {
    let customer = account_customer(caller, new.role, new.customer_number)?;
    let client_id = format!("sa_{}", random_token(12));
    let secret = random_token(32);
    let hash = hash_secret(&secret)?;
    let client = store.write(|conn| {
        accounts::create_api_client(
            conn,
            NewApiClient {
                client_id: &client_id,
                name: new.name.trim(),
                secret_hash: &hash,
                role: new.role,
                customer_number: customer.as_ref(),
                created_by: &caller.subject,
            },
            now,
        )
        .map_err(customer_must_exist)
    })?;
    Ok((client, secret))
}

pub fn list_api_clients(conn: &mut Conn, caller: &Caller) -> Result<Vec<ApiClient>, AppError> {
    policy::require(caller, Permission::ManageAccounts)?;
    Ok(accounts::list_api_clients(conn, caller.tenant_scope())?)
}

pub fn revoke_api_client(
    conn: &mut Conn,
    caller: &Caller,
    client_id: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    policy::require(caller, Permission::ManageAccounts)?;
    accounts::get_api_client(conn, client_id, caller.tenant_scope())?;
    Ok(accounts::revoke_api_client(conn, client_id, now)?)
}

/// Gives a client a new secret (returned in clear this once); the old one stops working, and so do
/// the tokens issued with it.
pub fn rotate_secret(
    store: &crate::Store,
    caller: &Caller,
    client_id: &str,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    policy::require(caller, Permission::ManageAccounts)?;
    let secret = random_token(32);
    let hash = hash_secret(&secret)?;
    store.write(|conn| {
        accounts::get_api_client(conn, client_id, caller.tenant_scope())?;
        Ok(accounts::set_client_secret(conn, client_id, &hash, now)?)
    })?;
    Ok(secret)
}
