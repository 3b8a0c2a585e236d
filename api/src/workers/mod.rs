//! Background work of an instance: the outbox dispatcher (email and webhooks) and the periodic
//! jobs, both safe when several instances run them at once, and the event feed of the
//! instance's streams.

pub mod dispatch;
pub mod egress;
pub mod event_feed;
pub mod jobs;
pub mod sweep;
