//! Real peers for notification tests: an SMTP server (Python's aiosmtpd, on loopback, writing a
//! maildir) and an HTTP webhook receiver that records requests and can be told to fail.

use std::collections::HashMap;
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use api::config::SmtpSettings;

/// One received email.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub from: String,
    pub subject: String,
    pub body: String,
    /// Every header as received, by lower-case name.
    pub headers: HashMap<String, String>,
}

impl Mail {
    /// The code of a confirmation or verification mail, as its reader copies it: the line of
    /// the form `<id>.<time>.<signature>`.
    pub fn code(&self) -> String {
        self.body
            .lines()
            .map(str::trim)
            .find(|l| {
                l.split('.').count() == 3 && l.chars().all(|c| c.is_ascii_hexdigit() || c == '.')
            })
            .unwrap_or_else(|| panic!("no code in {self:?}"))
            .to_owned()
    }
}

/// A running aiosmtpd process.
pub struct SmtpSink {
    child: Child,
    pub port: u16,
    dir: tempfile::TempDir,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

impl SmtpSink {
    pub fn start() -> SmtpSink {
        let dir = tempfile::tempdir().expect("maildir");
        let port = free_port();
        let child = Command::new("python3")
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(dir.path().join("maildir"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 -m aiosmtpd (run scripts/setup.sh)");
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "aiosmtpd did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        SmtpSink { child, port, dir }
    }

    pub fn settings(&self) -> SmtpSettings {
        SmtpSettings {
            host: "127.0.0.1".into(),
            port: self.port,
            tls: "none".into(),
            credentials: None,
        }
    }

    /// Every message delivered so far.
    pub fn messages(&self) -> Vec<Mail> {
        let new = self.dir.path().join("maildir").join("new");
        let Ok(entries) = std::fs::read_dir(new) else {
            return Vec::new();
        };
        let mut mails = Vec::new();
        for entry in entries.flatten() {
            let raw = std::fs::read_to_string(entry.path())
                .unwrap_or_default()
                .replace("\r\n", "\n");
            let (head, body) = raw.split_once("\n\n").unwrap_or((&raw, ""));
            let mut headers = HashMap::new();
            for line in head.lines() {
                if let Some((k, v)) = line.split_once(':') {
                    headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
                }
            }
            let get = |k: &str| headers.get(k).cloned().unwrap_or_default();
            mails.push(Mail {
                to: get("x-rcptto"),
                from: get("from"),
                subject: get("subject"),
                body: body.to_owned(),
                headers: headers.clone(),
            });
        }
        mails
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One request a webhook receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    /// The path it was sent to (a Sonata listener's `…/listener/{eventType}`).
    pub path: String,
    pub headers: HashMap<String, String>,
    pub body: String,
}

/// An HTTP endpoint that records webhook deliveries and answers `status`.
pub struct WebhookReceiver {
    pub url: String,
    pub received: Arc<Mutex<Vec<Received>>>,
    pub status: Arc<Mutex<u16>>,
    server: actix_web::dev::ServerHandle,
}

impl WebhookReceiver {
    pub fn start() -> WebhookReceiver {
        let received = Arc::new(Mutex::new(Vec::new()));
        let status = Arc::new(Mutex::new(200u16));
        let (r, s) = (received.clone(), status.clone());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let server = HttpServer::new(move || {
            let (r, s) = (r.clone(), s.clone());
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                let (r, s) = (r.clone(), s.clone());
                async move {
                    let headers = req
                        .headers()
                        .iter()
                        .map(|(k, v)| {
                            (
                                k.as_str().to_ascii_lowercase(),
                                v.to_str().unwrap_or_default().to_owned(),
                            )
                        })
                        .collect();
                    r.lock().expect("lock").push(Received {
                        path: req.path().to_owned(),
                        headers,
                        body: String::from_utf8_lossy(&body).into_owned(),
                    });
                    let code = *s.lock().expect("lock");
                    HttpResponse::build(
                        actix_web::http::StatusCode::from_u16(code).expect("status"),
                    )
                    .finish()
                }
            }))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .expect("listen")
        .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        WebhookReceiver {
            url: format!("http://127.0.0.1:{port}/hook"),
            received,
            status,
            server: handle,
        }
    }

    pub fn answer(&self, status: u16) {
        *self.status.lock().expect("lock") = status;
    }

    pub fn requests(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }
}

impl Drop for WebhookReceiver {
    fn drop(&mut self) {
        drop(self.server.stop(false));
    }
}

/// A real S3-compatible server for attachment tests: moto's (`moto[server]`, pinned in
/// `scripts/test-requirements.txt`), on loopback, with one bucket.
pub struct S3Sink {
    child: Child,
    pub port: u16,
    pub bucket: String,
}

impl S3Sink {
    pub fn start() -> S3Sink {
        let port = free_port();
        let child = Command::new("python3")
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 -m moto.server (run scripts/setup.sh)");
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "moto_server did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let bucket = "attachments".to_owned();
        // Path-style CreateBucket; moto takes it unsigned.
        let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect moto");
        std::io::Write::write_all(
            &mut stream,
            format!(
                "PUT /{bucket} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\n\
                 Connection: close\r\n\r\n"
            )
            .as_bytes(),
        )
        .expect("create bucket");
        let mut answer = String::new();
        std::io::Read::read_to_string(&mut stream, &mut answer).expect("bucket answer");
        assert!(
            answer.starts_with("HTTP/1.1 200"),
            "create bucket: {answer}"
        );
        S3Sink {
            child,
            port,
            bucket,
        }
    }

    /// The attachment store URL and the settings that reach this server.
    pub fn store(&self) -> (String, Vec<(String, String)>) {
        let option = |k: &str, v: &str| (k.to_owned(), v.to_owned());
        (
            format!("s3://{}/attachments", self.bucket),
            vec![
                option("aws_endpoint", &format!("http://127.0.0.1:{}", self.port)),
                option("aws_allow_http", "true"),
                option("aws_region", "us-east-1"),
                option("aws_access_key_id", "test-key"),
                option("aws_secret_access_key", "test-secret"),
                option("aws_virtual_hosted_style_request", "false"),
            ],
        )
    }
}

impl Drop for S3Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
