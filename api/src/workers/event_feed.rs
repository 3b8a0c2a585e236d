//! One reader of the event table per instance, fanning events out to every open stream
//! (`GET /events`). However many streams are open, the instance reads the table once per tick
//! (and at once again while a read comes back full); with no stream open it does not read at all.
//!
//! Each event goes to the streams that may see it and no others: one channel per company with
//! streams open, and one for provider staff, who see everything. A storm of notices to a
//! thousand companies thus costs one send per notice, not one per notice and open stream (2,000
//! streams each sorting every event out took the feed seconds to deliver one update).
//!
//! Ids are assigned when a transaction inserts and become visible when it commits, which can be
//! out of order across instances: the feed remembers gaps in the id sequence for a minute and
//! sends late events when they appear, so nothing committed is skipped.
//!
//! A stream joins in three steps that leave no hole: it subscribes, then waits for the feed's
//! `position` (every event up to it has been sent, or is a gap the feed watches), then reads from
//! the table itself whatever lies between its own starting point and that position. The feed
//! publishes a new position *before* it sends the events up to it, so an event is either above
//! the position a stream read (and reaches it through the channel) or at most that position (and
//! is in its catch-up read); a stream drops what it already sent.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use app::events::StreamedEvent as Event;
use app::Store;
use prometheus::IntCounter;
use tokio::sync::{broadcast, watch};

/// How often the feed reads the table while streams are open, at the latest: a write committed
/// by this instance wakes it sooner (other instances' writes are seen at the tick).
pub const TICK: Duration = Duration::from_millis(300);
/// How often at most: commits in a row are read together.
const MIN_GAP: Duration = Duration::from_millis(20);
/// How long the feed keeps reading after the last stream closed, before it rests.
const LINGER: Duration = Duration::from_secs(30);
/// How long a gap in the id sequence is waited for.
const GAP_PATIENCE: Duration = Duration::from_secs(60);
const MAX_GAPS: usize = 1000;
const PAGE: i64 = 2000;
/// Events a slow staff stream may fall behind before it is ended (its client resumes with
/// `Last-Event-ID` and reads the rest from the table).
const BACKLOG: usize = 4096;
/// The same for a company's streams, which carry only the company's own events (a channel is
/// allocated at this size for each company with a stream open).
const COMPANY_BACKLOG: usize = 1024;

/// The per-instance feed. Cheap to share; its reader thread starts with the first stream and
/// ends with the feed.
pub struct EventFeed {
    /// Every event, for provider staff.
    staff: broadcast::Sender<Arc<Event>>,
    /// A company's own events, for its streams; a channel lives while a stream holds it.
    companies: Mutex<HashMap<String, broadcast::Sender<Arc<Event>>>>,
    /// Every event up to this id has been sent or is a watched gap; `None` while resting.
    position: watch::Sender<Option<i64>>,
    store: Store,
    reads: IntCounter,
    started: std::sync::Once,
    /// Held while a stream subscribes and while the reader decides to rest, so that a stream
    /// never reads a position the reader is about to drop.
    joining: Mutex<()>,
}

/// A stream's place on the feed.
pub struct Subscription {
    pub events: broadcast::Receiver<Arc<Event>>,
    /// Every event up to here was sent before the subscription or is still to come through it:
    /// read from the table what lies before.
    pub position: i64,
}

impl EventFeed {
    /// `reads` counts the feed's reads of the table (exported as a metric).
    pub fn new(store: Store, reads: IntCounter) -> Arc<Self> {
        Arc::new(Self {
            staff: broadcast::channel(BACKLOG).0,
            companies: Mutex::default(),
            position: watch::channel(None).0,
            store,
            reads,
            started: std::sync::Once::new(),
            joining: Mutex::new(()),
        })
    }

    /// Joins the feed for the events of `scope` (a company; `None`: all, for provider staff):
    /// waits (up to `patience`) until the reader is running, then answers the position from which
    /// the channel carries everything.
    pub async fn subscribe(
        self: &Arc<Self>,
        scope: Option<&str>,
        patience: Duration,
    ) -> Option<Subscription> {
        let events = {
            let _joining = self.joining.lock().unwrap_or_else(|e| e.into_inner());
            match scope {
                None => self.staff.subscribe(),
                Some(company) => self
                    .companies()
                    .entry(company.to_owned())
                    .or_insert_with(|| broadcast::channel(COMPANY_BACKLOG).0)
                    .subscribe(),
            }
        };
        self.start();
        let mut position = self.position.subscribe();
        let ready = tokio::time::timeout(patience, position.wait_for(Option::is_some)).await;
        let position = (*ready.ok()?.ok()?)?;
        Some(Subscription { events, position })
    }

    fn companies(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<String, broadcast::Sender<Arc<Event>>>> {
        self.companies.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether any stream listens; drops the channels of companies whose streams all closed.
    fn listened(&self) -> bool {
        let mut companies = self.companies();
        companies.retain(|_, sender| sender.receiver_count() > 0);
        self.staff.receiver_count() > 0 || !companies.is_empty()
    }

    /// Sends `event` to the streams that may see it: staff, and its company's.
    fn send(&self, event: Event) {
        let event = Arc::new(event);
        if let Some(company) = &event.customer_number {
            if let Some(sender) = self.companies().get(company) {
                // No receiver is not an error: the next stream reads from the table.
                let _ = sender.send(event.clone());
            }
        }
        let _ = self.staff.send(event);
    }

    fn start(self: &Arc<Self>) {
        self.started.call_once(|| {
            let feed = Arc::downgrade(self);
            let spawned = std::thread::Builder::new()
                .name("event-feed".into())
                .spawn(move || run(feed));
            if let Err(e) = spawned {
                log::error!("event feed: cannot start its thread: {e}");
            }
        });
    }
}

/// What the reader knows between ticks.
struct Reader {
    seen_max: i64,
    gaps: BTreeMap<i64, Instant>,
}

fn run(feed: Weak<EventFeed>) {
    let mut reader: Option<Reader> = None;
    let mut last_listened = Instant::now();
    let mut behind = false;
    let mut commits = 0;
    let mut last_read = Instant::now();
    loop {
        // A full page means more is waiting: read on at once. Else wait for a local commit or
        // the tick, whichever comes first.
        if !behind {
            let Some(store) = feed.upgrade().map(|f| f.store.clone()) else {
                return;
            };
            commits = store.wait_for_commit(commits, TICK);
            std::thread::sleep(MIN_GAP.saturating_sub(last_read.elapsed()));
        }
        behind = false;
        last_read = Instant::now();
        let Some(feed) = feed.upgrade() else { return };
        {
            let _joining = feed.joining.lock().unwrap_or_else(|e| e.into_inner());
            if feed.listened() {
                last_listened = Instant::now();
            } else if last_listened.elapsed() >= LINGER {
                // Rest: no reads until a stream comes; it then starts from the newest event.
                if reader.take().is_some() {
                    feed.position.send_replace(None);
                }
                continue;
            }
        }
        let result = match reader.as_mut() {
            Some(reader) => reader.tick(&feed).map(|full| behind = full),
            None => start_reading(&feed).map(|r| reader = Some(r)),
        };
        if let Err(e) = result {
            log::warn!("event feed: reading the event table failed: {e}");
        }
    }
}

fn start_reading(feed: &EventFeed) -> Result<Reader, app::AppError> {
    feed.reads.inc();
    let newest = feed.store.read(app::events::latest_id)?;
    feed.position.send_replace(Some(newest));
    Ok(Reader {
        seen_max: newest,
        gaps: BTreeMap::new(),
    })
}

impl Reader {
    /// One look at the table: new events, gaps filled meanwhile, expired gaps dropped. True when
    /// the page of new events was full (more may be waiting).
    fn tick(&mut self, feed: &EventFeed) -> Result<bool, app::AppError> {
        let after = self.seen_max;
        let gap_ids: Vec<i64> = self.gaps.keys().copied().collect();
        feed.reads.inc();
        let (new, filled) = feed.store.read(move |conn| {
            let new = app::events::after(conn, None, after, PAGE)?;
            let filled = if gap_ids.is_empty() {
                Vec::new()
            } else {
                app::events::by_ids(conn, &gap_ids)?
            };
            Ok((new, filled))
        })?;
        let full = new.len() as i64 == PAGE;
        for event in &new {
            if event.id > self.seen_max + 1 && event.id - self.seen_max < MAX_GAPS as i64 {
                for missing in self.seen_max + 1..event.id {
                    if self.gaps.len() < MAX_GAPS {
                        self.gaps.insert(missing, Instant::now());
                    }
                }
            }
            self.seen_max = self.seen_max.max(event.id);
        }
        for event in &filled {
            self.gaps.remove(&event.id);
        }
        self.gaps.retain(|_, since| since.elapsed() < GAP_PATIENCE);
        // The position first, then the events up to it (see the module's note).
        feed.position.send_replace(Some(self.seen_max));
        for event in filled.into_iter().chain(new) {
            feed.send(event);
        }
        Ok(full)
    }
}
