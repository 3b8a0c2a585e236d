//! `POST /auth/token`: exchange credentials for a bearer token (R-AUTH1).

use actix_web::{post, web, HttpResponse};
use app::accounts::Credentials;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::error::ApiError;
use crate::state::{run, AppState};

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

impl TokenRequest {
    /// The lengths the schema states, enforced (before any hashing).
    fn check_lengths(&self) -> Result<(), ApiError> {
        let fields: [(&str, &str, usize); 2] = match self {
            TokenRequest::Password { email, password } => {
                [("email", email, 254), ("password", password, 1024)]
            }
            TokenRequest::ClientCredentials {
                client_id,
                client_secret,
            } => [
                ("client_id", client_id, 128),
                ("client_secret", client_secret, 1024),
            ],
        };
        for (name, value, max) in fields {
            if value.chars().count() > max {
                return Err(ApiError::field(
                    name,
                    "too_long",
                    format!("at most {max} characters"),
                ));
            }
        }
        Ok(())
    }
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

/// Obtain an access token.
///
/// Exchanges a user's email and password (`grant_type: password`) or an API client's id and
/// secret (`grant_type: client_credentials`) for a signed JWT carrying the caller's role and
/// customer number. Send it as `Authorization: Bearer <access_token>` on every other call.
/// Repeated failures for one account (5 in 15 minutes) or one address (20) are refused for a
/// while with 429 and `Retry-After` (30 s, doubling, at most 15 minutes). An account waiting for
/// approval, or disabled, answers as a wrong password does (401 `invalid_credentials`).
#[utoipa::path(
    tag = "auth",
    security(()),
    request_body = TokenRequest,
    responses(
        (status = 200, description = "Token issued.", body = TokenResponse),
        (status = 401, response = crate::http::error::Unauthorized),
    )
)]
#[post("/auth/token")]
pub async fn issue_token(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    body: web::Json<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let peer = crate::http::client_address::of(&req);
    let body = body.into_inner();
    body.check_lengths()?;
    let credentials = match body {
        TokenRequest::Password { email, password } => Credentials::Password { email, password },
        TokenRequest::ClientCredentials {
            client_id,
            client_secret,
        } => Credentials::Client {
            client_id,
            client_secret,
        },
    };
    let caller = run(&state, move |store, ctx, now| {
        app::accounts::sign_in(store, credentials, &peer, ctx, now)
    })
    .await?;
    let expires_in = state.auth.tokens.ttl_seconds();
    let token = state
        .auth
        .tokens
        .issue(&caller, app::now())
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(TokenResponse {
            access_token: token,
            token_type: "Bearer".into(),
            expires_in,
        }))
}
