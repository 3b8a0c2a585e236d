//! Shared application state handed to every handler.

use persistence::Database;

use std::sync::Arc;

use crate::auth::caller::SubjectCache;
use crate::auth::jwt::TokenService;
use crate::config::ServiceSettings;

/// Cheap to clone: the pool and key material are reference-counted inside.
#[derive(Clone)]
pub struct AppState {
    pub db: Database,
    pub tokens: TokenService,
    pub settings: ServiceSettings,
    /// Recently checked token subjects (revocation check).
    pub subjects: Arc<SubjectCache>,
    /// Prometheus collectors of this instance.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Per-client request limits of this instance.
    pub rate_limiter: Arc<crate::rate_limit::Limiter>,
    /// Set on SIGTERM: readiness answers 503 so that traffic moves elsewhere before the stop.
    pub draining: Arc<std::sync::atomic::AtomicBool>,
}

impl AppState {
    pub fn new(db: Database, tokens: TokenService, settings: ServiceSettings) -> Self {
        Self {
            db,
            tokens,
            subjects: Arc::new(SubjectCache::new(settings.revocation_check)),
            metrics: Arc::new(crate::metrics::Metrics::new()),
            rate_limiter: Arc::new(crate::rate_limit::Limiter::new(
                settings.rate_limit_per_second,
                settings.rate_limit_burst,
            )),
            draining: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            settings,
        }
    }

    pub fn sla(&self) -> &domain::SlaPolicy {
        &self.settings.sla
    }
}

/// A read from a handler: on the worker thread when the database can answer at once (SQLite with
/// a free connection: microseconds, where the hop to a blocking thread and back cost more than
/// the query), else on the blocking pool.
pub async fn read<T, F>(
    state: &actix_web::web::Data<AppState>,
    f: F,
) -> Result<T, crate::error::ApiError>
where
    F: FnOnce(&mut persistence::DbConnection) -> Result<T, persistence::StoreError>
        + Send
        + 'static,
    T: Send + 'static,
{
    match state.db.read_now(f) {
        Ok(done) => Ok(done?),
        Err(f) => {
            let state = state.clone();
            Ok(actix_web::web::block(move || state.db.read(f)).await??)
        }
    }
}

/// Now, truncated to microseconds: the precision both databases store, so a value returned
/// right after a write equals the value read back later.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound;
    chrono::Utc::now().trunc_subsecs(6)
}
