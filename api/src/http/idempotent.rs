//! Which requests take an `Idempotency-Key` (R-API3): what the idempotency layer
//! (`middleware::idempotency`) serves and what the contract declares, from one place.

/// The request header.
pub const HEADER: &str = "Idempotency-Key";

/// Routes whose POST takes no key: the token request (credentials are not replayed).
const EXCLUDED: &[&str] = &["/api/v1/auth/token"];

/// Whether POSTs to this route (as routed) take a key.
pub fn applies_to(route: &str) -> bool {
    !EXCLUDED.contains(&route)
}
