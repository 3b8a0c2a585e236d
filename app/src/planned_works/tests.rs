//! The planned-work use cases' rule paths: who, notice, and who hears about what.

use chrono::Duration;
use domain::{DomainError, EventType, Reason, Role, ServiceId, WorkChanges, WorkStatus};

use super::*;
use crate::testing::{caller, fixture, now, other_company, Fixture};
use crate::AppError;

fn propose_in(f: &Fixture, days: i64, services: &[&str]) -> domain::PlannedWork {
    let start = now() + Duration::days(days);
    f.run(|conn, _| {
        propose(
            conn,
            &caller(Role::ChangeManager),
            ProposeWork {
                title: "Router upgrade".into(),
                description: "LON-CR-01".into(),
                start_at: start,
                end_at: start + Duration::hours(2),
                expected_impact: "Outage up to 15 min".into(),
                outage_minutes: Some(15),
                affected_services: services
                    .iter()
                    .map(|s| ServiceId::parse(s).unwrap())
                    .collect(),
                emergency: false,
                emergency_justification: None,
            },
            now(),
        )
    })
    .unwrap()
}

fn step_on(f: &Fixture, id: i64, s: WorkStep) -> Result<domain::PlannedWork, AppError> {
    f.run(|conn, _| step(conn, &caller(Role::ChangeManager), id, s, None, now()))
}

#[test]
fn change_managers_only_and_on_existing_services() {
    let f = fixture();
    let start = now() + Duration::days(20);
    let cmd = |services: Vec<ServiceId>| ProposeWork {
        title: "t".into(),
        description: "d".into(),
        start_at: start,
        end_at: start + Duration::hours(1),
        expected_impact: "none".into(),
        outage_minutes: None,
        affected_services: services,
        emergency: false,
        emergency_justification: None,
    };
    assert!(matches!(
        f.run(|conn, _| propose(conn, &caller(Role::Agent), cmd(vec![]), now())),
        Err(AppError::Domain(DomainError::Forbidden(_)))
    ));
    assert!(matches!(
        f.run(|conn, _| propose(
            conn,
            &caller(Role::ChangeManager),
            cmd(vec![ServiceId::parse("SVC-Z").unwrap()]),
            now()
        )),
        Err(AppError::Domain(DomainError::Invalid {
            field: "affected_service_ids",
            ..
        }))
    ));
}

#[test]
fn scheduling_needs_ten_days_notice_and_tells_each_customer() {
    let f = fixture();
    let soon = propose_in(&f, 3, &["SVC-A"]);
    let err = step_on(&f, soon.id, WorkStep::Schedule).unwrap_err();
    assert!(matches!(
        err,
        AppError::Domain(DomainError::Refused {
            reason: Reason::InsufficientNotice { .. },
            ..
        })
    ));
    assert!(f.events().is_empty(), "a refusal tells no one");
    let work = propose_in(&f, 20, &["SVC-A", "SVC-B"]);
    assert!(f.events().is_empty(), "proposals are not announced");
    assert_eq!(
        step_on(&f, work.id, WorkStep::Schedule).unwrap().status,
        WorkStatus::Scheduled
    );
    assert_eq!(
        f.events(),
        [
            EventType::PlannedWorkScheduled,
            EventType::PlannedWorkScheduled
        ],
        "one per affected company"
    );
    // Each company sees only its own services of the work.
    let (_, services) = f
        .store
        .read(|conn| get(conn, &other_company(), work.id))
        .unwrap();
    assert_eq!(services, ["SVC-B"]);
}

#[test]
fn customers_never_see_proposals_and_cancelling_one_tells_no_one() {
    let f = fixture();
    let work = propose_in(&f, 20, &["SVC-A"]);
    assert!(matches!(
        f.store
            .read(|conn| get(conn, &caller(Role::CustomerUser), work.id)),
        Err(AppError::NotFound(_))
    ));
    step_on(
        &f,
        work.id,
        WorkStep::Cancel {
            reason: "not needed".into(),
        },
    )
    .unwrap();
    assert!(f.events().is_empty());
}

#[test]
fn an_update_of_a_scheduled_work_is_announced_and_keeps_the_notice() {
    let f = fixture();
    let work = propose_in(&f, 20, &["SVC-A"]);
    step_on(&f, work.id, WorkStep::Schedule).unwrap();
    let too_soon = WorkChanges {
        start_at: Some(now() + Duration::days(1)),
        end_at: Some(now() + Duration::days(1) + Duration::hours(1)),
        ..Default::default()
    };
    assert!(step_on(&f, work.id, WorkStep::Update(too_soon)).is_err());
    let retitled = WorkChanges {
        title: Some("Router upgrade, phase 2".into()),
        ..Default::default()
    };
    let updated = step_on(&f, work.id, WorkStep::Update(retitled)).unwrap();
    assert_eq!(updated.title, "Router upgrade, phase 2");
    assert_eq!(f.events().last(), Some(&EventType::PlannedWorkUpdated));
    // A stale If-Match changes nothing.
    assert!(matches!(
        f.run(|conn, _| step(
            conn,
            &caller(Role::ChangeManager),
            work.id,
            WorkStep::Start,
            Some(1),
            now()
        )),
        Err(AppError::PreconditionFailed(_))
    ));
}
