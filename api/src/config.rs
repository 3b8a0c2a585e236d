//! Configuration from the environment. Every variable is optional; the defaults make
//! `cargo run` work on an embedded SQLite file.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `DATABASE_URL` | `sqlite://data/service-assurance.db` | `postgres://…` for PostgreSQL, else a SQLite file |
//! | `BIND_ADDR` | `127.0.0.1:8080` | address the HTTP server listens on |
//! | `JWT_SECRET` | a development secret (logged warning) | HMAC key for tokens, at least 32 bytes |
//! | `JWT_ISSUER` | `service-assurance` | `iss` claim issued and required |
//! | `JWT_AUDIENCE` | `service-assurance-api` | `aud` claim issued and required |
//! | `TOKEN_TTL_SECONDS` | `3600` | lifetime of issued tokens |
//! | `BOOTSTRAP_ADMIN_EMAIL` / `BOOTSTRAP_ADMIN_PASSWORD` | unset | create this admin at start if absent |
//! | `DATABASE_POOL_SIZE` | `10` | connections per instance |
//! | `DATABASE_TIMEOUT_SECONDS` | `5` | wait for a pooled connection before answering 503 |
//! | `HTTP_WORKERS` | number of CPUs | actix worker threads |
//! | `SHUTDOWN_GRACE_SECONDS` | `0` | on SIGTERM, answer readiness 503 and keep serving this long before closing the listener |
//! | `SLA_TARGETS` | `15/240,30/480,120/1440,480/4320` | response/restore minutes for P1..P4 |
//! | `AUTO_CLOSE_AFTER_DAYS` | `5` | resolved tickets close themselves after this many days |
//! | `BACKGROUND_INTERVAL_SECONDS` | `60` | how often the auto-close and clean-up job runs |
//! | `IDEMPOTENCY_TTL_HOURS` | `24` | how long an `Idempotency-Key` is remembered |
//! | `WORKING_CALENDAR_TZ` | `Europe/London` | time zone in which working days are counted |
//! | `PUBLIC_HOLIDAYS_FILE` | built-in England & Wales 2026–2027 | file of `YYYY-MM-DD` holidays, one per line |
//! | `PUBLIC_HOLIDAYS` | unset | extra holidays, comma-separated `YYYY-MM-DD` |
//! | `TOKEN_REVOCATION_CHECK_SECONDS` | `30` | how long an instance trusts its last check that a token's account is still active |
//! | `LOGIN_MAX_FAILURES` | `5` | failed logins per account within 15 min before it is throttled (per address: 4×) |
//! | `LOGIN_LOCK_SECONDS` | `30` | first throttle period; doubles per further failure, at most 15 min |
//! | `RATE_LIMIT_PER_SECOND` / `RATE_LIMIT_BURST` | `100` / `200` | requests per second and burst per client (token subject or address) and instance; `0` turns limiting off |
//! | `CORS_ALLOWED_ORIGINS` | unset | comma-separated origins allowed cross-origin (the portal's), e.g. `https://portal.example.com` |
//! | `SMTP_HOST` | unset | SMTP relay; unset = emails are logged and kept (status `held`) |
//! | `SMTP_PORT` | `587` (`25` with `SMTP_TLS=none`) | SMTP port |
//! | `SMTP_TLS` | `starttls` | `none`, `starttls` or `tls` |
//! | `SMTP_USERNAME` / `SMTP_PASSWORD` | unset | SMTP credentials |
//! | `MAIL_FROM` | `Service Assurance <noreply@service-assurance.example>` | sender of incident notices |
//! | `CHANGE_MAIL_FROM` | `Change Management <change-management-noreply@service-assurance.example>` | sender of planned-works notices |
//! | `WEBHOOK_ALLOW_PRIVATE` | `false` | allow webhook targets on private/loopback addresses (tests only) |
//! | `DISPATCH_INTERVAL_MS` | `1000` | how often the outbox dispatcher looks for work |
//! | `DELIVERY_MAX_ATTEMPTS` | `8` | attempts before a delivery is marked failed |
//! | `DELIVERY_RETRY_BASE_SECONDS` | `30` | first retry delay; doubles each attempt, at most 1 h |
//! | `RUST_LOG` | `info` | log filter (env_logger syntax) |

use std::env;
use std::time::Duration;

use persistence::PoolOptions;

/// Used when `JWT_SECRET` is unset: fine on a laptop, never in production.
const DEV_JWT_SECRET: &str = "dev-only-insecure-secret-change-me-0123456789";

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub bind_addr: String,
    pub jwt: JwtConfig,
    pub bootstrap_admin: Option<(String, String)>,
    pub pool: PoolOptions,
    pub workers: Option<usize>,
    /// On SIGTERM: readiness answers 503 at once, the server keeps serving this long (for a load
    /// balancer to stop sending), then stops accepting and finishes the requests in flight.
    pub shutdown_grace: Duration,
    pub service: ServiceSettings,
}

/// Business settings shared by handlers and background jobs.
#[derive(Debug, Clone)]
pub struct ServiceSettings {
    pub sla: domain::SlaPolicy,
    pub auto_close_after: chrono::Duration,
    pub background_interval: Duration,
    pub idempotency_ttl: chrono::Duration,
    pub calendar: domain::WorkingCalendar,
    pub notify: NotifySettings,
    pub revocation_check: Duration,
    pub login_limits: persistence::throttle::Limits,
    pub cors_origins: Vec<String>,
    pub rate_limit_per_second: u32,
    pub rate_limit_burst: u32,
}

/// Login throttling per account; per client address the failure allowance is four times this.
pub fn login_limits(failures: i32, lock_seconds: i64) -> persistence::throttle::Limits {
    persistence::throttle::Limits {
        failures,
        window: chrono::Duration::minutes(15),
        lock: chrono::Duration::seconds(lock_seconds),
        max_lock: chrono::Duration::minutes(15),
    }
}

/// How notifications leave the building.
#[derive(Debug, Clone)]
pub struct NotifySettings {
    pub smtp: Option<SmtpSettings>,
    pub mail_from: String,
    pub change_mail_from: String,
    pub webhook_allow_private: bool,
    pub dispatch_interval: Duration,
    pub max_attempts: i32,
    pub retry_base: chrono::Duration,
}

/// An SMTP relay.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    /// `none`, `starttls` or `tls`.
    pub tls: String,
    pub credentials: Option<(String, String)>,
}

impl Default for NotifySettings {
    fn default() -> Self {
        Self {
            smtp: None,
            mail_from: "Service Assurance <noreply@service-assurance.example>".into(),
            change_mail_from:
                "Change Management <change-management-noreply@service-assurance.example>".into(),
            webhook_allow_private: false,
            dispatch_interval: Duration::from_millis(1000),
            max_attempts: 8,
            retry_base: chrono::Duration::seconds(30),
        }
    }
}

fn notify_settings() -> Result<NotifySettings, String> {
    let defaults = NotifySettings::default();
    let smtp = match var("SMTP_HOST") {
        None => None,
        Some(host) => {
            let tls = var("SMTP_TLS").unwrap_or_else(|| "starttls".into());
            if !matches!(tls.as_str(), "none" | "starttls" | "tls") {
                return Err(format!("SMTP_TLS={tls:?}: use none, starttls or tls"));
            }
            let default_port = match tls.as_str() {
                "none" => 25,
                "tls" => 465,
                _ => 587,
            };
            Some(SmtpSettings {
                host,
                port: parsed("SMTP_PORT", default_port)?,
                tls,
                credentials: var("SMTP_USERNAME").zip(var("SMTP_PASSWORD")),
            })
        }
    };
    Ok(NotifySettings {
        smtp,
        mail_from: var("MAIL_FROM").unwrap_or(defaults.mail_from),
        change_mail_from: var("CHANGE_MAIL_FROM").unwrap_or(defaults.change_mail_from),
        webhook_allow_private: parsed("WEBHOOK_ALLOW_PRIVATE", false)?,
        dispatch_interval: Duration::from_millis(parsed("DISPATCH_INTERVAL_MS", 1000)?.max(50)),
        max_attempts: parsed("DELIVERY_MAX_ATTEMPTS", 8)?.max(1),
        retry_base: chrono::Duration::seconds(parsed("DELIVERY_RETRY_BASE_SECONDS", 30)?.max(1)),
    })
}

impl Default for ServiceSettings {
    fn default() -> Self {
        Self {
            sla: domain::SlaPolicy::default(),
            auto_close_after: chrono::Duration::days(5),
            background_interval: Duration::from_secs(60),
            idempotency_ttl: chrono::Duration::hours(24),
            calendar: domain::WorkingCalendar::default(),
            notify: NotifySettings::default(),
            revocation_check: Duration::from_secs(30),
            login_limits: login_limits(5, 30),
            cors_origins: Vec::new(),
            rate_limit_per_second: 100,
            rate_limit_burst: 200,
        }
    }
}

fn working_calendar() -> Result<domain::WorkingCalendar, String> {
    let mut holidays = match var("PUBLIC_HOLIDAYS_FILE") {
        Some(path) => std::fs::read_to_string(&path)
            .map_err(|e| format!("PUBLIC_HOLIDAYS_FILE={path}: {e}"))?,
        None => domain::calendar::DEFAULT_HOLIDAYS.to_owned(),
    };
    if let Some(extra) = var("PUBLIC_HOLIDAYS") {
        holidays.push('\n');
        holidays.push_str(&extra);
    }
    let zone = var("WORKING_CALENDAR_TZ").unwrap_or_else(|| "Europe/London".into());
    domain::WorkingCalendar::new(&zone, &holidays).map_err(|e| e.to_string())
}

#[derive(Debug, Clone)]
pub struct JwtConfig {
    pub secret: String,
    pub issuer: String,
    pub audience: String,
    pub ttl_seconds: u64,
}

impl JwtConfig {
    /// Settings for tests and tools: a fixed secret, default issuer and audience.
    pub fn for_tests() -> Self {
        Self {
            secret: DEV_JWT_SECRET.to_owned(),
            issuer: "service-assurance".to_owned(),
            audience: "service-assurance-api".to_owned(),
            ttl_seconds: 3600,
        }
    }
}

fn var(name: &str) -> Option<String> {
    env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn parsed<T: std::str::FromStr>(name: &str, default: T) -> Result<T, String> {
    match var(name) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| format!("{name}={v:?} is not a valid value")),
    }
}

impl Config {
    /// Reads the environment; an invalid value is an error, a missing one takes its default.
    pub fn from_env() -> Result<Self, String> {
        let secret = match var("JWT_SECRET") {
            Some(s) if s.len() >= 32 => s,
            Some(_) => return Err("JWT_SECRET must be at least 32 bytes long".into()),
            None => {
                log::warn!(
                    "JWT_SECRET is not set: using a built-in development secret. \
                     Anyone can forge tokens for this instance; set JWT_SECRET in production."
                );
                DEV_JWT_SECRET.to_owned()
            }
        };
        let bootstrap_admin = match (
            var("BOOTSTRAP_ADMIN_EMAIL"),
            var("BOOTSTRAP_ADMIN_PASSWORD"),
        ) {
            (Some(email), Some(password)) => Some((email, password)),
            (None, None) => None,
            _ => {
                return Err(
                    "set both BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD, or neither"
                        .into(),
                )
            }
        };
        Ok(Self {
            database_url: var("DATABASE_URL")
                .unwrap_or_else(|| "sqlite://data/service-assurance.db".into()),
            bind_addr: var("BIND_ADDR").unwrap_or_else(|| "127.0.0.1:8080".into()),
            jwt: JwtConfig {
                secret,
                issuer: var("JWT_ISSUER").unwrap_or_else(|| "service-assurance".into()),
                audience: var("JWT_AUDIENCE").unwrap_or_else(|| "service-assurance-api".into()),
                ttl_seconds: parsed("TOKEN_TTL_SECONDS", 3600)?,
            },
            bootstrap_admin,
            pool: PoolOptions {
                max_size: parsed("DATABASE_POOL_SIZE", 10)?,
                connection_timeout: Duration::from_secs(parsed("DATABASE_TIMEOUT_SECONDS", 5)?),
                lock_timeout: Duration::from_secs(parsed("DATABASE_TIMEOUT_SECONDS", 5)?),
            },
            workers: var("HTTP_WORKERS")
                .map(|_| parsed("HTTP_WORKERS", 0))
                .transpose()?,
            shutdown_grace: Duration::from_secs(parsed("SHUTDOWN_GRACE_SECONDS", 0)?),
            service: ServiceSettings {
                sla: match var("SLA_TARGETS") {
                    Some(text) => {
                        domain::SlaPolicy::parse_targets(&text).map_err(|e| e.to_string())?
                    }
                    None => domain::SlaPolicy::default(),
                },
                auto_close_after: chrono::Duration::days(parsed("AUTO_CLOSE_AFTER_DAYS", 5)?),
                background_interval: Duration::from_secs(
                    parsed("BACKGROUND_INTERVAL_SECONDS", 60)?.max(1),
                ),
                idempotency_ttl: chrono::Duration::hours(parsed("IDEMPOTENCY_TTL_HOURS", 24)?),
                calendar: working_calendar()?,
                notify: notify_settings()?,
                revocation_check: Duration::from_secs(parsed(
                    "TOKEN_REVOCATION_CHECK_SECONDS",
                    30,
                )?),
                login_limits: login_limits(
                    parsed("LOGIN_MAX_FAILURES", 5)?.max(1),
                    parsed("LOGIN_LOCK_SECONDS", 30)?.max(1),
                ),
                cors_origins: var("CORS_ALLOWED_ORIGINS")
                    .map(|v| {
                        v.split(',')
                            .map(|o| o.trim().to_owned())
                            .filter(|o| !o.is_empty())
                            .collect()
                    })
                    .unwrap_or_default(),
                rate_limit_per_second: parsed("RATE_LIMIT_PER_SECOND", 100)?,
                rate_limit_burst: parsed("RATE_LIMIT_BURST", 200)?,
            },
        })
    }
}
