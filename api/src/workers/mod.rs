//! Background work of an instance: the outbox dispatcher (email and webhooks) and the periodic
//! jobs. Both are safe when several instances run them at once.

pub mod dispatch;
pub mod egress;
pub mod jobs;
