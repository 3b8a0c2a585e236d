//! Accounts: `POST /users` and `POST /api-clients` (admins; customer admins for their company).

use actix_web::{delete, get, patch, post, web, HttpResponse};
use app::accounts::{NewAccount, NewClient, UserChange};
use chrono::{DateTime, Utc};
use domain::{AccountStatus, ApiClient, Caller, CustomerNumber, Role, User};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::http::caller::{gate, Authenticator, Permit};
use crate::http::error::ApiError;
use crate::state::{read, run, write, AppState};

/// A user account to create.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"email": "bob@acme.example", "name": "Bob Example",
    "password": "correct-horse-battery", "role": "customer_user", "customer_number": "OCN-1001"}))]
pub struct CreateUser {
    #[validate(email, length(max = 254))]
    #[schema(format = "email", max_length = 254)]
    pub email: String,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[validate(length(min = 12, max = 1024))]
    #[schema(schema_with = crate::http::schemas::new_password)]
    pub password: String,
    #[schema(schema_with = crate::http::schemas::role)]
    pub role: Role,
    /// Required for customer roles, absent for provider staff. A customer admin may only
    /// name their own company (or leave it out).
    #[schema(max_length = 32, pattern = "^[A-Za-z0-9][A-Za-z0-9-]{2,31}$")]
    pub customer_number: Option<String>,
}

/// A user account (the password is never returned).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 6, "email": "bob@acme.example", "name": "Bob Example", "role": "customer_user", "customer_number": "OCN-1001", "status": "active", "status_reason": null, "created_at": "2026-11-02T10:15:00Z", "email_verified_at": "2026-11-02T10:15:00Z"}))]
pub struct UserView {
    pub id: i64,
    pub email: String,
    pub name: String,
    #[schema(schema_with = crate::http::schemas::role)]
    pub role: Role,
    pub customer_number: Option<String>,
    /// `active`, `pending`, `disabled` or `rejected`.
    pub status: String,
    /// Why it was rejected or disabled.
    pub status_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    /// When the address was proved with the code mailed at registration (accounts staff create
    /// are verified from the start); a registration is approved only once it is.
    pub email_verified_at: Option<DateTime<Utc>>,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            email: u.email,
            name: u.name,
            role: u.role,
            customer_number: u.customer_number.map(|c| c.to_string()),
            status: u.status.as_str().into(),
            status_reason: u.status_reason,
            created_at: u.created_at,
            email_verified_at: u.email_verified_at,
        }
    }
}

/// The company a new account names (blank is none), checked against what the caller may create.
fn account_customer(
    caller: &Caller,
    role: Role,
    given: Option<&str>,
) -> Result<Option<CustomerNumber>, ApiError> {
    let given = given
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(CustomerNumber::parse)
        .transpose()?;
    Ok(app::accounts::account_customer(caller, role, given)?)
}

/// Create a user.
///
/// Admins create any account; customer admins create `customer_user` and `customer_admin`
/// accounts for their own company. The email must not be registered yet.
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    request_body = CreateUser,
    responses(
        (status = 201, description = "User created.", body = UserView),
        (status = 403, response = crate::http::error::Forbidden),
        (status = 409, response = crate::http::error::Conflict),
    )
)]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    caller: Permit<gate::ManageAccounts>,
    body: crate::http::json::Json<CreateUser>,
) -> Result<HttpResponse, ApiError> {
    let customer = account_customer(&caller, body.role, body.customer_number.as_deref())?;
    body.validate()?;
    let body = body.into_inner();
    let new = NewAccount {
        email: body.email,
        name: body.name,
        password: body.password,
        role: body.role,
        customer_number: customer,
    };
    let by = caller.0;
    let user = run(&state, move |store, _, now| {
        app::accounts::create_user(store, &by, new, now)
    })
    .await?;
    Ok(HttpResponse::Created().json(UserView::from(user)))
}

/// An API client (machine credentials) to create.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"name": "Acme ServiceNow", "role": "customer_user"}))]
pub struct CreateApiClient {
    /// What the integration is, for people reading the client list.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[schema(schema_with = crate::http::schemas::role)]
    pub role: Role,
    /// As for users: required for customer roles, defaults to a customer admin's company.
    #[schema(max_length = 32, pattern = "^[A-Za-z0-9][A-Za-z0-9-]{2,31}$")]
    pub customer_number: Option<String>,
}

/// A newly created API client. **The secret is shown only in this response.**
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"client_id": "sa_3f1c…", "client_secret": "9b2e…", "name": "Acme ServiceNow",
    "role": "customer_user", "customer_number": "OCN-1001", "created_at": "2026-11-28T10:00:00Z"}))]
pub struct CreatedApiClient {
    pub client_id: String,
    /// Store it now: only its hash is kept.
    pub client_secret: String,
    pub name: String,
    #[schema(schema_with = crate::http::schemas::role)]
    pub role: Role,
    pub customer_number: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Create an API client.
///
/// For partner integrations using the `client_credentials` grant. The secret is returned once
/// and stored only as an argon2 hash.
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    request_body = CreateApiClient,
    responses(
        (status = 201, description = "Client created; the secret is shown only now.", body = CreatedApiClient),
        (status = 403, response = crate::http::error::Forbidden),
    )
)]
#[post("/api-clients")]
pub async fn create_api_client(
    state: web::Data<AppState>,
    caller: Permit<gate::ManageAccounts>,
    body: crate::http::json::Json<CreateApiClient>,
) -> Result<HttpResponse, ApiError> {
    let customer = account_customer(&caller, body.role, body.customer_number.as_deref())?;
    body.validate()?;
    let body = body.into_inner();
    let new = NewClient {
        name: body.name,
        role: body.role,
        customer_number: customer,
    };
    let by = caller.0;
    let (client, secret) = run(&state, move |store, _, now| {
        app::accounts::create_api_client(store, &by, new, now)
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(CreatedApiClient {
            client_id: client.client_id,
            client_secret: secret,
            name: client.name,
            role: client.role,
            customer_number: client.customer_number.map(|c| c.to_string()),
            created_at: client.created_at,
        }))
}

/// Filters of the user list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// `active`, `pending`, `disabled` or `rejected`.
    #[param(schema_with = crate::http::schemas::account_status_filter)]
    pub status: Option<String>,
}

/// List users.
///
/// Customer admins see their company's accounts; admins see all.
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    params(UserQuery, crate::http::pagination::PageParams),
    responses(
        (status = 200, description = "A page of users.", body = crate::http::pagination::PageOf<UserView>),
        (status = 403, response = crate::http::error::Forbidden),
    )
)]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    caller: Permit<gate::ManageAccounts>,
    query: web::Query<UserQuery>,
    page: web::Query<crate::http::pagination::PageParams>,
) -> Result<HttpResponse, ApiError> {
    let (limit, cursor) = page.resolve()?;
    let status = query
        .status
        .as_deref()
        .map(AccountStatus::parse)
        .transpose()?;
    let page = read(&state, move |conn| {
        app::accounts::list_users(conn, &caller, status, cursor, limit)
    })
    .await?;
    Ok(
        HttpResponse::Ok().json(crate::http::pagination::PageOf::from_page(
            page,
            UserView::from,
        )),
    )
}

/// Changes to an account.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "disabled", "reason": "Left the company"}))]
pub struct UpdateUser {
    /// A customer admin may switch between `customer_user` and `customer_admin`.
    #[schema(schema_with = crate::http::schemas::role, required = false)]
    #[serde(default, deserialize_with = "crate::http::schemas::not_null")]
    pub role: Option<Role>,
    /// `active` or `disabled`.
    #[schema(max_length = 10, pattern = "^(active|disabled)$")]
    pub status: Option<String>,
    /// Why (shown on the account when disabled).
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
}

/// Change a user's role or disable/re-enable the account.
///
/// Customer admins for their company's accounts, within the customer roles; admins for any.
/// Nobody disables or demotes themselves. A disabled account's tokens stop working (within the
/// revocation-check bound, 30 s by default; at once on the instance that made the change).
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    request_body = UpdateUser,
    responses(
        (status = 200, description = "The account.", body = UserView),
        (status = 403, response = crate::http::error::Forbidden),
        (status = 409, response = crate::http::error::Conflict),
    )
)]
#[patch("/users/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    auth: web::Data<Authenticator>,
    caller: Permit<gate::ManageAccounts>,
    path: web::Path<i64>,
    body: crate::http::json::Json<UpdateUser>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let id = path.into_inner();
    let body = body.into_inner();
    let enabled = match body.status.as_deref() {
        None => None,
        Some("active") => Some(true),
        Some("disabled") => Some(false),
        Some(_) => {
            return Err(ApiError::field(
                "status",
                "invalid",
                "use active or disabled",
            ))
        }
    };
    let change = UserChange {
        id,
        role: body.role,
        enabled,
        reason: body.reason,
    };
    let by = caller.0;
    let user = write(&state, move |conn, _, _| {
        app::accounts::update_user(conn, &by, change)
    })
    .await?;
    auth.subjects.forget(&user.subject());
    Ok(HttpResponse::Ok().json(UserView::from(user)))
}

/// An API client (never its secret).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"client_id": "cl_7Hq2Vn4KpX", "name": "Acme ticketing bridge", "role": "customer_admin", "customer_number": "OCN-1001", "created_by": "user:5", "created_at": "2026-11-02T10:15:00Z", "revoked_at": null}))]
pub struct ApiClientView {
    pub client_id: String,
    pub name: String,
    #[schema(schema_with = crate::http::schemas::role)]
    pub role: Role,
    pub customer_number: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<ApiClient> for ApiClientView {
    fn from(c: ApiClient) -> Self {
        Self {
            client_id: c.client_id,
            name: c.name,
            role: c.role,
            customer_number: c.customer_number.map(|n| n.to_string()),
            created_by: c.created_by,
            created_at: c.created_at,
            revoked_at: c.revoked_at,
        }
    }
}

/// List API clients.
///
/// Customer admins see their company's; admins see all. Secrets are never shown again.
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The clients, newest first.", body = Vec<ApiClientView>),
        (status = 403, response = crate::http::error::Forbidden),
    )
)]
#[get("/api-clients")]
pub async fn list_api_clients(
    state: web::Data<AppState>,
    caller: Permit<gate::ManageAccounts>,
) -> Result<HttpResponse, ApiError> {
    let clients = read(&state, move |conn| {
        app::accounts::list_api_clients(conn, &caller)
    })
    .await?;
    let items: Vec<ApiClientView> = clients.into_iter().map(ApiClientView::from).collect();
    Ok(HttpResponse::Ok().json(items))
}

/// Revoke an API client.
///
/// Its credentials stop working at once and its tokens within the revocation-check bound.
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    params(("client_id" = String, Path, description = "Client id")),
    responses(
        (status = 204, description = "Revoked."),
        (status = 403, response = crate::http::error::Forbidden),
    )
)]
#[delete("/api-clients/{client_id}")]
pub async fn revoke_api_client(
    state: web::Data<AppState>,
    auth: web::Data<Authenticator>,
    caller: Permit<gate::ManageAccounts>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let client_id = path.into_inner();
    let id = client_id.clone();
    write(&state, move |conn, _, now| {
        app::accounts::revoke_api_client(conn, &caller, &id, now)
    })
    .await?;
    auth.subjects.forget(&format!("client:{client_id}"));
    Ok(HttpResponse::NoContent().finish())
}

/// The new secret of a client.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"client_id": "cl_7Hq2Vn4KpX", "client_secret": "cs_9d1f6a0c2b7e4f3a8c5d0e1f2a3b4c5d"}))]
pub struct RotatedSecret {
    pub client_id: String,
    /// Store it now: only its hash is kept. The previous secret no longer works.
    pub client_secret: String,
}

/// Rotate an API client's secret.
///
/// Issues a new secret (shown once); the old one stops working at once, and so do the tokens issued
/// with it (within `TOKEN_REVOCATION_CHECK_SECONDS` on other instances). The response is never
/// kept for an `Idempotency-Key` replay: a retry with the same key answers 409
/// `idempotent_secret_not_kept`.
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    params(("client_id" = String, Path, description = "Client id")),
    responses(
        (status = 200, description = "The new secret.", body = RotatedSecret),
        (status = 403, response = crate::http::error::Forbidden),
        (status = 409, response = crate::http::error::Conflict),
    )
)]
#[post("/api-clients/{client_id}/rotate-secret")]
pub async fn rotate_client_secret(
    state: web::Data<AppState>,
    auth: web::Data<Authenticator>,
    caller: Permit<gate::ManageAccounts>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let client_id = path.into_inner();
    let id = client_id.clone();
    let secret = run(&state, move |store, _, now| {
        app::accounts::rotate_secret(store, &caller, &id, now)
    })
    .await?;
    auth.subjects.forget(&format!("client:{client_id}"));
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(RotatedSecret {
            client_id,
            client_secret: secret,
        }))
}
