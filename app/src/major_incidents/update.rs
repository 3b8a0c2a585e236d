//! Hand a major incident to another incident manager (R-MNI2).

use chrono::{DateTime, Utc};
use domain::policy::{self, Permission};
use domain::{Caller, MajorIncident, TicketRef};
use persistence::{major_incidents, StoreError};

use super::incident_manager;
use crate::{AppError, Conn};

pub struct AssignManager {
    pub major: TicketRef,
    pub incident_manager_email: String,
    pub expected_version: Option<i64>,
}

pub fn assign_manager(
    conn: &mut Conn,
    caller: &Caller,
    cmd: AssignManager,
    now: DateTime<Utc>,
) -> Result<MajorIncident, AppError> {
    policy::require(caller, Permission::ManageMajorIncidents)?;
    let email = incident_manager(conn, &cmd.incident_manager_email)?;
    let mut major = major_incidents::get(conn, cmd.major)?;
    if cmd.expected_version.is_some_and(|v| v != major.version) {
        return Err(AppError::PreconditionFailed(format!(
            "major incident {} is at version {}",
            major.ticket, major.version
        )));
    }
    major.assign_manager(email, now);
    major_incidents::save(conn, &major).map_err(|e| match e {
        StoreError::Stale(m) if cmd.expected_version.is_some() => AppError::PreconditionFailed(m),
        other => other.into(),
    })
}
