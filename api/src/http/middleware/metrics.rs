//! `GET /metrics` (R-API6): Prometheus text with request counts and latency histograms per route
//! pattern (never a raw path, so no ticket numbers or tenant data), and database pool gauges.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
};

/// The registry and the collectors the middleware feeds.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pool_connections: IntGauge,
    pool_idle: IntGauge,
    /// SQLite's group commit: transactions committed, and the writes they carried.
    write_batches: IntCounter,
    writes: IntCounter,
    /// Reads of the event table by the instance's event feed (one per tick while streams are
    /// open, whatever their number).
    pub event_feed_reads: IntCounter,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Builds the collectors. Their definitions are fixed and distinct, so registration cannot
    /// fail; this runs once at start-up.
    #[allow(clippy::expect_used)]
    pub fn new() -> Self {
        Self::build().expect("static metric definitions are valid")
    }

    fn build() -> Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests by route, method and status",
            ),
            &["route", "method", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "HTTP request latency by route and method",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ]),
            &["route", "method"],
        )?;
        let pool_connections = IntGauge::new("db_pool_connections", "Open database connections")?;
        let pool_idle = IntGauge::new("db_pool_idle_connections", "Idle database connections")?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(pool_connections.clone()))?;
        let event_feed_reads = IntCounter::new(
            "event_feed_reads_total",
            "Reads of the event table by this instance's event feed",
        )?;
        registry.register(Box::new(pool_idle.clone()))?;
        registry.register(Box::new(event_feed_reads.clone()))?;
        let write_batches = IntCounter::new(
            "db_write_batches_total",
            "Transactions committed by SQLite's group commit (each carries one or more writes)",
        )?;
        let writes = IntCounter::new(
            "db_writes_total",
            "Writes run by SQLite's group commit, each in its own savepoint",
        )?;
        registry.register(Box::new(write_batches.clone()))?;
        registry.register(Box::new(writes.clone()))?;
        Ok(Self {
            registry,
            requests,
            latency,
            pool_connections,
            pool_idle,
            write_batches,
            writes,
            event_feed_reads,
        })
    }
}

/// Middleware recording each request; wrap with `from_fn(metrics::record)`.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    // Known methods only: an invented method must not mint a new time series.
    let method = match req.method().as_str() {
        m @ ("GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS") => m,
        _ => "other",
    }
    .to_owned();
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let response = next.call(req).await?;
    if let Some(metrics) = metrics {
        let status = response.status().as_u16().to_string();
        metrics
            .requests
            .with_label_values(&[&route, &method, &status])
            .inc();
        metrics
            .latency
            .with_label_values(&[&route, &method])
            .observe(started.elapsed().as_secs_f64());
    }
    Ok(response)
}

impl Metrics {
    /// The text exposition, with the pool gauges set to `(open, idle)` connections and the
    /// group commit's counters brought up to `writer` (SQLite only).
    pub fn render(
        &self,
        pool: (u32, u32),
        writer: Option<app::WriterStats>,
    ) -> Result<Vec<u8>, prometheus::Error> {
        self.pool_connections.set(i64::from(pool.0));
        self.pool_idle.set(i64::from(pool.1));
        if let Some(stats) = writer {
            let catch_up = |counter: &IntCounter, total: u64| {
                counter.inc_by(total.saturating_sub(counter.get()));
            };
            catch_up(&self.write_batches, stats.batches);
            catch_up(&self.writes, stats.writes);
        }
        let mut buffer = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut buffer)?;
        Ok(buffer)
    }
}
