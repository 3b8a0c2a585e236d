//! Propose a planned work on existing services: not announced to anyone until scheduled.

use chrono::{DateTime, Utc};
use domain::planned_work::{check_emergency, check_window};
use domain::policy::{self, Permission};
use domain::{Caller, PlannedWork, ServiceId};
use persistence::planned_works::{self, NewPlannedWork};
use persistence::services;

use crate::{AppError, Conn};

pub struct ProposeWork {
    pub title: String,
    pub description: String,
    pub start_at: DateTime<Utc>,
    pub end_at: DateTime<Utc>,
    pub expected_impact: String,
    pub outage_minutes: Option<i32>,
    pub affected_services: Vec<ServiceId>,
    pub emergency: bool,
    pub emergency_justification: Option<String>,
}

pub fn propose(
    conn: &mut Conn,
    caller: &Caller,
    cmd: ProposeWork,
    now: DateTime<Utc>,
) -> Result<PlannedWork, AppError> {
    policy::require(caller, Permission::ManageChanges)?;
    check_window(cmd.start_at, cmd.end_at)?;
    check_emergency(cmd.emergency, cmd.emergency_justification.as_deref())?;
    if let Some(unknown) = services::unknown_among(conn, &cmd.affected_services)?.first() {
        return Err(AppError::invalid(
            "affected_service_ids",
            format!("no service has id '{unknown}'"),
        ));
    }
    Ok(planned_works::create(
        conn,
        NewPlannedWork {
            title: cmd.title.trim(),
            description: cmd.description.trim(),
            start_at: cmd.start_at,
            end_at: cmd.end_at,
            expected_impact: cmd.expected_impact.trim(),
            outage_minutes: cmd.outage_minutes,
            affected_services: &cmd.affected_services,
            emergency: cmd.emergency,
            emergency_justification: cmd.emergency_justification.as_deref().map(str::trim),
            created_by: &caller.subject,
        },
        now,
    )?)
}
