//! RFC 9457 problem details: the one error type every handler and extractor answers with.
//!
//! Each problem carries a stable snake_case `code` clients can switch on, a human `detail`, and
//! per-field `errors[]` for validation failures. Server errors log their cause and return an
//! opaque message.

use std::fmt;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use app::AppError;
use chrono::{DateTime, Utc};
use domain::{DomainError, Reason};
use serde::Serialize;
use serde_json::Value;
use utoipa::{ToResponse, ToSchema};

pub const PROBLEM_JSON: &str = "application/problem+json";

/// One invalid input field.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    /// JSON path of the offending field, e.g. `reporter.email`.
    #[schema(example = "reporter.email")]
    pub field: String,
    /// Machine-readable reason, e.g. `email`, `length`, `required`.
    #[schema(example = "email")]
    pub code: String,
    #[schema(example = "must be a valid email address")]
    pub message: String,
}

/// An RFC 9457 problem details document (`application/problem+json`).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "/problems/not_found", "title": "Not Found", "status": 404,
    "detail": "incident not found", "code": "not_found"
}))]
pub struct Problem {
    /// URI reference identifying the problem type: `/problems/{code}`.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// Short summary of the problem type (the HTTP reason phrase).
    pub title: String,
    /// HTTP status code.
    pub status: u16,
    /// Explanation specific to this occurrence.
    pub detail: String,
    /// Stable machine-readable code.
    pub code: String,
    /// Per-field validation errors, when the input was invalid (422 `validation_failed`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// 422 `insufficient_notice`, `too_early`: the earliest start the rules allow.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, example = "2026-12-14T00:00:00Z")]
    pub earliest_allowed_start: Option<DateTime<Utc>>,
    /// 409 `crisis_process_active`: the major incident (parent ticket) that runs the crisis
    /// process for this ticket.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, example = "1-0000000100")]
    pub major_incident: Option<String>,
    /// 409 `crisis_process_active`: the Incident Manager of that major incident, when assigned.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, example = "Sam Carter")]
    pub incident_manager: Option<String>,
    /// 404 on a ticket reference that is not one: what a reference looks like.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(
        nullable = false,
        example = "ticket_number: 'xyz' is not a ticket reference: expected 1- followed by ten digits (1-0123456789) or its IVR form (10123456789)"
    )]
    pub hint: Option<String>,
    /// 429 and 503: seconds to wait before retrying (as the `Retry-After` header).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, minimum = 1, example = 2)]
    pub retry_after: Option<i64>,
}

/// The extension members of a problem being built (see [`Problem`]).
#[derive(Debug, Clone, Default)]
pub struct ProblemMembers {
    pub earliest_allowed_start: Option<DateTime<Utc>>,
    pub major_incident: Option<String>,
    pub incident_manager: Option<String>,
    pub hint: Option<String>,
    pub retry_after: Option<i64>,
}

/// The error every handler returns. Boxed so that `Result<T, ApiError>` stays small.
#[derive(Debug)]
pub struct ApiError(Box<ErrorParts>);

#[derive(Debug)]
struct ErrorParts {
    status: StatusCode,
    code: &'static str,
    detail: String,
    errors: Vec<FieldError>,
    members: ProblemMembers,
    /// A header the answer carries besides the problem (416's `Content-Range`).
    header: Option<(header::HeaderName, String)>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self(Box::new(ErrorParts {
            status,
            code,
            detail: detail.into(),
            errors: Vec::new(),
            members: ProblemMembers::default(),
            header: None,
        }))
    }

    /// The answer also carries this header.
    pub fn with_header(mut self, name: header::HeaderName, value: String) -> Self {
        self.0.header = Some((name, value));
        self
    }

    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, detail)
    }

    pub fn unprocessable(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail)
    }

    /// 412: the `If-Match` the caller sent is not the resource's current `ETag`.
    pub fn precondition_failed() -> Self {
        Self::new(
            StatusCode::PRECONDITION_FAILED,
            "precondition_failed",
            "the resource has changed since you read it (If-Match does not match its ETag); \
             read it again and retry",
        )
    }

    /// A 500 whose cause is logged, never shown.
    pub fn internal(cause: impl fmt::Display) -> Self {
        log::error!("internal error: {cause}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "an unexpected error occurred; it has been logged",
        )
    }

    /// Input failed validation: 422 with one entry per field.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            many => format!("{} fields are invalid", many.len()),
        };
        let mut err = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            detail,
        );
        err.0.errors = errors;
        err
    }

    pub fn field(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError {
            field: field.to_owned(),
            code: code.to_owned(),
            message: message.into(),
        }])
    }

    /// Sets problem extension members (RFC 9457 §3.2).
    pub fn with_members(mut self, set: impl FnOnce(&mut ProblemMembers)) -> Self {
        set(&mut self.0.members);
        self
    }

    /// Adds `Retry-After` (seconds) to the response, and `retry_after` to the problem.
    pub fn with_retry_after(mut self, seconds: i64) -> Self {
        self.0.members.retry_after = Some(seconds);
        self
    }

    pub fn code(&self) -> &'static str {
        self.0.code
    }

    pub fn detail(&self) -> &str {
        &self.0.detail
    }

    fn problem(&self) -> Value {
        let parts = &self.0;
        let problem = Problem {
            problem_type: format!("/problems/{}", parts.code),
            title: parts
                .status
                .canonical_reason()
                .unwrap_or("Error")
                .to_owned(),
            status: parts.status.as_u16(),
            detail: parts.detail.clone(),
            code: parts.code.to_owned(),
            errors: parts.errors.clone(),
            earliest_allowed_start: parts.members.earliest_allowed_start,
            major_incident: parts.members.major_incident.clone(),
            incident_manager: parts.members.incident_manager.clone(),
            hint: parts.members.hint.clone(),
            retry_after: parts.members.retry_after,
        };
        serde_json::to_value(problem).unwrap_or(Value::Null)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = &self.0;
        write!(f, "{} {}: {}", p.status.as_u16(), p.code, p.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.0.status
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.0.status;
        let mut response = HttpResponse::build(status);
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        if status == StatusCode::UNAUTHORIZED {
            response.insert_header((
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"service-assurance\""),
            ));
        }
        if let Some(seconds) = self.0.members.retry_after {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        } else if status == StatusCode::SERVICE_UNAVAILABLE {
            response.insert_header((header::RETRY_AFTER, HeaderValue::from_static("1")));
        }
        if let Some((name, value)) = &self.0.header {
            response.insert_header((name.clone(), value.as_str()));
        }
        response.body(self.problem().to_string())
    }
}

impl From<DomainError> for ApiError {
    fn from(err: DomainError) -> Self {
        match err {
            DomainError::Invalid { field, message } => Self::field(field, "invalid", message),
            DomainError::Forbidden(message) => Self::forbidden(message),
            DomainError::Refused { reason, message } => {
                let status = if reason.is_about_the_request() {
                    StatusCode::UNPROCESSABLE_ENTITY
                } else {
                    StatusCode::CONFLICT
                };
                let mut err = Self::new(status, reason.code(), message);
                // The data a client needs to act on the refusal, as problem extension members.
                match reason {
                    Reason::InsufficientNotice {
                        earliest_allowed_start,
                    }
                    | Reason::TooEarly {
                        earliest_allowed_start,
                    } => {
                        err = err.with_members(|m| {
                            m.earliest_allowed_start = Some(earliest_allowed_start);
                        });
                    }
                    Reason::CrisisProcessActive {
                        major_incident,
                        incident_manager,
                    } => {
                        err = err.with_members(|m| {
                            m.major_incident = Some(major_incident.to_string());
                            m.incident_manager = incident_manager;
                        });
                    }
                    _ => {}
                }
                err
            }
        }
    }
}

impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        match err {
            AppError::NotFound(what) => Self::not_found(what),
            AppError::Domain(domain) => domain.into(),
            AppError::Field {
                field,
                code,
                message,
            } => Self::field(field, code, message),
            AppError::Conflict { code, message } => Self::conflict(code, message),
            AppError::InvalidCredentials => Self::new(
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                "the credentials are not valid",
            ),
            AppError::TooManyAttempts { until } => {
                let seconds = (until - app::now()).num_seconds().max(1);
                Self::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_attempts",
                    format!("too many failed sign-ins; try again in {seconds} s"),
                )
                .with_retry_after(seconds)
            }
            AppError::PreconditionFailed(_) => Self::precondition_failed(),
            AppError::Unavailable(cause) => {
                log::warn!("database unavailable: {cause}");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "service_unavailable",
                    "the database is busy or unreachable; retry shortly",
                )
                .with_retry_after(2)
            }
            AppError::Internal(cause) => Self::internal(cause),
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(err: actix_web::error::BlockingError) -> Self {
        Self::internal(err)
    }
}

impl From<validator::ValidationErrors> for ApiError {
    fn from(errors: validator::ValidationErrors) -> Self {
        let mut fields = Vec::new();
        collect_validation_errors("", &errors, &mut fields);
        fields.sort_by(|a, b| a.field.cmp(&b.field));
        Self::validation(fields)
    }
}

fn collect_validation_errors(
    prefix: &str,
    errors: &validator::ValidationErrors,
    out: &mut Vec<FieldError>,
) {
    use validator::ValidationErrorsKind;
    for (field, kind) in errors.errors() {
        let path = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            ValidationErrorsKind::Field(list) => {
                for e in list {
                    out.push(FieldError {
                        field: path.clone(),
                        code: e.code.to_string(),
                        message: e
                            .message
                            .as_ref()
                            .map(|m| m.to_string())
                            .unwrap_or_else(|| default_message(&e.code, &e.params)),
                    });
                }
            }
            ValidationErrorsKind::Struct(inner) => collect_validation_errors(&path, inner, out),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    collect_validation_errors(&format!("{path}[{index}]"), inner, out);
                }
            }
        }
    }
}

fn default_message(
    code: &str,
    params: &std::collections::HashMap<std::borrow::Cow<'static, str>, Value>,
) -> String {
    match code {
        "length" => match (params.get("min"), params.get("max")) {
            (Some(min), Some(max)) => format!("length must be between {min} and {max}"),
            (Some(min), None) => format!("length must be at least {min}"),
            (None, Some(max)) => format!("length must be at most {max}"),
            _ => "invalid length".into(),
        },
        "email" => "must be a valid email address".into(),
        "url" => "must be a valid URL".into(),
        "range" => "out of range".into(),
        other => format!("invalid ({other})"),
    }
}

/// Renders actix extractor failures (bad JSON, query or path) as problem details.
pub fn json_error_handler(
    err: actix_web::error::JsonPayloadError,
    _: &HttpRequest,
) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as E;
    let api = match &err {
        E::ContentType => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as application/json",
        ),
        E::Overflow { limit } | E::OverflowKnownLength { limit, .. } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the body exceeds the {limit}-byte limit"),
        ),
        E::Deserialize(e) if e.is_data() => ApiError::unprocessable(
            "invalid_body",
            format!("the body does not match the expected schema: {e}"),
        ),
        other => ApiError::bad_request("malformed_json", format!("malformed JSON body: {other}")),
    };
    api.into()
}

pub fn query_error_handler(
    err: actix_web::error::QueryPayloadError,
    _: &HttpRequest,
) -> actix_web::Error {
    ApiError::bad_request("invalid_query", format!("invalid query string: {err}")).into()
}

pub fn path_error_handler(err: actix_web::error::PathError, _: &HttpRequest) -> actix_web::Error {
    ApiError::bad_request("invalid_path", format!("invalid path parameter: {err}")).into()
}

// Written as rustfmt cannot settle it (it indents a multi-line attribute in a macro further on
// every run), so it is left as written.
#[rustfmt::skip]
macro_rules! problem_response {
    ($name:ident, $description:literal, $example:expr) => {
        #[derive(ToResponse)]
        #[response(
            description = $description,
            content_type = "application/problem+json",
            example = $example
        )]
        #[allow(dead_code)]
        pub struct $name(Problem);
    };
}

// Each status shows an answer of its own (a lint of openapi.yaml checks that no two statuses of an
// operation share one): the code and shape a client will really meet there.
problem_response!(
    BadRequest,
    "Malformed request: invalid JSON, query string or path parameter.",
    json!({"type": "/problems/invalid_query", "title": "Bad Request", "status": 400,
        "detail": "invalid query string: limit: invalid digit found in string", "code": "invalid_query"})
);
problem_response!(
    Unauthorized,
    "Missing, expired or invalid bearer token or credentials.",
    json!({"type": "/problems/unauthorized", "title": "Unauthorized", "status": 401,
        "detail": "send an Authorization: Bearer <token> header", "code": "unauthorized"})
);
problem_response!(
    Forbidden,
    "The caller's role may not perform this operation.",
    json!({"type": "/problems/forbidden", "title": "Forbidden", "status": 403,
        "detail": "customers and services are managed by admins", "code": "forbidden"})
);
problem_response!(
    NotFound,
    "No such resource, or it belongs to another customer.",
    json!({"type": "/problems/not_found", "title": "Not Found", "status": 404,
        "detail": "incident not found", "code": "not_found"})
);
problem_response!(
    Conflict,
    "The resource already exists or its state does not allow this change (a retry with the \
     same `Idempotency-Key` while the first still runs: `idempotency_in_progress`).",
    json!({"type": "/problems/illegal_transition", "title": "Conflict", "status": 409,
        "detail": "a closed ticket cannot move to in_progress", "code": "illegal_transition"})
);
problem_response!(
    Unprocessable,
    "The request is well-formed but its content is invalid; see `errors`.",
    json!({"type": "/problems/validation_failed", "title": "Unprocessable Entity", "status": 422,
    "detail": "2 fields are invalid", "code": "validation_failed",
    "errors": [
        {"field": "reporter.email", "code": "email", "message": "must be a valid email address"},
        {"field": "summary", "code": "length", "message": "length must be between 1 and 200"}
    ]})
);
problem_response!(
    UnsupportedMediaType,
    "The body must be sent as `application/json`.",
    json!({"type": "/problems/unsupported_media_type", "title": "Unsupported Media Type",
        "status": 415, "detail": "send the body as application/json", "code": "unsupported_media_type"})
);
problem_response!(
    PayloadTooLarge,
    "The request body exceeds the size limit.",
    json!({"type": "/problems/payload_too_large", "title": "Payload Too Large", "status": 413,
        "detail": "the body exceeds the 1048576-byte limit", "code": "payload_too_large"})
);
problem_response!(
    AttachmentConflict,
    "The ticket is closed or cancelled (`ticket_final`), holds as many attachments as it may \
     (`attachment_count_limit`), or the company's attachments would exceed their storage quota \
     (`attachment_storage_quota`); or a retry with the same `Idempotency-Key` while the first still \
     runs (`idempotency_in_progress`).",
    json!({"type": "/problems/attachment_count_limit", "title": "Conflict", "status": 409,
        "detail": "the ticket holds 100 attachments, the most it may; remove one first",
        "code": "attachment_count_limit"})
);
problem_response!(
    AttachmentTooLarge,
    "The file exceeds `ATTACHMENT_MAX_BYTES`; nothing was kept.",
    json!({"type": "/problems/attachment_too_large", "title": "Payload Too Large", "status": 413,
        "detail": "the file exceeds the 26214400-byte limit; nothing was kept",
        "code": "attachment_too_large"})
);
problem_response!(
    UnsupportedAttachment,
    "The content is not of an accepted type, or contradicts its name or declared type \
     (`unsupported_attachment_type`); or the body is not `multipart/form-data`.",
    json!({"type": "/problems/unsupported_attachment_type", "title": "Unsupported Media Type",
        "status": 415, "detail": "the content is application/x-executable, which is not accepted",
        "code": "unsupported_attachment_type"})
);
problem_response!(
    AttachmentGone,
    "The attachment was removed; its content is gone.",
    json!({"type": "/problems/attachment_removed", "title": "Gone", "status": 410,
        "detail": "this attachment was removed; its content is gone", "code": "attachment_removed"})
);
problem_response!(
    RangeNotSatisfiable,
    "The range asked for lies beyond the content (`Content-Range: bytes */<size>` gives its size).",
    json!({"type": "/problems/range_not_satisfiable", "title": "Range Not Satisfiable",
        "status": 416, "detail": "the content has 48213 bytes", "code": "range_not_satisfiable"})
);
problem_response!(
    NotAcceptable,
    "None of the formats the `Accept` header allows is one this operation answers in (see its \
     200 answer's content types).",
    json!({"type": "/problems/not_acceptable", "title": "Not Acceptable", "status": 406,
        "detail": "this export is served as text/csv or application/x-ndjson; ask for one in Accept",
        "code": "not_acceptable"})
);
problem_response!(
    PreconditionFailed,
    "`If-Match` does not match the resource's current `ETag`.",
    json!({"type": "/problems/precondition_failed", "title": "Precondition Failed", "status": 412,
        "detail": "the resource has changed since you read it (If-Match does not match its ETag); read it again and retry",
        "code": "precondition_failed"})
);
problem_response!(
    ServiceUnavailable,
    "The database is busy or unreachable; retry shortly.",
    json!({"type": "/problems/service_unavailable", "title": "Service Unavailable", "status": 503,
        "detail": "the database is busy or unreachable; retry shortly", "code": "service_unavailable",
        "retry_after": 2})
);
problem_response!(
    InternalError,
    "An unexpected error; it has been logged.",
    json!({"type": "/problems/internal_error", "title": "Internal Server Error", "status": 500,
        "detail": "an unexpected error occurred; it has been logged", "code": "internal_error"})
);
problem_response!(
    TooManyRequests,
    "Too many attempts; retry after the `Retry-After` seconds.",
    json!({"type": "/problems/rate_limited", "title": "Too Many Requests", "status": 429,
        "detail": "too many requests from this client; retry in 1 s", "code": "rate_limited",
        "retry_after": 1})
);

/// A field path in the partner standards' attribute names (TMF621, MEF 124): the validation layer names fields as the code does
/// (`related_party[0].contact_medium`), TMF621 in camel case (`relatedParty[0].contactMedium`).
pub(crate) fn camel_case(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut upper = false;
    for c in path.chars() {
        match c {
            '_' => upper = true,
            c if upper => {
                out.extend(c.to_uppercase());
                upper = false;
            }
            c => out.push(c),
        }
    }
    out
}
