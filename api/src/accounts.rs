//! Accounts: `POST /users` and `POST /api-clients` (admins; customer admins for their company).

use actix_web::{post, web, HttpResponse};
use chrono::{DateTime, Utc};
use domain::{access::check_role_binding, AccountStatus, ApiClient, CustomerNumber, Role, User};
use persistence::accounts::{NewApiClient, NewUser};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::auth::password::{hash_secret, random_token};
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::state::{now, AppState};

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
    /// At least 12 characters.
    #[validate(length(min = 12, max = 1024))]
    #[schema(min_length = 12, max_length = 1024, format = "password")]
    pub password: String,
    #[schema(schema_with = crate::schemas::role)]
    pub role: Role,
    /// Required for customer roles, absent for provider staff. A customer admin may only
    /// name their own company (or leave it out).
    pub customer_number: Option<String>,
}

/// A user account (the password is never returned).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: i64,
    pub email: String,
    pub name: String,
    #[schema(schema_with = crate::schemas::role)]
    pub role: Role,
    pub customer_number: Option<String>,
    /// `active`, `pending` or `disabled`.
    pub status: String,
    pub created_at: DateTime<Utc>,
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
            created_at: u.created_at,
        }
    }
}

/// The customer an account will belong to: a customer admin's own company by default.
fn account_customer(
    caller: &Authenticated,
    role: Role,
    given: Option<&str>,
) -> Result<Option<CustomerNumber>, ApiError> {
    let customer = match given.map(str::trim).filter(|s| !s.is_empty()) {
        Some(text) => Some(CustomerNumber::parse(text)?),
        None if caller.role == Role::CustomerAdmin => caller.customer_number.clone(),
        None => None,
    };
    if !caller.can_create_account(role, customer.as_ref()) {
        return Err(ApiError::forbidden(match caller.role {
            Role::CustomerAdmin => {
                "customer admins create customer_user or customer_admin \
                                    accounts of their own company only"
            }
            _ => "only admins and customer admins create accounts",
        }));
    }
    check_role_binding(role, customer.as_ref())?;
    Ok(customer)
}

fn customer_must_exist(err: persistence::StoreError) -> ApiError {
    match err {
        persistence::StoreError::NotFound("customer") => {
            ApiError::field("customer_number", "unknown", "no such customer")
        }
        other => other.into(),
    }
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
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 403, response = crate::error::Forbidden),
        (status = 409, response = crate::error::Conflict),
        (status = 422, response = crate::error::Unprocessable),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: web::Json<CreateUser>,
) -> Result<HttpResponse, ApiError> {
    let customer = account_customer(&caller, body.role, body.customer_number.as_deref())?;
    body.validate()?;
    let body = body.into_inner();
    let user = web::block(move || -> Result<User, ApiError> {
        let hash = hash_secret(&body.password).map_err(ApiError::internal)?;
        state
            .db
            .write(|conn| {
                persistence::accounts::create_user(
                    conn,
                    NewUser {
                        email: &body.email,
                        name: body.name.trim(),
                        password_hash: &hash,
                        role: body.role,
                        customer_number: customer.as_ref(),
                        status: AccountStatus::Active,
                    },
                    now(),
                )
            })
            .map_err(customer_must_exist)
    })
    .await??;
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
    #[schema(schema_with = crate::schemas::role)]
    pub role: Role,
    /// As for users: required for customer roles, defaults to a customer admin's company.
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
    #[schema(schema_with = crate::schemas::role)]
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
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 403, response = crate::error::Forbidden),
        (status = 422, response = crate::error::Unprocessable),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[post("/api-clients")]
pub async fn create_api_client(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: web::Json<CreateApiClient>,
) -> Result<HttpResponse, ApiError> {
    let customer = account_customer(&caller, body.role, body.customer_number.as_deref())?;
    body.validate()?;
    let body = body.into_inner();
    let created_by = caller.subject.clone();
    let (client, secret) = web::block(move || -> Result<(ApiClient, String), ApiError> {
        let client_id = format!("sa_{}", random_token(12));
        let secret = random_token(32);
        let hash = hash_secret(&secret).map_err(ApiError::internal)?;
        let client = state
            .db
            .write(|conn| {
                persistence::accounts::create_api_client(
                    conn,
                    NewApiClient {
                        client_id: &client_id,
                        name: body.name.trim(),
                        secret_hash: &hash,
                        role: body.role,
                        customer_number: customer.as_ref(),
                        created_by: &created_by,
                    },
                    now(),
                )
            })
            .map_err(customer_must_exist)?;
        Ok((client, secret))
    })
    .await??;
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
