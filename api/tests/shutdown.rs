//! Restart safety (issue 8), on the real binary: a SIGTERM turns readiness to 503 while the
//! server keeps serving for the grace period, then it stops accepting and lets the requests in
//! flight finish; nothing acknowledged is lost, and the outbox picks up after a restart what the
//! stopped process left undelivered; a `kill -9` in a burst of raises loses no acknowledged
//! ticket. Runs once per backend (`sqlite::…`, `postgres::…`).

// Test support code: a failed setup step should stop the test with its message.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_service-assurance");
const ADMIN: (&str, &str) = ("admin@shutdown.test", "shutdown-admin-password");
const USER: (&str, &str) = ("user@shutdown.test", "shutdown-user-password");
const RAISES: usize = 40;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// A running server process; killed if a test fails while it runs, so none is left behind.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// The server binary on `database_url`, serving on `port`; dispatching every `dispatch_ms`.
fn start(database_url: &str, port: u16, dispatch_ms: u64) -> Server {
    start_with(database_url, port, dispatch_ms, &[])
}

/// [`start`], with more environment.
fn start_with(database_url: &str, port: u16, dispatch_ms: u64, env: &[(&str, String)]) -> Server {
    let child = Command::new(BIN)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .arg("serve")
        .env("DATABASE_URL", database_url)
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("JWT_SECRET", "shutdown-test-secret-shutdown-test-secret")
        .env("BOOTSTRAP_ADMIN_EMAIL", ADMIN.0)
        .env("BOOTSTRAP_ADMIN_PASSWORD", ADMIN.1)
        .env("RATE_LIMIT_PER_SECOND", "0")
        .env("WEBHOOK_ALLOW_PRIVATE", "true")
        .env("DISPATCH_INTERVAL_MS", dispatch_ms.to_string())
        .env("HTTP_WORKERS", "2")
        .env("SHUTDOWN_GRACE_SECONDS", "2")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the server binary");
    let server = Server(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if ureq::get(format!("http://127.0.0.1:{port}/health/ready"))
            .call()
            .is_ok()
        {
            return server;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the server did not become ready");
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

fn call(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let url = format!("http://127.0.0.1:{port}{path}");
    let agent = agent();
    let auth = token.map(|t| format!("Bearer {t}"));
    let response = match (method, body) {
        ("GET", _) => {
            let mut req = agent.get(&url);
            if let Some(a) = &auth {
                req = req.header("Authorization", a);
            }
            req.call()
        }
        (_, body) => {
            let mut req = agent.post(&url);
            if let Some(a) = &auth {
                req = req.header("Authorization", a);
            }
            req.content_type("application/json")
                .send(body.unwrap_or(Value::Null).to_string())
        }
    }
    .expect("request");
    let status = response.status().as_u16();
    let text = response.into_body().read_to_string().unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    (status, body)
}

fn login(port: u16, (email, password): (&str, &str)) -> String {
    let (status, body) = call(
        port,
        "POST",
        "/api/v1/auth/token",
        None,
        Some(json!({"grant_type": "password", "email": email, "password": password})),
    );
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().expect("token").to_owned()
}

/// A webhook endpoint answering 204 and counting the deliveries it got.
fn receiver() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind receiver");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let seen = seen.clone();
            std::thread::spawn(move || {
                let mut stream = stream;
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let mut data = Vec::new();
                let mut buf = [0u8; 8192];
                // Read the head, then as many body bytes as Content-Length says.
                loop {
                    let Ok(n) = stream.read(&mut buf) else { return };
                    if n == 0 {
                        return;
                    }
                    data.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&data).to_string();
                    if let Some(head_end) = text.find("\r\n\r\n") {
                        let length = text[..head_end]
                            .lines()
                            .find_map(|l| {
                                let (k, v) = l.split_once(':')?;
                                k.eq_ignore_ascii_case("content-length")
                                    .then(|| v.trim().parse::<usize>().ok())?
                            })
                            .unwrap_or(0);
                        if data.len() >= head_end + 4 + length {
                            break;
                        }
                    }
                }
                seen.fetch_add(1, Ordering::SeqCst);
                let _ = stream.write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
            });
        }
    });
    (url, count)
}

fn sigterm(server: &Server) {
    let status = Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}

/// The company OCN-1001 with service SVC-1 and its user `USER`, made through the API.
fn seed(port: u16) -> String {
    let admin = login(port, ADMIN);
    let (status, _) = call(
        port,
        "POST",
        "/api/v1/customers",
        Some(&admin),
        Some(json!({"customer_number": "OCN-1001", "name": "Shutdown Ltd"})),
    );
    assert_eq!(status, 201);
    let (status, _) = call(
        port,
        "POST",
        "/api/v1/services",
        Some(&admin),
        Some(json!({
        "service_id": "SVC-1", "circuit_reference": "CIR-1", "order_number": "ORD-1",
        "customer_number": "OCN-1001", "product": "Ethernet", "label": "Line"})),
    );
    assert_eq!(status, 201);
    let (status, body) = call(
        port,
        "POST",
        "/api/v1/users",
        Some(&admin),
        Some(json!({
        "email": USER.0, "name": "User", "password": USER.1, "role": "customer_user",
        "customer_number": "OCN-1001"})),
    );
    assert_eq!(status, 201, "{body}");
    admin
}

/// A ticket on SVC-1 with `summary`.
fn raise_body(summary: &str) -> String {
    json!({"service_id": "SVC-1", "summary": summary, "description": "under load",
        "impact": "degraded",
        "reporter": {"name": "U", "email": "u@shutdown.test", "phone": "+44 20 7946 0000"}})
    .to_string()
}

fn sigterm_drains_in_flight_requests_and_the_outbox_resumes(database_url: &str) {
    let port = free_port();
    // First life: the dispatcher looks once at start, then not for an hour.
    let mut server = start(database_url, port, 3_600_000);
    let admin = seed(port);
    let (hook, delivered) = receiver();
    let (status, body) = call(
        port,
        "POST",
        "/api/v1/webhooks",
        Some(&admin),
        Some(json!({"url": hook, "event_types": ["incident.created"]})),
    );
    assert_eq!(status, 201, "{body}");
    let user = login(port, USER);

    // Raise tickets from many clients at once and send SIGTERM while they are under way.
    let start_line = Arc::new(Barrier::new(RAISES + 1));
    let raisers: Vec<_> = (0..RAISES)
        .map(|i| {
            let (user, start_line) = (user.clone(), start_line.clone());
            std::thread::spawn(move || {
                start_line.wait();
                std::thread::sleep(Duration::from_millis((i % 10) as u64 * 3));
                let agent = agent();
                agent
                    .post(format!("http://127.0.0.1:{port}/api/v1/incidents"))
                    .header("Authorization", &format!("Bearer {user}"))
                    .content_type("application/json")
                    .send(raise_body(&format!("Raise {i}")))
                    .map(|r| r.status().as_u16())
                    .map_err(|e| e.to_string())
            })
        })
        .collect();
    start_line.wait();
    std::thread::sleep(Duration::from_millis(10));
    sigterm(&server);
    // Draining: readiness says go elsewhere, liveness is fine, and requests are still served.
    let asked = Instant::now();
    loop {
        let (status, body) = call(port, "GET", "/health/ready", None, None);
        if status == 503 {
            assert_eq!(body["code"], "draining");
            break;
        }
        assert!(
            asked.elapsed() < Duration::from_secs(1),
            "readiness still {status}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(call(port, "GET", "/health/live", None, None).0, 200);
    let outcomes: Vec<Result<u16, String>> = raisers
        .into_iter()
        .map(|r| r.join().expect("raiser"))
        .collect();
    let stopped_at = Instant::now();
    let exit = loop {
        if let Some(status) = server.0.try_wait().expect("wait") {
            break status;
        }
        assert!(
            stopped_at.elapsed() < Duration::from_secs(20),
            "the server did not stop"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "a SIGTERM is a clean stop: {exit:?}");
    assert!(
        outcomes.iter().all(|o| matches!(o, Ok(201))),
        "every request under way at the SIGTERM was served: {outcomes:?}"
    );
    let created = outcomes.len();
    // Once stopped, nothing listens.
    assert!(ureq::get(format!("http://127.0.0.1:{port}/health/live"))
        .call()
        .is_err());

    // Second life: every acknowledged ticket is there (and nothing else), and the outbox delivers
    // the events the first life left behind.
    let mut server = start(database_url, port, 100);
    let admin = login(port, ADMIN);
    let (status, body) = call(
        port,
        "GET",
        "/api/v1/incidents?limit=100",
        Some(&admin),
        None,
    );
    assert_eq!(status, 200);
    assert_eq!(body["items"].as_array().expect("items").len(), created);
    let deadline = Instant::now() + Duration::from_secs(30);
    while delivered.load(Ordering::SeqCst) < created && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        delivered.load(Ordering::SeqCst),
        created,
        "every creation delivered once"
    );
    sigterm(&server);
    assert!(server.0.wait().expect("wait").success());
}

/// Issue 17: SQLite commits the raises that queue up together. A `kill -9` in the middle of a
/// burst must still lose nothing that was answered 201: every acknowledged ticket is readable
/// after the restart (tickets committed but not yet answered when the process died may be
/// there too; nothing else is).
fn kill_9_during_a_burst_loses_no_acknowledged_ticket(database_url: &str) {
    const CLIENTS: usize = 32;
    let port = free_port();
    let mut server = start(database_url, port, 3_600_000);
    seed(port);
    let user = login(port, USER);
    let answered = Arc::new(AtomicUsize::new(0));
    let raisers: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let (user, answered) = (user.clone(), answered.clone());
            std::thread::spawn(move || {
                let agent = agent();
                let mut acknowledged = Vec::new();
                for k in 0.. {
                    let sent = agent
                        .post(format!("http://127.0.0.1:{port}/api/v1/incidents"))
                        .header("Authorization", &format!("Bearer {user}"))
                        .content_type("application/json")
                        .send(raise_body(&format!("Burst {client}-{k}")));
                    // The process is gone: a refused or cut connection ends this client.
                    let Ok(response) = sent else { break };
                    let status = response.status().as_u16();
                    let body: Value = response
                        .into_body()
                        .read_to_string()
                        .ok()
                        .and_then(|t| serde_json::from_str(&t).ok())
                        .unwrap_or(Value::Null);
                    // A body cut short by the kill is no acknowledgement.
                    if status == 201 {
                        if let Some(ticket) = body["ticket_number"].as_str() {
                            acknowledged.push(ticket.to_owned());
                            answered.fetch_add(1, Ordering::SeqCst);
                        }
                    } else {
                        assert!(body.is_null(), "an answer other than 201: {status} {body}");
                    }
                }
                acknowledged
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(30);
    while answered.load(Ordering::SeqCst) < 300 {
        assert!(Instant::now() < deadline, "the burst did not get going");
        std::thread::sleep(Duration::from_millis(2));
    }
    if database_url.starts_with("sqlite") {
        // The burst did queue up: SQLite's group commit carried more writes than it committed
        // transactions (so the kill below lands among shared commits).
        let text = agent()
            .get(format!("http://127.0.0.1:{port}/metrics"))
            .call()
            .expect("metrics")
            .into_body()
            .read_to_string()
            .expect("metrics text");
        let counter = |name: &str| -> u64 {
            text.lines()
                .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
                .unwrap_or_else(|| panic!("{name} missing from /metrics"))
        };
        let (batches, writes) = (
            counter("db_write_batches_total "),
            counter("db_writes_total "),
        );
        assert!(writes > batches, "{writes} writes in {batches} batches");
    }
    server.0.kill().expect("kill -9");
    server.0.wait().expect("reap");
    let acknowledged: Vec<String> = raisers
        .into_iter()
        .flat_map(|r| r.join().expect("raiser"))
        .collect();
    assert!(acknowledged.len() >= 300);

    let mut server = start(database_url, port, 3_600_000);
    let admin_again = login(port, ADMIN);
    for ticket in &acknowledged {
        let (status, body) = call(
            port,
            "GET",
            &format!("/api/v1/incidents/{ticket}"),
            Some(&admin_again),
            None,
        );
        assert_eq!(status, 200, "acknowledged {ticket} is lost: {body}");
        assert!(body["summary"]
            .as_str()
            .is_some_and(|s| s.starts_with("Burst ")));
    }
    sigterm(&server);
    assert!(server.0.wait().expect("wait").success());
}

/// Issue 22: a `kill -9` while an upload is arriving leaves no attachment, and the sweep of the
/// restarted server removes what the dead one left: the spooled part of the upload, and content
/// in the store that no attachment names (as a crash between the store's write and the commit
/// leaves it).
fn kill_9_mid_upload_leaves_no_row_and_the_sweep_removes_the_rest(database_url: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let objects = dir.path().join("objects");
    let spool = dir.path().join("spool");
    let env = |grace: &str| {
        vec![
            ("ATTACHMENT_STORE", format!("file://{}", objects.display())),
            ("ATTACHMENT_SPOOL_DIR", spool.display().to_string()),
            ("ATTACHMENT_SWEEP_GRACE_SECONDS", grace.to_owned()),
            ("BACKGROUND_INTERVAL_SECONDS", "1".to_owned()),
        ]
    };
    let port = free_port();
    let mut server = start_with(database_url, port, 3_600_000, &env("3600"));
    seed(port);
    let user = login(port, USER);
    let (status, raised) = call(
        port,
        "POST",
        "/api/v1/incidents",
        Some(&user),
        Some(serde_json::from_str(&raise_body("upload then crash")).expect("json")),
    );
    assert_eq!(status, 201, "{raised}");
    let ticket = raised["ticket_number"].as_str().expect("ticket").to_owned();

    // 20 MiB announced; 4 MiB sent, then the process dies.
    let total = 20 * 1024 * 1024;
    let boundary = "crash-boundary-7f3a";
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"trace.pcap\"\r\n\
         Content-Type: application/vnd.tcpdump.pcap\r\n\r\n"
    );
    let tail = format!("\r\n--{boundary}--\r\n");
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    write!(
        stream,
        "POST /api/v1/incidents/{ticket}/attachments HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
         Authorization: Bearer {user}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n\r\n{head}",
        head.len() + total + tail.len()
    )
    .expect("send head");
    let mut capture = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0];
    capture.resize(24, 0);
    stream.write_all(&capture).expect("send");
    let chunk = vec![0x5a_u8; 64 * 1024];
    for _ in 0..64 {
        stream.write_all(&chunk).expect("send part of the file");
    }
    // The server has spooled some of it.
    let deadline = Instant::now() + Duration::from_secs(20);
    let spooled = loop {
        let size: u64 = std::fs::read_dir(&spool)
            .map(|entries| {
                entries
                    .flatten()
                    .filter_map(|e| e.metadata().ok())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0);
        if size >= 1024 * 1024 {
            break size;
        }
        assert!(Instant::now() < deadline, "nothing spooled");
        std::thread::sleep(Duration::from_millis(50));
    };
    let status = Command::new("kill")
        .args(["-9", &server.0.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    server.0.wait().expect("reaped");
    drop(stream);
    assert!(spooled < total as u64, "the upload was cut off");

    // What a crash after the store's write and before the commit leaves.
    let orphan = objects.join("sha256").join("0".repeat(64));
    std::fs::create_dir_all(orphan.parent().unwrap()).expect("store dir");
    std::fs::write(&orphan, b"content no attachment names").expect("orphan");

    // Restarted, with no grace: no attachment, and the sweep clears both.
    let server = start_with(database_url, port, 3_600_000, &env("0"));
    let (status, list) = call(
        port,
        "GET",
        &format!("/api/v1/incidents/{ticket}/attachments"),
        Some(&user),
        None,
    );
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["items"], json!([]));
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let spool_left = std::fs::read_dir(&spool)
            .map(|entries| entries.count())
            .unwrap_or(0);
        if spool_left == 0 && !orphan.exists() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the sweep left {spool_left} spool files, orphan exists: {}",
            orphan.exists()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    sigterm(&server);
    let mut server = server;
    assert!(server.0.wait().expect("wait").success());
}

mod sqlite {
    fn on_a_fresh_file(test: fn(&str)) {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("shutdown.db").display());
        test(&url);
    }

    #[test]
    fn sigterm_drains_in_flight_requests_and_the_outbox_resumes() {
        on_a_fresh_file(super::sigterm_drains_in_flight_requests_and_the_outbox_resumes);
    }

    #[test]
    fn kill_9_during_a_burst_loses_no_acknowledged_ticket() {
        on_a_fresh_file(super::kill_9_during_a_burst_loses_no_acknowledged_ticket);
    }

    #[test]
    fn kill_9_mid_upload_leaves_no_row_and_the_sweep_removes_the_rest() {
        on_a_fresh_file(super::kill_9_mid_upload_leaves_no_row_and_the_sweep_removes_the_rest);
    }
}

mod postgres {
    use super::SimpleConnection;

    /// Runs `test` in a schema of its own in the test database, dropped afterwards.
    fn in_a_fresh_schema(name: &str, test: fn(&str)) {
        let admin_url = std::env::var("TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let schema = format!("{name}_{}", std::process::id());
        let mut conn = <diesel::PgConnection as diesel::Connection>::establish(&admin_url)
            .unwrap_or_else(|e| panic!("PostgreSQL is required ({admin_url}): {e}"));
        conn.batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
        ))
        .expect("schema");
        let separator = if admin_url.contains('?') { '&' } else { '?' };
        let url = format!("{admin_url}{separator}options=-csearch_path%3D{schema}");
        test(&url);
        conn.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
            .expect("drop schema");
    }

    #[test]
    fn sigterm_drains_in_flight_requests_and_the_outbox_resumes() {
        in_a_fresh_schema(
            "shutdown",
            super::sigterm_drains_in_flight_requests_and_the_outbox_resumes,
        );
    }

    #[test]
    fn kill_9_during_a_burst_loses_no_acknowledged_ticket() {
        in_a_fresh_schema(
            "crash",
            super::kill_9_during_a_burst_loses_no_acknowledged_ticket,
        );
    }

    #[test]
    fn kill_9_mid_upload_leaves_no_row_and_the_sweep_removes_the_rest() {
        in_a_fresh_schema(
            "upload_crash",
            super::kill_9_mid_upload_leaves_no_row_and_the_sweep_removes_the_rest,
        );
    }
}

/// Issue 20: without `JWT_SECRET` the binary refuses to listen beyond loopback, and it refuses
/// the development secret this project once published, whatever the address.
#[test]
fn the_binary_refuses_to_start_with_a_forgeable_secret() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = |bind: &str, secret: Option<&str>| {
        let mut command = Command::new(BIN);
        command
            .arg("serve")
            .current_dir(dir.path())
            .env_remove("JWT_SECRET")
            .env(
                "DATABASE_URL",
                format!("sqlite://{}/db.sqlite", dir.path().display()),
            )
            .env("BIND_ADDR", bind)
            .env("JWT_SECRET_FILE", dir.path().join("jwt-secret"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Some(secret) = secret {
            command.env("JWT_SECRET", secret);
        }
        // A binary that does start would serve forever: it gets ten seconds to refuse.
        let mut server = Server(command.spawn().expect("run the binary"));
        let deadline = Instant::now() + Duration::from_secs(10);
        let status = loop {
            match server.0.try_wait().expect("wait") {
                Some(status) => break Some(status),
                None if Instant::now() > deadline => break None,
                None => std::thread::sleep(Duration::from_millis(50)),
            }
        };
        let mut stderr = String::new();
        if let Some(mut pipe) = server.0.stderr.take() {
            if status.is_some() {
                let _ = pipe.read_to_string(&mut stderr);
            }
        }
        // Started: still running, or ended well.
        (status.is_none_or(|s| s.success()), stderr)
    };
    let (started, stderr) = run(&format!("0.0.0.0:{}", free_port()), None);
    assert!(
        !started && stderr.contains("JWT_SECRET is required"),
        "{stderr}"
    );
    let (started, stderr) = run(
        &format!("127.0.0.1:{}", free_port()),
        Some(api::config::PUBLISHED_DEV_SECRET),
    );
    assert!(!started && stderr.contains("published"), "{stderr}");
    assert!(
        !dir.path().join("jwt-secret").exists(),
        "refused before any secret was made"
    );
}
