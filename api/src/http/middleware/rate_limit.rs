//! Per-client rate limiting (issue 8's abuse limits): a token bucket per caller (the token's
//! subject, or the client address for unauthenticated calls) with the `governor` crate (MIT).
//! Over the limit: 429 problem+json `rate_limited` with `Retry-After`. Probes and metrics are
//! exempt. Each instance counts on its own (the limit per instance).

use std::num::NonZeroU32;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::web;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::http::error::ApiError;

/// The limiter of one instance; `None` when disabled (`RATE_LIMIT_PER_SECOND=0`).
pub struct Limiter {
    inner: Option<DefaultKeyedRateLimiter<String>>,
}

impl Limiter {
    pub fn new(per_second: u32, burst: u32) -> Self {
        let inner = NonZeroU32::new(per_second).map(|rate| {
            let burst = NonZeroU32::new(burst.max(per_second)).unwrap_or(rate);
            DefaultKeyedRateLimiter::keyed(Quota::per_second(rate).allow_burst(burst))
        });
        Self { inner }
    }

    /// Seconds to wait when `key` is over its limit.
    fn check(&self, key: &str) -> Option<u64> {
        let limiter = self.inner.as_ref()?;
        match limiter.check_key(&key.to_owned()) {
            Ok(()) => None,
            Err(not_until) => Some(
                not_until
                    .wait_time_from(DefaultClock::default().now())
                    .as_secs()
                    .max(1),
            ),
        }
    }

    /// Forgets keys that have been idle long enough to be full again (memory bound).
    pub fn shrink(&self) {
        if let Some(limiter) = &self.inner {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

fn exempt(path: &str) -> bool {
    path.starts_with("/health/") || path == "/metrics"
}

/// The middleware; wrap with `from_fn(rate_limit::layer)`.
pub async fn layer(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(limiter) = req.app_data::<web::Data<Limiter>>().cloned() else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    if exempt(req.path()) {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    // The caller the authentication layer resolved before this one.
    let subject = crate::http::caller::Identity::of(req.request()).map(|c| c.subject);
    let key = subject
        .unwrap_or_else(|| format!("peer:{}", crate::http::client_address::of(req.request())));
    if let Some(wait) = limiter.check(&key) {
        let err = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("too many requests from this client; retry in {wait} s"),
        )
        .with_retry_after(wait as i64);
        return Ok(req.into_response(actix_web::ResponseError::error_response(&err)));
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}
