//! Planned works on their own (issue 16): a reminder to the affected customers a configurable
//! time before a work starts (default 48 hours), and the moves to `in_progress` at its start
//! and to `completed` at its end, unless a change manager acted first.
//!
//! Safe with several instances: a reminder is claimed with a conditional update (the first
//! instance records it, the others find it recorded and send nothing), and a step is saved with
//! the work's version (the loser of a race finds it changed and skips it).

use chrono::{DateTime, Duration, Utc};
use domain::{EventType, PlannedWork, WorkStatus};
use persistence::{planned_works, StoreError};

use super::announce;
use crate::{AppError, Conn};

/// Works owed a reminder, at most `limit`.
pub fn due_reminders(
    conn: &mut Conn,
    lead: Duration,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<i64>, AppError> {
    Ok(planned_works::due_reminders(conn, lead, now, limit)?)
}

/// Sends work `id`'s reminder unless it was sent (or the work changed) meanwhile.
pub fn remind(conn: &mut Conn, id: i64, now: DateTime<Utc>) -> Result<bool, AppError> {
    let work = planned_works::get(conn, id, None)?;
    if work.status != WorkStatus::Scheduled || work.start_at <= now {
        return Ok(false);
    }
    if !planned_works::mark_reminded(conn, &work)? {
        return Ok(false);
    }
    announce(conn, &work, EventType::PlannedWorkReminder, now)?;
    Ok(true)
}

/// Works whose start or end has come, at most `limit`.
pub fn due_steps(conn: &mut Conn, now: DateTime<Utc>, limit: i64) -> Result<Vec<i64>, AppError> {
    Ok(planned_works::due_steps(conn, now, limit)?)
}

/// Moves work `id` on as its times say: started once its start has passed, completed once its
/// end has (both, for a work whose whole window passed unattended). `false` when there was
/// nothing to do or another instance did it.
pub fn advance(conn: &mut Conn, id: i64, now: DateTime<Utc>) -> Result<bool, AppError> {
    let mut work = planned_works::get(conn, id, None)?;
    let mut events = Vec::new();
    if work.status == WorkStatus::Scheduled && work.start_at <= now {
        work.start(now)?;
        events.push(EventType::PlannedWorkStarted);
    }
    if work.status == WorkStatus::InProgress && work.end_at <= now {
        work.complete(now)?;
        events.push(EventType::PlannedWorkCompleted);
    }
    if events.is_empty() {
        return Ok(false);
    }
    let saved: PlannedWork = match planned_works::save(conn, &work) {
        Ok(saved) => saved,
        Err(StoreError::Stale(_)) => return Ok(false),
        Err(e) => return Err(e.into()),
    };
    for event in events {
        announce(conn, &saved, event, now)?;
    }
    Ok(true)
}
