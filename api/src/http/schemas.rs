//! OpenAPI schemas for the domain's string enums, built from the domain's own value lists so the
//! contract can never drift from the code (the domain crate stays free of utoipa).

use domain::{Impact, IncidentStatus, Priority, Role, ServiceStatus};
use utoipa::openapi::schema::{Object, ObjectBuilder, Type};

fn string_enum<'a>(values: impl IntoIterator<Item = &'a str>, description: &str) -> Object {
    let values: Vec<&str> = values.into_iter().collect();
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .examples(values.first().copied())
        .enum_values(Some(values))
        .build()
}

pub fn role() -> Object {
    string_enum(Role::ALL.iter().map(|r| r.as_str()), "Role of the account.")
}

pub fn impact() -> Object {
    string_enum(
        Impact::ALL.iter().map(|v| v.as_str()),
        "How the service is affected; sets the initial priority.",
    )
}

pub fn priority() -> Object {
    string_enum(
        Priority::ALL.iter().map(|v| v.as_str()),
        "Ticket priority, P1 most urgent.",
    )
}

pub fn incident_status() -> Object {
    string_enum(
        IncidentStatus::ALL.iter().map(|v| v.as_str()),
        "Lifecycle state of the ticket.",
    )
}

pub fn service_status() -> Object {
    string_enum(
        ServiceStatus::ALL.iter().map(|v| v.as_str()),
        "Operational state of the service.",
    )
}

pub fn service_state() -> Object {
    string_enum(
        domain::service_state::ServiceState::ALL
            .iter()
            .map(|v| v.as_str()),
        "How the service is doing now: `outage` (a critical or major network incident, or a \
         ticket reporting it down), `maintenance` (planned works under way), `degraded` (a minor \
         network incident, or a ticket reporting degradation or intermittent faults), or \
         `operational`.",
    )
}

pub fn visibility() -> Object {
    string_enum(
        domain::Visibility::ALL.iter().map(|v| v.as_str()),
        "Who may read the entry: `public` (everyone on the ticket) or `internal` (provider staff).",
    )
}

pub fn attachment_media_type() -> Object {
    string_enum(
        domain::attachment::MediaType::ALL
            .iter()
            .map(|v| v.as_str()),
        "What the content is, decided from its bytes.",
    )
}

pub fn attachment_source() -> Object {
    string_enum(
        ["customer", "provider"],
        "Who added it: the `customer` (the buyer) or the `provider` (the seller).",
    )
}

pub fn entry_kind() -> Object {
    string_enum(
        domain::EntryKind::ALL.iter().map(|v| v.as_str()),
        "What the timeline entry records.",
    )
}

pub fn document_kind() -> Object {
    string_enum(
        domain::DocumentKind::ALL.iter().map(|v| v.as_str()),
        "`rfo` (Reason For Outage) or `incident_report`.",
    )
}

pub fn document_status() -> Object {
    string_enum(
        domain::DocumentStatus::ALL.iter().map(|v| v.as_str()),
        "Lifecycle state of the request.",
    )
}

pub fn severity() -> Object {
    string_enum(
        domain::Severity::ALL.iter().map(|v| v.as_str()),
        "Severity of the major incident.",
    )
}

pub fn major_status() -> Object {
    string_enum(
        domain::MajorStatus::ALL.iter().map(|v| v.as_str()),
        "`active` until resolved.",
    )
}

pub fn work_status() -> Object {
    string_enum(
        domain::WorkStatus::ALL.iter().map(|v| v.as_str()),
        "Lifecycle state of the planned work.",
    )
}

pub fn request_status() -> Object {
    string_enum(
        domain::RequestStatus::ALL.iter().map(|v| v.as_str()),
        "Lifecycle state of the maintenance request.",
    )
}

/// Deserializes an optional field whose contract is not nullable: absent is `None`, a value is
/// `Some`, and an explicit `null` is refused like any other wrong type. Use with
/// `#[serde(default, deserialize_with = "crate::http::schemas::not_null")]`.
pub fn not_null<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

// Query filters with a closed list of values. Their examples are taken out with every query
// example by `openapi::complete` (a filter filled in would narrow the first try to nothing); the
// filters on a domain value use that value's schema above (`priority`, `major_status`,
// `document_kind`).

pub fn incident_order() -> Object {
    string_enum(
        ["-logged_at", "logged_at"],
        "`-logged_at`: newest first (the default); `logged_at`: oldest first.",
    )
}

pub fn registration_status_filter() -> Object {
    string_enum(
        ["pending", "rejected"],
        "Registrations waiting for a decision (default) or rejected ones.",
    )
}

pub fn account_status_filter() -> Object {
    string_enum(
        ["active", "pending", "disabled", "rejected"],
        "Only accounts in this state.",
    )
}

/// A field of a PATCH body that may be given as `null` (to clear it): absent is `None`, `null`
/// is `Some(None)`.
pub fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    use serde::Deserialize;
    Option::<T>::deserialize(d).map(Some)
}

/// A new password as the server takes it: 12–1024 characters that mix letters with digits,
/// spaces or ASCII symbols (`domain::account::PASSWORD_MIX_PATTERN`, the domain's own rule
/// restated); not the email, which a schema cannot say.
pub fn new_password() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(utoipa::openapi::schema::SchemaFormat::Custom(
            "password".into(),
        )))
        .min_length(Some(12))
        .max_length(Some(1024))
        .pattern(Some(domain::account::PASSWORD_MIX_PATTERN))
        .description(Some(
            "12–1024 characters, mixing letters with digits, spaces or ASCII symbols (the \
             pattern: somewhere one stands next to the other); not the email.",
        ))
        .build()
}
