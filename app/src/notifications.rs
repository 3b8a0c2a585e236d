//! Notifications (R-CON2–4): every event in the outbox becomes one delivery per recipient — an
//! email to each contact of its company subscribed to its category, a POST to each webhook or
//! hub listener that wants it — then deliveries are claimed with a lease, attempted by the
//! dispatcher, and recorded. Safe with several instances (see the repositories' locking).

use chrono::{DateTime, Duration, Utc};
use domain::account::normalize_email;
use domain::notification::{category_of, matches_event};
use domain::EventType;
use persistence::events::{self, Event};
use persistence::outbox;
use persistence::webhooks::{self, Subscription};
use persistence::{contacts, StoreError};

use crate::{AppError, Conn, Ctx};

pub use persistence::outbox::{Attempt, Channel, Delivery};

/// Expands up to `limit` new events into their deliveries. Returns how many events it expanded.
pub fn expand(conn: &mut Conn, limit: i64, now: DateTime<Utc>) -> Result<usize, AppError> {
    let new = events::claim_undispatched(conn, limit)?;
    for event in &new {
        if event.event_type.is_internal() {
            match event.event_type {
                EventType::ContactConfirmationRequested => confirmation_mail(conn, event, now)?,
                EventType::RegistrationVerificationRequested => {
                    verification_mail(conn, event, now)?
                }
                EventType::RegistrationAwaitingApproval => approvers_mail(conn, event, now)?,
                EventType::PasswordResetRequested | EventType::PasswordChanged => {
                    account_mail(conn, event, now)?
                }
                EventType::ServiceReportMonthly => report_mails(conn, event, now)?,
                _ => {}
            }
            events::mark_dispatched(conn, event.id, now)?;
            continue;
        }
        if let (Some(customer), Some(category)) =
            (&event.customer_number, category_of(event.event_type))
        {
            for contact in contacts::all_of(conn, customer)? {
                if contact.receives(category) {
                    outbox::insert_delivery(
                        conn,
                        event.id,
                        Channel::Email,
                        &contact.email,
                        None,
                        now,
                    )?;
                }
            }
        }
        let mut receivers = webhooks::receivers(conn, event.customer_number.as_deref())?;
        receivers.extend(sonata_buyers_concerned(conn, event)?);
        for sub in receivers {
            if wants(&sub, event) {
                outbox::insert_delivery(
                    conn,
                    event.id,
                    Channel::Webhook,
                    &sub.url,
                    Some(sub.id),
                    now,
                )?;
            }
        }
        events::mark_dispatched(conn, event.id, now)?;
    }
    Ok(new.len())
}

/// The monthly service report: to each contact of its company who receives service reports
/// (subscribed, address confirmed) when it is expanded.
fn report_mails(conn: &mut Conn, event: &Event, now: DateTime<Utc>) -> Result<(), AppError> {
    let Some(customer) = &event.customer_number else {
        return Ok(());
    };
    for contact in contacts::all_of(conn, customer)? {
        if contact.receives(domain::notification::Category::ServiceReports) {
            outbox::insert_delivery(conn, event.id, Channel::Email, &contact.email, None, now)?;
        }
    }
    Ok(())
}

/// The confirmation mail a contact's address is owed: to that address, when the contact still
/// has it and has not confirmed it meanwhile.
fn confirmation_mail(conn: &mut Conn, event: &Event, now: DateTime<Utc>) -> Result<(), AppError> {
    let Some(id) = event.payload["contact_id"].as_i64() else {
        return Ok(());
    };
    let asked = event.payload["email"].as_str().unwrap_or_default();
    let contact = match contacts::get(conn, id, None) {
        Ok(c) => c,
        Err(StoreError::NotFound(_)) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    if contact.confirmed_at.is_none() && normalize_email(&contact.email) == normalize_email(asked) {
        outbox::insert_delivery(conn, event.id, Channel::Email, &contact.email, None, now)?;
    }
    Ok(())
}

/// The account an account event is about, while it still exists and still has the address
/// the event was for (a changed address voids what was mailed for the old one).
fn account_of(conn: &mut Conn, event: &Event) -> Result<Option<domain::User>, AppError> {
    let Some(id) = event.payload["user_id"].as_i64() else {
        return Ok(None);
    };
    let asked = event.payload["email"].as_str().unwrap_or_default();
    match persistence::accounts::get_user_in(conn, id, None) {
        Ok(user) if normalize_email(&user.email) == normalize_email(asked) => Ok(Some(user)),
        Ok(_) | Err(StoreError::NotFound(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The verification mail a registration is owed: to its address, while it is pending and
/// unverified.
fn verification_mail(conn: &mut Conn, event: &Event, now: DateTime<Utc>) -> Result<(), AppError> {
    if let Some(user) = account_of(conn, event)? {
        if user.status == domain::AccountStatus::Pending && user.email_verified_at.is_none() {
            outbox::insert_delivery(conn, event.id, Channel::Email, &user.email, None, now)?;
        }
    }
    Ok(())
}

/// The approvers of a registration that awaits them: its company's customer admins (or the
/// provider's admins when it has none), while it is still pending.
fn approvers_mail(conn: &mut Conn, event: &Event, now: DateTime<Utc>) -> Result<(), AppError> {
    let Some(user) = account_of(conn, event)? else {
        return Ok(());
    };
    let (domain::AccountStatus::Pending, Some(customer)) = (user.status, &user.customer_number)
    else {
        return Ok(());
    };
    for approver in persistence::accounts::approvers_of(conn, customer)? {
        outbox::insert_delivery(conn, event.id, Channel::Email, &approver, None, now)?;
    }
    Ok(())
}

/// A reset code or a notice that the password changed: to the account's address, while the
/// account is active.
fn account_mail(conn: &mut Conn, event: &Event, now: DateTime<Utc>) -> Result<(), AppError> {
    if let Some(user) = account_of(conn, event)? {
        if user.status == domain::AccountStatus::Active {
            outbox::insert_delivery(conn, event.id, Channel::Email, &user.email, None, now)?;
        }
    }
    Ok(())
}

/// The provider's own record of a major incident (raised, updated, resolved) is news for every
/// company it concerns (R-MNI5): the MEF 124 listeners of those companies receive it as an
/// incident notification. Other events reach companies' listeners through their company.
fn sonata_buyers_concerned(conn: &mut Conn, event: &Event) -> Result<Vec<Subscription>, AppError> {
    let (EventType::MajorIncidentUpdated, None, Some(number)) = (
        event.event_type,
        &event.customer_number,
        event.ticket_number,
    ) else {
        return Ok(Vec::new());
    };
    let ticket = domain::TicketRef::from_number(number)
        .map_err(|e| AppError::Internal(format!("stored ticket number: {e}")))?;
    let mut concerned = Vec::new();
    for sub in webhooks::of_companies_in_format(conn, webhooks::MEF124)? {
        let Some(company) = &sub.customer_number else {
            continue;
        };
        match persistence::major_incidents::get_visible(conn, ticket, Some(company)) {
            Ok(_) => concerned.push(sub),
            Err(StoreError::NotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(concerned)
}

/// Whether `sub` receives `event`: by its patterns, or for a hub listener, when the event is
/// one of the standard's notifications it asked for (internal events are neither).
pub fn wants(sub: &Subscription, event: &Event) -> bool {
    match sub.format.as_str() {
        webhooks::MEF124 => sonata_event_type(sub, event).is_some(),
        f if webhooks::LISTENER_FORMATS.contains(&f) => tmf621_event_type(sub, event).is_some(),
        _ => matches_event(&sub.event_types, event.event_type),
    }
}

/// The MEF 124 notification `event` is for the Sonata listener `sub`, if any. A provider's
/// record of a major incident (no company) is about the incident; a company's copy of it is
/// news on that company's child ticket.
pub fn sonata_event_type(sub: &Subscription, event: &Event) -> Option<&'static str> {
    let payload = &event.payload;
    let status = |key: &str| {
        payload[key]
            .as_str()
            .and_then(|s| s.parse::<domain::IncidentStatus>().ok())
    };
    let (before, after) = (status("previous_status"), status("status"));
    let sonata = |s: domain::IncidentStatus| domain::mef::ticket_status(s, false, false);
    let moved = matches!((before, after), (Some(b), Some(a)) if sonata(b) != sonata(a));
    let asked = payload["cancellation_requested"].as_bool() == Some(true);
    let happening = domain::mef::happening_of(
        event.event_type,
        moved || asked,
        after,
        event.customer_number.is_none(),
        payload["raised"].as_bool() == Some(true),
        payload["incident_status_changed"].as_bool() == Some(true),
    )?;
    domain::mef::event_for(happening, &sub.event_types)
}

/// The TMF621 notification `event` is for the TMF621 listener `sub` (v4 or v5), if any.
pub fn tmf621_event_type(sub: &Subscription, event: &Event) -> Option<&'static str> {
    let status = |key: &str| {
        event.payload[key]
            .as_str()
            .and_then(|s| s.parse::<domain::IncidentStatus>().ok())
    };
    let (before, after) = (status("previous_status"), status("status"));
    // A move TMF621 cannot see (new → acknowledged) is not a status change there.
    let changed = matches!((before, after), (Some(b), Some(a))
        if domain::tmf::TmfStatus::of(b) != domain::tmf::TmfStatus::of(a));
    domain::tmf::event_for(
        event.event_type,
        changed,
        event.payload["status"].as_str(),
        &sub.event_types,
    )
}

/// Claims up to `limit` due deliveries for `lease`, each with its event.
pub fn claim(
    conn: &mut Conn,
    limit: i64,
    lease: Duration,
    now: DateTime<Utc>,
) -> Result<Vec<(Delivery, Event)>, AppError> {
    let claimed = outbox::claim_due(conn, limit, lease, now)?;
    let ids: Vec<i64> = claimed.iter().map(|d| d.event_id).collect();
    let events = events::by_ids(conn, &ids)?;
    claimed
        .into_iter()
        .map(|d| {
            let event = events
                .iter()
                .find(|e| e.id == d.event_id)
                .cloned()
                .ok_or_else(|| AppError::Internal(format!("event {} missing", d.event_id)))?;
            Ok((d, event))
        })
        .collect()
}

/// The subscription a webhook delivery goes to; `None` when it was deleted meanwhile.
pub fn target_of(conn: &mut Conn, delivery: &Delivery) -> Result<Option<Subscription>, AppError> {
    let Some(id) = delivery.subscription_id else {
        return Ok(None);
    };
    match webhooks::get(conn, id, None) {
        Ok(s) => Ok(Some(s)),
        Err(StoreError::NotFound(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Records an attempt: delivered, retried later with backoff, or failed for good. Returns the
/// delivery's status after it.
pub fn record_attempt(
    conn: &mut Conn,
    delivery_id: i64,
    attempt: &Attempt,
    ctx: &Ctx,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    Ok(outbox::record_attempt(
        conn,
        delivery_id,
        attempt,
        ctx.delivery_max_attempts,
        ctx.delivery_retry_base,
        now,
    )?
    .status)
}

/// Keeps an email that cannot be sent yet (no SMTP configured).
pub fn hold(conn: &mut Conn, delivery_id: i64, note: &str) -> Result<(), AppError> {
    Ok(outbox::hold(conn, delivery_id, note)?)
}

/// Queues the kept emails again (SMTP is configured now).
pub fn release_held(conn: &mut Conn, now: DateTime<Utc>) -> Result<usize, AppError> {
    Ok(outbox::release_held(conn, now)?)
}

/// Hands back claimed deliveries not attempted (the dispatcher is stopping).
pub fn release_claims(conn: &mut Conn, ids: &[i64]) -> Result<usize, AppError> {
    Ok(outbox::release_claims(conn, ids)?)
}
