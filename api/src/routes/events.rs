//! `GET /events`: Server-Sent Events of the caller's own events (R-CON3).
//!
//! The stream reads the shared event table, so an event committed by any API instance reaches
//! subscribers on every instance. Each event carries its id; reconnect with `Last-Event-ID` to
//! resume after it. Ids are assigned when a transaction inserts and become visible when it
//! commits, which can be out of order across instances: the stream remembers gaps in the id
//! sequence for a minute and delivers late events when they appear, so nothing committed is
//! skipped (delivery is at least once; use the id to drop duplicates after a resume).
//!
//! A stream lives no longer than its token: it ends at the token's `exp`, and when the account
//! behind it is disabled, revoked or changes role (checked against the database every
//! `TOKEN_REVOCATION_CHECK_SECONDS`). One subject holds at most `EVENT_STREAMS_PER_SUBJECT` open
//! streams per instance; one more is 429 `too_many_streams`.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use actix_web::{get, web, HttpRequest, HttpResponse};
use app::events::StreamedEvent as Event;
use domain::CustomerNumber;
use futures_util::stream;
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::caller::{bearer_token, Authenticated, Authenticator};
use crate::http::error::ApiError;
use crate::http::jwt::Verified;
use crate::state::{read, AppState};

const POLL: Duration = Duration::from_millis(300);
const HEARTBEAT: Duration = Duration::from_secs(15);
const GAP_PATIENCE: Duration = Duration::from_secs(60);
const MAX_GAPS: usize = 1000;

/// Open streams per token subject, on this instance.
#[derive(Debug, Default)]
pub struct OpenStreams(Mutex<HashMap<String, usize>>);

/// One open stream of a subject; closing the stream (dropping this) frees it.
struct Slot {
    streams: Arc<OpenStreams>,
    subject: String,
}

impl OpenStreams {
    fn open(self: &Arc<Self>, subject: &str, max: usize) -> Option<Slot> {
        let mut open = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let n = open.entry(subject.to_owned()).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(Slot {
            streams: self.clone(),
            subject: subject.to_owned(),
        })
    }

    /// How many streams `subject` has open here.
    pub fn count(&self, subject: &str) -> usize {
        let open = self.0.lock().unwrap_or_else(|e| e.into_inner());
        open.get(subject).copied().unwrap_or(0)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.streams.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = open.get_mut(&self.subject) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.subject);
            }
        }
    }
}

/// The token a stream was opened with, checked again while it lasts.
struct Licence {
    auth: Arc<Authenticator>,
    token: Verified,
    every: Duration,
    last_check: Instant,
    _slot: Slot,
}

impl Licence {
    /// Still allowed to stream? Past `exp` never; the account is asked every `every`.
    async fn holds(&mut self) -> bool {
        if self.token.expires_at <= chrono::Utc::now() {
            return false;
        }
        if self.last_check.elapsed() < self.every {
            return true;
        }
        self.last_check = Instant::now();
        // When the database cannot answer, the stream goes on and asks again next time.
        self.auth
            .clone()
            .still_good(&self.token)
            .await
            .unwrap_or(true)
    }
}

struct Cursor {
    state: web::Data<AppState>,
    licence: Licence,
    scope: Option<CustomerNumber>,
    seen_max: i64,
    gaps: BTreeMap<i64, Instant>,
    queue: VecDeque<Bytes>,
    last_sent: Instant,
}

fn frame(event: &Event) -> Bytes {
    let data = serde_json::json!({
        "id": event.id,
        "type": event.event_type.as_str(),
        "created_at": event.created_at,
        "customer_number": event.customer_number,
        "ticket_number": event.ticket_number.map(|n| format!("1-{n:010}")),
        "data": event.payload,
    });
    Bytes::from(format!(
        "id: {}\nevent: {}\ndata: {}\n\n",
        event.id,
        event.event_type.as_str(),
        data
    ))
}

impl Cursor {
    fn visible(&self, owner: Option<&str>) -> bool {
        match &self.scope {
            Some(own) => owner == Some(own.as_str()),
            None => true,
        }
    }

    /// One look at the table: new ids, gaps filled meanwhile, expired gaps dropped.
    async fn poll(&mut self) -> Result<(), ApiError> {
        let after = self.seen_max;
        let gap_ids: Vec<i64> = self.gaps.keys().copied().collect();
        let (new, filled) = read(&self.state, move |conn| {
            let new = app::events::ids_after(conn, after, 500)?;
            let filled = if gap_ids.is_empty() {
                Vec::new()
            } else {
                app::events::by_ids(conn, &gap_ids)?
            };
            Ok((new, filled))
        })
        .await?;
        let mut wanted = Vec::new();
        for (id, owner) in new {
            if id > self.seen_max + 1 && id - self.seen_max < MAX_GAPS as i64 {
                for missing in self.seen_max + 1..id {
                    if self.gaps.len() < MAX_GAPS {
                        self.gaps.insert(missing, Instant::now());
                    }
                }
            }
            self.seen_max = self.seen_max.max(id);
            if self.visible(owner.as_deref()) {
                wanted.push(id);
            }
        }
        let mut late = Vec::new();
        for event in filled {
            self.gaps.remove(&event.id);
            if self.visible(event.customer_number.as_deref()) {
                late.push(event);
            }
        }
        self.gaps.retain(|_, since| since.elapsed() < GAP_PATIENCE);
        let events = if wanted.is_empty() {
            Vec::new()
        } else {
            read(&self.state, move |conn| app::events::by_ids(conn, &wanted)).await?
        };
        for event in late.iter().chain(events.iter()) {
            self.queue.push_back(frame(event));
        }
        Ok(())
    }
}

/// Where a stream starts: after `Last-Event-ID` (header, or `last_event_id` query parameter). Either
/// must be an event id this stream sent; anything else is refused.
fn resume_point(req: &HttpRequest) -> Result<Option<i64>, ApiError> {
    let query =
        web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
            .map_err(|_| ApiError::bad_request("invalid_query", "the query string is malformed"))?;
    let from_query = query
        .get("last_event_id")
        .map(|v| {
            v.parse::<i64>().map_err(|_| {
                ApiError::field("last_event_id", "invalid", "an event id (a 64-bit integer)")
            })
        })
        .transpose()?;
    let from_header = req
        .headers()
        .get("Last-Event-ID")
        .map(|v| {
            v.to_str()
                .ok()
                .and_then(|v| v.trim().parse::<i64>().ok())
                .ok_or_else(|| {
                    ApiError::field("Last-Event-ID", "invalid", "an event id (a 64-bit integer)")
                })
        })
        .transpose()?;
    Ok(from_header.or(from_query))
}

/// One event of the stream, as a Server-Sent Events client parses it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "42", "event": "incident.updated",
    "data": "{\"id\":42,\"type\":\"incident.updated\",\"created_at\":\"2026-11-28T10:05:00Z\",\"customer_number\":\"OCN-1001\",\"ticket_number\":\"1-0000000042\",\"data\":{\"status\":\"in_progress\",\"previous_status\":\"acknowledged\"}}"}))]
pub struct StreamEvent {
    /// The event id (send it back as `Last-Event-ID` to resume after it).
    pub id: String,
    /// The event type, e.g. `incident.updated`.
    pub event: String,
    /// The event as JSON: `id`, `type`, `created_at`, `customer_number`, `ticket_number`, `data`.
    pub data: String,
}

/// Stream your events (Server-Sent Events).
///
/// `text/event-stream` of the caller's own events — incident created/updated/escalated, major
/// incident updates, planned works, maintenance requests — with `id:` and `event:` lines and a
/// JSON `data:` line. Starts with new events; send `Last-Event-ID` (or `?last_event_id=`) to
/// resume after an event. A comment line is sent every 15 s as a heartbeat. Customers receive
/// only their company's events; provider staff receive all. The stream ends at the token's expiry
/// and when the account is disabled or changes: reconnect with a new token. An account holds a
/// few streams at once (`EVENT_STREAMS_PER_SUBJECT`, default 5); one more is 429
/// `too_many_streams`.
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(
        ("Last-Event-ID" = Option<i64>, Header, description = "Resume after this event id"),
        ("last_event_id" = Option<i64>, Query, description = "Same, for clients that cannot set headers"),
    ),
    responses(
        (status = 200, description = "The event stream.", body = StreamEvent, content_type = "text/event-stream"),
    )
)]
#[get("/events")]
pub async fn stream_events(
    state: web::Data<AppState>,
    auth: web::Data<Authenticator>,
    caller: Authenticated,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let token = auth.verify(&bearer_token(&req)?)?;
    let slot = state
        .streams
        .open(&caller.subject, state.settings.streams_per_subject)
        .ok_or_else(|| {
            ApiError::new(
                actix_web::http::StatusCode::TOO_MANY_REQUESTS,
                "too_many_streams",
                format!(
                    "at most {} event streams per account at once; close one first",
                    state.settings.streams_per_subject
                ),
            )
            .with_retry_after(HEARTBEAT.as_secs() as i64)
        })?;
    let licence = Licence {
        auth: auth.into_inner(),
        token,
        every: state.settings.revocation_check.max(Duration::from_secs(1)),
        last_check: Instant::now(),
        _slot: slot,
    };
    let start = match resume_point(&req)? {
        Some(id) => id.max(0),
        None => read(&state, app::events::latest_id).await?,
    };
    let cursor = Cursor {
        licence,
        state,
        scope: app::events::stream_scope(&caller),
        seen_max: start,
        gaps: BTreeMap::new(),
        queue: VecDeque::from([Bytes::from_static(b"retry: 2000\n\n")]),
        last_sent: Instant::now(),
    };
    let body = stream::unfold(cursor, |mut cursor| async move {
        loop {
            if !cursor.licence.holds().await {
                // The token expired or its account changed: the stream ends (a reconnect with
                // the same token is then refused).
                return None;
            }
            if let Some(frame) = cursor.queue.pop_front() {
                cursor.last_sent = Instant::now();
                return Some((Ok::<_, actix_web::Error>(frame), cursor));
            }
            if cursor.last_sent.elapsed() >= HEARTBEAT {
                cursor.last_sent = Instant::now();
                return Some((Ok(Bytes::from_static(b": heartbeat\n\n")), cursor));
            }
            actix_web::rt::time::sleep(POLL).await;
            if let Err(e) = cursor.poll().await {
                log::warn!("event stream poll failed: {e}");
            }
        }
    });
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(body))
}
