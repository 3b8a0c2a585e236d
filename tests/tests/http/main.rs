//! The HTTP test suite: the real application on a real socket, each test on SQLite and on
//! PostgreSQL (`on_both_backends!`), one module per feature, all in one binary (one link).

mod accounts;
mod attachments;
mod auth;
mod calendar_feeds;
mod change_management;
mod concurrency;
mod contract;
mod documents;
mod escalations;
mod exports;
mod headers;
mod help;
mod idempotency;
mod incidents;
mod isolation;
mod lifecycle;
mod major_incidents;
mod notifications;
mod recovery;
mod reports;
mod service_status;
mod sla;
mod sonata;
mod tenancy;
mod timeline;
mod tmf621;
mod tmf621_v5;
