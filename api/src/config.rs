//! Configuration from the environment. Every variable is optional; the defaults make
//! `cargo run` work on an embedded SQLite file.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `DATABASE_URL` | `sqlite://data/service-assurance.db` | `postgres://…` for PostgreSQL, else a SQLite file |
//! | `BIND_ADDR` | `127.0.0.1:8080` | address the HTTP server listens on |
//! | `JWT_SECRET` | required beyond loopback; on loopback a random secret kept in `JWT_SECRET_FILE` | HMAC key for tokens, at least 32 bytes, never the published development one |
//! | `JWT_SECRET_FILE` | `data/jwt-secret` | where the local secret is kept when `JWT_SECRET` is unset on loopback |
//! | `JWT_ISSUER` | `service-assurance` | `iss` claim issued and required |
//! | `JWT_AUDIENCE` | `service-assurance-api` | `aud` claim issued and required |
//! | `TOKEN_TTL_SECONDS` | `3600` | lifetime of issued tokens, 60 s to 24 h |
//! | `BOOTSTRAP_ADMIN_EMAIL` / `BOOTSTRAP_ADMIN_PASSWORD` | unset | create this admin at start if absent |
//! | `DATABASE_POOL_SIZE` | `10` | connections per instance |
//! | `DATABASE_TIMEOUT_SECONDS` | `5` | wait for a pooled connection before answering 503 |
//! | `HTTP_WORKERS` | number of CPUs | actix worker threads |
//! | `SHUTDOWN_GRACE_SECONDS` | `0` | on SIGTERM, answer readiness 503 and keep serving this long before closing the listener |
//! | `SLA_TARGETS` | `15/240,30/480,120/1440,480/4320` | response/restore minutes for P1..P4 |
//! | `AUTO_CLOSE_AFTER_DAYS` | `5` | resolved tickets close themselves after this many days |
//! | `PLANNED_WORK_REMINDER_HOURS` | `48` | customers are reminded of a planned work this long before it starts |
//! | `BACKGROUND_INTERVAL_SECONDS` | `60` | how often the auto-close and clean-up job runs |
//! | `IDEMPOTENCY_TTL_HOURS` | `24` | how long an `Idempotency-Key` is remembered |
//! | `WORKING_CALENDAR_TZ` | `Europe/London` | time zone in which working days are counted |
//! | `PUBLIC_HOLIDAYS_FILE` | built-in England & Wales 2026–2028 | file of `YYYY-MM-DD` holidays, one per line |
//! | `PUBLIC_HOLIDAYS` | unset | extra holidays, comma-separated `YYYY-MM-DD` |
//! | `TOKEN_REVOCATION_CHECK_SECONDS` | `30` | how long an instance trusts its last check that a token's account is still active |
//! | `LOGIN_MAX_FAILURES` | `5` | failed logins per account within 15 min before it is throttled (per address: 4×) |
//! | `LOGIN_LOCK_SECONDS` | `30` | first throttle period; doubles per further failure, at most 15 min |
//! | `REGISTRATIONS_PER_HOUR` | `10` | self-registrations per client address and hour; beyond: 429 |
//! | `EVENT_STREAMS_PER_SUBJECT` | `5` | open `GET /events` streams per token subject and instance; beyond: 429 |
//! | `HSTS_MAX_AGE_SECONDS` | unset | send `Strict-Transport-Security` with this max-age (when served over TLS) |
//! | `CONTACTS_PER_COMPANY` / `WEBHOOKS_PER_COMPANY` | `500` / `25` | caps per company; one more is 409 |
//! | `RETENTION_DAYS` | `90` | events and their finished deliveries (and attempt logs) are purged after this |
//! | `TRUSTED_PROXIES` | unset | comma-separated CIDRs of load balancers whose `Forwarded` / `X-Forwarded-For` name the client |
//! | `RATE_LIMIT_PER_SECOND` / `RATE_LIMIT_BURST` | `100` / `200` | requests per second and burst per client (token subject or address) and instance; `0` turns limiting off |
//! | `CORS_ALLOWED_ORIGINS` | unset | comma-separated origins allowed cross-origin (the portal's), e.g. `https://portal.example.com` |
//! | `SMTP_HOST` | unset | SMTP relay; unset = emails are logged and kept (status `held`) |
//! | `SMTP_PORT` | `587` (`25` with `SMTP_TLS=none`, `465` with `SMTP_TLS=tls`) | SMTP port |
//! | `SMTP_TLS` | `starttls` | `none`, `starttls` or `tls` |
//! | `SMTP_USERNAME` / `SMTP_PASSWORD` | unset | SMTP credentials |
//! | `MAIL_FROM` | `Service Assurance <noreply@service-assurance.example>` | sender of incident notices |
//! | `CHANGE_MAIL_FROM` | `Change Management <change-management-noreply@service-assurance.example>` | sender of planned-works notices |
//! | `WEBHOOK_ALLOW_PRIVATE` | `false` | allow webhook targets on private/loopback addresses (tests only) |
//! | `DISPATCH_INTERVAL_MS` | `1000` | how often the outbox dispatcher looks for work |
//! | `DELIVERY_MAX_ATTEMPTS` | `8` | attempts before a delivery is marked failed |
//! | `DELIVERY_RETRY_BASE_SECONDS` | `30` | first retry delay; doubles each attempt, at most 1 h |
//! | `ATTACHMENT_STORE` | `file://data/attachments` | where attachments' content is kept: `file://<directory>` or `s3://<bucket>[/<prefix>]` (with `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_DEFAULT_REGION`, and `AWS_ENDPOINT_URL` + `AWS_ALLOW_HTTP=true` for an S3-compatible store) |
//! | `ATTACHMENT_SPOOL_DIR` | `data/attachment-spool` | where an upload is spooled, on this node's disk, while it arrives |
//! | `ATTACHMENT_MAX_BYTES` | `26214400` (25 MiB) | largest file; beyond it the upload is 413 and nothing is kept |
//! | `ATTACHMENT_ALLOWED_TYPES` | PDF, PNG, JPEG, GIF, plain text, CSV, JSON, pcap, pcapng, ZIP | comma-separated media types accepted (decided from the content) |
//! | `ATTACHMENTS_PER_TICKET` | `100` | attachments a ticket holds; one more is 409 `attachment_count_limit` |
//! | `ATTACHMENT_BYTES_PER_COMPANY` | `10737418240` (10 GiB) | bytes a company's attachments hold; beyond it 409 `attachment_storage_quota` |
//! | `ATTACHMENT_SWEEP_GRACE_SECONDS` | `3600` | content no attachment names, and spool files, older than this are removed by the sweep |
//! | `RUST_LOG` | `info` | log filter (env_logger syntax) |

use std::env;
use std::path::Path;
use std::time::Duration;

use app::PoolOptions;

/// The development secret earlier versions used when `JWT_SECRET` was unset. It is public (it
/// stood in this source), so tokens signed with it prove nothing: it is refused as a secret.
pub const PUBLISHED_DEV_SECRET: &str = "dev-only-insecure-secret-change-me-0123456789";

/// The secret of the test suite's applications; never read from the environment.
const TEST_JWT_SECRET: &str = "test-suite-only-secret-0123456789abcdef-xyz";

#[derive(Clone)]
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
    pub work_reminder_lead: chrono::Duration,
    pub background_interval: Duration,
    pub idempotency_ttl: chrono::Duration,
    pub calendar: domain::WorkingCalendar,
    /// `SLA_CREDIT_TABLE`: service credit per availability band (none: no credits shown).
    pub credits: Option<domain::service_review::CreditTable>,
    pub notify: NotifySettings,
    pub revocation_check: Duration,
    pub login_limits: app::LoginLimits,
    /// Registrations per client address and hour.
    pub registrations_per_hour: i32,
    /// Open event streams per token subject and instance.
    pub streams_per_subject: usize,
    /// How long events and delivery logs are kept.
    pub retention: chrono::Duration,
    /// Caps per company.
    pub contacts_per_company: u32,
    pub webhooks_per_company: u32,
    /// `Strict-Transport-Security: max-age=…` on every answer (set it when served over TLS).
    pub hsts_max_age: Option<u64>,
    /// Proxies whose `Forwarded`/`X-Forwarded-For` name the client (see `http::client_address`).
    pub trusted_proxies: crate::http::client_address::TrustedProxies,
    pub cors_origins: Vec<String>,
    pub rate_limit_per_second: u32,
    pub rate_limit_burst: u32,
    /// Who we are to MEF 124 buyers.
    pub seller: SellerSettings,
    pub attachments: AttachmentSettings,
}

/// Where attachments are kept and what they may hold.
#[derive(Debug, Clone)]
pub struct AttachmentSettings {
    pub limits: domain::attachment::AttachmentLimits,
    /// `ATTACHMENT_STORE`; empty in the tests' settings until a test server gives it a scratch
    /// directory.
    pub store: String,
    /// S3 settings besides the environment's (a test's own S3-compatible server).
    pub store_options: Vec<(String, String)>,
    pub spool_dir: std::path::PathBuf,
    /// Unnamed content and spool files younger than this are left alone by the sweep.
    pub sweep_grace: chrono::Duration,
}

impl Default for AttachmentSettings {
    fn default() -> Self {
        Self {
            limits: domain::attachment::AttachmentLimits::default(),
            store: "file://data/attachments".into(),
            store_options: Vec::new(),
            spool_dir: "data/attachment-spool".into(),
            sweep_grace: chrono::Duration::hours(1),
        }
    }
}

fn attachment_settings() -> Result<AttachmentSettings, String> {
    let d = AttachmentSettings::default();
    let limits = domain::attachment::AttachmentLimits {
        max_bytes: parsed("ATTACHMENT_MAX_BYTES", d.limits.max_bytes)?.max(1),
        per_ticket: parsed("ATTACHMENTS_PER_TICKET", d.limits.per_ticket)?.max(1),
        per_company_bytes: parsed("ATTACHMENT_BYTES_PER_COMPANY", d.limits.per_company_bytes)?,
        allowed: match var("ATTACHMENT_ALLOWED_TYPES") {
            Some(text) => {
                domain::attachment::parse_allowed_types(&text).map_err(|e| e.to_string())?
            }
            None => d.limits.allowed,
        },
    };
    let settings = AttachmentSettings {
        limits,
        store: var("ATTACHMENT_STORE").unwrap_or(d.store),
        store_options: Vec::new(),
        spool_dir: var("ATTACHMENT_SPOOL_DIR")
            .map(Into::into)
            .unwrap_or(d.spool_dir),
        sweep_grace: chrono::Duration::seconds(
            parsed("ATTACHMENT_SWEEP_GRACE_SECONDS", 3600_i64)?.max(0),
        ),
    };
    // A store that cannot be opened is a start-up error, not a failed first upload.
    app::objects::Objects::open(&settings.store).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&settings.spool_dir)
        .map_err(|e| format!("ATTACHMENT_SPOOL_DIR={}: {e}", settings.spool_dir.display()))?;
    Ok(settings)
}

/// The provider as a MEF 124 seller: its `sellerId`, and the contact its incidents name.
#[derive(Debug, Clone)]
pub struct SellerSettings {
    pub id: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
}

impl Default for SellerSettings {
    fn default() -> Self {
        Self {
            id: "service-assurance".into(),
            contact_name: "Network Operations Centre".into(),
            contact_email: "noc@service-assurance.example".into(),
            contact_phone: "+44 20 7946 0999".into(),
        }
    }
}

fn seller_settings() -> SellerSettings {
    let d = SellerSettings::default();
    SellerSettings {
        id: var("SELLER_ID").unwrap_or(d.id),
        contact_name: var("SELLER_CONTACT_NAME").unwrap_or(d.contact_name),
        contact_email: var("SELLER_CONTACT_EMAIL").unwrap_or(d.contact_email),
        contact_phone: var("SELLER_CONTACT_PHONE").unwrap_or(d.contact_phone),
    }
}

/// Login throttling per account; per client address the failure allowance is four times this.
pub fn login_limits(failures: i32, lock_seconds: i64) -> app::LoginLimits {
    app::LoginLimits {
        failures,
        window: chrono::Duration::minutes(15),
        lock: chrono::Duration::seconds(lock_seconds),
        max_lock: chrono::Duration::minutes(15),
    }
}

/// How notifications leave the building.
impl ServiceSettings {
    /// The part of the settings the use cases read.
    /// The use cases' configuration; `links` signs mailed links (derived from the JWT secret).
    pub fn ctx(&self, links: app::links::LinkKey) -> app::Ctx {
        app::Ctx {
            sla: self.sla.clone(),
            calendar: self.calendar.clone(),
            credits: self.credits.clone(),
            auto_close_after: self.auto_close_after,
            work_reminder_lead: self.work_reminder_lead,
            idempotency_ttl: self.idempotency_ttl,
            login_limits: self.login_limits,
            registration_limits: app::LoginLimits::per_hour(self.registrations_per_hour),
            contacts_per_company: self.contacts_per_company,
            retention: self.retention,
            webhooks_per_company: self.webhooks_per_company,
            egress: self.notify.egress(),
            delivery_max_attempts: self.notify.max_attempts,
            delivery_retry_base: self.notify.retry_base,
            attachments: self.attachments.limits.clone(),
            links,
        }
    }
}

#[derive(Debug, Clone)]
pub struct NotifySettings {
    pub smtp: Option<SmtpSettings>,
    pub mail_from: String,
    pub change_mail_from: String,
    pub webhook_allow_private: bool,
    /// How webhook hosts are resolved (the system resolver; tests put in others).
    pub dns: app::webhooks::Dns,
    pub dispatch_interval: Duration,
    pub max_attempts: i32,
    pub retry_base: chrono::Duration,
}

/// An SMTP relay.
#[derive(Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    /// `none`, `starttls` or `tls`.
    pub tls: String,
    pub credentials: Option<(String, String)>,
}

impl NotifySettings {
    /// Where webhooks may go, checked at registration and on every connection.
    pub fn egress(&self) -> app::webhooks::Egress {
        app::webhooks::Egress {
            allow_private: self.webhook_allow_private,
            dns: self.dns.clone(),
        }
    }
}

impl Default for NotifySettings {
    fn default() -> Self {
        Self {
            smtp: None,
            mail_from: "Service Assurance <noreply@service-assurance.example>".into(),
            change_mail_from:
                "Change Management <change-management-noreply@service-assurance.example>".into(),
            webhook_allow_private: false,
            dns: app::webhooks::Dns::system(),
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
        dns: app::webhooks::Dns::system(),
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
            work_reminder_lead: chrono::Duration::hours(48),
            background_interval: Duration::from_secs(60),
            idempotency_ttl: chrono::Duration::hours(24),
            calendar: domain::WorkingCalendar::default(),
            credits: None,
            notify: NotifySettings::default(),
            revocation_check: Duration::from_secs(30),
            login_limits: login_limits(5, 30),
            registrations_per_hour: 10,
            streams_per_subject: 5,
            contacts_per_company: 500,
            webhooks_per_company: 25,
            retention: chrono::Duration::days(90),
            hsts_max_age: None,
            trusted_proxies: Default::default(),
            cors_origins: Vec::new(),
            rate_limit_per_second: 100,
            rate_limit_burst: 200,
            seller: SellerSettings::default(),
            attachments: AttachmentSettings::default(),
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

#[derive(Clone)]
pub struct JwtConfig {
    pub secret: String,
    pub issuer: String,
    pub audience: String,
    pub ttl_seconds: u64,
}

/// Never prints a password: not the database's, not the bootstrap admin's.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &without_password(&self.database_url))
            .field("bind_addr", &self.bind_addr)
            .field("jwt", &self.jwt)
            .field(
                "bootstrap_admin",
                &self
                    .bootstrap_admin
                    .as_ref()
                    .map(|(email, _)| (email, REDACTED)),
            )
            .field("pool", &self.pool)
            .field("workers", &self.workers)
            .field("shutdown_grace", &self.shutdown_grace)
            .field("service", &self.service)
            .finish()
    }
}

/// Never prints the password.
impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field(
                "credentials",
                &self.credentials.as_ref().map(|(user, _)| (user, REDACTED)),
            )
            .finish()
    }
}

const REDACTED: &str = "<redacted>";

/// `postgres://user:secret@host/db` as `postgres://user:<redacted>@host/db`.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, path) = rest
        .split_once('/')
        .map_or((rest, None), |(a, p)| (a, Some(p)));
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:{REDACTED}@{host}"),
            None => authority.to_owned(),
        },
        None => authority.to_owned(),
    };
    match path {
        Some(path) => format!("{scheme}://{authority}/{path}"),
        None => format!("{scheme}://{authority}"),
    }
}

/// `TOKEN_TTL_SECONDS` within reason: a minute to a day.
fn token_ttl(seconds: u64) -> Result<u64, String> {
    if (60..=86_400).contains(&seconds) {
        Ok(seconds)
    } else {
        Err(format!(
            "TOKEN_TTL_SECONDS={seconds}: use 60 (a minute) to 86400 (a day)"
        ))
    }
}

/// Never prints the secret.
impl std::fmt::Debug for JwtConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtConfig")
            .field("secret", &"<redacted>")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("ttl_seconds", &self.ttl_seconds)
            .finish()
    }
}

impl JwtConfig {
    /// Settings for tests and tools: a fixed secret, default issuer and audience.
    pub fn for_tests() -> Self {
        Self {
            secret: TEST_JWT_SECRET.to_owned(),
            issuer: "service-assurance".to_owned(),
            audience: "service-assurance-api".to_owned(),
            ttl_seconds: 3600,
        }
    }
}

/// Whether `bind_addr` (`host:port`) listens on loopback only.
fn is_loopback(bind_addr: &str) -> bool {
    match bind_addr.parse::<std::net::SocketAddr>() {
        Ok(addr) => addr.ip().is_loopback(),
        Err(_) => bind_addr
            .rsplit_once(':')
            .is_some_and(|(host, _)| host.eq_ignore_ascii_case("localhost")),
    }
}

/// The token signing secret. Given: at least 32 bytes and never the published development one.
/// Not given: refused unless the server listens on loopback only, where a random secret is made
/// once and kept in `local_file` (readable by its owner only), so a laptop's tokens survive
/// restarts and nobody else knows the key.
pub fn jwt_secret(
    given: Option<String>,
    bind_addr: &str,
    local_file: &Path,
) -> Result<String, String> {
    let check = |secret: String, origin: &str| {
        if secret.trim() == PUBLISHED_DEV_SECRET {
            Err(format!(
                "{origin} is the development secret published in this project's source: \
                 anyone can sign tokens with it; choose your own"
            ))
        } else if secret.len() < 32 {
            Err(format!("{origin} must be at least 32 bytes long"))
        } else {
            Ok(secret)
        }
    };
    if let Some(secret) = given {
        return check(secret, "JWT_SECRET");
    }
    if !is_loopback(bind_addr) {
        return Err(format!(
            "JWT_SECRET is required when the server listens beyond loopback (BIND_ADDR={bind_addr})"
        ));
    }
    let origin = local_file.display().to_string();
    match std::fs::read_to_string(local_file) {
        Ok(text) => check(text.trim().to_owned(), &origin),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let secret = app::accounts::secrets::random_token(32);
            if let Some(dir) = local_file.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            }
            write_private(local_file, &secret).map_err(|e| format!("{origin}: {e}"))?;
            log::info!("JWT_SECRET is not set: made a random local secret in {origin}");
            Ok(secret)
        }
        Err(e) => Err(format!("{origin}: {e}")),
    }
}

/// Writes a new file only its owner can read.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(text.as_bytes())
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
        let bind_addr = var("BIND_ADDR").unwrap_or_else(|| "127.0.0.1:8080".into());
        let secret_file = var("JWT_SECRET_FILE").unwrap_or_else(|| "data/jwt-secret".into());
        let secret = jwt_secret(var("JWT_SECRET"), &bind_addr, Path::new(&secret_file))?;
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
            bind_addr,
            jwt: JwtConfig {
                secret,
                issuer: var("JWT_ISSUER").unwrap_or_else(|| "service-assurance".into()),
                audience: var("JWT_AUDIENCE").unwrap_or_else(|| "service-assurance-api".into()),
                ttl_seconds: token_ttl(parsed("TOKEN_TTL_SECONDS", 3600)?)?,
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
                work_reminder_lead: chrono::Duration::hours(
                    parsed("PLANNED_WORK_REMINDER_HOURS", 48)?.max(1),
                ),
                background_interval: Duration::from_secs(
                    parsed("BACKGROUND_INTERVAL_SECONDS", 60)?.max(1),
                ),
                idempotency_ttl: chrono::Duration::hours(parsed("IDEMPOTENCY_TTL_HOURS", 24)?),
                calendar: working_calendar()?,
                credits: var("SLA_CREDIT_TABLE")
                    .map(|text| {
                        domain::service_review::CreditTable::parse(&text)
                            .map_err(|e| format!("SLA_CREDIT_TABLE={text:?}: {e}"))
                    })
                    .transpose()?,
                notify: notify_settings()?,
                revocation_check: Duration::from_secs(parsed(
                    "TOKEN_REVOCATION_CHECK_SECONDS",
                    30,
                )?),
                login_limits: login_limits(
                    parsed("LOGIN_MAX_FAILURES", 5)?.max(1),
                    parsed("LOGIN_LOCK_SECONDS", 30)?.max(1),
                ),
                registrations_per_hour: parsed("REGISTRATIONS_PER_HOUR", 10)?.max(1),
                streams_per_subject: parsed("EVENT_STREAMS_PER_SUBJECT", 5)?.max(1),
                contacts_per_company: parsed("CONTACTS_PER_COMPANY", 500)?.max(1),
                retention: chrono::Duration::days(parsed("RETENTION_DAYS", 90)?.max(1)),
                webhooks_per_company: parsed("WEBHOOKS_PER_COMPANY", 25)?.max(1),
                seller: seller_settings(),
                attachments: attachment_settings()?,
                hsts_max_age: var("HSTS_MAX_AGE_SECONDS")
                    .map(|v| {
                        v.parse::<u64>()
                            .map_err(|_| format!("HSTS_MAX_AGE_SECONDS={v:?}: not a number"))
                    })
                    .transpose()?,
                trusted_proxies: crate::http::client_address::TrustedProxies::parse(
                    &var("TRUSTED_PROXIES").unwrap_or_default(),
                )?,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_carries_no_secret() {
        let config = Config {
            database_url: "postgres://svc:db-pass-123@db.internal:5432/sa".into(),
            bind_addr: "0.0.0.0:8080".into(),
            jwt: JwtConfig {
                secret: "jwt-secret-value-0123456789abcdef-0123".into(),
                ..JwtConfig::for_tests()
            },
            bootstrap_admin: Some(("root@example.com".into(), "admin-pass-456".into())),
            pool: PoolOptions::default(),
            workers: None,
            shutdown_grace: Duration::ZERO,
            service: ServiceSettings {
                notify: NotifySettings {
                    smtp: Some(SmtpSettings {
                        host: "smtp.example".into(),
                        port: 587,
                        tls: "starttls".into(),
                        credentials: Some(("mailer".into(), "smtp-pass-789".into())),
                    }),
                    ..NotifySettings::default()
                },
                ..ServiceSettings::default()
            },
        };
        let printed = format!("{config:?}");
        for secret in [
            "db-pass-123",
            "jwt-secret-value",
            "admin-pass-456",
            "smtp-pass-789",
        ] {
            assert!(!printed.contains(secret), "{secret} in {printed}");
        }
        assert!(printed.contains("postgres://svc:<redacted>@db.internal:5432/sa"));
        assert!(printed.contains("root@example.com") && printed.contains("mailer"));
    }

    #[test]
    fn token_lifetimes_stay_within_a_minute_and_a_day() {
        assert!(token_ttl(59).is_err());
        assert!(token_ttl(86_401).is_err());
        assert_eq!(token_ttl(3600), Ok(3600));
    }

    #[test]
    fn the_published_secret_and_short_ones_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("jwt-secret");
        for bind in ["127.0.0.1:8080", "0.0.0.0:8080"] {
            let published = jwt_secret(Some(PUBLISHED_DEV_SECRET.into()), bind, &file);
            assert!(published.unwrap_err().contains("published"));
            assert!(jwt_secret(Some("short".into()), bind, &file).is_err());
            let own = "x".repeat(40);
            assert_eq!(jwt_secret(Some(own.clone()), bind, &file).unwrap(), own);
        }
        assert!(!file.exists(), "a given secret writes nothing");
    }

    #[test]
    fn without_a_secret_only_loopback_starts_with_a_kept_random_one() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("data/jwt-secret");
        for bind in [
            "0.0.0.0:8080",
            "[::]:8080",
            "10.1.2.3:80",
            "api.example.com:443",
        ] {
            assert!(jwt_secret(None, bind, &file).is_err(), "{bind}");
        }
        let first = jwt_secret(None, "127.0.0.1:8080", &file).unwrap();
        assert!(first.len() >= 32 && first != PUBLISHED_DEV_SECRET);
        assert_eq!(
            jwt_secret(None, "localhost:8080", &file).unwrap(),
            first,
            "kept"
        );
        assert_eq!(jwt_secret(None, "[::1]:8080", &file).unwrap(), first);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "readable by its owner only");
        }
        let elsewhere = tempfile::tempdir().unwrap();
        let other = elsewhere.path().join("jwt-secret");
        assert_ne!(jwt_secret(None, "127.0.0.1:8080", &other).unwrap(), first);
    }
}
