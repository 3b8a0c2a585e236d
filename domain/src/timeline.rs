//! The ticket timeline (R-INC5): notes people write and entries the system writes for every
//! change. Internal entries are for the provider only; customers never see them.

use chrono::{DateTime, Utc};

use crate::{DomainError, IncidentStatus};

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
        CancellationRequest => "cancellation_request",
        Attachment => "attachment",
    }
);

/// The status change a `status_change` entry records, kept as data beside its text: the status
/// history (TMF621 `statusChange`, webhook `previous_status`) reads these, never the wording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusMove {
    pub from: IncidentStatus,
    pub to: IncidentStatus,
    /// What the text says after the move: the reason, or the resolution.
    pub detail: Option<String>,
}

/// One entry of a ticket's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEntry {
    pub id: i64,
    pub kind: EntryKind,
    pub visibility: Visibility,
    /// Subject of whoever caused it (`user:7`, `client:…`, `system`).
    pub author: String,
    pub text: String,
    /// Set on status changes.
    pub status: Option<StatusMove>,
    pub created_at: DateTime<Utc>,
}

/// An entry about to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    pub kind: EntryKind,
    pub visibility: Visibility,
    pub author: String,
    pub text: String,
    pub status: Option<StatusMove>,
}

impl NewEntry {
    pub fn public(kind: EntryKind, author: &str, text: impl Into<String>) -> Self {
        Self {
            kind,
            visibility: Visibility::Public,
            author: author.to_owned(),
            text: text.into(),
            status: None,
        }
    }

    /// A note someone writes on the ticket.
    pub fn note(author: &str, visibility: Visibility, text: impl Into<String>) -> Self {
        Self {
            visibility,
            ..Self::public(EntryKind::Note, author, text)
        }
    }

    /// The public entry recording `change`: `Status changed from <from> to <to>`, then
    /// `: <reason>` when given, then `. Cause: … Fix: …` when it resolved the ticket.
    pub fn status_change(
        author: &str,
        change: &crate::StatusChange,
        resolution: Option<&crate::Resolution>,
    ) -> Self {
        let resolution = resolution.filter(|_| change.to == IncidentStatus::Resolved);
        let detail = match (&change.reason, resolution) {
            (Some(reason), Some(r)) => {
                Some(format!("{reason}. Cause: {}. Fix: {}", r.cause, r.fix))
            }
            (Some(reason), None) => Some(reason.clone()),
            (None, Some(r)) => Some(format!("Cause: {}. Fix: {}", r.cause, r.fix)),
            (None, None) => None,
        };
        let mut text = format!("Status changed from {} to {}", change.from, change.to);
        if let Some(reason) = &change.reason {
            text.push_str(&format!(": {reason}"));
        }
        if let Some(r) = resolution {
            text.push_str(&format!(". Cause: {}. Fix: {}", r.cause, r.fix));
        }
        Self {
            status: Some(StatusMove {
                from: change.from,
                to: change.to,
                detail,
            }),
            ..Self::public(EntryKind::StatusChange, author, text)
        }
    }

    /// The public entry of a child resolved with its major incident `parent`.
    pub fn resolved_with_parent(
        author: &str,
        from: IncidentStatus,
        parent: crate::TicketRef,
        resolution: &crate::Resolution,
    ) -> Self {
        let detail = format!(
            "with major incident {parent}. Cause: {}. Fix: {}",
            resolution.cause, resolution.fix
        );
        Self {
            status: Some(StatusMove {
                from,
                to: IncidentStatus::Resolved,
                detail: Some(detail.clone()),
            }),
            ..Self::public(
                EntryKind::StatusChange,
                author,
                format!("Status changed from {from} to resolved {detail}"),
            )
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

#[cfg(test)]
mod status_entry_tests {
    use super::*;
    use crate::{IncidentStatus as S, Resolution, StatusChange};

    #[test]
    fn status_changes_are_recorded_as_data_and_as_text() {
        let fix = Resolution {
            cause: "Fibre cut".into(),
            fix: "Spliced".into(),
        };
        let change = |from, to, reason: Option<&str>| StatusChange {
            from,
            to,
            reason: reason.map(str::to_owned),
        };
        let cases = [
            (
                NewEntry::status_change("u", &change(S::New, S::Acknowledged, None), None),
                "Status changed from new to acknowledged",
                None,
            ),
            (
                NewEntry::status_change(
                    "u",
                    &change(S::InProgress, S::PendingCustomer, Some("Need site access")),
                    None,
                ),
                "Status changed from in_progress to pending_customer: Need site access",
                Some("Need site access"),
            ),
            (
                NewEntry::status_change("u", &change(S::InProgress, S::Resolved, None), Some(&fix)),
                "Status changed from in_progress to resolved. Cause: Fibre cut. Fix: Spliced",
                Some("Cause: Fibre cut. Fix: Spliced"),
            ),
        ];
        for (entry, text, detail) in cases {
            assert_eq!(entry.text, text);
            assert_eq!(entry.kind, EntryKind::StatusChange);
            assert_eq!(entry.status.unwrap().detail.as_deref(), detail);
        }
        let parent = crate::TicketRef::from_number(1).unwrap();
        let child = NewEntry::resolved_with_parent("system", S::InProgress, parent, &fix);
        assert_eq!(
            child.text,
            "Status changed from in_progress to resolved with major incident 1-0000000001. \
             Cause: Fibre cut. Fix: Spliced"
        );
        let moved = child.status.unwrap();
        assert_eq!((moved.from, moved.to), (S::InProgress, S::Resolved));
    }
}
