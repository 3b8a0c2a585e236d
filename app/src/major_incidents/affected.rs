//! Changing what an active major incident affects (issue 16): services named or taken off as
//! the NOC learns more. The open tickets on added services join it; companies newly concerned
//! get the history so far, companies whose services were taken off a closing notice. Children
//! already linked stay linked (the NOC unlinks by hand).

use chrono::{DateTime, Utc};
use domain::policy::{self, Permission};
use domain::{Caller, MajorIncident, ServiceId, TicketRef};
use persistence::{incidents, major_incidents, services};

use super::broadcast::notify_change;
use super::join;
use crate::{AppError, Conn, Ctx};

/// Which services to name or take off.
pub enum AffectedChange {
    Add(Vec<ServiceId>),
    Remove(ServiceId),
}

pub fn change_affected(
    conn: &mut Conn,
    caller: &Caller,
    ticket: TicketRef,
    change: AffectedChange,
    ctx: &Ctx,
    now: DateTime<Utc>,
) -> Result<MajorIncident, AppError> {
    policy::require(caller, Permission::ManageMajorIncidents)?;
    let major = major_incidents::get(conn, ticket)?;
    major_incidents::lock(conn, &major)?;
    let mut major = major_incidents::get(conn, ticket)?;
    let before = major_incidents::audience(conn, &major)?;
    let (added, removed) = match change {
        AffectedChange::Add(ids) => {
            if ids.is_empty() {
                return Err(AppError::Field {
                    field: "service_ids",
                    code: "required",
                    message: "name at least one service".into(),
                });
            }
            if let Some(unknown) = services::unknown_among(conn, &ids)?.first() {
                return Err(AppError::invalid(
                    "service_ids",
                    format!("no service has id '{unknown}'"),
                ));
            }
            (major.add_services(&ids, now)?, Vec::new())
        }
        AffectedChange::Remove(id) => {
            if !major.remove_service(&id, now)? {
                return Err(AppError::NotFound("affected service"));
            }
            (Vec::new(), vec![id])
        }
    };
    if added.is_empty() && removed.is_empty() {
        return Ok(major);
    }
    major_incidents::change_services(conn, &major, &added, &removed)?;
    let major = major_incidents::save(conn, &major)?;
    for waiting in incidents::open_unlinked_on(conn, &added)? {
        join(conn, &major, waiting, &caller.subject, ctx, now)?;
    }
    let after = major_incidents::audience(conn, &major)?;
    let history = major_incidents::updates(conn, &major)?;
    notify_change(conn, &major, &before, &after, &history, now)?;
    Ok(major_incidents::get(conn, ticket)?)
}
