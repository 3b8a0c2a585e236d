//! `Idempotency-Key` for creating POSTs (R-API3).
//!
//! A POST carrying `Idempotency-Key` is claimed in the database under (caller, path, key)
//! before it runs. A retry with the same key, query string and body gets the stored first response (with
//! `Idempotent-Replayed: true`) and creates nothing; the same key with another query or body is 422; a
//! retry while the first is still running is 409. Only successful (2xx) responses are kept —
//! a failed request releases its key so it can be retried. Keys expire after
//! `IDEMPOTENCY_TTL_HOURS`. Not applied to `/auth/token`.
//!
//! A response that carries a secret (`Cache-Control: no-store`: a new client or webhook secret,
//! a rotated one) is never stored: its key keeps a 409 `idempotent_secret_not_kept` answer instead,
//! with the first response's `Location`, so a retry neither repeats the operation nor sees the
//! secret. Keys are per route as routed (`/api/v1/api-%63lients` is `/api/v1/api-clients`), and the
//! caller is authenticated (and re-checked for revocation) before any replay.

use actix_web::body::{to_bytes, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};
use app::idempotency::{Claim, StoredResponse};
use sha2::{Digest, Sha256};

use crate::http::error::ApiError;
use crate::state::AppState;

use crate::http::idempotent::{applies_to, HEADER};
const KEPT_HEADERS: &[&str] = &["content-type", "location", "etag"];

/// SHA-256 of length-prefixed parts, lower-case hex.
pub(crate) fn sha256_hex(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn error_response(req: ServiceRequest, err: ApiError) -> ServiceResponse<BoxBody> {
    req.into_response(actix_web::ResponseError::error_response(&err))
}

/// The middleware; wrap the app with `actix_web::middleware::from_fn(idempotency::layer)`.
pub async fn layer(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let key = req
        .headers()
        .get(HEADER)
        .map(|v| v.to_str().map(str::to_owned));
    // The path as the router matches it (percent-encoded unreserved characters decoded).
    let path = req.match_info().as_str().to_owned();
    // An upload (`multipart/form-data`) is streamed, never read whole here: its handler claims
    // the key itself, once the file's hash is known (`routes::attachments`).
    let streamed = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/")
        });
    let applies = req.method() == Method::POST && applies_to(&path) && !streamed;
    let (Some(key), true) = (key, applies) else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let key = match key {
        Ok(k) if (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()) => k,
        _ => {
            let err = ApiError::bad_request(
                "invalid_idempotency_key",
                "Idempotency-Key must be 1-255 printable ASCII characters",
            );
            return Ok(error_response(req, err));
        }
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(error_response(req, ApiError::internal("AppState missing")));
    };
    // Keys belong to the caller; an unauthenticated request is left for the handler to refuse.
    let Some(subject) = crate::http::caller::Identity::of(req.request()).map(|c| c.subject) else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };

    let body = match super::nul::read_body(&mut req).await? {
        Ok(body) => body,
        Err(err) => return Ok(error_response(req, err)),
    };
    let key_hash = sha256_hex(&[subject.as_bytes(), path.as_bytes(), key.as_bytes()]);
    // The request is its query string and its body: the same key with another `?sellerId=`
    // is another request (422), not a replay of the first.
    let request_hash = sha256_hex(&[req.query_string().as_bytes(), &body]);

    let claim = {
        let (state, key_hash, request_hash) = (state.clone(), key_hash.clone(), request_hash);
        web::block(move || {
            state.store.write(|conn| {
                app::idempotency::claim(conn, &key_hash, &request_hash, &state.ctx, app::now())
            })
        })
        .await
    };
    let claim = match claim {
        Ok(Ok(claim)) => claim,
        Ok(Err(store)) => return Ok(error_response(req, store.into())),
        Err(blocking) => return Ok(error_response(req, blocking.into())),
    };
    match claim {
        Claim::Mismatch => Ok(error_response(
            req,
            ApiError::unprocessable(
                "idempotency_key_reused",
                "this Idempotency-Key was used with a different request body",
            ),
        )),
        Claim::InProgress => Ok(error_response(
            req,
            ApiError::conflict(
                "idempotency_in_progress",
                "a request with this Idempotency-Key is still being processed; retry shortly",
            ),
        )),
        Claim::Replay(stored) => Ok(req.into_response(replayed(stored))),
        Claim::Proceed => {
            req.set_payload(actix_web::dev::Payload::from(body));
            let response = next.call(req).await?;
            record(state, key_hash, response).await
        }
    }
}

/// Keeps a successful response under its key, or releases the key after a failure.
async fn record(
    state: web::Data<AppState>,
    key_hash: String,
    response: ServiceResponse<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let status = response.status();
    if !status.is_success() {
        let _ = web::block(move || {
            state
                .store
                .write(|conn| app::idempotency::release(conn, &key_hash))
        })
        .await;
        return Ok(response.map_into_boxed_body());
    }
    let (request, response) = response.into_parts();
    let (response, body) = response.into_parts();
    let bytes = to_bytes(body)
        .await
        .map_err(|_| actix_web::error::ErrorInternalServerError("response body unreadable"))?;
    let kept = |names: &[&str]| -> Vec<(String, String)> {
        names
            .iter()
            .filter_map(|name| {
                response
                    .headers()
                    .get(*name)
                    .and_then(|v| v.to_str().ok())
                    .map(|v| ((*name).to_owned(), v.to_owned()))
            })
            .collect()
    };
    let stored = if carries_secret(&response) {
        secret_not_kept(status, kept(&["location"])).await?
    } else {
        StoredResponse {
            status: status.as_u16(),
            headers: kept(KEPT_HEADERS),
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    };
    let saved = web::block(move || {
        state
            .store
            .write(|conn| app::idempotency::complete(conn, &key_hash, &stored))
    })
    .await;
    if !matches!(saved, Ok(Ok(()))) {
        log::error!("could not store an idempotent response; a retry will run again");
    }
    let response = response.set_body(BoxBody::new(bytes));
    Ok(ServiceResponse::new(request, response))
}

/// Does this response carry a credential (marked `Cache-Control: no-store`, as every response
/// with a secret is)?
fn carries_secret<B>(response: &HttpResponse<B>) -> bool {
    response
        .headers()
        .get_all(actix_web::http::header::CACHE_CONTROL)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|directive| directive.trim().eq_ignore_ascii_case("no-store"))
}

/// What a retry gets instead of a response with a secret: a 409 saying the first request
/// succeeded, pointing at what it made.
async fn secret_not_kept(
    first: StatusCode,
    location: Vec<(String, String)>,
) -> Result<StoredResponse, actix_web::Error> {
    let err = ApiError::conflict(
        "idempotent_secret_not_kept",
        format!(
            "the request with this Idempotency-Key succeeded ({}); its response carried a secret, \
             which is never stored, so it cannot be replayed — rotate the secret to get a new one",
            first.as_u16()
        ),
    );
    let rendered = actix_web::ResponseError::error_response(&err);
    let content_type = rendered
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/problem+json")
        .to_owned();
    let status = rendered.status().as_u16();
    let body = to_bytes(rendered.into_body())
        .await
        .map_err(|_| actix_web::error::ErrorInternalServerError("problem body unreadable"))?;
    let mut headers = vec![("content-type".to_owned(), content_type)];
    headers.extend(location);
    Ok(StoredResponse {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// The first answer to a key, sent again: its status, kept headers and body, marked
/// `Idempotent-Replayed: true`.
pub fn replayed(stored: StoredResponse) -> HttpResponse {
    let mut response =
        HttpResponse::build(StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK));
    for (name, value) in &stored.headers {
        response.insert_header((name.as_str(), value.as_str()));
    }
    response.insert_header(("Idempotent-Replayed", "true"));
    response.body(stored.body)
}
