//! Test harness: the real application on a real HTTP socket, on a fresh database per test.
//!
//! SQLite tests get a new file in a temporary folder; PostgreSQL tests get a new schema in the
//! database named by `TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`,
//! without TLS),
//! dropped afterwards. [`on_both_backends!`] runs each test function once per backend, as
//! `sqlite::<name>` and `postgres::<name>`. PostgreSQL being unreachable fails the tests: it is
//! never skipped.

pub mod sinks;
pub mod specs;

use std::sync::atomic::{AtomicU32, Ordering};

use actix_web::http::{Method, StatusCode};
use actix_web::HttpServer;
use api::config::JwtConfig;
use api::config::ServiceSettings;
use api::http::jwt::TokenService;
use api::AppState;
use diesel::connection::SimpleConnection;
use diesel::Connection;
use domain::{Caller, CustomerNumber, Role};
use persistence::{Database, PoolOptions};
use serde_json::{json, Value};

/// Runs each named `async fn(TestApp)` on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[actix_web::test]
                async fn $name() {
                    super::$name($crate::TestApp::sqlite().await).await
                }
            )*
        }
        mod postgres {
            $(
                #[actix_web::test]
                async fn $name() {
                    super::$name($crate::TestApp::postgres().await).await
                }
            )*
        }
    };
}

/// Password of the admin every test app is bootstrapped with.
pub const ADMIN_EMAIL: &str = "admin@test.example";
pub const ADMIN_PASSWORD: &str = "admin-password-for-tests";

/// A database that exists for one test or benchmark and is removed afterwards.
pub enum Scratch {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, schema: String },
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Scratch::Postgres { admin_url, schema } = self {
            if let Ok(mut conn) = diesel::PgConnection::establish(admin_url) {
                let _ = conn.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
            }
        }
    }
}

/// A running application and what a test needs to talk to it.
pub struct TestApp {
    pub base_url: String,
    /// The database URL, for restarts and second instances.
    pub url: String,
    pub settings: ServiceSettings,
    pub db: Database,
    pub tokens: TokenService,
    pub client: awc::Client,
    server: actix_web::dev::ServerHandle,
    _scratch: Option<Scratch>,
    /// The attachment store and spool of a test server that was given none.
    _attachments: Option<tempfile::TempDir>,
}

/// Settings for tests: defaults, with webhooks allowed to loopback receivers and short retries.
pub fn test_settings() -> ServiceSettings {
    let mut s = ServiceSettings::default();
    s.notify.webhook_allow_private = true;
    s.notify.max_attempts = 3;
    s.notify.retry_base = chrono::Duration::seconds(1);
    s.login_limits = api::config::login_limits(5, 1);
    // Tests fire requests faster than any client should; the limit has its own test.
    s.rate_limit_per_second = 0;
    // Each test server gets a scratch directory for attachments (`TestApp::start`).
    s.attachments.store = String::new();
    s
}

/// The use cases' configuration of `settings`, with the tests' link key (as a test server has).
pub fn ctx_of(settings: &ServiceSettings) -> app::Ctx {
    settings.ctx(TokenService::new(&JwtConfig::for_tests()).link_key())
}

/// Raises a ticket on `service` as the desk at `at`, then moves it through `steps` (minutes after
/// `at`, the status reached; a resolution is given when resolving): a ticket with known times,
/// for figures computed by hand.
pub fn ticket_at(
    app: &TestApp,
    service: &str,
    impact: domain::Impact,
    at: chrono::DateTime<chrono::Utc>,
    steps: &[(i64, domain::IncidentStatus)],
) {
    let agent = Caller::new("test", Role::Agent, None).expect("a desk caller");
    let ctx = ctx_of(&app.settings);
    app::Store::new(app.db.clone())
        .write(|conn| {
            let ticket = app::incidents::raise(
                conn,
                &agent,
                app::incidents::RaiseIncident {
                    locator: domain::ServiceLocator::ServiceId(
                        domain::ServiceId::parse(service).expect("a service id"),
                    ),
                    summary: "Circuit down".into(),
                    description: "d".into(),
                    impact,
                    reporter: domain::Reporter {
                        name: "A".into(),
                        email: "a@x.example".into(),
                        phone: "+4412345".into(),
                    },
                    external_id: None,
                },
                &ctx,
                at,
            )?
            .ticket;
            for (minutes, to) in steps {
                let resolution =
                    (*to == domain::IncidentStatus::Resolved).then(|| domain::Resolution {
                        cause: "Card failure".into(),
                        fix: "Card replaced".into(),
                    });
                app::incidents::transition(
                    conn,
                    &agent,
                    app::incidents::Transition {
                        ticket,
                        to: *to,
                        reason: Some("waiting for site access".into()),
                        resolution,
                        expected_version: None,
                    },
                    &ctx,
                    at + chrono::Duration::minutes(*minutes),
                )?;
            }
            Ok(())
        })
        .expect("the ticket and its steps");
}

/// One part of a `multipart/form-data` body.
#[derive(Debug, Clone)]
pub struct FormPart {
    pub name: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
}

impl FormPart {
    /// A file part.
    pub fn file(filename: &str, content_type: Option<&str>, bytes: &[u8]) -> Self {
        Self {
            name: "file".into(),
            filename: Some(filename.into()),
            content_type: content_type.map(Into::into),
            bytes: bytes.to_vec(),
        }
    }

    /// A text field.
    pub fn text(name: &str, value: &str) -> Self {
        Self {
            name: name.into(),
            filename: None,
            content_type: None,
            bytes: value.as_bytes().to_vec(),
        }
    }
}

/// A response as the tests look at it.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: actix_web::http::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts the status, printing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.body
        );
        self
    }

    /// Asserts a TMF630 error (a TMF621 facade's) with this status and our stable code.
    #[track_caller]
    pub fn expect_tmf_error(self, status: u16, code: &str) -> Self {
        let reply = self.expect(status);
        assert_eq!(
            reply.header("content-type"),
            Some("application/json"),
            "TMF errors are application/json"
        );
        assert_eq!(reply.body["@type"], json!("Error"));
        assert_eq!(reply.body["status"], json!(status.to_string()));
        assert_eq!(reply.body["code"], json!(code), "error: {}", reply.body);
        assert!(reply.body["reason"].is_string());
        reply
    }

    /// Asserts a problem+json error with this status and code.
    #[track_caller]
    pub fn expect_problem(self, status: u16, code: &str) -> Self {
        let reply = self.expect(status);
        assert_eq!(
            reply.header("content-type"),
            Some("application/problem+json"),
            "errors are problem+json"
        );
        assert_eq!(reply.body["status"], json!(status));
        assert_eq!(reply.body["code"], json!(code), "problem: {}", reply.body);
        assert!(reply.body["title"].is_string() && reply.body["detail"].is_string());
        reply
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique_name(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}_{}_{n}_{nanos}", std::process::id())
}

/// The test database. Without TLS by default: a test process opens connections from many
/// short-lived threads, and with OpenSSL 3 (which libpq uses for TLS) a thread's OpenSSL state
/// freed as it ends can race the library's own clean-up at process exit — a crash *after* every
/// test passed, seen about once in 15 runs of the login-burst binary, never with TLS off.
pub fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test?sslmode=disable".into())
}

/// A fresh SQLite file: its URL and the folder guard that deletes it.
pub fn scratch_sqlite() -> (String, Scratch) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    (url, Scratch::Sqlite(dir))
}

/// A fresh PostgreSQL schema: a URL whose search_path points at it, and the guard dropping it.
pub fn scratch_postgres() -> (String, Scratch) {
    let admin_url = postgres_admin_url();
    let schema = unique_name("t");
    let mut conn = diesel::PgConnection::establish(&admin_url)
        .unwrap_or_else(|e| panic!("PostgreSQL is required for these tests ({admin_url}): {e}"));
    conn.batch_execute(&format!("CREATE SCHEMA {schema}"))
        .expect("create test schema");
    let separator = if admin_url.contains('?') { '&' } else { '?' };
    let url = format!("{admin_url}{separator}options=-csearch_path%3D{schema}");
    (url, Scratch::Postgres { admin_url, schema })
}

impl TestApp {
    pub async fn sqlite() -> TestApp {
        let (url, scratch) = scratch_sqlite();
        Self::start(&url, Some(scratch), test_settings()).await
    }

    pub async fn postgres() -> TestApp {
        let (url, scratch) = scratch_postgres();
        Self::start(&url, Some(scratch), test_settings()).await
    }

    /// A test app on a fresh database of `backend` (`sqlite` or `postgres`) with `settings`.
    pub async fn on(backend: &str, settings: ServiceSettings) -> TestApp {
        let (url, scratch) = match backend {
            "sqlite" => scratch_sqlite(),
            _ => scratch_postgres(),
        };
        Self::start(&url, Some(scratch), settings).await
    }

    /// Stops this server (as a crash would: nothing is flushed) and starts a new one on the same
    /// database with `settings`.
    pub async fn restart(mut self, mut settings: ServiceSettings) -> TestApp {
        let scratch = self._scratch.take();
        // The attachments stay where they were, as a database does.
        let attachments = self._attachments.take();
        if settings.attachments.store.is_empty() {
            settings.attachments.store = self.settings.attachments.store.clone();
            settings.attachments.spool_dir = self.settings.attachments.spool_dir.clone();
        }
        self.server.stop(false).await;
        let url = self.url.clone();
        drop(self);
        let mut app = Self::start(&url, scratch, settings).await;
        app._attachments = app._attachments.take().or(attachments);
        app
    }

    /// Stops the server and waits until its workers have let go of everything (connections
    /// included), for a test that must leave no thread behind when its process exits.
    pub async fn shut_down(self) {
        self.server.stop(true).await;
    }

    /// Another API instance on the same database (its own pool and server).
    pub async fn second_instance(&self) -> TestApp {
        Self::start(&self.url, None, self.settings.clone()).await
    }

    async fn start(url: &str, scratch: Option<Scratch>, mut settings: ServiceSettings) -> TestApp {
        let attachments = settings.attachments.store.is_empty().then(|| {
            let dir = tempfile::tempdir().expect("attachments temp dir");
            settings.attachments.store = format!("file://{}", dir.path().join("objects").display());
            settings.attachments.spool_dir = dir.path().join("spool");
            dir
        });
        let options = PoolOptions {
            max_size: 8,
            connection_timeout: std::time::Duration::from_secs(10),
            // Short, so that the lock-timeout test is quick; far above any wait in a passing test.
            lock_timeout: std::time::Duration::from_secs(3),
        };
        let owned_url = url.to_owned();
        let db = actix_web::web::block(move || Database::open(&owned_url, &options))
            .await
            .expect("blocking pool")
            .expect("open database");
        let store = app::Store::new(db.clone());
        let s2 = store.clone();
        actix_web::web::block(move || {
            app::setup::ensure_admin(&s2, ADMIN_EMAIL, ADMIN_PASSWORD, app::now())
        })
        .await
        .expect("blocking pool")
        .expect("bootstrap admin");
        let s3 = store.clone();
        actix_web::web::block(move || app::help::seed_starter_set(&s3, app::now()))
            .await
            .expect("blocking pool")
            .expect("help starter set");
        let tokens = TokenService::new(&JwtConfig::for_tests());
        let state = AppState::new(store, tokens.clone(), settings.clone());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let server = HttpServer::new(move || api::create_app(state.clone()))
            .workers(2)
            .disable_signals()
            .listen(listener)
            .expect("listen")
            .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        TestApp {
            base_url: format!("http://127.0.0.1:{port}"),
            url: url.to_owned(),
            settings,
            db,
            tokens,
            client: awc::Client::builder()
                .timeout(std::time::Duration::from_secs(60))
                .finish(),
            server: handle,
            _scratch: scratch,
            _attachments: attachments,
        }
    }

    /// Sends a request; `body` is sent as JSON when given.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.base_url));
        if let Some(t) = token {
            req = req.insert_header(("Authorization", format!("Bearer {t}")));
        }
        for (k, v) in headers {
            req = req.insert_header((*k, *v));
        }
        let method = req.get_method().clone();
        let mut resp = match body {
            Some(b) => req.send_json(&b).await,
            None => req.send().await,
        }
        .expect("request sent");
        let bytes = resp.body().limit(16 * 1024 * 1024).await.expect("body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        self.judge(method.as_str(), path, &resp, &body);
        Reply {
            status: resp.status(),
            headers: resp.headers().clone(),
            body,
        }
    }

    /// Judges an answer by the document it must follow: a facade's by its standard, ours by the
    /// committed openapi.yaml.
    fn judge<S>(&self, method: &str, path: &str, resp: &awc::ClientResponse<S>, body: &Value) {
        // A facade's answer is judged by the standard's own document, whatever the test checks.
        if let Some(spec) = specs::for_path(path) {
            let errors = spec.response_errors(method, path, resp.status().as_u16(), body);
            assert!(
                errors.is_empty(),
                "{method} {path} answered {} outside the standard: {errors:?}\n{body:#}",
                resp.status()
            );
        }
        // So is an answer of our own API, by the committed openapi.yaml.
        let own = specs::own();
        if (path.starts_with("/api/v1/") || path.starts_with("/health/"))
            && own.has_operation(method, path)
        {
            let status = resp.status().as_u16();
            let mut errors = own.header_errors(method, path, status, resp.headers());
            errors.extend(own.response_errors(method, path, status, body));
            assert!(
                errors.is_empty(),
                "{method} {path} answered {status} outside openapi.yaml: {errors:?}\n{body:#}"
            );
        }
    }

    /// Sends a `multipart/form-data` POST of `parts`, as a browser's form or `curl -F` would.
    pub async fn upload(
        &self,
        path: &str,
        token: &str,
        parts: &[FormPart],
        headers: &[(&str, &str)],
    ) -> Reply {
        let boundary = format!("----test-boundary-{}", unique_name("b"));
        let mut body = Vec::new();
        for part in parts {
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            let mut disposition = format!("form-data; name=\"{}\"", part.name);
            if let Some(filename) = &part.filename {
                disposition.push_str(&format!("; filename=\"{filename}\""));
            }
            body.extend_from_slice(format!("Content-Disposition: {disposition}\r\n").as_bytes());
            if let Some(ct) = &part.content_type {
                body.extend_from_slice(format!("Content-Type: {ct}\r\n").as_bytes());
            }
            body.extend_from_slice(b"\r\n");
            body.extend_from_slice(&part.bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let mut req = self
            .client
            .post(format!("{}{path}", self.base_url))
            .insert_header(("Authorization", format!("Bearer {token}")))
            .insert_header((
                "Content-Type",
                format!("multipart/form-data; boundary={boundary}"),
            ));
        for (k, v) in headers {
            req = req.insert_header((*k, *v));
        }
        let mut resp = req.send_body(body).await.expect("upload sent");
        let bytes = resp.body().limit(1024 * 1024).await.expect("body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        self.judge("POST", path, &resp, &body);
        Reply {
            status: resp.status(),
            headers: resp.headers().clone(),
            body,
        }
    }

    /// A GET whose answer is bytes (a download), its headers judged by openapi.yaml.
    pub async fn download(
        &self,
        path: &str,
        token: &str,
        headers: &[(&str, &str)],
    ) -> (StatusCode, actix_web::http::header::HeaderMap, Vec<u8>) {
        let mut req = self
            .client
            .get(format!("{}{path}", self.base_url))
            .insert_header(("Authorization", format!("Bearer {token}")));
        for (k, v) in headers {
            req = req.insert_header((*k, *v));
        }
        let mut resp = req.send().await.expect("download sent");
        let bytes = resp.body().limit(64 * 1024 * 1024).await.expect("body");
        let own = specs::own();
        let status = resp.status().as_u16();
        let errors = own.header_errors("GET", path, status, resp.headers());
        assert!(
            errors.is_empty(),
            "GET {path} answered {status} outside openapi.yaml: {errors:?}"
        );
        (resp.status(), resp.headers().clone(), bytes.to_vec())
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.send(Method::GET, path, Some(token), None, &[]).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(token), Some(body), &[])
            .await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Reply {
        self.send(Method::DELETE, path, Some(token), None, &[])
            .await
    }

    /// Logs in through the API with a password.
    pub async fn login(&self, email: &str, password: &str) -> Reply {
        self.send(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(json!({"grant_type": "password", "email": email, "password": password})),
            &[],
        )
        .await
    }

    /// The access token of a password sign-in that must succeed.
    pub async fn token_of(&self, email: &str, password: &str) -> String {
        self.login(email, password).await.expect(200).body["access_token"]
            .as_str()
            .expect("an access token")
            .to_owned()
    }

    /// A real token of the bootstrap admin, obtained by logging in.
    pub async fn admin_token(&self) -> String {
        let reply = self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.expect(200);
        reply.body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// A token for an active account with `role` (created on first use, one per role and
    /// company, with no usable password), for tests about roles and tenancy.
    pub fn token_for(&self, role: Role, customer: Option<&str>) -> String {
        let email = match customer {
            Some(c) => format!("{}-{}@tokens.test", role.as_str(), c.to_lowercase()),
            None => format!("{}@tokens.test", role.as_str()),
        };
        let number = customer.map(|c| CustomerNumber::parse(c).expect("customer number"));
        let user = self
            .db
            .write(
                |conn| match persistence::accounts::find_user_by_email(conn, &email)? {
                    Some((user, _)) => Ok(user),
                    None => persistence::accounts::create_user(
                        conn,
                        persistence::accounts::NewUser {
                            email: &email,
                            name: "Test account",
                            password_hash: "!",
                            role,
                            customer_number: number.as_ref(),
                            status: domain::AccountStatus::Active,
                        },
                        chrono::Utc::now(),
                    ),
                },
            )
            .expect("token account");
        let caller = Caller::new(user.subject(), role, number).expect("caller");
        self.tokens
            .issue(&caller, chrono::Utc::now())
            .expect("token")
    }

    /// Creates a customer through the API.
    pub async fn create_customer(&self, admin: &str, number: &str) {
        self.post(
            "/api/v1/customers",
            admin,
            json!({"customer_number": number, "name": format!("Customer {number}")}),
        )
        .await
        .expect(201);
    }

    /// Creates a service through the API; circuit and order number derive from the id.
    pub async fn create_service(&self, admin: &str, service_id: &str, customer: &str) -> Value {
        self.post(
            "/api/v1/services",
            admin,
            json!({
                "service_id": service_id,
                "circuit_reference": format!("CIR/{service_id}"),
                "order_number": format!("ORD-{service_id}"),
                "customer_number": customer,
                "product": "Ethernet Line",
                "label": format!("Line {service_id}"),
            }),
        )
        .await
        .expect(201)
        .body
    }

    /// Two customers with a service each: OCN-1001/SVC-A and OCN-2002/SVC-B.
    /// Returns (admin token, customer A user token, customer B user token).
    pub async fn two_tenants(&self) -> (String, String, String) {
        let admin = self.admin_token().await;
        self.create_customer(&admin, "OCN-1001").await;
        self.create_customer(&admin, "OCN-2002").await;
        self.create_service(&admin, "SVC-A", "OCN-1001").await;
        self.create_service(&admin, "SVC-B", "OCN-2002").await;
        let a = self.token_for(Role::CustomerUser, Some("OCN-1001"));
        let b = self.token_for(Role::CustomerUser, Some("OCN-2002"));
        (admin, a, b)
    }

    /// Application state equal to the running app's, for calling jobs directly.
    pub fn state(&self) -> AppState {
        AppState::new(
            app::Store::new(self.db.clone()),
            self.tokens.clone(),
            self.settings.clone(),
        )
    }

    /// Runs one outbox dispatcher round at `now`.
    pub async fn dispatch(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> api::workers::dispatch::Round {
        let state = self.state();
        actix_web::web::block(move || {
            let senders =
                api::workers::dispatch::Senders::new(&state.settings.notify).expect("senders");
            api::workers::dispatch::dispatch_once(&state, &senders, now)
        })
        .await
        .expect("blocking pool")
        .expect("dispatch round")
    }

    /// Sends a request with extra headers and a JSON body.
    pub async fn post_with(
        &self,
        path: &str,
        token: &str,
        body: Value,
        headers: &[(&str, &str)],
    ) -> Reply {
        self.send(Method::POST, path, Some(token), Some(body), headers)
            .await
    }

    /// Moves a ticket with the service desk's transitions endpoint.
    pub async fn transition(&self, token: &str, ticket: &str, body: Value) -> Reply {
        self.post(
            &format!("/api/v1/incidents/{ticket}/transitions"),
            token,
            body,
        )
        .await
    }

    /// Raises a ticket on a service by id and returns its body.
    pub async fn raise(&self, token: &str, service_id: &str, impact: &str) -> Value {
        self.post(
            "/api/v1/incidents",
            token,
            raise_body("service_id", service_id, impact),
        )
        .await
        .expect(201)
        .body
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop accepting and close connections; the database scratch is dropped after.
        drop(self.server.stop(false));
    }
}

/// A valid raise body naming the service by `key` (`circuit_reference`, `order_number` or
/// `service_id`).
pub fn raise_body(key: &str, value: &str, impact: &str) -> Value {
    let mut body = json!({
        "summary": "Circuit down",
        "description": "No light since 09:12 UTC",
        "impact": impact,
        "reporter": {"name": "Alice Example", "email": "alice@acme.example", "phone": "+44 20 7946 0000"},
    });
    body[key] = json!(value);
    body
}
