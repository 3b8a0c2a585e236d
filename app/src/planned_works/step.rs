//! A planned work's steps: change it, schedule, start, complete or cancel it. Customers with an
//! affected service hear about every step of an announced work.

use chrono::{DateTime, Utc};
use domain::policy::{self, Permission};
use domain::{Caller, EventType, PlannedWork, WorkChanges};
use persistence::{planned_works, StoreError};

use super::announce;
use crate::{AppError, Conn};

pub enum WorkStep {
    Update(WorkChanges),
    Schedule,
    Start,
    Complete,
    Cancel { reason: String },
}

pub fn step(
    conn: &mut Conn,
    caller: &Caller,
    id: i64,
    step: WorkStep,
    expected_version: Option<i64>,
    now: DateTime<Utc>,
) -> Result<PlannedWork, AppError> {
    policy::require(caller, Permission::ManageChanges)?;
    let mut work = planned_works::get(conn, id, None)?;
    if expected_version.is_some_and(|v| v != work.version) {
        return Err(AppError::PreconditionFailed(
            "the planned work changed".into(),
        ));
    }
    let event = match step {
        WorkStep::Update(changes) => work.update(changes, now)?,
        WorkStep::Schedule => {
            work.schedule(now)?;
            Some(EventType::PlannedWorkScheduled)
        }
        WorkStep::Start => {
            work.start(now)?;
            Some(EventType::PlannedWorkStarted)
        }
        WorkStep::Complete => {
            work.complete(now)?;
            Some(EventType::PlannedWorkCompleted)
        }
        WorkStep::Cancel { reason } => {
            // Customers never heard of a work that was only proposed.
            let was_announced = work.is_announced();
            work.cancel(&reason, now)?;
            was_announced.then_some(EventType::PlannedWorkCancelled)
        }
    };
    let saved = planned_works::save(conn, &work).map_err(|e| match e {
        StoreError::Stale(m) if expected_version.is_some() => AppError::PreconditionFailed(m),
        other => other.into(),
    })?;
    if let Some(event) = event {
        announce(conn, &saved, event, now)?;
    }
    Ok(saved)
}
