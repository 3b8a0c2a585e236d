//! Provider planned works (R-CHG1–2): change managers propose, schedule (ten days' notice unless
//! an emergency), start, complete and cancel them; each affected customer hears about announced
//! works with its own services only, and sees them in its calendar.

mod propose;
mod queries;
mod step;

pub mod jobs;

pub use persistence::planned_works::WorkFilter;
pub use propose::{propose, ProposeWork};
pub use queries::{calendar, get, list, Visible};
pub use step::{step, WorkStep};

use chrono::{DateTime, Utc};
use domain::{EventType, PlannedWork};
use persistence::{events, planned_works, services};

use crate::{AppError, Conn};

/// Tells each company with an affected service about `work`, naming only its own services.
fn announce(
    conn: &mut Conn,
    work: &PlannedWork,
    event_type: EventType,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    for customer in planned_works::customers_of(conn, work)? {
        let theirs = services::owned_by(conn, &work.affected_services, &customer)?;
        events::append(
            conn,
            event_type,
            Some(&customer),
            None,
            &serde_json::json!({
                "planned_work": work.id,
                "title": work.title,
                "status": work.status.as_str(),
                "start_at": work.start_at,
                "end_at": work.end_at,
                "expected_impact": work.expected_impact,
                "emergency": work.emergency,
                "affected_service_ids": theirs,
            }),
            now,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
