//! `POST /auth/token`: exchange credentials for a bearer token (R-AUTH1).

use actix_web::{post, web, HttpResponse};
use domain::{AccountStatus, Caller};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::password::{verify_against_dummy, verify_secret};
use crate::error::ApiError;
use crate::state::{now, AppState};

/// Credentials of a person (`password`) or of a partner integration (`client_credentials`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "grant_type", rename_all = "snake_case")]
#[schema(example = json!({"grant_type": "password", "email": "alice@acme.example", "password": "s3cret-Passw0rd"}))]
pub enum TokenRequest {
    /// A user's email and password.
    Password {
        #[schema(max_length = 254)]
        email: String,
        #[schema(max_length = 1024)]
        password: String,
    },
    /// An API client's id and secret.
    ClientCredentials {
        #[schema(max_length = 128)]
        client_id: String,
        #[schema(max_length = 1024)]
        client_secret: String,
    },
}

/// A signed access token.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"access_token": "eyJhbGciOiJIUzI1NiJ9…", "token_type": "Bearer", "expires_in": 3600}))]
pub struct TokenResponse {
    /// JWT to send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the token expires.
    pub expires_in: u64,
}

fn invalid_credentials() -> ApiError {
    ApiError::new(
        actix_web::http::StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        "the credentials are not valid",
    )
}

fn too_many(until: chrono::DateTime<chrono::Utc>) -> ApiError {
    let seconds = (until - now()).num_seconds().max(1);
    ApiError::new(
        actix_web::http::StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
        format!("too many failed sign-ins; try again in {seconds} s"),
    )
    .with_retry_after(seconds)
}

/// Throttles repeated failures per account and per client address (R-AUTH, never a permanent
/// lock): refuses while locked, counts a failure, clears the account on success.
fn authenticate(state: &AppState, request: TokenRequest, peer: &str) -> Result<Caller, ApiError> {
    let account_key = match &request {
        TokenRequest::Password { email, .. } => {
            format!("account:{}", domain::account::normalize_email(email))
        }
        TokenRequest::ClientCredentials { client_id, .. } => format!("client:{client_id}"),
    };
    let peer_key = format!("peer:{peer}");
    let at = now();
    for key in [&account_key, &peer_key] {
        if let Some(until) = state
            .db
            .read(|conn| persistence::throttle::locked_until(conn, key, at))?
        {
            return Err(too_many(until));
        }
    }
    match verify_credentials(state, request) {
        Ok(caller) => {
            state
                .db
                .write(|conn| persistence::throttle::clear(conn, &account_key))?;
            Ok(caller)
        }
        Err(err) if err.code() == "invalid_credentials" => {
            let limits = state.settings.login_limits;
            let peer_limits = persistence::throttle::Limits {
                failures: limits.failures * 4,
                ..limits
            };
            let locked = state.db.write(|conn| {
                let a = persistence::throttle::record_failure(conn, &account_key, limits, at)?;
                let p = persistence::throttle::record_failure(conn, &peer_key, peer_limits, at)?;
                Ok(a.or(p))
            })?;
            match locked {
                Some(until) => Err(too_many(until)),
                None => Err(err),
            }
        }
        Err(err) => Err(err),
    }
}

/// Verifies credentials and returns who they belong to. Unknown accounts cost the same time
/// as a wrong password so responses do not reveal which accounts exist.
fn verify_credentials(state: &AppState, request: TokenRequest) -> Result<Caller, ApiError> {
    match request {
        TokenRequest::Password { email, password } => {
            let found = state
                .db
                .read(|conn| persistence::accounts::find_user_by_email(conn, &email))?;
            let Some((user, hash)) = found else {
                verify_against_dummy(&password);
                return Err(invalid_credentials());
            };
            if !verify_secret(&password, &hash) {
                return Err(invalid_credentials());
            }
            if user.status != AccountStatus::Active {
                return Err(ApiError::forbidden(match user.status {
                    AccountStatus::Pending => {
                        "the account is waiting for approval by the company's admin"
                    }
                    _ => "the account is not active; it cannot sign in",
                }));
            }
            Ok(Caller::new(
                user.subject(),
                user.role,
                user.customer_number,
            )?)
        }
        TokenRequest::ClientCredentials {
            client_id,
            client_secret,
        } => {
            let found = state
                .db
                .read(|conn| persistence::accounts::find_api_client(conn, &client_id))?;
            let Some((client, hash)) = found else {
                verify_against_dummy(&client_secret);
                return Err(invalid_credentials());
            };
            if !verify_secret(&client_secret, &hash) || client.revoked_at.is_some() {
                return Err(invalid_credentials());
            }
            Ok(Caller::new(
                client.subject(),
                client.role,
                client.customer_number,
            )?)
        }
    }
}

/// Obtain an access token.
///
/// Exchanges a user's email and password (`grant_type: password`) or an API client's id and
/// secret (`grant_type: client_credentials`) for a signed JWT carrying the caller's role and
/// customer number. Send it as `Authorization: Bearer <access_token>` on every other call.
/// Repeated failures for one account (5 in 15 minutes) or one address (20) are refused for a
/// while with 429 and `Retry-After` (30 s, doubling, at most 15 minutes).
#[utoipa::path(
    tag = "auth",
    security(()),
    request_body = TokenRequest,
    responses(
        (status = 200, description = "Token issued.", body = TokenResponse),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 403, description = "The account exists but is pending or disabled.", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, response = crate::error::Unprocessable),
        (status = 429, response = crate::error::TooManyRequests),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[post("/auth/token")]
pub async fn issue_token(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    body: web::Json<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let peer = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    let request = body.into_inner();
    let state = state.into_inner();
    let expires_in = state.tokens.ttl_seconds();
    let token = web::block(move || -> Result<String, ApiError> {
        let caller = authenticate(&state, request, &peer)?;
        state
            .tokens
            .issue(&caller, now())
            .map_err(ApiError::internal)
    })
    .await??;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(TokenResponse {
            access_token: token,
            token_type: "Bearer".into(),
            expires_in,
        }))
}
