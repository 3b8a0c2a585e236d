//! `GET /events`: Server-Sent Events of the caller's own events (R-CON3).
//!
//! Streams read the shared event table, so an event committed by any API instance reaches
//! subscribers on every instance. One reader per instance (`workers::event_feed`) reads the
//! table and fans out to every stream, so an idle stream costs no query; a stream reads the
//! table itself only to catch up after `Last-Event-ID`. Each event carries its id; reconnect with
//! `Last-Event-ID` to resume after it. Events committed out of id order are delivered when they
//! appear (within a minute), so nothing committed is skipped (delivery is at least once; use the
//! id to drop duplicates after a resume). A stream that falls thousands of events behind is
//! ended; its client resumes from the table.
//!
//! A stream lives no longer than its token: it ends at the token's `exp`, and when the account
//! behind it is disabled, revoked or changes role (checked against the database every
//! `TOKEN_REVOCATION_CHECK_SECONDS`). One subject holds at most `EVENT_STREAMS_PER_SUBJECT` open
//! streams per instance; one more is 429 `too_many_streams`.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use actix_web::{get, web, HttpRequest, HttpResponse};
use app::events::StreamedEvent as Event;
use chrono::{DateTime, Utc};
use domain::CustomerNumber;
use futures_util::stream;
use serde::Serialize;
use tokio::sync::broadcast;
use utoipa::ToSchema;

use crate::http::caller::{bearer_token, Authenticated, Authenticator};
use crate::http::error::ApiError;
use crate::http::jwt::Verified;
use crate::state::{read, AppState};

const HEARTBEAT: Duration = Duration::from_secs(15);
/// How long a new stream waits for the instance's feed to start reading.
const JOIN_PATIENCE: Duration = Duration::from_secs(5);
const CATCH_UP_PAGE: i64 = 500;
const CATCH_UP_RETRY: Duration = Duration::from_secs(1);

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
    /// When the account was last found in order (wall clock, to compare with events' times).
    checked_at: DateTime<Utc>,
    _slot: Slot,
}

impl Licence {
    /// Still allowed to stream? Past `exp` never; the account is asked every `every`, and before
    /// an event newer than the last answer is sent (`fresh`), so that an account disabled
    /// before an event happened never receives it.
    async fn holds(&mut self, fresh: bool) -> bool {
        if self.token.expires_at <= Utc::now() {
            return false;
        }
        if !fresh && self.last_check.elapsed() < self.every {
            return true;
        }
        self.last_check = Instant::now();
        let asked_at = Utc::now();
        // When the database cannot answer, the stream goes on and asks again next time.
        match self.auth.clone().still_good(&self.token).await {
            Ok(good) => {
                self.checked_at = asked_at;
                good
            }
            Err(_) => true,
        }
    }

    /// How long the stream may wait before `holds` must be asked again.
    fn next_check_in(&self) -> Duration {
        let to_expiry = (self.token.expires_at - Utc::now())
            .to_std()
            .unwrap_or(Duration::ZERO);
        self.every
            .saturating_sub(self.last_check.elapsed())
            .min(to_expiry)
    }
}

struct Cursor {
    state: web::Data<AppState>,
    licence: Licence,
    scope: Option<CustomerNumber>,
    feed: broadcast::Receiver<Arc<Event>>,
    /// Events up to here come from the table (the catch-up), later ones from the feed.
    feed_position: i64,
    /// The catch-up has read the table up to here.
    caught_up_to: i64,
    /// Where the stream started: nothing at or before it is sent.
    from: i64,
    /// Ids at or before `feed_position` already sent (the feed may carry them too).
    sent: HashSet<i64>,
    /// Frames to send, each with the time of its event (none for control lines).
    queue: VecDeque<(Bytes, Option<DateTime<Utc>>)>,
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

/// What a stream does next.
enum Step {
    Go,
    End,
}

impl Cursor {
    fn visible(&self, owner: Option<&str>) -> bool {
        match &self.scope {
            Some(own) => owner == Some(own.as_str()),
            None => true,
        }
    }

    /// Queues `event` unless this stream must not send it (another company's, before its
    /// start, or already sent).
    fn offer(&mut self, event: &Event) {
        if event.id <= self.from || !self.visible(event.customer_number.as_deref()) {
            return;
        }
        if event.id <= self.feed_position && !self.sent.insert(event.id) {
            return;
        }
        self.queue.push_back((frame(event), Some(event.created_at)));
    }

    /// One page of the catch-up read, while there is one.
    async fn catch_up(&mut self) -> Result<(), ApiError> {
        let (scope, after) = (self.scope.clone(), self.caught_up_to);
        let page = read(&self.state, move |conn| {
            app::events::after(conn, scope.as_ref(), after, CATCH_UP_PAGE)
        })
        .await?;
        let full = page.len() as i64 == CATCH_UP_PAGE;
        self.caught_up_to = match page.last() {
            Some(last) if full => last.id.min(self.feed_position),
            _ => self.feed_position,
        };
        let upto = self.feed_position;
        for event in page.iter().filter(|e| e.id <= upto) {
            self.offer(event);
        }
        Ok(())
    }

    /// Waits for the feed, the heartbeat or the next licence check, whichever comes first.
    async fn wait(&mut self) -> Step {
        let heartbeat_in = HEARTBEAT.saturating_sub(self.last_sent.elapsed());
        let wake_in = heartbeat_in.min(self.licence.next_check_in());
        tokio::select! {
            received = self.feed.recv() => match received {
                Ok(event) => {
                    self.offer(&event);
                    Step::Go
                }
                // Fallen too far behind (or the feed is gone): the stream ends and the
                // client resumes with `Last-Event-ID`, reading the rest from the table.
                Err(e) => {
                    log::info!("event stream ended: {e}");
                    Step::End
                }
            },
            () = actix_web::rt::time::sleep(wake_in) => {
                if self.last_sent.elapsed() >= HEARTBEAT {
                    self.queue
                        .push_back((Bytes::from_static(b": heartbeat\n\n"), None));
                }
                Step::Go
            }
        }
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
/// `too_many_streams`. A client that reads too slowly to keep up (thousands of events behind)
/// sees its stream end; resuming with `Last-Event-ID` reads the rest.
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
        checked_at: Utc::now(),
        _slot: slot,
    };
    let resume = resume_point(&req)?;
    let scope = app::events::stream_scope(&caller);
    let joined = state
        .feed
        .subscribe(scope.as_ref().map(|c| c.as_str()), JOIN_PATIENCE)
        .await
        .ok_or_else(|| {
            ApiError::new(
                actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
                "events_unavailable",
                "the event feed is not reading the event table; try again shortly",
            )
            .with_retry_after(2)
        })?;
    let from = resume.map_or(joined.position, |id| id.max(0));
    let cursor = Cursor {
        licence,
        state,
        scope,
        feed: joined.events,
        feed_position: joined.position,
        caught_up_to: from.min(joined.position),
        from,
        sent: HashSet::new(),
        queue: VecDeque::from([(Bytes::from_static(b"retry: 2000\n\n"), None)]),
        last_sent: Instant::now(),
    };
    let body = stream::unfold(cursor, |mut cursor| async move {
        loop {
            let fresh = cursor
                .queue
                .front()
                .and_then(|(_, at)| *at)
                .is_some_and(|at| at > cursor.licence.checked_at);
            if !cursor.licence.holds(fresh).await {
                // The token expired or its account changed: the stream ends (a reconnect with
                // the same token is then refused).
                return None;
            }
            if let Some((frame, _)) = cursor.queue.pop_front() {
                cursor.last_sent = Instant::now();
                return Some((Ok::<_, actix_web::Error>(frame), cursor));
            }
            if cursor.caught_up_to < cursor.feed_position {
                if let Err(e) = cursor.catch_up().await {
                    log::warn!("event stream catch-up failed: {e}");
                    actix_web::rt::time::sleep(CATCH_UP_RETRY).await;
                }
                continue;
            }
            if let Step::End = cursor.wait().await {
                return None;
            }
        }
    });
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(body))
}
