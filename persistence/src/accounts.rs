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
    status_reason: Option<String>,
    email_verified_at: Option<NaiveDateTime>,
    #[allow(dead_code)]
    password_changed_at: Option<NaiveDateTime>,
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
            status_reason: self.status_reason,
            created_at: from_db_time(self.created_at),
            email_verified_at: self.email_verified_at.map(from_db_time),
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
    secret_rotated_at: Option<NaiveDateTime>,
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

/// Records that `id`'s email address was proved (the first time only).
pub fn mark_email_verified(
    conn: &mut DbConnection,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::update(
        users::table
            .find(id)
            .filter(users::email_verified_at.is_null()),
    )
    .set(users::email_verified_at.eq(to_db_time(now)))
    .execute(conn)?;
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
            // A registration proves its address later; an account staff create is vouched for.
            users::email_verified_at
                .eq((new.status != AccountStatus::Pending).then(|| to_db_time(now))),
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

/// When user `id`'s password last changed (tokens issued before are no longer good).
fn password_changed_at(
    conn: &mut DbConnection,
    id: i64,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    let at: Option<Option<NaiveDateTime>> = users::table
        .find(id)
        .select(users::password_changed_at)
        .first(conn)
        .optional()?;
    Ok(at.flatten().map(from_db_time))
}

/// User `id`'s password hash, or `NotFound`.
pub fn password_hash(conn: &mut DbConnection, id: i64) -> Result<String, StoreError> {
    users::table
        .find(id)
        .select(users::password_hash)
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound("user"))
}

/// Replaces user `id`'s password hash if it is still `current_hash` (so a reset code is used
/// once, and two changes do not cross), recording when: tokens issued before `now` stop
/// working. `false` when the password changed meanwhile.
pub fn set_password(
    conn: &mut DbConnection,
    id: i64,
    current_hash: &str,
    new_hash: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    // Milliseconds, as tokens carry their issue time: a token issued after the change is never
    // taken for one issued before it.
    let at = chrono::SubsecRound::trunc_subsecs(now, 3);
    let n = diesel::update(
        users::table
            .find(id)
            .filter(users::password_hash.eq(current_hash)),
    )
    .set((
        users::password_hash.eq(new_hash),
        users::password_changed_at.eq(Some(to_db_time(at))),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// The active accounts that may approve a registration at `customer`: its customer admins, or
/// when it has none, the provider's admins.
pub fn approvers_of(
    conn: &mut DbConnection,
    customer: &CustomerNumber,
) -> Result<Vec<String>, StoreError> {
    let admins: Vec<String> = users::table
        .filter(users::customer_number.eq(customer.as_str()))
        .filter(users::role.eq(Role::CustomerAdmin.as_str()))
        .filter(users::status.eq(AccountStatus::Active.as_str()))
        .order(users::id.asc())
        .select(users::email)
        .load(conn)?;
    if !admins.is_empty() {
        return Ok(admins);
    }
    Ok(users::table
        .filter(users::role.eq(Role::Admin.as_str()))
        .filter(users::status.eq(AccountStatus::Active.as_str()))
        .order(users::id.asc())
        .select(users::email)
        .load(conn)?)
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

/// Users of one company (or all for staff), optionally in one status, by id.
pub fn list_users(
    conn: &mut DbConnection,
    customer: Option<&CustomerNumber>,
    status: Option<AccountStatus>,
    after: Option<crate::Cursor>,
    limit: usize,
) -> Result<crate::Page<User>, StoreError> {
    let mut q = users::table
        .select(UserRow::as_select())
        .order(users::id.asc())
        .limit(limit as i64 + 1)
        .into_boxed();
    if let Some(c) = customer {
        q = q.filter(users::customer_number.eq(c.as_str()));
    }
    if let Some(s) = status {
        q = q.filter(users::status.eq(s.as_str()));
    }
    if let Some(c) = after {
        q = q.filter(users::id.gt(c.id));
    }
    let rows = q.load(conn)?;
    crate::Page::from_overfetch(rows, limit, |r| crate::Cursor {
        at: from_db_time(r.created_at),
        id: r.id,
    })
    .try_map(|r| r.into_domain().map(|(u, _)| u))
}

/// A user within `scope` (a company's own), or `NotFound`.
pub fn get_user_in(
    conn: &mut DbConnection,
    id: i64,
    scope: Option<&CustomerNumber>,
) -> Result<User, StoreError> {
    let user = get_user(conn, id)?;
    match scope {
        Some(c) if user.customer_number.as_ref() != Some(c) => Err(StoreError::NotFound("user")),
        _ => Ok(user),
    }
}

/// A user of `scope` (or any, for staff), locked against concurrent changes until the write
/// transaction ends: `FOR UPDATE` on PostgreSQL (SQLite's write transaction excludes others
/// already). Two changes made at once then apply one after the other, the second on the first's
/// result — a role change cannot write back the status a concurrent disable just changed.
pub fn lock_user_in(
    conn: &mut DbConnection,
    id: i64,
    scope: Option<&CustomerNumber>,
) -> Result<User, StoreError> {
    if let DbConnection::Postgresql(pg) = conn {
        users::table
            .find(id)
            .select(users::id)
            .for_update()
            .first::<i64>(pg)
            .optional()?
            .ok_or(StoreError::NotFound("user"))?;
    }
    get_user_in(conn, id, scope)
}

/// Writes a user's role, status and status reason.
pub fn save_user(conn: &mut DbConnection, user: &User) -> Result<User, StoreError> {
    diesel::update(users::table.find(user.id))
        .set((
            users::role.eq(user.role.as_str()),
            users::status.eq(user.status.as_str()),
            users::status_reason.eq(user.status_reason.as_deref()),
        ))
        .execute(conn)?;
    get_user(conn, user.id)
}

/// Clients of one company (or all for staff), newest first.
pub fn list_api_clients(
    conn: &mut DbConnection,
    customer: Option<&CustomerNumber>,
) -> Result<Vec<ApiClient>, StoreError> {
    let mut q = api_clients::table
        .select(ApiClientRow::as_select())
        .order(api_clients::id.desc())
        .into_boxed();
    if let Some(c) = customer {
        q = q.filter(api_clients::customer_number.eq(c.as_str()));
    }
    q.load(conn)?
        .into_iter()
        .map(|r| r.into_domain().map(|(c, _)| c))
        .collect()
}

/// A client within `scope`, or `NotFound`.
pub fn get_api_client(
    conn: &mut DbConnection,
    client_id: &str,
    scope: Option<&CustomerNumber>,
) -> Result<ApiClient, StoreError> {
    let (client, _) =
        find_api_client(conn, client_id)?.ok_or(StoreError::NotFound("API client"))?;
    match scope {
        Some(c) if client.customer_number.as_ref() != Some(c) => {
            Err(StoreError::NotFound("API client"))
        }
        _ => Ok(client),
    }
}

/// Revokes a client: its credentials and tokens stop working.
pub fn revoke_api_client(
    conn: &mut DbConnection,
    client_id: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::update(
        api_clients::table
            .filter(api_clients::client_id.eq(client_id))
            .filter(api_clients::revoked_at.is_null()),
    )
    .set(api_clients::revoked_at.eq(to_db_time(now)))
    .execute(conn)?;
    Ok(())
}

/// Replaces a client's secret hash (rotation).
pub fn set_client_secret(
    conn: &mut DbConnection,
    client_id: &str,
    secret_hash: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let n = diesel::update(
        api_clients::table
            .filter(api_clients::client_id.eq(client_id))
            .filter(api_clients::revoked_at.is_null()),
    )
    .set((
        api_clients::secret_hash.eq(secret_hash),
        api_clients::secret_rotated_at.eq(Some(to_db_time(now))),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(StoreError::conflict(
            "client_revoked",
            "a revoked client cannot get a new secret",
        ));
    }
    Ok(())
}

/// What a token's subject is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectState {
    /// May it act (an active user, a client not revoked)?
    pub active: bool,
    pub role: Role,
    pub customer_number: Option<CustomerNumber>,
    /// Tokens issued before this are no longer good (a client's secret was rotated).
    pub tokens_valid_since: Option<DateTime<Utc>>,
}

/// What a token's subject currently is: may it act, with which role and company? `None` when
/// the subject no longer exists.
pub fn subject_state(
    conn: &mut DbConnection,
    subject: &str,
) -> Result<Option<SubjectState>, StoreError> {
    if let Some(id) = subject
        .strip_prefix("user:")
        .and_then(|id| id.parse::<i64>().ok())
    {
        return match get_user(conn, id) {
            Ok(u) => Ok(Some(SubjectState {
                active: u.status == AccountStatus::Active,
                role: u.role,
                customer_number: u.customer_number,
                tokens_valid_since: password_changed_at(conn, id)?,
            })),
            Err(StoreError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        };
    }
    if let Some(client_id) = subject.strip_prefix("client:") {
        let Some(row) = api_clients::table
            .filter(api_clients::client_id.eq(client_id))
            .select(ApiClientRow::as_select())
            .first(conn)
            .optional()?
        else {
            return Ok(None);
        };
        let rotated = row.secret_rotated_at;
        let (client, _) = row.into_domain()?;
        return Ok(Some(SubjectState {
            active: client.revoked_at.is_none(),
            role: client.role,
            customer_number: client.customer_number,
            tokens_valid_since: rotated.map(from_db_time),
        }));
    }
    Ok(None)
}
