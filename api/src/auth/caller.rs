//! The `Authenticated` extractor: the verified caller behind an `Authorization: Bearer` header.
//!
//! Beyond the signature, issuer, audience and expiry, the caller's account must still be active
//! with the role and company the token names: a disabled user, a revoked API client or a changed
//! role makes existing tokens fail. That check is cached per instance for
//! `TOKEN_REVOCATION_CHECK_SECONDS` (default 30 s), the documented bound; changes made through
//! this instance take effect at once.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};
use domain::{Caller, CustomerNumber, Role};
use futures_util::future::LocalBoxFuture;

use crate::auth::jwt::TokenError;
use crate::error::ApiError;
use crate::state::AppState;

/// A request's authenticated caller. Extracting it answers 401 when the token is missing,
/// malformed, expired, wrongly signed, meant for another issuer or audience, or belongs to an
/// account that is no longer active as the token says.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Caller);

impl Deref for Authenticated {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.0
    }
}

type SubjectState = Option<(bool, Role, Option<CustomerNumber>)>;

/// Recently checked token subjects.
#[derive(Debug)]
pub struct SubjectCache {
    ttl: Duration,
    entries: RwLock<HashMap<String, (Instant, SubjectState)>>,
}

impl SubjectCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: RwLock::new(HashMap::new()),
        }
    }

    fn get(&self, subject: &str) -> Option<SubjectState> {
        let entries = self.entries.read().ok()?;
        entries
            .get(subject)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, state)| state.clone())
    }

    fn put(&self, subject: String, state: SubjectState) {
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() > 100_000 {
                entries.clear();
            }
            entries.insert(subject, (Instant::now(), state));
        }
    }

    /// Drops what is known of `subject`, after changing its account.
    pub fn forget(&self, subject: &str) {
        if let Ok(mut entries) = self.entries.write() {
            entries.remove(subject);
        }
    }
}

fn bearer_token(req: &HttpRequest) -> Result<String, ApiError> {
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
    Ok(token.trim().to_owned())
}

fn check_current(state: &SubjectState, caller: &Caller) -> Result<(), ApiError> {
    let refused = |detail: &str| ApiError::new(StatusCode::UNAUTHORIZED, "invalid_token", detail);
    match state {
        None => Err(refused("the account behind this token no longer exists")),
        Some((false, _, _)) => Err(refused(
            "the account behind this token is disabled or revoked",
        )),
        Some((true, role, customer))
            if *role != caller.role || *customer != caller.customer_number =>
        {
            Err(refused(
                "the account changed since this token was issued; request a new token",
            ))
        }
        Some(_) => Ok(()),
    }
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("AppState missing"))?;
            let caller = state.tokens.verify(&token?).map_err(|e| match e {
                TokenError::Expired => {
                    ApiError::new(StatusCode::UNAUTHORIZED, "token_expired", e.to_string())
                }
                TokenError::Invalid(_) => {
                    ApiError::new(StatusCode::UNAUTHORIZED, "invalid_token", e.to_string())
                }
            })?;
            let current = match state.subjects.get(&caller.subject) {
                Some(known) => known,
                None => {
                    let (s, subject) = (state.clone(), caller.subject.clone());
                    let current = web::block(move || {
                        s.db.read(|conn| persistence::accounts::subject_state(conn, &subject))
                    })
                    .await??;
                    state.subjects.put(caller.subject.clone(), current.clone());
                    current
                }
            };
            check_current(&current, &caller)?;
            Ok(Authenticated(caller))
        })
    }
}
