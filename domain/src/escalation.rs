//! Escalation (R-ESC1–4): a five-level matrix of provider contacts and the rule that a ticket
//! climbs it one level at a time, peer to peer.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{DomainError, Incident, IncidentStatus, TicketRef};

/// The number of levels in the matrix.
pub const LEVELS: usize = 5;

/// One level of the matrix: whom to call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatrixLevel {
    pub level: i32,
    pub title: String,
    pub phone: String,
}

/// The escalation matrix: exactly levels 1 to 5, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscalationMatrix {
    levels: Vec<MatrixLevel>,
}

/// An E.164-style number as people write it: `+`, country code, 8–15 digits in all, spaces
/// or dashes allowed between groups.
pub fn is_e164(phone: &str) -> bool {
    let Some(rest) = phone.trim().strip_prefix('+') else {
        return false;
    };
    let digits: String = rest.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    (8..=15).contains(&digits.len())
        && digits.chars().all(|c| c.is_ascii_digit())
        && !digits.starts_with('0')
        && !rest.starts_with([' ', '-'])
}

impl Default for EscalationMatrix {
    /// product.md's defaults.
    fn default() -> Self {
        let l = |level: i32, title: &str, phone: &str| MatrixLevel {
            level,
            title: title.into(),
            phone: phone.into(),
        };
        Self {
            levels: vec![
                l(1, "Team Leader", "+44 203 481 7007"),
                l(2, "Incident Manager", "+44 203 481 7008"),
                l(3, "Senior Manager", "+44 203 481 7009"),
                l(4, "Director", "+44 203 481 7010"),
                l(5, "VP", "+44 203 481 7011"),
            ],
        }
    }
}

impl EscalationMatrix {
    /// Validates a whole matrix: levels 1..=5 each once, a title and an E.164-style phone each.
    pub fn new(mut levels: Vec<MatrixLevel>) -> Result<Self, DomainError> {
        levels.sort_by_key(|l| l.level);
        let numbers: Vec<i32> = levels.iter().map(|l| l.level).collect();
        if numbers != [1, 2, 3, 4, 5] {
            return Err(DomainError::invalid(
                "levels",
                "the matrix needs exactly the levels 1, 2, 3, 4 and 5",
            ));
        }
        for l in &mut levels {
            l.title = l.title.trim().to_owned();
            l.phone = l.phone.trim().to_owned();
            if l.title.is_empty() || l.title.len() > 100 {
                return Err(DomainError::invalid(
                    "title",
                    format!("level {}: 1-100 characters", l.level),
                ));
            }
            if !is_e164(&l.phone) {
                return Err(DomainError::invalid(
                    "phone",
                    format!(
                        "level {}: '{}' is not an E.164 number such as +44 203 481 7007",
                        l.level, l.phone
                    ),
                ));
            }
        }
        Ok(Self { levels })
    }

    pub fn levels(&self) -> &[MatrixLevel] {
        &self.levels
    }

    /// The contact for `level` (1..=5).
    pub fn contact(&self, level: i32) -> Option<&MatrixLevel> {
        self.levels.iter().find(|l| l.level == level)
    }
}

/// The customer-side person escalating: peer-to-peer escalation is mandatory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalatingPerson {
    pub name: String,
    pub job_title: String,
    pub phone: String,
}

impl EscalatingPerson {
    /// The person as given, trimmed. Someone the provider calls back has a name and a job title:
    /// blanks are neither.
    pub fn new(name: &str, job_title: &str, phone: &str) -> Result<Self, DomainError> {
        let (name, job_title) = (name.trim(), job_title.trim());
        if name.is_empty() {
            return Err(DomainError::invalid(
                "escalated_by.name",
                "must not be blank",
            ));
        }
        if job_title.is_empty() {
            return Err(DomainError::invalid(
                "escalated_by.job_title",
                "must not be blank",
            ));
        }
        Ok(Self {
            name: name.to_owned(),
            job_title: job_title.to_owned(),
            phone: phone.trim().to_owned(),
        })
    }
}

/// Why a customer escalates, trimmed; blanks are no reason.
pub fn escalation_reason(text: &str) -> Result<&str, DomainError> {
    let reason = text.trim();
    if reason.is_empty() {
        return Err(DomainError::invalid("reason", "must not be blank"));
    }
    Ok(reason)
}

/// The major incident a ticket is linked to, when its crisis process is active.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveParent {
    pub ticket: TicketRef,
    pub incident_manager: Option<String>,
}

/// A recorded escalation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalation {
    pub id: i64,
    pub ticket: TicketRef,
    pub level: i32,
    pub reason: String,
    pub escalated_by: EscalatingPerson,
    pub requested_by: String,
    pub contact: MatrixLevel,
    pub created_at: DateTime<Utc>,
}

impl Incident {
    /// Raises the ticket one level (R-ESC2): the next level is always current + 1; a requested
    /// `level` other than that, a ticket at level 5, a resolved, closed or cancelled ticket, or a
    /// child of an active major incident (R-ESC3) is refused and nothing changes.
    pub fn escalate(
        &mut self,
        requested_level: Option<i32>,
        parent: Option<&ActiveParent>,
        now: DateTime<Utc>,
    ) -> Result<i32, DomainError> {
        if let Some(parent) = parent {
            let manager = parent
                .incident_manager
                .as_deref()
                .map(|m| format!(" (incident manager {m})"))
                .unwrap_or_default();
            return Err(DomainError::refused(
                crate::error::Reason::CrisisProcessActive {
                    major_incident: parent.ticket,
                    incident_manager: parent.incident_manager.clone(),
                },
                format!(
                    "ticket {} is part of major incident {}{manager}: the crisis process supersedes \
                     escalation; follow the major incident or contact its incident manager",
                    self.ticket, parent.ticket
                ),
            ));
        }
        if matches!(
            self.status,
            IncidentStatus::Resolved | IncidentStatus::Closed | IncidentStatus::Cancelled
        ) {
            return Err(DomainError::refused(
                crate::error::Reason::TicketNotEscalatable,
                format!(
                    "ticket {} is {}; only open, unresolved tickets are escalated",
                    self.ticket, self.status
                ),
            ));
        }
        if self.escalation_level >= LEVELS as i32 {
            return Err(DomainError::refused(
                crate::error::Reason::EscalationLimitReached,
                format!(
                    "ticket {} is already at the top level {LEVELS}",
                    self.ticket
                ),
            ));
        }
        let next = self.escalation_level + 1;
        if let Some(level) = requested_level.filter(|l| *l != next) {
            return Err(DomainError::refused(
                crate::error::Reason::EscalationOutOfSequence,
                format!(
                    "ticket {} is at level {}: the next escalation is level {next}, not {level}",
                    self.ticket, self.escalation_level
                ),
            ));
        }
        self.escalation_level = next;
        self.updated_at = now;
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::tests_support::incident;

    #[test]
    fn the_person_escalating_and_the_reason_are_more_than_blanks() {
        let person =
            EscalatingPerson::new(" Jane Doe ", " IT Director", " +44 20 7946 0123 ").unwrap();
        assert_eq!(
            (
                person.name.as_str(),
                person.job_title.as_str(),
                person.phone.as_str()
            ),
            ("Jane Doe", "IT Director", "+44 20 7946 0123")
        );
        for (name, title, field) in [
            ("  ", "IT", "escalated_by.name"),
            ("Jane", "\t", "escalated_by.job_title"),
        ] {
            match EscalatingPerson::new(name, title, "12345") {
                Err(DomainError::Invalid { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(escalation_reason("  slow  ").unwrap(), "slow");
        assert!(escalation_reason(" \n ").is_err());
    }

    #[test]
    fn default_matrix_matches_the_product_specification() {
        let m = EscalationMatrix::default();
        assert_eq!(m.levels().len(), 5);
        assert_eq!(m.contact(1).unwrap().phone, "+44 203 481 7007");
        assert_eq!(m.contact(5).unwrap().title, "VP");
        assert!(EscalationMatrix::new(m.levels().to_vec()).is_ok());
    }

    #[test]
    fn matrix_needs_levels_one_to_five_and_e164_phones() {
        let base = EscalationMatrix::default().levels().to_vec();
        let mut missing = base.clone();
        missing.pop();
        assert!(EscalationMatrix::new(missing).is_err());
        let mut dup = base.clone();
        dup[4].level = 4;
        assert!(EscalationMatrix::new(dup).is_err());
        let mut bad_phone = base.clone();
        bad_phone[2].phone = "0203 481 7009".into();
        assert!(EscalationMatrix::new(bad_phone).is_err());
        let mut shuffled = base.clone();
        shuffled.reverse();
        assert_eq!(
            EscalationMatrix::new(shuffled).unwrap().levels()[0].level,
            1
        );
        for ok in ["+442034817007", "+44 203 481 7007", "+1-555-010-9999"] {
            assert!(is_e164(ok), "{ok}");
        }
        for bad in [
            "442034817007",
            "+44",
            "+0 203 481 7007",
            "+44 (203) 481",
            "+ 44 203 481 7007",
            "+4420348170071234",
        ] {
            assert!(!is_e164(bad), "{bad}");
        }
    }

    #[test]
    fn escalation_is_sequential_table() {
        let now = Utc::now();
        // (current level, requested, expected outcome)
        let cases: &[(i32, Option<i32>, Result<i32, &str>)] = &[
            (0, None, Ok(1)),
            (0, Some(1), Ok(1)),
            (1, Some(2), Ok(2)),
            (1, Some(3), Err("escalation_out_of_sequence")),
            (1, Some(1), Err("escalation_out_of_sequence")),
            (3, None, Ok(4)),
            (4, Some(5), Ok(5)),
            (5, None, Err("escalation_limit_reached")),
            (5, Some(6), Err("escalation_limit_reached")),
        ];
        for (current, requested, expected) in cases {
            let mut inc = incident(IncidentStatus::InProgress);
            inc.escalation_level = *current;
            let before = inc.clone();
            let got = inc.escalate(*requested, None, now);
            match expected {
                Ok(level) => {
                    assert_eq!(got.unwrap(), *level);
                    assert_eq!(inc.escalation_level, *level);
                }
                Err(code) => {
                    assert!(
                        got.as_ref()
                            .err()
                            .and_then(|e| e.reason())
                            .map(|r| r.code())
                            == Some(*code),
                        "{current}->{requested:?}"
                    );
                    assert_eq!(inc, before);
                }
            }
        }
    }

    #[test]
    fn final_or_resolved_tickets_and_mni_children_are_not_escalated() {
        let now = Utc::now();
        for status in IncidentStatus::ALL {
            let mut inc = incident(*status);
            let ok = inc.escalate(None, None, now).is_ok();
            let expected = !matches!(
                status,
                IncidentStatus::Resolved | IncidentStatus::Closed | IncidentStatus::Cancelled
            );
            assert_eq!(ok, expected, "{status}");
        }
        let mut child = incident(IncidentStatus::InProgress);
        let parent = ActiveParent {
            ticket: TicketRef::from_number(9).unwrap(),
            incident_manager: Some("im@provider.example".into()),
        };
        let err = child.escalate(None, Some(&parent), now).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("1-0000000009") && text.contains("im@provider.example"),
            "{text}"
        );
        assert_eq!(child.escalation_level, 0);
    }
}
