//! Probes and metrics (R-API6): liveness needs nothing; readiness checks the database; metrics
//! are Prometheus text.

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::error::ApiError;
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
    let backend = state.store.backend_name();
    web::block(move || state.store.ping()).await??;
    Ok(HttpResponse::Ok().json(HealthStatus {
        status: "ok".into(),
        database: Some(backend.into()),
    }))
}

/// Prometheus metrics.
///
/// Request counts and latency histograms per route pattern, database pool gauges and (SQLite)
/// the group commit's counters, in the Prometheus text format. Contains no tenant data; restrict
/// it at the network edge if needed.
#[utoipa::path(
    tag = "health",
    security(()),
    responses(
        (status = 200, description = "Metrics in the Prometheus text format.", body = String, content_type = "text/plain"),
        (status = 500, response = crate::http::error::InternalError),
    )
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let buffer = state
        .metrics
        .render(state.store.pool_state(), state.store.writer_stats())
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(buffer))
}
