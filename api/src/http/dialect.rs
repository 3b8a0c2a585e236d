//! The error shape of each standard this API speaks.
//!
//! Handlers, extractors and middlewares all fail with one type, [`ApiError`](super::error::ApiError),
//! rendered as RFC 9457 problem details. Under `/api/v1` that is the answer. Under a partner
//! facade the standard fixes another shape: the [`layer`](crate::http::middleware::dialect) turns
//! the problem into it on the way out, so that no facade handler (and no rule) is written twice,
//! and [`Dialect::document`] publishes the same shape in the contract.
//!
//! TMF621 v4 (TMF630): `{"@type": "Error", "code", "reason", "message", "status", "referenceError"}`
//! with `status` as a string. `code` is our stable problem code, `reason` the problem's detail,
//! `message` the field errors in words, and the extension `errors` the field errors as
//! `/api/v1` gives them. The v4 document declares 400, 401, 403, 404, 405, 409 and 500 only, so
//! the statuses it lacks take the nearest it has: 413, 415 and 422 answer 400; 412 answers 409.
//! TMF621 v5 has the same `Error` (its `@type` required) and declares 501 and 503 besides: the
//! same statuses move.

use actix_web::http::StatusCode;
use serde::Serialize;
use serde_json::Value;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder, Responses};
use utoipa::ToSchema;

use super::error::{camel_case, FieldError};

/// How a part of the API answers errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// RFC 9457 problem details (`/api/v1` and everything outside a facade).
    Problem,
    /// TM Forum TMF630 `Error`, as TMF621 v4 declares it.
    Tmf630V4,
    /// TM Forum TMF630 `Error`, as TMF621 v5 declares it.
    Tmf630V5,
    /// MEF 124 Sonata's `Error400` … `Error501`, per operation ([`super::mef_error`]).
    Mef124,
}

/// The TMF621 v4 facade's root.
pub const TMF621_V4: &str = "/tmf-api/troubleTicket/v4";

/// The tag under which Swagger UI documents the TMF621 v4 facade (and its errors).
pub const TMF621_V4_TAG: &str = "TMF621 trouble tickets";

/// The TMF621 v5 facade's root.
pub const TMF621_V5: &str = "/tmf-api/troubleTicket/v5";

/// The tag under which Swagger UI documents the TMF621 v5 facade (and its errors).
pub const TMF621_V5_TAG: &str = "TMF621 v5 trouble tickets";

/// A TMF630 error (TMF621 v4 `Error`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({
    "@type": "Error", "code": "validation_failed", "status": "400",
    "reason": "severity: 'Urgent' is not a TMF621 severity; use Critical, Major, Minor or Low",
    "message": "severity: 'Urgent' is not a TMF621 severity; use Critical, Major, Minor or Low",
    "referenceError": "https://portal.example.net/swagger-ui/#/TMF621%20trouble%20tickets",
    "errors": [{"field": "severity", "code": "invalid",
        "message": "'Urgent' is not a TMF621 severity; use Critical, Major, Minor or Low"}]
}))]
pub struct TmfError {
    /// Always `Error`.
    #[serde(rename = "@type")]
    #[schema(example = "Error")]
    pub at_type: String,
    /// Our stable machine-readable code (the `code` of `/api/v1` problems), e.g. `not_found`.
    #[schema(example = "not_found")]
    pub code: String,
    /// What went wrong, for a person.
    pub reason: String,
    /// The invalid fields in words (`field: message; …`), when the input was invalid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The HTTP status, as a string.
    #[schema(example = "404")]
    pub status: String,
    /// Where these errors are documented.
    #[schema(format = "uri")]
    pub reference_error: String,
    /// The invalid fields, as `/api/v1` problems list them (an extension of TMF630).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(required = false)]
    pub errors: Vec<FieldError>,
}

impl Dialect {
    /// The dialect of the operation at `path`.
    pub fn of(path: &str) -> Self {
        if under(path, TMF621_V4) {
            Self::Tmf630V4
        } else if under(path, TMF621_V5) {
            Self::Tmf630V5
        } else if under(path, super::mef_error::MEF124) {
            Self::Mef124
        } else {
            Self::Problem
        }
    }

    /// The status this dialect answers for one of ours.
    pub fn status(self, status: StatusCode) -> StatusCode {
        match (self, status.as_u16()) {
            (Self::Problem | Self::Mef124, _) => status,
            (Self::Tmf630V4 | Self::Tmf630V5, 413 | 415 | 422) => StatusCode::BAD_REQUEST,
            (Self::Tmf630V4 | Self::Tmf630V5, 412) => StatusCode::CONFLICT,
            (Self::Tmf630V4 | Self::Tmf630V5, _) => status,
        }
    }

    /// The dialect's body for an error we rendered as problem details. `origin` is the scheme
    /// and host the client called (for `referenceError`).
    pub fn translate(self, status: StatusCode, problem: &Value, origin: &str) -> Value {
        let tag = match self {
            Self::Problem | Self::Mef124 => return problem.clone(),
            Self::Tmf630V4 => TMF621_V4_TAG,
            Self::Tmf630V5 => TMF621_V5_TAG,
        };
        let text = |key: &str| problem[key].as_str().unwrap_or_default().to_owned();
        let errors: Vec<FieldError> = problem["errors"]
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|e| FieldError {
                        field: camel_case(e["field"].as_str().unwrap_or_default()),
                        code: e["code"].as_str().unwrap_or_default().to_owned(),
                        message: e["message"].as_str().unwrap_or_default().to_owned(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let message = (!errors.is_empty()).then(|| {
            errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; ")
        });
        let code = match text("code") {
            c if c.is_empty() => "error".to_owned(),
            c => c,
        };
        // The detail names fields as the code does; with field errors it is rebuilt
        // from them, so that it names them as TMF621 does.
        let reason = match (errors.as_slice(), text("detail")) {
            ([one], _) => format!("{}: {}", one.field, one.message),
            ([_, _, ..], _) => format!("{} fields are invalid", errors.len()),
            ([], d) if d.is_empty() => status.canonical_reason().unwrap_or("Error").to_owned(),
            ([], d) => d,
        };
        serde_json::to_value(TmfError {
            at_type: "Error".to_owned(),
            code,
            reason,
            message,
            status: status.as_u16().to_string(),
            reference_error: format!("{origin}/swagger-ui/#/{}", tag.replace(' ', "%20")),
            errors,
        })
        .unwrap_or(Value::Null)
    }

    /// Publishes an operation's error answers as this dialect gives them: each documented
    /// status becomes the one the dialect answers, with its error schema (`application/json`).
    pub fn document(self, method: &actix_web::http::Method, path: &str, responses: &mut Responses) {
        match self {
            Self::Problem => return,
            Self::Mef124 => {
                return super::mef_error::document(
                    super::mef_error::Op::of(method, path),
                    responses,
                )
            }
            _ => {}
        }
        let errors: Vec<(String, RefOr<Response>)> = responses
            .responses
            .iter()
            .filter(|(status, _)| status.starts_with(['4', '5']))
            .map(|(s, r)| (s.clone(), r.clone()))
            .collect();
        for (status, _) in &errors {
            responses.responses.remove(status);
        }
        for (status, _) in errors {
            let Some(ours) = status
                .parse()
                .ok()
                .and_then(|s| StatusCode::from_u16(s).ok())
            else {
                continue;
            };
            let theirs = self.status(ours).as_u16();
            responses
                .responses
                .entry(theirs.to_string())
                .or_insert_with(|| {
                    RefOr::Ref(Ref::from_response_name(format!("TmfError{theirs}")))
                });
        }
    }
}

/// The TMF630 error answers the contract's components hold (`TmfError{status}`), each an
/// `application/json` [`TmfError`].
pub fn tmf_responses() -> Vec<(String, Response)> {
    [
        (
            400,
            "Bad request: malformed or invalid input (`errors` lists the invalid fields).",
        ),
        (401, "Missing, expired or invalid bearer token."),
        (403, "The caller's role may not perform this operation."),
        (404, "No such resource, or it belongs to another customer."),
        (405, "The method is not served on this resource."),
        (
            409,
            "The resource's state does not allow this change, or it changed since it was read \
               (`If-Match`).",
        ),
        (429, "Too many requests; retry after `Retry-After` seconds."),
        (503, "The database is busy or unreachable; retry shortly."),
    ]
    .into_iter()
    .map(|(status, description)| {
        let response = ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("TmfError")))
                    .build(),
            )
            .build();
        (format!("TmfError{status}"), response)
    })
    .collect()
}

/// Whether `path` is `root` or below it.
fn under(path: &str, root: &str) -> bool {
    path.strip_prefix(root)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn facades_are_known_by_their_root() {
        assert_eq!(
            Dialect::of("/tmf-api/troubleTicket/v4/troubleTicket"),
            Dialect::Tmf630V4
        );
        assert_eq!(Dialect::of("/tmf-api/troubleTicket/v4"), Dialect::Tmf630V4);
        assert_eq!(
            Dialect::of("/tmf-api/troubleTicket/v44/troubleTicket"),
            Dialect::Problem
        );
        assert_eq!(Dialect::of("/api/v1/incidents"), Dialect::Problem);
    }

    #[test]
    fn a_validation_problem_becomes_a_tmf630_400_keeping_code_and_fields() {
        let problem = json!({
            "type": "/problems/validation_failed", "title": "Unprocessable Entity", "status": 422,
            "detail": "related_party: unknown", "code": "validation_failed",
            "errors": [{"field": "related_party", "code": "invalid", "message": "unknown"}]
        });
        let status = Dialect::Tmf630V4.status(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let error = Dialect::Tmf630V4.translate(status, &problem, "https://x.example");
        assert_eq!(error["@type"], "Error");
        assert_eq!(error["code"], "validation_failed");
        assert_eq!(error["reason"], "relatedParty: unknown");
        assert_eq!(error["message"], "relatedParty: unknown");
        assert_eq!(error["status"], "400");
        assert_eq!(error["errors"][0]["field"], "relatedParty");
        assert_eq!(
            error["referenceError"],
            "https://x.example/swagger-ui/#/TMF621%20trouble%20tickets"
        );
    }

    #[test]
    fn field_paths_take_tmf_attribute_names() {
        assert_eq!(
            camel_case("related_party[0].contact_medium"),
            "relatedParty[0].contactMedium"
        );
        assert_eq!(camel_case("severity"), "severity");
        assert_eq!(
            camel_case("relatedEntity.@referredType"),
            "relatedEntity.@referredType"
        );
    }

    #[test]
    fn statuses_the_v4_document_lacks_take_the_nearest_it_declares() {
        let v4 = Dialect::Tmf630V4;
        for (ours, theirs) in [(412, 409), (413, 400), (415, 400), (422, 400), (404, 404)] {
            let ours = StatusCode::from_u16(ours).unwrap();
            assert_eq!(v4.status(ours).as_u16(), theirs, "{ours}");
        }
        assert_eq!(
            Dialect::Problem.status(StatusCode::UNPROCESSABLE_ENTITY),
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
}
