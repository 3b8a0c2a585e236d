//! The ticket timeline (R-INC5): notes people write and entries the system writes for every
//! change. Internal entries are for the provider only; customers never see them.

use chrono::{DateTime, Utc};

use crate::DomainError;

macro_rules! text_enum {
    ($(#[$meta:meta])* $ty:ident, $field:literal, { $($variant:ident => $name:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $ty { $($variant),+ }

        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $name),+ }
            }

            pub fn parse(s: &str) -> Result<Self, DomainError> {
                match s {
                    $($name => Ok($ty::$variant),)+
                    other => Err(DomainError::invalid($field, format!(
                        "unknown value '{}'; expected one of: {}", other, [$($name),+].join(", ")))),
                }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use text_enum;

text_enum!(
    /// Who may read a timeline entry.
    Visibility, "visibility", { Public => "public", Internal => "internal" }
);

text_enum!(
    /// What a timeline entry records.
    EntryKind, "kind", {
        Note => "note",
        StatusChange => "status_change",
        PriorityChange => "priority_change",
        Assignment => "assignment",
        RfoRequest => "rfo_request",
        IncidentReportRequest => "incident_report_request",
        DocumentUpdate => "document_update",
        Escalation => "escalation",
        MajorIncident => "major_incident",
    }
);

/// One entry of a ticket's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEntry {
    pub id: i64,
    pub kind: EntryKind,
    pub visibility: Visibility,
    /// Subject of whoever caused it (`user:7`, `client:…`, `system`).
    pub author: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
}

/// An entry about to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    pub kind: EntryKind,
    pub visibility: Visibility,
    pub author: String,
    pub text: String,
}

impl NewEntry {
    pub fn public(kind: EntryKind, author: &str, text: impl Into<String>) -> Self {
        Self {
            kind,
            visibility: Visibility::Public,
            author: author.to_owned(),
            text: text.into(),
        }
    }

    pub fn internal(kind: EntryKind, author: &str, text: impl Into<String>) -> Self {
        Self {
            visibility: Visibility::Internal,
            ..Self::public(kind, author, text)
        }
    }
}

/// May an author of this side write a note with this visibility? Customers write public notes
/// only; internal notes are the provider's.
pub fn check_note_visibility(
    customer_side: bool,
    visibility: Visibility,
) -> Result<(), DomainError> {
    if customer_side && visibility == Visibility::Internal {
        Err(DomainError::invalid(
            "visibility",
            "customers can only write public updates",
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customers_cannot_write_internal_notes() {
        assert!(check_note_visibility(true, Visibility::Internal).is_err());
        assert!(check_note_visibility(true, Visibility::Public).is_ok());
        assert!(check_note_visibility(false, Visibility::Internal).is_ok());
    }

    #[test]
    fn kinds_round_trip() {
        for k in EntryKind::ALL {
            assert_eq!(EntryKind::parse(k.as_str()).unwrap(), *k);
        }
        assert!(Visibility::parse("secret").is_err());
    }
}
