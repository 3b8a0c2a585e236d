//! The `Authenticated` extractor: the verified caller behind an `Authorization: Bearer` header.

use std::future::{ready, Ready};
use std::ops::Deref;

use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};
use domain::Caller;

use crate::auth::jwt::TokenError;
use crate::error::ApiError;
use crate::state::AppState;

/// A request's authenticated caller. Extracting it answers 401 when the token is missing,
/// malformed, expired, wrongly signed or meant for another issuer or audience.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Caller);

impl Deref for Authenticated {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.0
    }
}

fn bearer_token(req: &HttpRequest) -> Result<&str, ApiError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized("send an Authorization: Bearer <token> header"))?
        .to_str()
        .map_err(|_| ApiError::unauthorized("the Authorization header is not valid text"))?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or_else(|| ApiError::unauthorized("expected Authorization: Bearer <token>"))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::unauthorized(
            "expected Authorization: Bearer <token>",
        ));
    }
    Ok(token.trim())
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let result = (|| {
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or_else(|| ApiError::internal("AppState missing"))?;
            let token = bearer_token(req)?;
            state
                .tokens
                .verify(token)
                .map(Authenticated)
                .map_err(|e| match e {
                    TokenError::Expired => ApiError::new(
                        actix_web::http::StatusCode::UNAUTHORIZED,
                        "token_expired",
                        e.to_string(),
                    ),
                    TokenError::Invalid(_) => ApiError::new(
                        actix_web::http::StatusCode::UNAUTHORIZED,
                        "invalid_token",
                        e.to_string(),
                    ),
                })
        })();
        ready(result)
    }
}
