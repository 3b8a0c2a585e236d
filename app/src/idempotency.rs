//! `Idempotency-Key` (R-API3): a creating request is claimed under (caller, path, key) before it
//! runs; a retry gets the stored first response. Keys expire after the configured time.

use chrono::{DateTime, Utc};
use persistence::idempotency;

pub use persistence::idempotency::{Claim, StoredResponse};

use crate::{AppError, Conn, Ctx};

pub fn claim(
    conn: &mut Conn,
    key_hash: &str,
    request_hash: &str,
    ctx: &Ctx,
    now: DateTime<Utc>,
) -> Result<Claim, AppError> {
    Ok(idempotency::claim(
        conn,
        key_hash,
        request_hash,
        ctx.idempotency_ttl,
        now,
    )?)
}

pub fn complete(
    conn: &mut Conn,
    key_hash: &str,
    response: &StoredResponse,
) -> Result<(), AppError> {
    Ok(idempotency::complete(conn, key_hash, response)?)
}

pub fn release(conn: &mut Conn, key_hash: &str) -> Result<(), AppError> {
    Ok(idempotency::release(conn, key_hash)?)
}

pub fn purge_expired(conn: &mut Conn, now: DateTime<Utc>) -> Result<usize, AppError> {
    Ok(idempotency::purge_expired(conn, now)?)
}
