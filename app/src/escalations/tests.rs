//! The escalation use case's rule paths: one level at a time, and not during a crisis.

use domain::{DomainError, EscalatingPerson, EventType, Reason, Role, ServiceId, Severity};

use super::*;
use crate::testing::{caller, fixture, now, raise_cmd};
use crate::AppError;

fn person() -> EscalatingPerson {
    EscalatingPerson {
        name: "Jane Doe".into(),
        job_title: "IT Director".into(),
        phone: "+44 20 7946 0123".into(),
    }
}

fn reason(err: AppError) -> Option<Reason> {
    match err {
        AppError::Domain(DomainError::Refused { reason, .. }) => Some(reason),
        _ => None,
    }
}

#[test]
fn escalations_climb_one_level_and_name_whom_to_call() {
    let f = fixture();
    let ticket = f
        .run(|conn, ctx| {
            crate::incidents::raise(
                conn,
                &caller(Role::CustomerUser),
                raise_cmd("SVC-A"),
                ctx,
                now(),
            )
        })
        .unwrap()
        .ticket;
    let escalate_to = |level| {
        f.run(|conn, ctx| {
            escalate(
                conn,
                &caller(Role::CustomerUser),
                Escalate {
                    ticket,
                    level,
                    reason: "No estimate".into(),
                    escalated_by: person(),
                },
                ctx,
                now(),
            )
        })
    };
    assert_eq!(
        reason(escalate_to(Some(3)).unwrap_err()),
        Some(Reason::EscalationOutOfSequence)
    );
    let first = escalate_to(None).unwrap();
    assert_eq!(first.level, 1);
    assert!(!first.contact.phone.is_empty());
    assert_eq!(f.events().last(), Some(&EventType::IncidentEscalated));
    let history = f
        .store
        .read(|conn| history(conn, &caller(Role::CustomerUser), ticket))
        .unwrap();
    assert_eq!(history.len(), 1);
}

#[test]
fn a_child_of_an_active_major_incident_is_not_escalated() {
    let f = fixture();
    let major = f
        .run(|conn, ctx| {
            crate::major_incidents::raise(
                conn,
                &caller(Role::Agent),
                crate::major_incidents::RaiseMajorIncident {
                    summary: "Fibre cut".into(),
                    description: "d".into(),
                    severity: Severity::Critical,
                    region: None,
                    started_at: None,
                    affected_services: vec![ServiceId::parse("SVC-A").unwrap()],
                    incident_manager_email: Some("incident_manager@test.example".into()),
                    next_update_by: None,
                    estimated_restoration_at: None,
                },
                ctx,
                now(),
            )
        })
        .unwrap();
    let child = f
        .run(|conn, ctx| {
            crate::incidents::raise(
                conn,
                &caller(Role::CustomerUser),
                raise_cmd("SVC-A"),
                ctx,
                now(),
            )
        })
        .unwrap();
    assert_eq!(child.parent_ticket, Some(major.ticket));
    let err = f
        .run(|conn, ctx| {
            escalate(
                conn,
                &caller(Role::CustomerUser),
                Escalate {
                    ticket: child.ticket,
                    level: None,
                    reason: "urgent".into(),
                    escalated_by: person(),
                },
                ctx,
                now(),
            )
        })
        .unwrap_err();
    assert_eq!(
        reason(err),
        Some(Reason::CrisisProcessActive {
            major_incident: major.ticket,
            incident_manager: Some("incident_manager@test.example".into()),
        })
    );
}

#[test]
fn only_admins_replace_the_matrix() {
    let f = fixture();
    let matrix = f.store.read(matrix).unwrap();
    assert!(matches!(
        f.run(|conn, _| replace_matrix(conn, &caller(Role::IncidentManager), &matrix, now())),
        Err(AppError::Domain(DomainError::Forbidden(_)))
    ));
    assert!(f
        .run(|conn, _| replace_matrix(conn, &caller(Role::Admin), &matrix, now()))
        .is_ok());
}
