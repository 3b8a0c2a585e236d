//! Probes (R-API6): liveness needs nothing; readiness checks the database.

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::state::AppState;

/// Probe result.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "ok"}))]
pub struct HealthStatus {
    /// `ok` when healthy.
    pub status: String,
    /// Database backend, on readiness: `sqlite` or `postgresql`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
}

/// Liveness probe.
///
/// Answers 200 while the process serves HTTP; it touches nothing else.
#[utoipa::path(
    tag = "health",
    security(()),
    responses((status = 200, description = "The process is alive.", body = HealthStatus))
)]
#[get("/health/live")]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(HealthStatus {
        status: "ok".into(),
        database: None,
    })
}

/// Readiness probe.
///
/// Answers 200 when a database connection can be had and answers a query, 503 otherwise — and
/// 503 `draining` from the moment the process is asked to stop.
#[utoipa::path(
    tag = "health",
    security(()),
    responses(
        (status = 200, description = "Ready to serve.", body = HealthStatus),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[get("/health/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    if state.draining.load(std::sync::atomic::Ordering::SeqCst) {
        return Err(ApiError::new(
            actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
            "draining",
            "this instance is shutting down",
        ));
    }
    let backend = state.db.backend().name();
    web::block(move || state.db.ping()).await??;
    Ok(HttpResponse::Ok().json(HealthStatus {
        status: "ok".into(),
        database: Some(backend.into()),
    }))
}
