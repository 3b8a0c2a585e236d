//! Major network incidents (R-MNI1–5): parent tickets the NOC raises on affected services; the
//! customer tickets on those services join them, and every update and the resolution cascade to
//! the children and their customers in one transaction.

mod affected;
mod broadcast;
mod cascade;
mod link;
mod queries;
mod raise;
mod resolve;
mod update;

pub use affected::{change_affected, AffectedChange};
pub use cascade::{post_update, PostMajorUpdate};
pub(crate) use link::join;
pub use link::{link_child, unlink_child};
pub use queries::{children, get, list, services_of, updates};
pub use raise::{raise, RaiseMajorIncident};
pub use resolve::resolve;
pub use update::{assign_manager, AssignManager};

pub use persistence::major_incidents::{MajorFilter, MajorUpdate};

use domain::{AccountStatus, Role};
use persistence::accounts;

use crate::{AppError, Conn};

/// The stored email of the active incident manager `email` names.
fn incident_manager(conn: &mut Conn, email: &str) -> Result<String, AppError> {
    match accounts::find_user_by_email(conn, email)? {
        Some((u, _)) if u.status == AccountStatus::Active && u.role == Role::IncidentManager => {
            Ok(u.email)
        }
        _ => Err(AppError::invalid(
            "incident_manager_email",
            "no active incident_manager account has this email",
        )),
    }
}

#[cfg(test)]
mod tests;
