//! The configuration the use cases read: service levels, the working calendar, retention and
//! retry policies. Built once at start from the environment (see the API's `config`).

use domain::{SlaPolicy, WorkingCalendar};
use persistence::throttle::Limits;

#[derive(Debug, Clone)]
pub struct Ctx {
    pub sla: SlaPolicy,
    pub calendar: WorkingCalendar,
    /// Service credit per availability band, if the contracts give credits.
    pub credits: Option<domain::service_review::CreditTable>,
    /// A resolved ticket closes itself after this long unless reopened.
    pub auto_close_after: chrono::Duration,
    /// How long before a planned work starts its customers are reminded.
    pub work_reminder_lead: chrono::Duration,
    /// How long the event log and delivery logs are kept.
    pub retention: chrono::Duration,
    /// How long an `Idempotency-Key` is remembered.
    pub idempotency_ttl: chrono::Duration,
    /// Failed sign-ins before throttling.
    pub login_limits: Limits,
    /// Registrations per client address before throttling.
    pub registration_limits: Limits,
    /// Caps per company: contacts (each an address mail goes to) and webhooks + hub listeners.
    pub contacts_per_company: u32,
    pub webhooks_per_company: u32,
    /// Where webhooks may go (public addresses only, unless allowed for tests).
    pub egress: crate::webhooks::Egress,
    /// Attempts before a delivery fails, and the first retry delay (doubling, at most 1 h).
    pub delivery_max_attempts: i32,
    pub delivery_retry_base: chrono::Duration,
    /// What attachments may hold: file size, types, per ticket and per company.
    pub attachments: domain::attachment::AttachmentLimits,
    /// The key of mailed links (address confirmations).
    pub links: crate::links::LinkKey,
}
