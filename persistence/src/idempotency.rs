//! Idempotency-Key records (R-API3): the first response to a creating request, replayed when
//! the same caller retries with the same key and body.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::schema::idempotency_keys;
use crate::{to_db_time, write_transaction, DbConnection, StoreError};

/// A key whose request is still running after this long is taken to be abandoned (its process
/// died); a retry may then run again.
const ABANDONED_AFTER_SECONDS: i64 = 60;

/// A stored response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    /// Selected headers (`Location`, `ETag`, `Content-Type`) as name/value pairs.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// What to do with a request carrying an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// First time: run the request, then [`complete`] or [`release`] the key.
    Proceed,
    /// Seen before with the same body: answer with the stored response.
    Replay(StoredResponse),
    /// The same key with a different body.
    Mismatch,
    /// The first request with this key is still running.
    InProgress,
}

#[derive(Queryable)]
struct KeyRow {
    _key_hash: String,
    request_hash: String,
    state: String,
    response_status: Option<i32>,
    response_headers: Option<String>,
    response_body: Option<String>,
    created_at: NaiveDateTime,
    expires_at: NaiveDateTime,
}

/// Claims `key_hash` for a request whose body hashes to `request_hash`. Runs in its own write
/// transaction so a concurrent duplicate sees the claim at once.
pub fn claim(
    conn: &mut DbConnection,
    key_hash: &str,
    request_hash: &str,
    ttl: Duration,
    now: DateTime<Utc>,
) -> Result<Claim, StoreError> {
    write_transaction(conn, |conn| {
        let existing: Option<KeyRow> = idempotency_keys::table
            .find(key_hash)
            .first(conn)
            .optional()?;
        if let Some(row) = existing {
            let abandoned = row.state == "in_progress"
                && row.created_at < to_db_time(now - Duration::seconds(ABANDONED_AFTER_SECONDS));
            if row.expires_at >= to_db_time(now) && !abandoned {
                return Ok(decide(row, request_hash));
            }
            diesel::delete(idempotency_keys::table.find(key_hash)).execute(conn)?;
        }
        // In a savepoint: on PostgreSQL a failed insert would otherwise abort the transaction.
        let inserted = conn.transaction(|conn| {
            diesel::insert_into(idempotency_keys::table)
                .values((
                    idempotency_keys::key_hash.eq(key_hash),
                    idempotency_keys::request_hash.eq(request_hash),
                    idempotency_keys::state.eq("in_progress"),
                    idempotency_keys::created_at.eq(to_db_time(now)),
                    idempotency_keys::expires_at.eq(to_db_time(now + ttl)),
                ))
                .execute(conn)
        });
        match inserted {
            Ok(_) => Ok(Claim::Proceed),
            // A concurrent duplicate claimed it first (PostgreSQL; SQLite writers are serial).
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => Ok(Claim::InProgress),
            Err(e) => Err(e.into()),
        }
    })
}

fn decide(row: KeyRow, request_hash: &str) -> Claim {
    if row.request_hash != request_hash {
        return Claim::Mismatch;
    }
    match (row.state.as_str(), row.response_status, row.response_body) {
        ("done", Some(status), Some(body)) => Claim::Replay(StoredResponse {
            status: u16::try_from(status).unwrap_or(500),
            headers: row
                .response_headers
                .and_then(|h| serde_json::from_str(&h).ok())
                .unwrap_or_default(),
            body,
        }),
        _ => Claim::InProgress,
    }
}

/// Stores the response of a claimed key.
pub fn complete(
    conn: &mut DbConnection,
    key_hash: &str,
    response: &StoredResponse,
) -> Result<(), StoreError> {
    let headers =
        serde_json::to_string(&response.headers).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    write_transaction(conn, |conn| {
        diesel::update(idempotency_keys::table.find(key_hash))
            .set((
                idempotency_keys::state.eq("done"),
                idempotency_keys::response_status.eq(i32::from(response.status)),
                idempotency_keys::response_headers.eq(headers),
                idempotency_keys::response_body.eq(&response.body),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// Forgets a claimed key whose request failed, so a retry runs again.
pub fn release(conn: &mut DbConnection, key_hash: &str) -> Result<(), StoreError> {
    write_transaction(conn, |conn| {
        diesel::delete(idempotency_keys::table.find(key_hash)).execute(conn)?;
        Ok(())
    })
}

/// Deletes expired keys; returns how many.
pub fn purge_expired(conn: &mut DbConnection, now: DateTime<Utc>) -> Result<usize, StoreError> {
    write_transaction(conn, |conn| {
        Ok(diesel::delete(
            idempotency_keys::table.filter(idempotency_keys::expires_at.lt(to_db_time(now))),
        )
        .execute(conn)?)
    })
}
