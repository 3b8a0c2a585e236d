//! Incidents (trouble tickets, R-INC1–8): raise one, work it through its lifecycle, write on
//! it, and read tickets and timelines as the caller may see them.

mod change;
mod close;
mod jobs;
mod note;
mod queries;
mod raise;
mod reopen;
mod transition;
mod update;

pub(crate) use change::{change_ticket, record_change, save_change};
pub use close::{close, CloseIncident};
pub use jobs::{auto_close, due_for_auto_close};
pub use note::{post_note, PostNote};
pub use queries::{count, get, list, list_offset, timeline, timeline_of};
pub use raise::{raise, RaiseIncident};
pub use reopen::{reopen, ReopenIncident};
pub use transition::{transition, Transition};
pub use update::{update, UpdateIncident};

pub use persistence::incidents::{IncidentFilter, IncidentOrder};

use domain::{Actor, Caller};

/// Whether the caller acts as the ticket's customer or as the service desk.
pub(crate) fn actor_of(caller: &Caller) -> Actor {
    if caller.role.is_customer_side() {
        Actor::Customer
    } else {
        Actor::ServiceDesk
    }
}

#[cfg(test)]
mod tests;
