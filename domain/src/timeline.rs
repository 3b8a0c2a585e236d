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

/// The text of a status-change entry: `Status changed from <from> to <to>`, then `: <reason>`
/// when given, then `. Cause: … Fix: …` for a resolution.
pub fn status_change_text(
    from: crate::IncidentStatus,
    to: crate::IncidentStatus,
    reason: Option<&str>,
    resolution: Option<&crate::Resolution>,
) -> String {
    let mut text = format!("Status changed from {from} to {to}");
    if let Some(reason) = reason {
        text.push_str(&format!(": {reason}"));
    }
    if let (crate::IncidentStatus::Resolved, Some(r)) = (to, resolution) {
        text.push_str(&format!(". Cause: {}. Fix: {}", r.cause, r.fix));
    }
    text
}

/// Reads a status-change entry back: `(from, to, what followed)`. `None` for any other text.
pub fn parse_status_change_text(
    text: &str,
) -> Option<(crate::IncidentStatus, crate::IncidentStatus, Option<String>)> {
    let rest = text.strip_prefix("Status changed from ")?;
    let (from, rest) = rest.split_once(" to ")?;
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    let (to, tail) = rest.split_at(end);
    let tail = tail.trim_start_matches([':', '.', ' ']).trim();
    Some((
        from.parse().ok()?,
        to.parse().ok()?,
        (!tail.is_empty()).then(|| tail.to_owned()),
    ))
}

#[cfg(test)]
mod status_text_tests {
    use super::*;
    use crate::{IncidentStatus as S, Resolution};

    #[test]
    fn status_change_texts_read_back() {
        let fix = Resolution {
            cause: "Fibre cut".into(),
            fix: "Spliced".into(),
        };
        let cases = [
            (S::New, S::Acknowledged, None, None, None),
            (
                S::InProgress,
                S::PendingCustomer,
                Some("Need site access"),
                None,
                Some("Need site access"),
            ),
            (
                S::InProgress,
                S::Resolved,
                None,
                Some(&fix),
                Some("Cause: Fibre cut. Fix: Spliced"),
            ),
        ];
        for (from, to, reason, resolution, tail) in cases {
            let text = status_change_text(from, to, reason, resolution);
            assert_eq!(
                parse_status_change_text(&text),
                Some((from, to, tail.map(str::to_owned))),
                "{text}"
            );
        }
        assert_eq!(
            parse_status_change_text(
                "Status changed from in_progress to resolved with major incident 1-0000000001. Cause: x. Fix: y"
            )
            .map(|(_, to, _)| to),
            Some(S::Resolved)
        );
        assert_eq!(parse_status_change_text("Assigned to bob@x.example"), None);
    }
}
