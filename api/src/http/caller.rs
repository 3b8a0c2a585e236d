//! Who is calling: the authentication layer resolves the `Authorization: Bearer` token once per
//! request; the `Authenticated` and `Permit` extractors hand its caller to handlers.
//!
//! Beyond the signature, issuer, audience and expiry, the caller's account must still be active
//! with the role and company the token names: a disabled user, a revoked API client or a changed
//! role makes existing tokens fail, and so does rotating a client's secret for the tokens issued
//! before it. That check is cached per instance for
//! `TOKEN_REVOCATION_CHECK_SECONDS` (default 30 s), the documented bound; changes made through
//! this instance take effect at once.

use std::collections::HashMap;
use std::future::{ready, Ready};
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::Arc;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use actix_web::{dev::Payload, http::header, web, FromRequest, HttpMessage, HttpRequest};
use app::Store;
use chrono::{DateTime, Utc};
use domain::{Caller, Permission};

use crate::http::error::ApiError;
use crate::http::jwt::{TokenError, TokenService, Verified};

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

type SubjectState = Option<app::accounts::SubjectState>;

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

pub(crate) fn bearer_token(req: &HttpRequest) -> Result<String, ApiError> {
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

fn check_current(
    state: &SubjectState,
    caller: &Caller,
    issued_at: DateTime<Utc>,
) -> Result<(), ApiError> {
    let refused = |detail: &str| ApiError::new(StatusCode::UNAUTHORIZED, "invalid_token", detail);
    let Some(state) = state else {
        return Err(refused("the account behind this token no longer exists"));
    };
    if !state.active {
        return Err(refused(
            "the account behind this token is disabled or revoked",
        ));
    }
    if state.role != caller.role || state.customer_number != caller.customer_number {
        return Err(refused(
            "the account changed since this token was issued; request a new token",
        ));
    }
    if state
        .tokens_valid_since
        .is_some_and(|since| issued_at < since)
    {
        return Err(refused(
            "the client's secret was rotated after this token was issued; request a new token",
        ));
    }
    Ok(())
}

/// What [`authenticate`] found on a request, kept in its extensions for the extractors and the
/// layers after it (rate limit, idempotency), so a token is verified once per request.
#[derive(Debug, Clone)]
pub enum Identity {
    Caller(Caller),
    /// A token was sent but is not good: the 401's code and detail.
    Refused(&'static str, String),
}

impl Identity {
    /// The verified caller of a request, if it sent a good token.
    pub fn of(req: &HttpRequest) -> Option<Caller> {
        match req.extensions().get::<Identity>() {
            Some(Identity::Caller(caller)) => Some(caller.clone()),
            _ => None,
        }
    }
}

/// Verifies tokens and checks that the account behind one is still what the token says.
pub struct Authenticator {
    pub tokens: TokenService,
    /// Recently checked token subjects (the revocation check).
    pub subjects: SubjectCache,
    store: Store,
}

impl Authenticator {
    pub fn new(tokens: TokenService, store: Store, revocation_check: Duration) -> Self {
        Self {
            tokens,
            subjects: SubjectCache::new(revocation_check),
            store,
        }
    }

    /// Resolves the bearer token of a request: signature, issuer, audience, expiry, then the
    /// account behind it (cached, see [`SubjectCache`]).
    async fn resolve(self: Arc<Self>, req: &HttpRequest) -> Result<Caller, ApiError> {
        let token = self.verify(&bearer_token(req)?)?;
        let current = match self.subjects.get(&token.caller.subject) {
            Some(known) => known,
            None => {
                let current = self.clone().subject_now(&token.caller.subject).await?;
                self.subjects
                    .put(token.caller.subject.clone(), current.clone());
                current
            }
        };
        check_current(&current, &token.caller, token.issued_at)?;
        Ok(token.caller)
    }

    /// The token's signature, issuer, audience and expiry, as a 401 when any is wrong.
    pub fn verify(&self, token: &str) -> Result<Verified, ApiError> {
        self.tokens.verify(token).map_err(|e| match e {
            TokenError::Expired => {
                ApiError::new(StatusCode::UNAUTHORIZED, "token_expired", e.to_string())
            }
            TokenError::Invalid(_) => {
                ApiError::new(StatusCode::UNAUTHORIZED, "invalid_token", e.to_string())
            }
        })
    }

    /// Is this (already verified) token still good, asking the database now rather than the
    /// cache? For long-lived requests (event streams) that must end when the account changes.
    /// An error means the question could not be answered (the database is unreachable).
    pub async fn still_good(self: Arc<Self>, token: &Verified) -> Result<bool, ApiError> {
        if token.expires_at <= chrono::Utc::now() {
            return Ok(false);
        }
        let current = self.subject_now(&token.caller.subject).await?;
        Ok(check_current(&current, &token.caller, token.issued_at).is_ok())
    }

    async fn subject_now(self: Arc<Self>, subject: &str) -> Result<SubjectState, ApiError> {
        let subject = subject.to_owned();
        Ok(web::block(move || {
            self.store
                .read(|conn| app::accounts::subject_state(conn, &subject))
        })
        .await??)
    }
}

/// The authentication layer: a request with an `Authorization` header has it resolved once,
/// before routing and before its body is read; public operations ignore the outcome.
pub async fn authenticate(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    if req.headers().contains_key(header::AUTHORIZATION) {
        if let Some(auth) = req.app_data::<web::Data<Authenticator>>().cloned() {
            let identity = match auth.into_inner().resolve(req.request()).await {
                Ok(caller) => Identity::Caller(caller),
                Err(e) => Identity::Refused(e.code(), e.detail().to_owned()),
            };
            req.extensions_mut().insert(identity);
        }
    }
    next.call(req).await
}

/// The caller the authentication layer resolved, or the 401 to answer.
fn identified(req: &HttpRequest) -> Result<Caller, ApiError> {
    match req.extensions().get::<Identity>() {
        Some(Identity::Caller(caller)) => Ok(caller.clone()),
        Some(Identity::Refused(code, detail)) => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            code,
            detail.clone(),
        )),
        None => Err(ApiError::unauthorized(
            "send an Authorization: Bearer <token> header",
        )),
    }
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(identified(req).map(Authenticated))
    }
}

/// A permission the role of an operation's caller must have: [`Permit`]'s type parameter.
pub trait Gate {
    const PERMISSION: Permission;
}

/// The authenticated caller of an operation that needs a permission. Extracted before the body
/// (list it before `web::Json` in a handler's arguments): a caller whose role lacks the
/// permission gets 403 whatever the body holds, so field rules are not disclosed to it.
#[derive(Debug, Clone)]
pub struct Permit<G: Gate>(pub Caller, PhantomData<G>);

impl<G: Gate> Deref for Permit<G> {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.0
    }
}

impl<G: Gate> FromRequest for Permit<G> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(identified(req).and_then(|caller| {
            domain::policy::require(&caller, G::PERMISSION)?;
            Ok(Permit(caller, PhantomData))
        }))
    }
}

/// The gates, one per [`Permission`]: `Permit<gate::WorkIncidents>`.
pub mod gate {
    use domain::Permission;

    macro_rules! gates {
        ($($name:ident),* $(,)?) => {$(
            #[derive(Debug, Clone)]
            pub struct $name;
            impl super::Gate for $name {
                const PERMISSION: Permission = Permission::$name;
            }
        )*};
    }

    gates!(
        ManageInventory,
        ManageAccounts,
        ManageContacts,
        ManageWebhooks,
        WriteHelp,
        EditEscalationMatrix,
        RaiseIncident,
        FollowIncident,
        WorkIncidents,
        ManageMajorIncidents,
        ManageChanges,
        RequestMaintenance,
    );
}
