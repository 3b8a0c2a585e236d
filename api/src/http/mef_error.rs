//! MEF 124 (LSO Sonata) errors: what the [dialect layer](crate::http::middleware::dialect) answers
//! under `/mefApi/sonata/troubleTicket/v4` for a problem we rendered, and how the contract
//! publishes it.
//!
//! Sonata's document fixes, per status, an `Error` with a `code` from a closed list and a
//! `reason` of at most 255 characters, and, per operation, which statuses may be answered:
//!
//! | ours | Sonata |
//! |---|---|
//! | 400 (bad query, malformed body), 413, 415 | 400 `invalidQuery` (a GET or DELETE, or a bad query) or `invalidBody` |
//! | 400/422 with invalid fields, on a create, patch or task | 422: an array of `Error422`, one per field, `propertyPath` a JSON pointer |
//! | 400/422 on a hub registration, or a read | 400 `invalidBody` / `invalidQuery` |
//! | 401 | 401 `missingCredentials`, or `invalidCredentials` for a bad or expired token |
//! | 403 | 403 `accessDenied` |
//! | 404 | 404 `notFound` |
//! | 409 (the state allows no such move) on a task | 422 `otherIssue` (tasks declare no 409) |
//! | 409, 412 on a patch | 409 `conflict` |
//! | 500 | 500 `internalError` |
//!
//! 405, 429 and 503, which the document does not know, keep their status with the same `Error`
//! shape (`methodNotAllowed`, `tooManyRequests`, `serviceUnavailable`).

use actix_web::http::{Method, StatusCode};
use serde::Serialize;
use serde_json::{json, Value};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder, Responses};
use utoipa::ToSchema;

/// The MEF 124 facade's root.
pub const MEF124: &str = "/mefApi/sonata/troubleTicket/v4";

/// The tag under which Swagger UI documents the MEF 124 facade (and its errors).
pub const MEF124_TAG: &str = "MEF 124 Sonata trouble tickets and incidents";

/// Sonata's `reason` is at most this long.
const REASON_MAX: usize = 255;

/// What kind of operation a request is, as far as its errors go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// A GET or DELETE: no body.
    Read,
    /// `POST /troubleTicket`.
    Create,
    /// `PATCH /troubleTicket/{id}`.
    Patch,
    /// `POST /troubleTicket/{id}/cancel|close|reopen`.
    Task,
    /// `POST /hub`.
    Hub,
}

impl Op {
    /// The operation at `method path` (a path under [`MEF124`]).
    pub fn of(method: &Method, path: &str) -> Self {
        match *method {
            Method::PATCH => Self::Patch,
            Method::POST if path.trim_end_matches('/').ends_with("/hub") => Self::Hub,
            Method::POST if path.trim_end_matches('/').ends_with("/troubleTicket") => Self::Create,
            Method::POST => Self::Task,
            _ => Self::Read,
        }
    }

    /// Whether the document declares a 422 (an array of `Error422`) for it.
    fn has_422(self) -> bool {
        matches!(self, Self::Create | Self::Patch | Self::Task)
    }
}

/// A Sonata `Error` (`Error400` … `Error501`): `code` is one of the document's codes for the
/// status.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({
    "code": "notFound", "reason": "incident not found",
    "referenceError": "https://portal.example.net/swagger-ui/#/MEF%20124%20Sonata%20trouble%20tickets%20and%20incidents"
}))]
pub struct MefError {
    /// 400: `missingQueryParameter`, `missingQueryValue`, `invalidQuery`, `invalidBody`; 401:
    /// `missingCredentials`, `invalidCredentials`; 403: `accessDenied`; 404: `notFound`; 409:
    /// `conflict`; 500: `internalError`; 501: `notImplemented`. Outside the document: 405
    /// `methodNotAllowed`, 429 `tooManyRequests`, 503 `serviceUnavailable`.
    #[schema(example = "notFound")]
    pub code: String,
    /// What went wrong, for a person (at most 255 characters).
    #[schema(max_length = 255)]
    pub reason: String,
    /// More: the whole detail when `reason` had to be cut, and our stable code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Where these errors are documented.
    #[schema(format = "uri")]
    pub reference_error: String,
}

/// A Sonata `Error422`: one invalid property.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MefError422 {
    /// `missingProperty`, `invalidValue`, `invalidFormat`, `referenceNotFound`,
    /// `unexpectedProperty`, `tooManyRecords` or `otherIssue`.
    #[schema(example = "invalidValue")]
    pub code: String,
    /// What is wrong with it (at most 255 characters).
    #[schema(max_length = 255)]
    pub reason: String,
    /// The whole detail when `reason` had to be cut, and our stable code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The property, as a JSON pointer (RFC 6901) into the request body.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "/relatedEntity/0/id")]
    pub property_path: Option<String>,
    #[schema(format = "uri")]
    pub reference_error: String,
}

/// The status Sonata answers for one of ours on `op`; `fields`: the problem lists invalid fields.
pub fn status(op: Op, ours: StatusCode, fields: bool) -> StatusCode {
    match (ours.as_u16(), op) {
        (400, o) if fields && o.has_422() => StatusCode::UNPROCESSABLE_ENTITY,
        (413 | 415, _) => StatusCode::BAD_REQUEST,
        (422, o) if o.has_422() => StatusCode::UNPROCESSABLE_ENTITY,
        (422, _) => StatusCode::BAD_REQUEST,
        (409, Op::Task | Op::Create) => StatusCode::UNPROCESSABLE_ENTITY,
        (409, Op::Hub | Op::Read) => StatusCode::BAD_REQUEST,
        (412, _) => StatusCode::CONFLICT,
        _ => ours,
    }
}

/// `text` cut to Sonata's 255 characters, and the whole when it had to be cut.
fn cut(text: &str) -> (String, Option<String>) {
    if text.chars().count() <= REASON_MAX {
        return (text.to_owned(), None);
    }
    let short: String = text.chars().take(REASON_MAX - 1).collect();
    (format!("{short}…"), Some(text.to_owned()))
}

/// A field path as a JSON pointer: `relatedParty[0].name` → `/relatedParty/0/name`.
fn pointer(field: &str) -> String {
    let mut out = String::new();
    for part in field.split('.') {
        for piece in part.split('[') {
            let piece = piece.trim_end_matches(']');
            if !piece.is_empty() {
                out.push('/');
                out.push_str(&piece.replace('~', "~0").replace('/', "~1"));
            }
        }
    }
    out
}

/// The `Error422` code of one of our field error codes.
fn code_422(ours: &str) -> &'static str {
    match ours {
        "required" | "missing" => "missingProperty",
        "unknown_field" | "unexpected" | "unsupported_field" => "unexpectedProperty",
        "format" | "email" | "url" | "phone" => "invalidFormat",
        "not_found" | "unknown_service" => "referenceNotFound",
        _ => "invalidValue",
    }
}

/// Sonata's body for a problem we rendered with `status` (already Sonata's) on `op`.
pub fn body(op: Op, status: StatusCode, problem: &Value, origin: &str) -> Value {
    let reference_error = format!("{origin}/swagger-ui/#/{}", MEF124_TAG.replace(' ', "%20"));
    let ours = problem["code"].as_str().unwrap_or("error");
    let detail = problem["detail"]
        .as_str()
        .filter(|d| !d.is_empty())
        .or(status.canonical_reason())
        .unwrap_or("Error");
    let fields: Vec<&Value> = problem["errors"]
        .as_array()
        .map(|l| l.iter().collect())
        .unwrap_or_default();
    if status == StatusCode::UNPROCESSABLE_ENTITY {
        let errors: Vec<MefError422> = if fields.is_empty() {
            let (reason, whole) = cut(detail);
            let code = if ours == "invalid_body" {
                "invalidValue"
            } else {
                "otherIssue"
            };
            vec![MefError422 {
                code: code.to_owned(),
                reason,
                message: Some(format!(
                    "{ours}: {}",
                    whole.unwrap_or_else(|| detail.to_owned())
                )),
                property_path: None,
                reference_error,
            }]
        } else {
            fields
                .iter()
                .map(|f| {
                    let field = &super::error::camel_case(f["field"].as_str().unwrap_or_default());
                    let text = format!("{field}: {}", f["message"].as_str().unwrap_or_default());
                    let (reason, whole) = cut(&text);
                    MefError422 {
                        code: code_422(f["code"].as_str().unwrap_or_default()).to_owned(),
                        reason,
                        message: Some(format!("{ours}: {}", whole.unwrap_or(text))),
                        property_path: (!field.is_empty()).then(|| pointer(field)),
                        reference_error: reference_error.clone(),
                    }
                })
                .collect()
        };
        return serde_json::to_value(errors).unwrap_or(Value::Null);
    }
    let code = match status.as_u16() {
        400 if op == Op::Read || ours == "invalid_query" => "invalidQuery",
        400 => "invalidBody",
        401 if ["invalid_token", "token_expired", "invalid_credentials"].contains(&ours) => {
            "invalidCredentials"
        }
        401 => "missingCredentials",
        403 => "accessDenied",
        404 => "notFound",
        405 => "methodNotAllowed",
        409 => "conflict",
        429 => "tooManyRequests",
        501 => "notImplemented",
        503 => "serviceUnavailable",
        _ => "internalError",
    };
    // With invalid fields, the reason names them.
    let text = match fields.as_slice() {
        [] => detail.to_owned(),
        list => list
            .iter()
            .map(|f| {
                format!(
                    "{}: {}",
                    super::error::camel_case(f["field"].as_str().unwrap_or_default()),
                    f["message"].as_str().unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
    };
    let (reason, whole) = cut(&text);
    serde_json::to_value(MefError {
        code: code.to_owned(),
        reason,
        message: Some(format!("{ours}: {}", whole.unwrap_or(text))),
        reference_error,
    })
    .unwrap_or_else(|_| json!({"code": "internalError", "reason": "Error"}))
}

/// Publishes an operation's error answers as Sonata gives them: each documented status becomes
/// the one Sonata answers on `op` (a 400 also as 422 where the operation has one), with its
/// error schema.
pub fn document(op: Op, responses: &mut Responses) {
    let errors: Vec<String> = responses
        .responses
        .keys()
        .filter(|status| status.starts_with(['4', '5']))
        .cloned()
        .collect();
    for status in &errors {
        responses.responses.remove(status);
    }
    for status in errors {
        let Some(ours) = status
            .parse()
            .ok()
            .and_then(|s| StatusCode::from_u16(s).ok())
        else {
            continue;
        };
        let mut theirs = vec![status_of(op, ours)];
        if ours == StatusCode::BAD_REQUEST && op.has_422() {
            theirs.push(StatusCode::UNPROCESSABLE_ENTITY);
        }
        for s in theirs {
            let s = s.as_u16();
            responses
                .responses
                .entry(s.to_string())
                .or_insert_with(|| RefOr::Ref(Ref::from_response_name(format!("MefError{s}"))));
        }
    }
}

/// As [`status`] for an answer without invalid fields.
fn status_of(op: Op, ours: StatusCode) -> StatusCode {
    status(op, ours, false)
}

/// The Sonata error answers the contract's components hold (`MefError{status}`).
pub fn responses() -> Vec<(String, Response)> {
    [
        (400, "Bad request: `invalidQuery` (a query parameter) or `invalidBody`."),
        (401, "Missing (`missingCredentials`), expired or invalid (`invalidCredentials`) bearer token."),
        (403, "The caller's role may not perform this operation (`accessDenied`)."),
        (404, "No such resource, or it belongs to another buyer (`notFound`)."),
        (409, "The ticket changed since it was read (`If-Match`), or the change conflicts (`conflict`)."),
        (422, "Invalid properties: one `Error422` per property, `propertyPath` a JSON pointer; a move the ticket's state does not allow is `otherIssue`."),
        (429, "Too many requests; retry after `Retry-After` seconds (`tooManyRequests`)."),
        (503, "The database is busy or unreachable; retry shortly (`serviceUnavailable`)."),
    ]
    .into_iter()
    .map(|(status, description)| {
        let schema = if status == 422 {
            utoipa::openapi::schema::ArrayBuilder::new()
                .items(Ref::from_schema_name("MefError422"))
                .into()
        } else {
            RefOr::Ref(Ref::from_schema_name("MefError"))
        };
        let response = ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new().schema(Some(schema)).build(),
            )
            .build();
        (format!("MefError{status}"), response)
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_fields_on_a_create_are_422_with_json_pointers() {
        let problem = json!({"code": "validation_failed", "detail": "x", "errors": [
            {"field": "relatedContactInformation[0].emailAddress", "code": "required", "message": "missing"},
            {"field": "severity", "code": "invalid", "message": "unknown"}]});
        let s = status(Op::Create, StatusCode::BAD_REQUEST, true);
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let body = body(Op::Create, s, &problem, "https://x.example");
        assert_eq!(body[0]["code"], "missingProperty");
        assert_eq!(
            body[0]["propertyPath"],
            "/relatedContactInformation/0/emailAddress"
        );
        assert_eq!(body[1]["code"], "invalidValue");
        // The same problem on a read is a 400 invalidQuery.
        let s = status(Op::Read, StatusCode::BAD_REQUEST, true);
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_eq!(body_code(Op::Read, s, &problem), "invalidQuery");
    }

    fn body_code(op: Op, s: StatusCode, problem: &Value) -> String {
        body(op, s, problem, "")["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    #[test]
    fn statuses_move_to_those_each_operation_declares() {
        let conflict = StatusCode::CONFLICT;
        assert_eq!(status(Op::Task, conflict, false).as_u16(), 422);
        assert_eq!(status(Op::Patch, conflict, false).as_u16(), 409);
        assert_eq!(
            status(Op::Patch, StatusCode::PRECONDITION_FAILED, false).as_u16(),
            409
        );
        assert_eq!(
            status(Op::Hub, StatusCode::UNPROCESSABLE_ENTITY, true).as_u16(),
            400
        );
        assert_eq!(
            status(Op::Create, StatusCode::UNSUPPORTED_MEDIA_TYPE, false).as_u16(),
            400
        );
        let token = json!({"code": "token_expired", "detail": "expired"});
        assert_eq!(
            body_code(Op::Read, StatusCode::UNAUTHORIZED, &token),
            "invalidCredentials"
        );
        assert_eq!(
            body_code(
                Op::Read,
                StatusCode::UNAUTHORIZED,
                &json!({"code": "unauthorized"})
            ),
            "missingCredentials"
        );
    }

    #[test]
    fn a_long_reason_is_cut_and_kept_whole_in_the_message() {
        let long = "x".repeat(400);
        let problem = json!({"code": "not_found", "detail": long});
        let body = body(Op::Read, StatusCode::NOT_FOUND, &problem, "");
        assert_eq!(body["reason"].as_str().unwrap().chars().count(), 255);
        assert!(body["message"].as_str().unwrap().ends_with(&long));
        assert_eq!(pointer("a.b[2].c"), "/a/b/2/c");
    }
}
