//! MEF 124 (LSO Sonata Trouble Ticket and Incident Management) over the same tickets, major
//! incidents and rules: the buyer's task operations (`cancel`, `close`, `reopen`), who wrote a
//! note (buyer or seller), and the major incidents that concern a buyer with the services of its
//! own they affect. Tickets are created, read and patched through [`crate::tmf621`]'s use cases;
//! the facade in the API only maps shapes to these and back.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use domain::policy::{self, Permission};
use domain::tmf::TmfStatus;
use domain::{
    Caller, CustomerNumber, DomainError, EntryKind, IncidentStatus, MajorIncident, NewEntry,
    Reason, TicketRef,
};
use persistence::major_incidents::{self, MajorFilter, MajorUpdate};
use persistence::{accounts, incidents};

use crate::incidents::{change_ticket, IncidentFilter, IncidentOrder};
use crate::tmf621::{patch_ticket, TicketPatch, TicketView};
use crate::{AppError, Conn, Ctx};

/// A buyer's task on a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    /// The buyer asks to cancel; the service desk decides (`assessingCancellation`). The desk's
    /// own `cancel` cancels at once.
    Cancel,
    /// The buyer confirms the resolution.
    Close,
    /// The buyer finds the issue still there.
    Reopen,
}

/// How a status reads to a MEF 124 buyer, in a refusal's words.
fn sonata_status(status: IncidentStatus) -> &'static str {
    domain::mef::ticket_status(status, false, false)
}

fn refused(message: String) -> AppError {
    DomainError::refused(Reason::IllegalTransition, message).into()
}

/// Carries out `task` on `ticket` in one transaction; `reason` is the buyer's, when it gave one.
pub fn task(
    conn: &mut Conn,
    caller: &Caller,
    ticket: TicketRef,
    task: Task,
    reason: Option<String>,
    ctx: &Ctx,
    now: DateTime<Utc>,
) -> Result<TicketView, AppError> {
    policy::require(caller, Permission::FollowIncident)?;
    let current = incidents::get(conn, ticket, caller.tenant_scope())?;
    let reason = reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    let (status, default_reason) = match task {
        Task::Cancel if caller.role.is_customer_side() => {
            return request_cancellation(conn, caller, ticket, reason, ctx, now)
        }
        Task::Cancel => (TmfStatus::Cancelled, "Cancelled at the buyer's request"),
        Task::Close => {
            if current.status != IncidentStatus::Resolved {
                return Err(refused(format!(
                    "ticket {ticket} is {}; only a resolved ticket is closed by confirming its \
                     resolution",
                    sonata_status(current.status)
                )));
            }
            (TmfStatus::Closed, "Resolution confirmed by the buyer")
        }
        Task::Reopen => {
            if current.status != IncidentStatus::Resolved {
                return Err(refused(format!(
                    "ticket {ticket} is {}; only a resolved ticket is reopened",
                    sonata_status(current.status)
                )));
            }
            (TmfStatus::InProgress, "Issue still observed by the buyer")
        }
    };
    patch_ticket(
        conn,
        caller,
        TicketPatch {
            ticket,
            notes: Vec::new(),
            external_id: None,
            priority: None,
            status: Some(status),
            status_change_reason: Some(reason.unwrap_or_else(|| default_reason.to_owned())),
            resolution: None,
            expected_version: None,
        },
        ctx,
        now,
    )
}

/// The buyer asks to cancel an open, unresolved ticket: recorded on its timeline (the ticket
/// reads `assessingCancellation` until the desk moves it). Asking again while the desk has not
/// decided changes nothing.
fn request_cancellation(
    conn: &mut Conn,
    caller: &Caller,
    ticket: TicketRef,
    reason: Option<String>,
    ctx: &Ctx,
    now: DateTime<Utc>,
) -> Result<TicketView, AppError> {
    let (_, entries, _) = crate::tmf621::get_ticket(conn, caller, ticket)?;
    let pending = domain::mef::cancellation_asked(&entries);
    change_ticket(
        conn,
        caller.tenant_scope(),
        ticket,
        None,
        ctx,
        now,
        |incident| {
            if !incident.status.is_open() || incident.status == IncidentStatus::Resolved {
                return Err(refused(format!(
                    "ticket {ticket} is {}; only an unresolved ticket can be cancelled",
                    sonata_status(incident.status)
                )));
            }
            if pending {
                return Ok(Vec::new());
            }
            incident.add_note(now)?;
            let text = match &reason {
                Some(r) => format!("The buyer asked to cancel the ticket: {r}"),
                None => "The buyer asked to cancel the ticket".to_owned(),
            };
            Ok(vec![NewEntry::public(
                EntryKind::CancellationRequest,
                &caller.subject,
                text,
            )])
        },
    )?;
    crate::tmf621::get_ticket(conn, caller, ticket)
}

/// Which of `authors` (token subjects) are on the buyer's side: customer users and clients.
/// Anyone else (staff, the system, an account since removed) is the seller.
pub fn buyer_authors<'a>(
    conn: &mut Conn,
    authors: impl IntoIterator<Item = &'a str>,
) -> Result<HashSet<String>, AppError> {
    let mut buyers = HashSet::new();
    let distinct: HashSet<&str> = authors.into_iter().collect();
    for author in distinct {
        if let Some(state) = accounts::subject_state(conn, author)? {
            if state.role.is_customer_side() {
                buyers.insert(author.to_owned());
            }
        }
    }
    Ok(buyers)
}

/// A major incident as a buyer sees it through MEF 124: the services of its own it affects
/// (provider staff: all of them), its public updates oldest first.
#[derive(Debug, Clone)]
pub struct IncidentView {
    pub major: MajorIncident,
    pub services: Vec<String>,
    pub updates: Vec<MajorUpdate>,
}

/// The buyer whose view a caller takes: a customer its own company; provider staff the buyer
/// it names, or none (every buyer).
pub fn buyer_scope(caller: &Caller, buyer: Option<CustomerNumber>) -> Option<CustomerNumber> {
    caller.tenant_scope().cloned().or(buyer)
}

/// The services `major` affects that `scope` sees: its own affected services and those of its
/// tickets linked to it (no scope, provider staff: all affected services).
fn services_seen(
    conn: &mut Conn,
    scope: Option<&CustomerNumber>,
    major: &MajorIncident,
) -> Result<Vec<String>, AppError> {
    let Some(scope) = scope else {
        return Ok(major
            .affected_services
            .iter()
            .map(|s| s.to_string())
            .collect());
    };
    let mut services: Vec<String> =
        crate::major_incidents::services_of(conn, major, Some(scope))?.unwrap_or_default();
    let filter = IncidentFilter {
        scope: Some(scope.clone()),
        parent: Some(major.ticket),
        order: IncidentOrder::OldestFirst,
        ..Default::default()
    };
    for child in incidents::list(conn, &filter, None, 100)?.items {
        let id = child.service_id.to_string();
        if !services.contains(&id) {
            services.push(id);
        }
    }
    Ok(services)
}

/// A major incident that concerns `buyer` (see [`buyer_scope`]).
pub fn get_incident(
    conn: &mut Conn,
    caller: &Caller,
    ticket: TicketRef,
    buyer: Option<CustomerNumber>,
) -> Result<IncidentView, AppError> {
    let scope = buyer_scope(caller, buyer);
    let major = major_incidents::get_visible(conn, ticket, scope.as_ref())?;
    let services = services_seen(conn, scope.as_ref(), &major)?;
    let updates = major_incidents::updates(conn, &major)?;
    Ok(IncidentView {
        major,
        services,
        updates,
    })
}

/// How many major incidents a list reads at most before filtering by MEF 124's attributes.
pub const INCIDENTS_READ: usize = 1000;

/// Every major incident that concerns `buyer` (see [`buyer_scope`]; none: every one), active
/// or resolved, newest first (at most [`INCIDENTS_READ`]).
pub fn list_incidents(
    conn: &mut Conn,
    buyer: Option<&CustomerNumber>,
) -> Result<Vec<MajorIncident>, AppError> {
    let filter = MajorFilter {
        scope: buyer.cloned(),
        status: None,
    };
    let mut majors = Vec::new();
    let mut after = None;
    loop {
        let page = major_incidents::list(conn, &filter, after, 200)?;
        majors.extend(page.items);
        match page.next_cursor {
            Some(next) if majors.len() < INCIDENTS_READ => after = Some(next),
            _ => break,
        }
    }
    majors.truncate(INCIDENTS_READ);
    Ok(majors)
}

/// `buyer`'s view of each of `majors` (from [`list_incidents`]): the services it sees and the
/// updates.
pub fn incident_views(
    conn: &mut Conn,
    buyer: Option<&CustomerNumber>,
    majors: Vec<MajorIncident>,
) -> Result<Vec<IncidentView>, AppError> {
    majors
        .into_iter()
        .map(|major| {
            let services = services_seen(conn, buyer, &major)?;
            let updates = major_incidents::updates(conn, &major)?;
            Ok(IncidentView {
                major,
                services,
                updates,
            })
        })
        .collect()
}
