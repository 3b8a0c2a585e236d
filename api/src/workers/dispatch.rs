//! The outbox dispatcher (R-CON2, R-CON4): expands events into deliveries and sends them — email
//! over SMTP (lettre), webhooks over HTTP (ureq), signed with HMAC-SHA256 — with retries and
//! backoff. Runs on a thread of its own, serving up to 8 targets side by side (a slow target holds
//! one lane, not every tenant; one target's deliveries go in order; a batch ends well inside its
//! lease); safe with several instances (see `app::notifications`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use app::events::StreamedEvent as Event;
use app::notifications::{Attempt, Channel, Delivery};
use app::AppError;
use chrono::{DateTime, Utc};
use domain::EventType;
use hmac::{Hmac, Mac};
use lettre::message::{header::ContentType, Mailbox};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Message, SmtpTransport, Transport};
use sha2::Sha256;

use crate::config::{NotifySettings, SmtpSettings};
use crate::state::AppState;

/// Header carrying the webhook signature: `t=<unix seconds>,v1=<hex HMAC-SHA256>` over
/// `"<t>.<raw body>"` with the subscription's secret.
pub const SIGNATURE_HEADER: &str = "X-Signature";
/// Header carrying the delivery id, stable across retries: use it to drop duplicates.
pub const DELIVERY_HEADER: &str = "X-Delivery-Id";
pub const EVENT_HEADER: &str = "X-Event-Type";

/// How long a claimed delivery stays with one dispatcher before others may take it over.
const LEASE_SECONDS: i64 = 120;

/// Set when the process shuts down: the dispatcher finishes the delivery in hand, gives back the
/// rest of its claim, and stops.
static STOPPING: AtomicBool = AtomicBool::new(false);

/// Asks the dispatcher to stop after the delivery in hand (see [`spawn`]).
pub fn stop() {
    STOPPING.store(true, Ordering::SeqCst);
}

fn stopping() -> bool {
    STOPPING.load(Ordering::SeqCst)
}

/// What one round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub expanded: usize,
    pub delivered: usize,
    pub retried: usize,
    pub failed: usize,
    pub held: usize,
}

impl Round {
    /// Counts one delivery's outcome; whether its target took it (held emails count as taken).
    fn count(&mut self, outcome: &Outcome) -> bool {
        match outcome {
            Outcome::Held => self.held += 1,
            Outcome::Recorded(status) => match status.as_str() {
                "delivered" => self.delivered += 1,
                "failed" => {
                    self.failed += 1;
                    return false;
                }
                _ => {
                    self.retried += 1;
                    return false;
                }
            },
        }
        true
    }
}

/// The senders, built once from the settings.
pub struct Senders {
    smtp: Option<SmtpTransport>,
    http: ureq::Agent,
    settings: NotifySettings,
}

impl Senders {
    pub fn new(settings: &NotifySettings) -> Result<Self, String> {
        let smtp = settings.smtp.as_ref().map(smtp_transport).transpose()?;
        let http = super::egress::agent(&settings.egress(), Duration::from_secs(10));
        Ok(Self {
            smtp,
            http,
            settings: settings.clone(),
        })
    }
}

fn smtp_transport(s: &SmtpSettings) -> Result<SmtpTransport, String> {
    let builder = match s.tls.as_str() {
        "none" => SmtpTransport::builder_dangerous(s.host.clone()),
        "tls" => SmtpTransport::relay(&s.host).map_err(|e| format!("SMTP: {e}"))?,
        _ => SmtpTransport::starttls_relay(&s.host).map_err(|e| format!("SMTP: {e}"))?,
    };
    let mut builder = builder.port(s.port).timeout(Some(Duration::from_secs(20)));
    if let Some((user, password)) = &s.credentials {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    Ok(builder.build())
}

/// The monthly service report's mail: the month's totals, each service's availability and
/// SLA figures, and where the full report is.
fn service_report_mail(p: &serde_json::Value) -> (String, String) {
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    let number = |v: &serde_json::Value| match v {
        serde_json::Value::Null => "n/a".to_owned(),
        other => other.to_string(),
    };
    let percent = |v: &serde_json::Value| match v {
        serde_json::Value::Null => "n/a".to_owned(),
        other => format!("{other}%"),
    };
    let (customer, month) = (text(&p["customer_number"]), text(&p["month"]));
    let t = &p["totals"];
    let mut body = format!(
        "Service report for {customer}, {month} ({}).\n\n\
         Tickets raised: {} (resolved {}, still open {})\n\
         Response on time: {}; restore on time: {}\n\
         Downtime: {} min; planned works: {} min\n",
        text(&p["time_zone"]),
        number(&t["raised"]),
        number(&t["resolved"]),
        number(&t["open"]),
        percent(&t["response_met_percent"]),
        percent(&t["restore_met_percent"]),
        number(&t["downtime_minutes"]),
        number(&t["planned_works_minutes"]),
    );
    for s in p["services"].as_array().into_iter().flatten() {
        let target = match (&s["availability_target"], &s["target_met"]) {
            (serde_json::Value::Null, _) => "no target".to_owned(),
            (target, met) => format!(
                "target {target}%: {}",
                if met.as_bool() == Some(true) {
                    "met"
                } else {
                    "missed"
                }
            ),
        };
        body.push_str(&format!(
            "\n{} {}\n  availability {} ({target}), service credit {}\n\
             \x20 downtime {} min, planned works {} min\n\
             \x20 tickets {}, response on time {}, restore on time {}\n",
            text(&s["service_id"]),
            text(&s["label"]),
            percent(&s["availability_percent"]),
            percent(&s["service_credit_percent"]),
            number(&s["downtime_minutes"]),
            number(&s["planned_works_minutes"]),
            number(&s["raised"]),
            percent(&s["response_met_percent"]),
            percent(&s["restore_met_percent"]),
        ));
    }
    body.push_str(&format!(
        "\nThe full report, per service, priority or month:\n\
         GET /api/v1/reports/sla?from={}&to={}\n\
         (with Accept: text/csv for a spreadsheet), or Reports in the portal.\n",
        text(&p["from"]),
        text(&p["to"]),
    ));
    (format!("Service report for {month}: {customer}"), body)
}

/// Subject and body of the email telling a contact about `event` (`ctx` signs the link of a
/// confirmation mail).
pub fn render_email(event: &Event, ctx: &app::Ctx) -> (String, String) {
    let p = &event.payload;
    let text = |k: &str| {
        p.get(k)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    let ticket = event
        .ticket_number
        .map(|n| format!("1-{n:010}"))
        .unwrap_or_default();
    match event.event_type {
        EventType::IncidentCreated => (
            // The summary is the customer's own text: never in a subject line sent from our
            // address (it stays in the body, below our own words).
            format!(
                "[{ticket}] Incident logged on service {}",
                text("service_id")
            ),
            format!(
                "Your incident {ticket} on service {} has been logged with priority {}.\n\n{}",
                text("service_id"),
                text("priority"),
                text("summary")
            ),
        ),
        EventType::IncidentUpdated => {
            let changes: Vec<String> = p
                .get("changes")
                .and_then(|c| c.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            (
                format!("[{ticket}] Incident update ({})", text("status")),
                format!("Incident {ticket} was updated:\n\n{}", changes.join("\n")),
            )
        }
        EventType::IncidentAttachmentAdded => (
            format!("[{ticket}] File attached to your incident"),
            format!(
                "A file was attached to incident {ticket}: {} ({} bytes).\n\nDownload it from the \
                 ticket in the portal.",
                p["attachment"]["name"].as_str().unwrap_or_default(),
                p["attachment"]["size"].as_u64().unwrap_or_default()
            ),
        ),
        EventType::IncidentEscalated => (
            format!(
                "[{ticket}] Incident escalated to level {}",
                p.get("level").and_then(|v| v.as_i64()).unwrap_or_default()
            ),
            format!(
                "Incident {ticket} was escalated. Contact: {} {}",
                p["contact"]["title"].as_str().unwrap_or_default(),
                p["contact"]["phone"].as_str().unwrap_or_default()
            ),
        ),
        EventType::MajorIncidentNotice => major_incident_notice(p),
        EventType::PlannedWorkReminder => (
            format!("Reminder: planned works from {}: {}", text("start_at"), text("title")),
            format!(
                "A reminder: planned works \"{}\" start soon.\nWindow: {} to {} (UTC)\nExpected impact: {}\nYour affected services: {}\n",
                text("title"),
                text("start_at"),
                text("end_at"),
                text("expected_impact"),
                p["affected_service_ids"]
                    .as_array()
                    .map(|a| a.iter().filter_map(|v| v.as_str()).collect::<Vec<_>>().join(", "))
                    .unwrap_or_default()
            ),
        ),
        t if t.is_planned_work() => {
            let services: Vec<String> = p
                .get("affected_service_ids")
                .and_then(|c| c.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            (
                format!("Planned works {}: {}", text("status"), text("title")),
                format!(
                    "Planned works \"{}\" are {}.\nWindow: {} to {} (UTC)\nExpected impact: {}\nYour affected services: {}",
                    text("title"), text("status"), text("start_at"), text("end_at"), text("expected_impact"), services.join(", ")
                ),
            )
        }
        EventType::ContactConfirmationRequested => {
            let token = app::contacts::confirmation_token(
                ctx,
                p["contact_id"].as_i64().unwrap_or_default(),
                &text("email"),
                event.created_at,
            );
            (
                "Please confirm your address for service notices".to_owned(),
                // Lines under 78 characters: the mail goes as plain 7-bit text, and the code is
                // copied from it as it is.
                format!(
                    "This address was added as a contact of customer {}\n\
                     to receive service notices (incidents, major incidents,\n\
                     planned works) from us.\n\n\
                     If you agree, confirm it within {} days with this code:\n\n\
                     {token}\n\n\
                     in the customer portal, or with POST /api/v1/contact-confirmations\n\
                     and the body {{\"token\": \"<the code>\"}}.\n\n\
                     If you did not expect this message, ignore it: nothing more will\n\
                     be sent to you.\n",
                    text("customer_number"),
                    app::links::LINK_VALIDITY.num_days()
                ),
            )
        }
        EventType::RegistrationVerificationRequested => {
            let token = app::accounts::verification_token(
                ctx,
                p["user_id"].as_i64().unwrap_or_default(),
                &text("email"),
                event.created_at,
            );
            (
                "Please verify your email for your account request".to_owned(),
                format!(
                    "Someone asked for an account on our customer portal with this\n\
                     address. If it was you, verify the address within {} days\n\
                     with this code:\n\n\
                     {token}\n\n\
                     on the portal, or with POST /api/v1/registrations/verifications\n\
                     and the body {{\"token\": \"<the code>\"}}. Your company's\n\
                     administrator can approve the account once it is verified.\n\n\
                     If it was not you, ignore this message: no account is opened\n\
                     without the code.\n",
                    app::links::LINK_VALIDITY.num_days()
                ),
            )
        }
        EventType::PasswordResetRequested => {
            let token = app::accounts::recovery::reset_token(
                ctx,
                p["user_id"].as_i64().unwrap_or_default(),
                &text("email"),
                &text("stamp"),
                event.created_at,
            );
            (
                "Your password reset code".to_owned(),
                format!(
                    "Someone asked to reset the password of your account on our\n\
                     customer portal. If it was you, choose a new password within\n\
                     {} minutes with this code:\n\n\
                     {token}\n\n\
                     on the portal, or with POST /api/v1/password-resets/confirmations\n\
                     and the body {{\"token\": \"<the code>\", \"new_password\": \"...\"}}.\n\
                     The code works once.\n\n\
                     If it was not you, ignore this message: your password stays as it\n\
                     is.\n",
                    app::links::RESET_VALIDITY.num_minutes()
                ),
            )
        }
        EventType::PasswordChanged => (
            "Your password was changed".to_owned(),
            format!(
                "The password of your account on our customer portal was\n\
                 {} at {} (UTC).\n\
                 Every other session was signed out.\n\n\
                 If this was not you, ask for a password reset at once and tell\n\
                 your administrator.\n",
                text("how"),
                event.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
        ),
        EventType::RegistrationAwaitingApproval => (
            "An account request awaits your approval".to_owned(),
            format!(
                "{} <{}> asked for an account of customer {} on our\n\
                 customer portal and verified the address. Approve or reject\n\
                 the request on the portal (Registrations), or with\n\
                 POST /api/v1/registrations/{}/approve or /reject.\n",
                text("name"),
                text("email"),
                text("customer_number"),
                p["user_id"].as_i64().unwrap_or_default()
            ),
        ),
        EventType::ServiceReportMonthly => service_report_mail(p),
        other => (
            format!("Service assurance notice: {}", other.as_str()),
            serde_json::to_string_pretty(p).unwrap_or_default(),
        ),
    }
}

/// The mail of one step of a major incident, to one company: what happened, its own services
/// and tickets, who coordinates, and what is promised next.
fn major_incident_notice(p: &serde_json::Value) -> (String, String) {
    let text = |k: &str| p[k].as_str().unwrap_or_default().to_owned();
    let list = |k: &str| {
        p[k].as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
    };
    let major = text("major_incident");
    let step = match p["notice"].as_str().unwrap_or_default() {
        "raised" => "declared",
        "resolved" => "resolved",
        "now_affected" => "now affects your services",
        "no_longer_affected" => "no longer affects some of your services",
        _ => "update",
    };
    let mut body = format!(
        "Major network incident {major}: {}\nSeverity: {}. Status: {}. Started: {} (UTC).\n\n{}\n",
        text("summary"),
        text("severity"),
        text("status"),
        text("started_at"),
        text("text"),
    );
    let mut line = |label: &str, value: String| {
        if !value.is_empty() {
            body.push_str(&format!("\n{label}: {value}"));
        }
    };
    line("Your affected services", list("affected_service_ids"));
    line("Your linked tickets", list("linked_tickets"));
    line("Incident manager", text("incident_manager"));
    line("Next update by", text("next_update_by"));
    line("Estimated restoration", text("estimated_restoration_at"));
    if let Some(history) = p["history"].as_array() {
        body.push_str("\n\nUpdates so far:\n");
        for u in history {
            body.push_str(&format!(
                "- {}: {}\n",
                u["at"].as_str().unwrap_or_default(),
                u["text"].as_str().unwrap_or_default()
            ));
        }
    }
    body.push('\n');
    (
        format!("[{major}] Major incident {step}: {}", text("summary")),
        body,
    )
}

fn send_email(
    senders: &Senders,
    delivery: &Delivery,
    event: &Event,
    ctx: &app::Ctx,
) -> Result<(), Attempt> {
    let fail = |e: String, permanent: bool| Attempt {
        succeeded: false,
        response_status: None,
        error: Some(e),
        duration_ms: 0,
        permanent,
    };
    let Some(smtp) = &senders.smtp else {
        return Err(fail("SMTP is not configured".into(), false));
    };
    let from = if event.event_type.is_change_management() {
        &senders.settings.change_mail_from
    } else {
        &senders.settings.mail_from
    };
    let from: Mailbox = from
        .parse()
        .map_err(|e| fail(format!("bad sender: {e}"), true))?;
    let to: Mailbox = delivery
        .recipient
        .parse()
        .map_err(|e| fail(format!("bad recipient: {e}"), true))?;
    let (subject, body) = render_email(event, ctx);
    // What large providers require of a message (RFC 5322 §3.6.4, RFC 2045): a `Message-ID` on
    // the sender's own domain (the same on every retry of this delivery), `MIME-Version` and a
    // `Date` (which the builder adds).
    let message_id = format!(
        "<delivery-{}.event-{}@{}>",
        delivery.id,
        event.id,
        from.email.domain()
    );
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .message_id(Some(message_id))
        .header(lettre::message::header::MIME_VERSION_1_0)
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| fail(format!("cannot build message: {e}"), true))?;
    smtp.send(&message)
        .map(|_| ())
        .map_err(|e| fail(format!("SMTP: {e}"), e.is_permanent()))
}

/// `t=<ts>,v1=<hex HMAC-SHA256(secret, "<ts>.<body>")>`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> Result<String, String> {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).map_err(|e| e.to_string())?;
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(format!("t={timestamp},v1={hex}"))
}

/// A hub listener's notification for an event, in its TMF621 version's shape.
type Notify = fn(
    &app::Store,
    &domain::SlaPolicy,
    &app::webhooks::Subscription,
    &Event,
) -> Result<Option<(&'static str, serde_json::Value)>, AppError>;

fn send_webhook(
    state: &AppState,
    senders: &Senders,
    delivery: &Delivery,
    event: &Event,
    now: DateTime<Utc>,
) -> Attempt {
    let started = Instant::now();
    let done = |ok: bool, status: Option<i32>, error: Option<String>, permanent: bool| Attempt {
        succeeded: ok,
        response_status: status,
        error,
        duration_ms: started.elapsed().as_millis() as i64,
        permanent,
    };
    let subscription = match state
        .store
        .read(|conn| app::notifications::target_of(conn, delivery))
    {
        Ok(Some(s)) => s,
        Ok(None) => return done(false, None, Some("subscription deleted".into()), true),
        Err(e) => return done(false, None, Some(e.to_string()), false),
    };
    // The address is checked when the agent resolves it for this connection (see `egress`).
    if let Err(e) = domain::notification::parse_webhook_url(&subscription.url) {
        return done(false, None, Some(e.to_string()), true);
    }
    let mut url = subscription.url.clone();
    let tmf621 = match subscription.format.as_str() {
        app::webhooks::TMF621 => Some(crate::routes::tmf621::v4::notification as Notify),
        app::webhooks::TMF621_V5 => Some(crate::routes::tmf621::v5::notification as Notify),
        _ => None,
    };
    let (event_type, body) = if subscription.format == app::webhooks::MEF124 {
        match crate::routes::sonata::notification(&subscription, event, &state.settings.seller.id) {
            Ok(Some((event_type, target, envelope))) => {
                url = target;
                (event_type.to_owned(), envelope.to_string())
            }
            Ok(None) => {
                return done(
                    false,
                    None,
                    Some("no MEF 124 notification for this event".into()),
                    true,
                )
            }
            Err(e) => return done(false, None, Some(e), true),
        }
    } else if let Some(notify) = tmf621 {
        match notify(&state.store, state.sla(), &subscription, event) {
            Ok(Some((event_type, envelope))) => (event_type.to_owned(), envelope.to_string()),
            Ok(None) => {
                return done(
                    false,
                    None,
                    Some("no TMF621 notification for this event".into()),
                    true,
                )
            }
            Err(AppError::NotFound(what)) => {
                return done(false, None, Some(format!("{what} not found")), true)
            }
            Err(e) => return done(false, None, Some(e.to_string()), false),
        }
    } else {
        let body = serde_json::json!({
            "delivery_id": delivery.id,
            "event_id": event.id,
            "type": event.event_type.as_str(),
            "created_at": event.created_at,
            "customer_number": event.customer_number,
            "ticket_number": event.ticket_number.map(|n| format!("1-{n:010}")),
            "data": event.payload,
        });
        (event.event_type.as_str().to_owned(), body.to_string())
    };
    let timestamp = now.timestamp();
    let signed = match signature(&subscription.secret, timestamp, &body) {
        Ok(s) => s,
        Err(e) => return done(false, None, Some(format!("cannot sign: {e}")), true),
    };
    let result = senders
        .http
        .post(&url)
        .header(SIGNATURE_HEADER, &signed)
        .header(DELIVERY_HEADER, &delivery.id.to_string())
        .header(EVENT_HEADER, &event_type)
        .content_type("application/json")
        .send(&body);
    match result {
        Ok(resp) if resp.status().is_success() => {
            done(true, Some(i32::from(resp.status().as_u16())), None, false)
        }
        Ok(resp) => done(
            false,
            Some(i32::from(resp.status().as_u16())),
            Some(format!("HTTP {}", resp.status())),
            false,
        ),
        Err(e) => {
            let (what, permanent) = super::egress::describe(&e);
            log::debug!("webhook delivery {} failed: {e}", delivery.id);
            done(false, None, Some(what.to_owned()), permanent)
        }
    }
}

/// Deliveries claimed at once, and attempted at once.
const BATCH: i64 = 20;
const PARALLEL: usize = 8;
/// No attempt starts later than this into a batch; the longest attempt (an email) takes 20 s.
const BATCH_BUDGET: Duration = Duration::from_secs(60);
const _: () = assert!(
    BATCH_BUDGET.as_secs() as i64 + 25 < LEASE_SECONDS,
    "a batch must end inside its lease, even when every target is as slow as allowed"
);

/// The claimed deliveries grouped by target (a subscription, or an email address), each group
/// in claim order.
fn by_target(claimed: Vec<(Delivery, Event)>) -> Vec<Vec<(Delivery, Event)>> {
    let mut groups: Vec<(String, Vec<(Delivery, Event)>)> = Vec::new();
    for (delivery, event) in claimed {
        let key = match delivery.subscription_id {
            Some(id) => format!("subscription:{id}"),
            None => format!("recipient:{}", delivery.recipient),
        };
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, group)) => group.push((delivery, event)),
            None => groups.push((key, vec![(delivery, event)])),
        }
    }
    groups.into_iter().map(|(_, group)| group).collect()
}

/// What became of one claimed delivery.
enum Outcome {
    /// An email kept because SMTP is not configured.
    Held,
    /// Attempted; the delivery's status after it.
    Recorded(String),
}

/// Attempts one claimed delivery and records the attempt.
fn deliver(
    state: &AppState,
    senders: &Senders,
    delivery: &Delivery,
    event: &Event,
    now: DateTime<Utc>,
) -> Result<Outcome, AppError> {
    let store = &state.store;
    let attempt = match delivery.channel {
        Channel::Email if senders.smtp.is_none() => {
            let (subject, _) = render_email(event, &state.ctx);
            log::info!(
                "email to {} kept (SMTP not configured): {subject}",
                delivery.recipient
            );
            store.write(|conn| {
                app::notifications::hold(conn, delivery.id, "SMTP not configured; kept")
            })?;
            return Ok(Outcome::Held);
        }
        Channel::Email => {
            let started = Instant::now();
            match send_email(senders, delivery, event, &state.ctx) {
                Ok(()) => Attempt {
                    succeeded: true,
                    response_status: None,
                    error: None,
                    duration_ms: started.elapsed().as_millis() as i64,
                    permanent: false,
                },
                Err(mut a) => {
                    a.duration_ms = started.elapsed().as_millis() as i64;
                    a
                }
            }
        }
        Channel::Webhook => send_webhook(state, senders, delivery, event, now),
    };
    let status = store.write(|conn| {
        app::notifications::record_attempt(conn, delivery.id, &attempt, &state.ctx, now)
    })?;
    Ok(Outcome::Recorded(status))
}

/// One round: expand new events, then attempt every due delivery once.
pub fn dispatch_once(
    state: &AppState,
    senders: &Senders,
    now: DateTime<Utc>,
) -> Result<Round, AppError> {
    let store = &state.store;
    let mut round = Round::default();
    loop {
        let n = store.write(|conn| app::notifications::expand(conn, 200, now))?;
        round.expanded += n;
        if n < 200 {
            break;
        }
    }
    loop {
        let lease = chrono::Duration::seconds(LEASE_SECONDS);
        let claimed = store.write(|conn| app::notifications::claim(conn, BATCH, lease, now))?;
        if claimed.is_empty() {
            break;
        }
        // Up to PARALLEL targets at once, each attempt within its channel's time budget (10 s
        // per webhook, 20 s per email): one slow target holds one lane, not every tenant. One
        // target's deliveries go in order, one after the other; after a failure the rest of its
        // share of the batch waits for the next round. No lane starts an attempt after
        // BATCH_BUDGET, so a batch ends inside its lease and no other instance takes it over.
        let started = Instant::now();
        let queue = std::sync::Mutex::new(by_target(claimed).into_iter());
        let shared = std::sync::Mutex::new((round, None::<AppError>, Vec::<i64>::new()));
        std::thread::scope(|scope| {
            for _ in 0..PARALLEL {
                scope.spawn(|| loop {
                    let next = queue.lock().unwrap_or_else(|e| e.into_inner()).next();
                    let Some(group) = next else { break };
                    let mut items = group.into_iter();
                    while let Some((delivery, event)) = items.next() {
                        if stopping() || started.elapsed() >= BATCH_BUDGET {
                            let mut shared = shared.lock().unwrap_or_else(|e| e.into_inner());
                            shared.2.push(delivery.id);
                            shared.2.extend(items.by_ref().map(|(d, _)| d.id));
                            break;
                        }
                        let outcome = deliver(state, senders, &delivery, &event, now);
                        let mut shared = shared.lock().unwrap_or_else(|e| e.into_inner());
                        let failed = match outcome {
                            Ok(outcome) => !shared.0.count(&outcome),
                            Err(e) => {
                                shared.1 = Some(e);
                                true
                            }
                        };
                        if failed {
                            shared.2.extend(items.by_ref().map(|(d, _)| d.id));
                            break;
                        }
                    }
                });
            }
        });
        let (counted, failure, unattempted) =
            shared.into_inner().unwrap_or_else(|e| e.into_inner());
        if !unattempted.is_empty() {
            store.write(|conn| app::notifications::release_claims(conn, &unattempted))?;
        }
        round = counted;
        if let Some(e) = failure {
            return Err(e);
        }
        if stopping() {
            return Ok(round);
        }
        if !unattempted.is_empty() {
            // What was handed back waits for the next round (after the interval).
            break;
        }
    }
    Ok(round)
}

/// Runs rounds every `dispatch_interval` on a thread of its own until the process ends.
pub fn spawn(state: AppState) -> Result<std::thread::JoinHandle<()>, String> {
    let senders = Senders::new(&state.settings.notify)?;
    if senders.smtp.is_some() {
        match state
            .store
            .write(|conn| app::notifications::release_held(conn, app::now()))
        {
            Ok(0) => {}
            Ok(n) => log::info!("SMTP configured: {n} kept emails queued for delivery"),
            Err(e) => log::warn!("could not release kept emails: {e}"),
        }
    } else {
        log::warn!("SMTP_HOST is not set: notification emails are logged and kept, not sent");
    }
    std::thread::Builder::new()
        .name("outbox-dispatcher".into())
        .spawn(move || {
            while !stopping() {
                match dispatch_once(&state, &senders, app::now()) {
                    Ok(r) if r != Round::default() => log::info!("outbox: {r:?}"),
                    Ok(_) => {}
                    Err(e) => log::warn!("outbox round failed: {e}"),
                }
                let resume = Instant::now() + state.settings.notify.dispatch_interval;
                while !stopping() && Instant::now() < resume {
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
            log::info!("outbox dispatcher stopped");
        })
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_a_known_vector() {
        // RFC 4231 test case 2 shape: key "Jefe", message as signed here.
        // RFC 4231 test case 2: HMAC-SHA256("Jefe", "what do ya want for nothing?"); here the
        // signed message is "0." followed by the body, so sign the remainder accordingly.
        let sig = signature("Jefe", 0, "what do ya want for nothing?").unwrap();
        assert!(sig.starts_with("t=0,v1="));
        assert_eq!(sig.len(), "t=0,v1=".len() + 64);
        assert_ne!(
            sig,
            signature("Jefe", 1, "what do ya want for nothing?").unwrap()
        );
    }
}
