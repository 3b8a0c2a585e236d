//! `ETag` / `If-Match` optimistic concurrency (R-API4): the ETag is the resource's version.

use actix_web::{http::header, HttpRequest};

use crate::http::error::ApiError;

/// Strong ETag for a resource version.
pub fn etag(version: i64) -> String {
    format!("\"v{version}\"")
}

/// The version an `If-Match` header demands, if any. `*` matches any version. A header that
/// names no version this API issued answers 412, as a stale one does; so does a weak one
/// (`W/"v3"`): RFC 9110 §13.1.1 compares `If-Match` strongly, and a weak tag never matches.
pub fn if_match_version(req: &HttpRequest) -> Result<Option<i64>, ApiError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value
        .to_str()
        .map_err(|_| ApiError::bad_request("invalid_if_match", "If-Match is not valid text"))?
        .trim();
    if text == "*" {
        return Ok(None);
    }
    if text.starts_with("W/") {
        return Err(ApiError::precondition_failed());
    }
    text.trim_matches('"')
        .strip_prefix('v')
        .and_then(|v| v.parse::<i64>().ok())
        .map(Some)
        .ok_or_else(ApiError::precondition_failed)
}
