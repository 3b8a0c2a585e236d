//! Reason For Outage and Incident Report requests (R-INC7): the customer (or the desk) asks, the
//! desk prepares and delivers or rejects; each step is on the ticket's timeline.

mod queries;
mod request;
mod work;

pub use persistence::documents::DocumentFilter;
pub use queries::{for_ticket, get, list};
pub use request::{request, RequestDocument};
pub use work::{work_on, DeskStep};

#[cfg(test)]
mod tests;
