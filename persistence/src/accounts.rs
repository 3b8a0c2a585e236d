//! User accounts and API clients, with the password/secret hashes needed to authenticate them.
//! Hashing itself happens in the API layer; this module only stores and finds.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::account::normalize_email;
use domain::{AccountStatus, ApiClient, CustomerNumber, Role, User};

use crate::error::{corrupt, on_unique_violation};
use crate::schema::{api_clients, customers, users};
use crate::{from_db_time, to_db_time, DbConnection, StoreError};

#[derive(Queryable, Selectable)]
#[diesel(table_name = users)]
struct UserRow {
    id: i64,
    email: String,
    name: String,
    password_hash: String,
    role: String,
    customer_number: Option<String>,
    status: String,
    created_at: NaiveDateTime,
}

impl UserRow {
    fn into_domain(self) -> Result<(User, String), StoreError> {
        let user = User {
            id: self.id,
            email: self.email,
            name: self.name,
            role: self.role.parse::<Role>().map_err(corrupt)?,
            customer_number: parse_customer(self.customer_number)?,
            status: AccountStatus::parse(&self.status).map_err(corrupt)?,
            created_at: from_db_time(self.created_at),
        };
        Ok((user, self.password_hash))
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = api_clients)]
struct ApiClientRow {
    id: i64,
    client_id: String,
    name: String,
    secret_hash: String,
    role: String,
    customer_number: Option<String>,
    created_by: String,
    created_at: NaiveDateTime,
    revoked_at: Option<NaiveDateTime>,
}

impl ApiClientRow {
    fn into_domain(self) -> Result<(ApiClient, String), StoreError> {
        let client = ApiClient {
            id: self.id,
            client_id: self.client_id,
            name: self.name,
            role: self.role.parse::<Role>().map_err(corrupt)?,
            customer_number: parse_customer(self.customer_number)?,
            created_by: self.created_by,
            created_at: from_db_time(self.created_at),
            revoked_at: self.revoked_at.map(from_db_time),
        };
        Ok((client, self.secret_hash))
    }
}

fn parse_customer(stored: Option<String>) -> Result<Option<CustomerNumber>, StoreError> {
    stored
        .map(|c| CustomerNumber::parse(&c).map_err(corrupt))
        .transpose()
}

/// A user about to be stored; `password_hash` is already an argon2 PHC string.
pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub customer_number: Option<&'a CustomerNumber>,
    pub status: AccountStatus,
}

fn require_customer(
    conn: &mut DbConnection,
    customer: Option<&CustomerNumber>,
) -> Result<(), StoreError> {
    if let Some(number) = customer {
        let exists: i64 = customers::table
            .filter(customers::customer_number.eq(number.as_str()))
            .count()
            .get_result(conn)?;
        if exists == 0 {
            return Err(StoreError::NotFound("customer"));
        }
    }
    Ok(())
}

/// Stores a user; the email (case-insensitive) must be new and the customer must exist.
pub fn create_user(
    conn: &mut DbConnection,
    new: NewUser<'_>,
    now: DateTime<Utc>,
) -> Result<User, StoreError> {
    require_customer(conn, new.customer_number)?;
    let email = normalize_email(new.email);
    diesel::insert_into(users::table)
        .values((
            users::email.eq(&email),
            users::name.eq(new.name),
            users::password_hash.eq(new.password_hash),
            users::role.eq(new.role.as_str()),
            users::customer_number.eq(new.customer_number.map(CustomerNumber::as_str)),
            users::status.eq(new.status.as_str()),
            users::created_at.eq(to_db_time(now)),
        ))
        .returning(users::all_columns)
        .get_result::<UserRow>(conn)
        .map_err(|e| {
            on_unique_violation(e, "email_taken", || {
                format!("an account with email {email} already exists")
            })
        })?
        .into_domain()
        .map(|(user, _)| user)
}

/// A user and their password hash, by email (case-insensitive).
pub fn find_user_by_email(
    conn: &mut DbConnection,
    email: &str,
) -> Result<Option<(User, String)>, StoreError> {
    users::table
        .filter(users::email.eq(normalize_email(email)))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .map(UserRow::into_domain)
        .transpose()
}

/// A user by id, or `NotFound`.
pub fn get_user(conn: &mut DbConnection, id: i64) -> Result<User, StoreError> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound("user"))?
        .into_domain()
        .map(|(user, _)| user)
}

/// An API client about to be stored; `secret_hash` is an argon2 PHC string.
pub struct NewApiClient<'a> {
    pub client_id: &'a str,
    pub name: &'a str,
    pub secret_hash: &'a str,
    pub role: Role,
    pub customer_number: Option<&'a CustomerNumber>,
    pub created_by: &'a str,
}

pub fn create_api_client(
    conn: &mut DbConnection,
    new: NewApiClient<'_>,
    now: DateTime<Utc>,
) -> Result<ApiClient, StoreError> {
    require_customer(conn, new.customer_number)?;
    diesel::insert_into(api_clients::table)
        .values((
            api_clients::client_id.eq(new.client_id),
            api_clients::name.eq(new.name),
            api_clients::secret_hash.eq(new.secret_hash),
            api_clients::role.eq(new.role.as_str()),
            api_clients::customer_number.eq(new.customer_number.map(CustomerNumber::as_str)),
            api_clients::created_by.eq(new.created_by),
            api_clients::created_at.eq(to_db_time(now)),
        ))
        .returning(api_clients::all_columns)
        .get_result::<ApiClientRow>(conn)
        .map_err(|e| on_unique_violation(e, "client_exists", || "client id collision".into()))?
        .into_domain()
        .map(|(client, _)| client)
}

/// An API client and its secret hash, by public client id.
pub fn find_api_client(
    conn: &mut DbConnection,
    client_id: &str,
) -> Result<Option<(ApiClient, String)>, StoreError> {
    api_clients::table
        .filter(api_clients::client_id.eq(client_id))
        .select(ApiClientRow::as_select())
        .first(conn)
        .optional()?
        .map(ApiClientRow::into_domain)
        .transpose()
}
