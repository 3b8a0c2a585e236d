//! `POST /auth/token`: exchange credentials for a bearer token (R-AUTH1).

use actix_web::{post, web, HttpResponse};
use app::accounts::Credentials;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::error::ApiError;
use crate::state::{run, AppState};

/// Credentials of a person (`password`) or of a partner integration (`client_credentials`).
#[derive(Debug, ToSchema)]
#[schema(
    example = json!({"grant_type": "password", "email": "alice@acme.example", "password": "demo-password-2026"}),
    discriminator(property_name = "grant_type", mapping(
        ("password" = "#/components/schemas/PasswordGrant"),
        ("client_credentials" = "#/components/schemas/ClientCredentialsGrant")
    ))
)]
#[serde(untagged)]
pub enum TokenRequest {
    Password(PasswordGrant),
    ClientCredentials(ClientCredentialsGrant),
}

/// The `grant_type` of [`PasswordGrant`].
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PasswordGrantType {
    Password,
}

/// The `grant_type` of [`ClientCredentialsGrant`].
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClientCredentialsGrantType {
    ClientCredentials,
}

/// A user's email and password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"grant_type": "password", "email": "alice@acme.example", "password": "demo-password-2026"}))]
pub struct PasswordGrant {
    pub grant_type: PasswordGrantType,
    #[schema(max_length = 254)]
    pub email: String,
    #[schema(max_length = 1024)]
    pub password: String,
}

/// An API client's id and secret.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"grant_type": "client_credentials", "client_id": "cl_7Hq2Vn4KpX", "client_secret": "cs_9f3a1c7e5b2d4f6a8c0e1b3d5f7a9c1e"}))]
pub struct ClientCredentialsGrant {
    pub grant_type: ClientCredentialsGrantType,
    #[schema(max_length = 128)]
    pub client_id: String,
    #[schema(max_length = 1024)]
    pub client_secret: String,
}

/// The same credentials as an OAuth 2.0 token request (RFC 6749 §4.3, §4.4, form-encoded): what
/// Swagger UI's "Authorize" sends for the `oauth2` password flow of the contract, whose
/// `tokenUrl` is this operation. `username` is the email; `scope` is ignored (a token carries its
/// holder's role).
#[derive(Debug, Deserialize)]
struct TokenForm {
    grant_type: String,
    username: Option<String>,
    password: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    #[serde(rename = "scope")]
    _scope: Option<String>,
}

/// The credentials of a token request, checked (`grant_type` known, the lengths the schema
/// states) before any hashing.
fn credentials(content_type: &str, body: &[u8]) -> Result<Credentials, ApiError> {
    let missing = |field: &str| ApiError::field(field, "required", "required for this grant_type");
    let (grant, email, password, client_id, client_secret) = if content_type
        .starts_with("application/x-www-form-urlencoded")
    {
        let form: TokenForm = serde_urlencoded::from_bytes(body).map_err(|e| {
            ApiError::unprocessable(
                "invalid_body",
                format!("the form is not a token request: {e}"),
            )
        })?;
        (
            form.grant_type,
            form.username,
            form.password,
            form.client_id,
            form.client_secret,
        )
    } else if content_type.starts_with("application/json") {
        let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
            ApiError::bad_request("malformed_json", format!("malformed JSON body: {e}"))
        })?;
        let text = |name: &str| value.get(name).and_then(|v| v.as_str()).map(str::to_owned);
        let grant = text("grant_type").ok_or_else(|| missing("grant_type"))?;
        let invalid = |e: serde_json::Error| {
            ApiError::unprocessable(
                "invalid_body",
                format!("the body does not match the expected schema: {e}"),
            )
        };
        match grant.as_str() {
            "password" => {
                let g: PasswordGrant = serde_json::from_value(value).map_err(invalid)?;
                (grant, Some(g.email), Some(g.password), None, None)
            }
            "client_credentials" => {
                let g: ClientCredentialsGrant = serde_json::from_value(value).map_err(invalid)?;
                (grant, None, None, Some(g.client_id), Some(g.client_secret))
            }
            _ => (grant, None, None, None, None),
        }
    } else {
        return Err(ApiError::new(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the credentials as application/json or application/x-www-form-urlencoded",
        ));
    };
    let limited = |name: &str, value: Option<String>, max: usize| match value {
        None => Err(missing(name)),
        Some(v) if v.chars().count() > max => Err(ApiError::field(
            name,
            "too_long",
            format!("at most {max} characters"),
        )),
        Some(v) => Ok(v),
    };
    match grant.as_str() {
        "password" => Ok(Credentials::Password {
            email: limited("email", email, 254)?,
            password: limited("password", password, 1024)?,
        }),
        "client_credentials" => Ok(Credentials::Client {
            client_id: limited("client_id", client_id, 128)?,
            client_secret: limited("client_secret", client_secret, 1024)?,
        }),
        other => Err(ApiError::field(
            "grant_type",
            "invalid",
            format!("'{other}' is not a grant type here; use password or client_credentials"),
        )),
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
///
/// The same request is also taken form-encoded as OAuth 2.0 has it (RFC 6749 §4.3: `grant_type`,
/// `username` for the email, `password`; or §4.4: `client_id`, `client_secret`): the `oauth2`
/// security scheme's password flow, which Swagger UI's Authorize uses to sign in.
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
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let peer = crate::http::client_address::of(&req);
    crate::http::json::refused(&req)?;
    let content_type = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let credentials = credentials(&content_type, &body)?;
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
