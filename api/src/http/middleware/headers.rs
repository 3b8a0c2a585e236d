//! Security headers on every answer: `X-Content-Type-Options: nosniff` (a JSON error is never
//! sniffed into HTML), `X-Frame-Options: DENY` and a `Content-Security-Policy` with
//! `frame-ancestors 'none'` (no page of ours, Swagger UI included, is framed by another site —
//! clickjacking), `Referrer-Policy: no-referrer`; on API answers the policy also allows no content
//! at all (`default-src 'none'`), on Swagger UI's pages only this host's own scripts and requests. `Strict-Transport-Security` is sent when `HSTS_MAX_AGE_SECONDS`
//! is set (behind TLS). A header a handler set itself is left alone.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;

use crate::state::AppState;

const API_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";
/// Swagger UI runs its own scripts and styles, from this host only: no inline script, no other
/// origin to fetch from or send to (so neither an injected script nor a validator badge can
/// reach out), no framing. Its styles set inline attributes and its icons are `data:` images.
const UI_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data:; connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'self'; \
object-src 'none'; frame-ancestors 'none'";

/// The middleware; wrap the app with `actix_web::middleware::from_fn(headers::layer)`.
pub async fn layer(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let ui = req.path().starts_with("/swagger-ui");
    let hsts = req
        .app_data::<web::Data<AppState>>()
        .and_then(|s| s.settings.hsts_max_age)
        .map(|age| format!("max-age={age}; includeSubDomains"));
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    let mut set = |name: &'static str, value: &str| {
        let name = HeaderName::from_static(name);
        if !headers.contains_key(&name) {
            if let Ok(value) = HeaderValue::from_str(value) {
                headers.insert(name, value);
            }
        }
    };
    set("x-content-type-options", "nosniff");
    set("x-frame-options", "DENY");
    set("referrer-policy", "no-referrer");
    set(
        "content-security-policy",
        if ui { UI_POLICY } else { API_POLICY },
    );
    if let Some(hsts) = hsts {
        set("strict-transport-security", &hsts);
    }
    Ok(res)
}
