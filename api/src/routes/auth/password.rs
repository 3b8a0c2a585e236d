//! Accounts people can recover (issue 16): a password reset by email, and a password change for
//! the signed-in user. Neither tells anyone whether an address has an account.

use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::token::TokenResponse;
use crate::http::caller::Authenticated;
use crate::http::error::ApiError;
use crate::state::{run, AppState};

/// Asking for a reset code.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "dana@acme.example"}))]
pub struct RequestPasswordReset {
    #[validate(email, length(max = 254))]
    #[schema(format = "email", max_length = 254)]
    pub email: String,
}

/// What happens next (always the same answer).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "requested", "message": "If an active account has this address, a reset code is on its way to it; it works once, for an hour."}))]
pub struct PasswordResetRequested {
    #[schema(example = "requested")]
    pub status: String,
    pub message: String,
}

/// A reset code and the new password.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"token": "41.1796630400.9c2e4b6a8d0f1e3c5a7b9d1f3e5c7a9b", "new_password": "correct horse battery 9"}))]
pub struct ConfirmPasswordReset {
    /// The code from the mail.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub token: String,
    #[schema(schema_with = crate::http::schemas::new_password)]
    pub new_password: String,
}

/// Changing one's own password.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"current_password": "correct horse battery 9", "new_password": "staple of 4 horses, correct"}))]
pub struct ChangePassword {
    #[validate(length(min = 1, max = 1024))]
    #[schema(min_length = 1, max_length = 1024, format = "password")]
    pub current_password: String,
    #[schema(schema_with = crate::http::schemas::new_password)]
    pub new_password: String,
}

/// Ask for a password reset.
///
/// No authentication. When an active account has this address, a code good for one reset
/// within an hour is mailed to it. The answer is the same whether or not it has: it tells
/// nobody which addresses have accounts. Asks are limited per client address and per address
/// asked for (429).
#[utoipa::path(
    tag = "auth",
    security(()),
    request_body = RequestPasswordReset,
    responses(
        (status = 202, description = "Received (the same answer for any address).", body = PasswordResetRequested),
    )
)]
#[post("/password-resets")]
pub async fn request_password_reset(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: crate::http::json::Json<RequestPasswordReset>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let peer = crate::http::client_address::of(&req);
    let email = body.into_inner().email;
    run(&state, move |store, ctx, now| {
        app::accounts::recovery::request_reset(store, &email, &peer, ctx, now)
    })
    .await?;
    Ok(HttpResponse::Accepted().json(PasswordResetRequested {
        status: "requested".into(),
        message: "If an active account has this address, a reset code is on its way to it; it \
                  works once, for an hour."
            .into(),
    }))
}

/// Reset a password with a mailed code.
///
/// No authentication: the code is the proof. Sets the new password and signs every session of
/// the account out (its tokens stop working); a notice goes to the address. A code that is
/// unknown, used, expired, or for an account no longer active is 404.
#[utoipa::path(
    tag = "auth",
    security(()),
    request_body = ConfirmPasswordReset,
    responses(
        (status = 204, description = "The password is changed; sign in with it."),
        (status = 404, response = crate::http::error::NotFound),
    )
)]
#[post("/password-resets/confirmations")]
pub async fn confirm_password_reset(
    state: web::Data<AppState>,
    body: crate::http::json::Json<ConfirmPasswordReset>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let body = body.into_inner();
    let subject = run(&state, move |store, ctx, now| {
        app::accounts::recovery::reset_password(store, &body.token, &body.new_password, ctx, now)
    })
    .await?;
    state.auth.subjects.forget(&subject);
    Ok(HttpResponse::NoContent().finish())
}

/// Change your password.
///
/// For a signed-in user (an API client has a secret, not a password: 404). Give the current
/// password (422 on `current_password` when it is not). Every other session is signed out
/// (tokens issued before stop working) and a notice goes to your address; the answer carries a
/// fresh token for this one.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    request_body = ChangePassword,
    responses(
        (status = 200, description = "Changed; a fresh token.", body = TokenResponse),
        (status = 404, response = crate::http::error::NotFound),
    )
)]
#[post("/me/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: crate::http::json::Json<ChangePassword>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let caller = caller.0;
    let user_id = caller
        .subject
        .strip_prefix("user:")
        .and_then(|id| id.parse::<i64>().ok())
        .ok_or_else(|| {
            ApiError::not_found("a password for this caller (API clients have secrets)")
        })?;
    let body = body.into_inner();
    run(&state, move |store, _, now| {
        app::accounts::recovery::change_password(
            store,
            user_id,
            &body.current_password,
            &body.new_password,
            now,
        )
    })
    .await?;
    state.auth.subjects.forget(&caller.subject);
    // Issued after the change (a millisecond on), so it is the one session that stays.
    let at = app::now() + chrono::Duration::milliseconds(1);
    let token = state
        .auth
        .tokens
        .issue(&caller, at)
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(TokenResponse {
            access_token: token,
            token_type: "Bearer".into(),
            expires_in: state.auth.tokens.ttl_seconds(),
        }))
}
