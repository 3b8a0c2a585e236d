//! The broadcast (issue 16): every step of a major incident — raised, each update, resolved, a
//! service added or taken off — reaches every company it concerns, whether or not that company
//! raised a ticket: one notice per company per step, written to the outbox in the transaction of
//! the step. Its streams and webhooks get it as `major_incident.notice`, and its contacts
//! subscribed to major-incident notices get it by email, once per step however many of its
//! tickets are linked.

use chrono::{DateTime, Utc};
use domain::{EventType, MajorIncident, NoticeKind, ServiceId, TicketRef};
use persistence::events;
use persistence::major_incidents::{Concerned, MajorUpdate};
use serde_json::{json, Value};

use crate::{AppError, Conn};

/// What one notice says beyond the major incident itself.
pub(crate) struct Notice<'a> {
    pub kind: NoticeKind,
    pub text: &'a str,
    /// The updates so far, for a company that just became concerned.
    pub history: &'a [MajorUpdate],
    /// Services of the company's added or taken off by this step.
    pub added: &'a [ServiceId],
    pub removed: &'a [ServiceId],
}

impl<'a> Notice<'a> {
    pub fn new(kind: NoticeKind, text: &'a str) -> Self {
        Self {
            kind,
            text,
            history: &[],
            added: &[],
            removed: &[],
        }
    }
}

fn ids(services: &[ServiceId]) -> Vec<&str> {
    services.iter().map(ServiceId::as_str).collect()
}

fn tickets(tickets: &[TicketRef]) -> Vec<String> {
    tickets.iter().map(ToString::to_string).collect()
}

/// The notice `to` receives: the major incident as that company may see it (its own services
/// and tickets, never another company's).
fn payload(major: &MajorIncident, to: &Concerned, notice: &Notice<'_>) -> Value {
    let mut p = json!({
        "major_incident": major.ticket.to_string(),
        "notice": notice.kind.as_str(),
        "summary": major.summary,
        "severity": major.severity.as_str(),
        "status": major.status.as_str(),
        "started_at": major.started_at,
        "text": notice.text,
        "incident_manager": major.incident_manager_email,
        "next_update_by": major.next_update_by,
        "estimated_restoration_at": major.estimated_restoration_at,
        "region": major.region,
        "affected_service_ids": ids(&to.services),
        "linked_tickets": tickets(&to.tickets),
    });
    if !notice.history.is_empty() {
        p["history"] = notice
            .history
            .iter()
            .map(|u| json!({"at": u.created_at, "text": u.text}))
            .collect();
    }
    if !notice.added.is_empty() {
        p["services_added"] = json!(ids(notice.added));
    }
    if !notice.removed.is_empty() {
        p["services_removed"] = json!(ids(notice.removed));
    }
    p
}

/// Writes `notice` for each company of `to`. Returns how many companies it reached.
pub(crate) fn notify(
    conn: &mut Conn,
    major: &MajorIncident,
    to: &[Concerned],
    notice: &Notice<'_>,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let rows: Vec<_> = to
        .iter()
        .map(|company| {
            (
                Some(&company.customer),
                Some(major.ticket),
                payload(major, company, notice),
            )
        })
        .collect();
    events::append_many(conn, EventType::MajorIncidentNotice, &rows, now)?;
    Ok(to.len())
}

/// How the concerned companies changed between `before` and `after` a change of affected
/// services: those newly concerned get the history so far; those whose services grew, the
/// added ones; those no longer concerned, or whose services shrank, a notice of what was taken
/// off.
pub(crate) fn notify_change(
    conn: &mut Conn,
    major: &MajorIncident,
    before: &[Concerned],
    after: &[Concerned],
    history: &[MajorUpdate],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let find =
        |list: &[Concerned], c: &Concerned| list.iter().find(|x| x.customer == c.customer).cloned();
    for now_c in after {
        let was = find(before, now_c);
        let added: Vec<ServiceId> = now_c
            .services
            .iter()
            .filter(|s| was.as_ref().is_none_or(|w| !w.services.contains(s)))
            .cloned()
            .collect();
        if added.is_empty() && was.is_some() {
            continue;
        }
        let text = format!(
            "Your service{} {} {} now affected by this major incident.",
            if added.len() == 1 { "" } else { "s" },
            ids(&added).join(", "),
            if added.len() == 1 { "is" } else { "are" },
        );
        let notice = Notice {
            history: if was.is_none() { history } else { &[] },
            added: &added,
            ..Notice::new(NoticeKind::NowAffected, &text)
        };
        notify(conn, major, std::slice::from_ref(now_c), &notice, now)?;
    }
    for then in before {
        let still = find(after, then);
        let removed: Vec<ServiceId> = then
            .services
            .iter()
            .filter(|s| still.as_ref().is_none_or(|n| !n.services.contains(s)))
            .cloned()
            .collect();
        if removed.is_empty() {
            continue;
        }
        let text = format!(
            "Your service{} {} {} no longer affected by this major incident.",
            if removed.len() == 1 { "" } else { "s" },
            ids(&removed).join(", "),
            if removed.len() == 1 { "is" } else { "are" },
        );
        let to = still.unwrap_or_else(|| Concerned {
            customer: then.customer.clone(),
            services: Vec::new(),
            tickets: Vec::new(),
        });
        let notice = Notice {
            removed: &removed,
            ..Notice::new(NoticeKind::NoLongerAffected, &text)
        };
        notify(conn, major, std::slice::from_ref(&to), &notice, now)?;
    }
    Ok(())
}
