//! Errors in the caller's standard: a problem+json answer under a partner facade is rewritten
//! into that standard's error shape and status ([`crate::http::dialect`]). It wraps the
//! authentication, rate-limit, NUL and idempotency layers, so their refusals are translated too.

use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::HttpResponse;
use serde_json::Value;

use crate::http::dialect::Dialect;
use crate::http::error::PROBLEM_JSON;

/// Largest problem body read back (ours are a few hundred bytes).
const PROBLEM_LIMIT: usize = 64 * 1024;

/// The middleware; wrap the app with `actix_web::middleware::from_fn(dialect::layer)`.
pub async fn layer(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let dialect = Dialect::of(req.path());
    if dialect == Dialect::Problem {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    let origin = {
        let info = req.connection_info();
        format!("{}://{}", info.scheme(), info.host())
    };
    let op = crate::http::mef_error::Op::of(req.method(), req.path());
    let res = next.call(req).await?.map_into_boxed_body();
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_JSON));
    if !is_problem {
        return Ok(res);
    }
    let (req, res) = res.into_parts();
    let ours = res.status();
    let mut headers = res.headers().clone();
    let bytes = body::to_bytes_limited(res.into_body(), PROBLEM_LIMIT)
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    let problem: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let fields = problem["errors"].as_array().is_some_and(|e| !e.is_empty());
    let status = match dialect {
        Dialect::Mef124 => crate::http::mef_error::status(op, ours, fields),
        _ => dialect.status(ours),
    };
    let mut answer = HttpResponse::build(status);
    headers.remove(header::CONTENT_LENGTH);
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    for (name, value) in headers.iter() {
        answer.append_header((name.clone(), value.clone()));
    }
    let body = match dialect {
        Dialect::Mef124 => crate::http::mef_error::body(op, status, &problem, &origin),
        _ => dialect.translate(status, &problem, &origin),
    };
    Ok(ServiceResponse::new(req, answer.body(body.to_string())))
}
