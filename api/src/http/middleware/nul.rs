//! Refuses text containing the NUL character (U+0000) before any handler sees it.
//!
//! PostgreSQL cannot store NUL in `text` (and fails the statement), SQLite would keep it: so that
//! both backends behave alike and nothing reaches the database half-checked, a NUL anywhere in the
//! path or query string is 400 (`invalid_path` / `invalid_query`) and a NUL in any string or key
//! of a JSON body is 422 `validation_failed`, naming the field. Bodies are only parsed here when
//! their bytes contain the `\u0000` escape, so ordinary requests pay a byte scan at most. A JSON
//! array where the body must be an object (serde would read a struct from one) is 422 too.
//!
//! The same layer refuses control characters in the body's free text (`http::plain_text`): 422
//! with the field's code `control_character`, judged along the operation's published schema.
//!
//! What is wrong with a body is answered by the body extractor (`http::json`), so that 401, 404
//! and 403 come first; only a body beyond the size limit is refused here, before it is read whole.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::web::BytesMut;
use actix_web::HttpMessage;
use futures_util::StreamExt;
use serde_json::Value;

use crate::http::error::ApiError;
use crate::http::json::BodyRefusal;
use crate::http::plain_text;

fn refuse(req: ServiceRequest, err: ApiError) -> ServiceResponse<BoxBody> {
    req.into_response(actix_web::ResponseError::error_response(&err))
}

/// Whether percent-encoded text holds an encoded NUL (`%00`).
fn encodes_nul(text: &str) -> bool {
    text.contains("%00") || text.contains('\0')
}

/// The JSON path of the first string or key holding a NUL, if any (`""` for the top level).
pub fn first_nul(value: &Value, path: &str) -> Option<String> {
    let join = |key: &str| plain_text::field_path(path, key);
    match value {
        Value::String(s) if s.contains('\0') => Some(path.to_owned()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| first_nul(item, &format!("{path}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(key, item)| {
            if key.contains('\0') {
                Some(join(key))
            } else {
                first_nul(item, &join(key))
            }
        }),
        _ => None,
    }
}

/// Takes the whole request body for a middleware to inspect (put it back with `set_payload`);
/// beyond [`crate::JSON_BODY_LIMIT`] it is a 413 problem.
pub async fn read_body(
    req: &mut ServiceRequest,
) -> Result<Result<actix_web::web::Bytes, ApiError>, actix_web::Error> {
    let mut payload = req.take_payload();
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        body.extend_from_slice(&chunk?);
        if body.len() > crate::JSON_BODY_LIMIT {
            return Ok(Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("the body exceeds the {}-byte limit", crate::JSON_BODY_LIMIT),
            )));
        }
    }
    Ok(Ok(body.freeze()))
}

/// The middleware; wrap the app with `actix_web::middleware::from_fn(nul::layer)`.
pub async fn layer(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if encodes_nul(req.uri().path()) {
        let err = ApiError::bad_request("invalid_path", "the path must not contain NUL (%00)");
        return Ok(refuse(req, err));
    }
    if encodes_nul(req.query_string()) {
        let err = ApiError::bad_request(
            "invalid_query",
            "the query string must not contain NUL (%00)",
        );
        return Ok(refuse(req, err));
    }
    let json = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.to_ascii_lowercase().contains("json"));
    if !json {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }

    let body = match read_body(&mut req).await? {
        Ok(body) => body,
        Err(err) => return Ok(refuse(req, err)),
    };
    if let Some(err) = body_refusal(&req, &body) {
        // Answered by the body extractor, after authentication, routing and role
        // (`http::json`).
        req.extensions_mut().insert(BodyRefusal(err));
    }
    req.set_payload(Payload::from(body));
    next.call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}

/// What is wrong with a JSON body whatever the operation's type of it, if anything.
fn body_refusal(req: &ServiceRequest, body: &[u8]) -> Option<ApiError> {
    // Every JSON body of this API is an object; serde would also read a struct from an array.
    if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return Some(ApiError::field(
            "body",
            "invalid_type",
            "must be a JSON object",
        ));
    }
    if body.windows(6).any(|w| w == b"\\u0000") {
        // Malformed JSON is left to the extractor, which answers 400 `malformed_json`.
        if let Ok(value) = serde_json::from_slice::<Value>(body) {
            if let Some(field) = first_nul(&value, "") {
                let field = if field.is_empty() {
                    "body".into()
                } else {
                    field
                };
                return Some(ApiError::field(
                    &field,
                    "nul_character",
                    "must not contain NUL (\\u0000)",
                ));
            }
        }
    }
    if plain_text::may_hold_control(body) {
        if let (Some(route), Ok(value)) =
            (req.match_pattern(), serde_json::from_slice::<Value>(body))
        {
            let method = req.method().as_str().to_owned();
            if let Some((field, c)) = plain_text::rules().first_refused(&method, &route, &value) {
                let field = if field.is_empty() {
                    "body".into()
                } else {
                    field
                };
                return Some(ApiError::field(
                    &field,
                    "control_character",
                    format!(
                        "must not contain control characters (found U+{:04X}); only tab and \
                         line feed (\\n) are allowed",
                        u32::from(c)
                    ),
                ));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::first_nul;
    use serde_json::json;

    #[test]
    fn finds_nul_in_nested_strings_and_keys() {
        assert_eq!(first_nul(&json!({"a": "ok", "b": [1, "x"]}), ""), None);
        assert_eq!(
            first_nul(&json!({"reporter": {"name": "B\u{0}b"}}), ""),
            Some("reporter.name".into())
        );
        assert_eq!(
            first_nul(&json!({"items": ["ok", "\u{0}"]}), ""),
            Some("items[1]".into())
        );
        assert_eq!(first_nul(&json!({"k\u{0}": 1}), ""), Some("k\u{0}".into()));
        assert_eq!(first_nul(&json!("\u{0}"), ""), Some(String::new()));
    }
}
