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

#[test]
fn works_remind_start_and_complete_on_their_own_once() {
    let f = fixture();
    let work = propose_in(&f, 15, &["SVC-A"]);
    step_on(&f, work.id, WorkStep::Schedule).unwrap();
    let lead = Duration::hours(48);
    let (start, end) = (work.start_at, work.end_at);
    let count = |t: EventType| f.events().iter().filter(|e| **e == t).count();
    // Three days before: not yet; a day before: once, however often the job runs.
    let early = start - Duration::days(3);
    assert!(f
        .run(|conn, _| jobs::due_reminders(conn, lead, early, 10))
        .unwrap()
        .is_empty());
    let day_before = start - Duration::days(1);
    let due = f
        .run(|conn, _| jobs::due_reminders(conn, lead, day_before, 10))
        .unwrap();
    assert_eq!(due, vec![work.id]);
    assert!(f
        .run(|conn, _| jobs::remind(conn, work.id, day_before))
        .unwrap());
    assert!(!f
        .run(|conn, _| jobs::remind(conn, work.id, day_before))
        .unwrap());
    assert!(f
        .run(|conn, _| jobs::due_reminders(conn, lead, day_before, 10))
        .unwrap()
        .is_empty());
    assert_eq!(count(EventType::PlannedWorkReminder), 1);
    // Moved to a later start, it is reminded again for that one.
    let moved = step_on(
        &f,
        work.id,
        WorkStep::Update(WorkChanges {
            start_at: Some(start + Duration::days(1)),
            end_at: Some(end + Duration::days(1)),
            ..Default::default()
        }),
    )
    .unwrap();
    let (start, end) = (moved.start_at, moved.end_at);
    let due = f
        .run(|conn, _| jobs::due_reminders(conn, lead, start - Duration::days(1), 10))
        .unwrap();
    assert_eq!(due, vec![work.id]);

    // At its start it begins, at its end it completes; nothing before, nothing twice.
    let advance = |at| f.run(|conn, _| jobs::advance(conn, work.id, at)).unwrap();
    assert!(!advance(start - Duration::minutes(1)));
    assert!(f
        .run(|conn, _| jobs::due_steps(conn, start - Duration::minutes(1), 10))
        .unwrap()
        .is_empty());
    assert_eq!(
        f.run(|conn, _| jobs::due_steps(conn, start, 10)).unwrap(),
        vec![work.id]
    );
    assert!(advance(start));
    assert!(!advance(start + Duration::minutes(1)));
    assert!(advance(end));
    assert!(!advance(end + Duration::hours(1)));
    let done = f
        .run(|conn, _| get(conn, &caller(Role::ChangeManager), work.id))
        .unwrap();
    assert_eq!(done.0.status, WorkStatus::Completed);
    assert_eq!(count(EventType::PlannedWorkStarted), 1);
    assert_eq!(count(EventType::PlannedWorkCompleted), 1);

    // A change manager who starts a work early acts first; a work whose whole window passed
    // unattended starts and completes in one go; a cancelled one never moves.
    let early_start = propose_in(&f, 15, &["SVC-A"]);
    step_on(&f, early_start.id, WorkStep::Schedule).unwrap();
    step_on(&f, early_start.id, WorkStep::Start).unwrap();
    assert!(!f
        .run(|conn, _| jobs::advance(conn, early_start.id, early_start.start_at))
        .unwrap());
    let unattended = propose_in(&f, 16, &["SVC-A"]);
    step_on(&f, unattended.id, WorkStep::Schedule).unwrap();
    assert!(f
        .run(|conn, _| jobs::advance(conn, unattended.id, unattended.end_at))
        .unwrap());
    assert_eq!(count(EventType::PlannedWorkCompleted), 2);
    let cancelled = propose_in(&f, 17, &["SVC-A"]);
    step_on(&f, cancelled.id, WorkStep::Schedule).unwrap();
    step_on(
        &f,
        cancelled.id,
        WorkStep::Cancel {
            reason: "no longer needed".into(),
        },
    )
    .unwrap();
    assert!(f
        .run(|conn, _| jobs::due_steps(conn, cancelled.end_at, 10))
        .unwrap()
        .iter()
        .all(|id| *id != cancelled.id));
}
