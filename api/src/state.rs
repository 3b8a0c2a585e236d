//! What every handler shares: the store and the use cases' configuration, and the per-instance
//! parts the layers own (each layer reads its own part; none reads this bag).

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use actix_web::web;
use app::{AppError, Conn, Ctx, Store};
use chrono::{DateTime, Utc};

use crate::config::ServiceSettings;
use crate::http::caller::Authenticator;
use crate::http::error::ApiError;
use crate::http::jwt::TokenService;
use crate::http::middleware::metrics::Metrics;
use crate::http::middleware::rate_limit::Limiter;
use crate::workers::event_feed::EventFeed;

/// Cheap to clone: everything inside is reference-counted.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// The configuration the use cases read.
    pub ctx: Arc<Ctx>,
    pub settings: ServiceSettings,
    /// Token verification and the revocation check (the authentication layer's).
    pub auth: Arc<Authenticator>,
    /// Prometheus collectors of this instance (the metrics layer's).
    pub metrics: Arc<Metrics>,
    /// Per-client request limits of this instance (the rate-limit layer's).
    pub limiter: Arc<Limiter>,
    /// Open event streams per token subject on this instance (the stream route's cap).
    pub streams: Arc<crate::routes::events::OpenStreams>,
    /// The one reader of the event table that every stream of this instance listens to.
    pub feed: Arc<EventFeed>,
    /// Set on SIGTERM: readiness answers 503 so that traffic moves elsewhere before the stop.
    pub draining: Arc<AtomicBool>,
    /// Where attachments' content is kept.
    pub objects: app::objects::Objects,
}

impl AppState {
    /// Panics when the attachment store cannot be opened: the configuration has opened it once
    /// already (`config::Config::from_env`), so this is a store gone since.
    pub fn new(store: Store, tokens: TokenService, settings: ServiceSettings) -> Self {
        let metrics = Arc::new(Metrics::new());
        let objects = app::objects::Objects::open_with(
            &settings.attachments.store,
            &settings.attachments.store_options,
        )
        .unwrap_or_else(|e| panic!("cannot open the attachment store: {e}"));
        Self {
            objects,
            feed: EventFeed::new(store.clone(), metrics.event_feed_reads.clone()),
            ctx: Arc::new(settings.ctx(tokens.link_key())),
            auth: Arc::new(Authenticator::new(
                tokens,
                store.clone(),
                settings.revocation_check,
            )),
            metrics,
            limiter: Arc::new(Limiter::new(
                settings.rate_limit_per_second,
                settings.rate_limit_burst,
            )),
            streams: Arc::default(),
            draining: Arc::new(AtomicBool::new(false)),
            store,
            settings,
        }
    }

    pub fn sla(&self) -> &domain::SlaPolicy {
        &self.ctx.sla
    }
}

/// Runs a use case in one write transaction: extract → command →
/// `write(|conn, ctx, now| app::…)` → view. On SQLite the writer thread runs it with the writes
/// queued beside it while the handler awaits the answer; on PostgreSQL it runs on a blocking
/// thread.
pub async fn write<T, F>(state: &web::Data<AppState>, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut Conn, &Ctx, DateTime<Utc>) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let state = state.clone();
    if state.store.submits() {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let now = app::now();
        let ctx = state.ctx.clone();
        state.store.submit(
            move |conn| f(conn, &ctx, now),
            move |done| {
                // The request may be gone (client disconnected): nobody to answer.
                let _ = answer.send(done);
            },
        );
        return Ok(answered
            .await
            .map_err(|_| AppError::Unavailable("the database writer stopped".into()))??);
    }
    Ok(web::block(move || {
        let now = app::now();
        state.store.write(|conn| f(conn, &state.ctx, now))
    })
    .await??)
}

/// Runs a use case that manages its own transactions (hashing outside them, several steps), on
/// a blocking thread.
pub async fn run<T, F>(state: &web::Data<AppState>, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&Store, &Ctx, DateTime<Utc>) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let state = state.clone();
    Ok(web::block(move || f(&state.store, &state.ctx, app::now())).await??)
}

/// A long read (a report over many tickets): always on the blocking pool, so that the worker
/// thread goes on serving its other connections meanwhile.
pub async fn long_read<T, F>(state: &web::Data<AppState>, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut Conn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let state = state.clone();
    Ok(web::block(move || state.store.read(f)).await??)
}

/// A read: on the worker thread when the database can answer at once (SQLite with a free
/// connection: microseconds, where the hop to a blocking thread and back cost more than the
/// query), else on the blocking pool.
pub async fn read<T, F>(state: &web::Data<AppState>, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut Conn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    match state.store.read_now(f) {
        Ok(done) => Ok(done?),
        Err(f) => long_read(state, f).await,
    }
}
