//! The layers around every route, outermost first: request log, security headers, CORS, metrics,
//! the facades' error dialects, authentication (`http::caller`), rate limit, NUL refusal, idempotency; and the answer for
//! unknown routes.
//! Each owns its state.

pub mod dialect;
pub mod headers;
pub mod idempotency;
pub mod metrics;
pub mod nul;
pub mod rate_limit;
pub mod unrouted;
