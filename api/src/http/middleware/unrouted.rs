//! The answer to a request no handler took: 405 `method_not_allowed` with `Allow` when the path is
//! one of the contract's (RFC 9110 §15.5.6), else 404 `route_not_found`; both problem+json.
//!
//! The known paths and their methods come from the OpenAPI contract itself, which is generated from
//! the route table, so the two cannot disagree.

use std::sync::OnceLock;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse, ResponseError};

use crate::http::error::ApiError;

/// One contract path: its segments (`None` for a `{parameter}`) and the methods it serves.
struct KnownPath {
    segments: Vec<Option<String>>,
    methods: Vec<&'static str>,
}

/// Whether an operation is served: documented with a success answer. An operation a standard
/// defines and we refuse on purpose (TMF621's `deleteTroubleTicket`) documents its error only.
fn served(op: &Option<utoipa::openapi::path::Operation>) -> bool {
    op.as_ref().is_some_and(|op| {
        op.responses
            .responses
            .keys()
            .any(|status| status.starts_with('2'))
    })
}

fn known_paths() -> &'static [KnownPath] {
    static PATHS: OnceLock<Vec<KnownPath>> = OnceLock::new();
    PATHS.get_or_init(|| {
        crate::openapi()
            .paths
            .paths
            .iter()
            .map(|(path, item)| KnownPath {
                segments: path
                    .trim_start_matches('/')
                    .split('/')
                    .map(|s| (!s.starts_with('{')).then(|| s.to_owned()))
                    .collect(),
                methods: [
                    ("GET", served(&item.get)),
                    ("PUT", served(&item.put)),
                    ("POST", served(&item.post)),
                    ("DELETE", served(&item.delete)),
                    ("PATCH", served(&item.patch)),
                ]
                .into_iter()
                .filter_map(|(name, served)| served.then_some(name))
                .collect(),
            })
            .collect()
    })
}

/// The methods served on `path`, if it is one of the contract's paths. Where a template with a
/// fixed segment and one with a parameter there both match (`/incidents/export` and
/// `/incidents/{ref}`), the path is the more specific one's: its methods alone.
pub fn allowed_methods(path: &str) -> Option<Vec<&'static str>> {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let matching: Vec<&KnownPath> = known_paths()
        .iter()
        .filter(|known| {
            known.segments.len() == segments.len()
                && known
                    .segments
                    .iter()
                    .zip(&segments)
                    .all(|(k, s)| k.as_deref().map_or(!s.is_empty(), |k| k == *s))
        })
        .collect();
    let fixed = |known: &KnownPath| known.segments.iter().filter(|s| s.is_some()).count();
    let most = matching.iter().map(|k| fixed(k)).max().unwrap_or(0);
    let mut allowed: Vec<&'static str> = matching
        .into_iter()
        .filter(|known| fixed(known) == most)
        .flat_map(|known| known.methods.iter().copied())
        .collect();
    allowed.sort_unstable();
    allowed.dedup();
    (!allowed.is_empty()).then_some(allowed)
}

/// The app's `default_service`.
pub async fn unrouted(req: HttpRequest) -> HttpResponse {
    match allowed_methods(req.path()) {
        Some(methods) => {
            let allow = methods.join(", ");
            let err = ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                format!(
                    "{} is not allowed on {}; use {allow}",
                    req.method(),
                    req.path()
                ),
            );
            let mut response = err.error_response();
            if let Ok(value) = header::HeaderValue::from_str(&allow) {
                response.headers_mut().insert(header::ALLOW, value);
            }
            response
        }
        None => ApiError::new(
            StatusCode::NOT_FOUND,
            "route_not_found",
            format!("no route for {} {}", req.method(), req.path()),
        )
        .error_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::allowed_methods;

    #[test]
    fn known_paths_list_their_methods() {
        assert_eq!(
            allowed_methods("/api/v1/incidents"),
            Some(vec!["GET", "POST"])
        );
        assert!(allowed_methods("/api/v1/incidents/1-0000000001")
            .is_some_and(|m| m.contains(&"GET") && m.contains(&"PATCH")));
        assert_eq!(allowed_methods("/api/v1/nowhere"), None);
        // A fixed segment wins over a parameter in the same place.
        assert_eq!(
            allowed_methods("/api/v1/incidents/export"),
            Some(vec!["GET"])
        );
        // Documented, refused on purpose, so not among the methods served.
        assert_eq!(
            allowed_methods("/tmf-api/troubleTicket/v4/troubleTicket/1-0000000001"),
            Some(vec!["GET", "PATCH"])
        );
        assert_eq!(allowed_methods("/api/v1/incidents//close"), None);
    }
}
