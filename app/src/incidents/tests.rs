//! The incident use cases' rule paths, on a real (SQLite) store.

use domain::{
    DomainError, EventType, IncidentStatus, Priority, Reason, Resolution, Role, TicketRef,
    Visibility,
};

use super::*;
use crate::testing::{caller, fixture, now, other_company, raise_cmd};
use crate::AppError;

fn reason(err: AppError) -> Option<Reason> {
    match err {
        AppError::Domain(DomainError::Refused { reason, .. }) => Some(reason),
        _ => None,
    }
}

fn forbidden(r: Result<impl std::fmt::Debug, AppError>) -> bool {
    matches!(r, Err(AppError::Domain(DomainError::Forbidden(_))))
}

fn raised(f: &crate::testing::Fixture) -> TicketRef {
    f.run(|conn, ctx| {
        raise(
            conn,
            &caller(Role::CustomerUser),
            raise_cmd("SVC-A"),
            ctx,
            now(),
        )
    })
    .unwrap()
    .ticket
}

fn move_to(f: &crate::testing::Fixture, ticket: TicketRef, to: IncidentStatus) {
    let resolution = (to == IncidentStatus::Resolved).then(|| Resolution {
        cause: "Fibre cut".into(),
        fix: "Spliced".into(),
    });
    f.run(|conn, ctx| {
        transition(
            conn,
            &caller(Role::Agent),
            Transition {
                ticket,
                to,
                reason: Some("why".into()),
                resolution,
                expected_version: None,
            },
            ctx,
            now(),
        )
    })
    .unwrap();
}

#[test]
fn raise_needs_the_permission_and_an_own_service() {
    let f = fixture();
    let change_manager = caller(Role::ChangeManager);
    assert!(forbidden(f.run(|conn, ctx| raise(
        conn,
        &change_manager,
        raise_cmd("SVC-A"),
        ctx,
        now()
    ))));
    // Another company's service reads like one that does not exist.
    let err = f
        .run(|conn, ctx| raise(conn, &other_company(), raise_cmd("SVC-A"), ctx, now()))
        .unwrap_err();
    assert!(matches!(
        err,
        AppError::Domain(DomainError::Invalid {
            field: "service",
            ..
        })
    ));
    let incident = f
        .run(|conn, ctx| {
            raise(
                conn,
                &caller(Role::CustomerUser),
                raise_cmd("SVC-A"),
                ctx,
                now(),
            )
        })
        .unwrap();
    assert_eq!(incident.status, IncidentStatus::New);
    assert_eq!(incident.priority, Priority::P1);
    // The desk raises on anyone's service.
    f.run(|conn, ctx| raise(conn, &caller(Role::Agent), raise_cmd("SVC-B"), ctx, now()))
        .unwrap();
    assert_eq!(
        f.events(),
        [EventType::IncidentCreated, EventType::IncidentCreated]
    );
}

#[test]
fn the_desk_moves_tickets_and_the_customer_hears_with_the_status_left() {
    let f = fixture();
    let ticket = raised(&f);
    let customer = caller(Role::CustomerUser);
    let r = f.run(|conn, ctx| {
        transition(
            conn,
            &customer,
            Transition {
                ticket,
                to: IncidentStatus::Acknowledged,
                reason: None,
                resolution: None,
                expected_version: None,
            },
            ctx,
            now(),
        )
    });
    assert!(forbidden(r), "customers do not move tickets");
    move_to(&f, ticket, IncidentStatus::Acknowledged);
    let entries = f
        .store
        .read(|conn| timeline(conn, &customer, ticket, None, 10))
        .unwrap()
        .items;
    let moved = entries[0].status.as_ref().expect("a status change as data");
    assert_eq!(
        (moved.from, moved.to),
        (IncidentStatus::New, IncidentStatus::Acknowledged)
    );
    assert_eq!(f.events().last(), Some(&EventType::IncidentUpdated));
    // An illegal move changes nothing.
    let err = f
        .run(|conn, ctx| {
            transition(
                conn,
                &caller(Role::Agent),
                Transition {
                    ticket,
                    to: IncidentStatus::Closed,
                    reason: None,
                    resolution: None,
                    expected_version: None,
                },
                ctx,
                now(),
            )
        })
        .unwrap_err();
    assert!(matches!(
        err,
        AppError::Domain(DomainError::Invalid {
            field: "reason",
            ..
        })
    ));
}

#[test]
fn a_stale_version_is_a_failed_precondition_and_writes_nothing() {
    let f = fixture();
    let ticket = raised(&f);
    let before = f.events().len();
    let err = f
        .run(|conn, ctx| {
            close(
                conn,
                &caller(Role::CustomerUser),
                CloseIncident {
                    ticket,
                    reason: "fixed".into(),
                    expected_version: Some(7),
                },
                ctx,
                now(),
            )
        })
        .unwrap_err();
    assert!(matches!(err, AppError::PreconditionFailed(_)));
    assert_eq!(f.events().len(), before);
}

#[test]
fn another_company_cannot_find_the_ticket() {
    let f = fixture();
    let ticket = raised(&f);
    let err = f
        .run(|conn, ctx| {
            close(
                conn,
                &other_company(),
                CloseIncident {
                    ticket,
                    reason: "hijack".into(),
                    expected_version: None,
                },
                ctx,
                now(),
            )
        })
        .unwrap_err();
    assert!(matches!(err, AppError::NotFound("incident")));
    assert!(matches!(
        f.store.read(|conn| get(conn, &other_company(), ticket)),
        Err(AppError::NotFound(_))
    ));
}

#[test]
fn only_resolved_tickets_reopen() {
    let f = fixture();
    let ticket = raised(&f);
    let reopen_it = |f: &crate::testing::Fixture| {
        f.run(|conn, ctx| {
            reopen(
                conn,
                &caller(Role::CustomerUser),
                ReopenIncident {
                    ticket,
                    reason: "still down".into(),
                    expected_version: None,
                },
                ctx,
                now(),
            )
        })
    };
    assert_eq!(
        reason(reopen_it(&f).unwrap_err()),
        Some(Reason::IllegalTransition)
    );
    for to in [
        IncidentStatus::Acknowledged,
        IncidentStatus::InProgress,
        IncidentStatus::Resolved,
    ] {
        move_to(&f, ticket, to);
    }
    assert_eq!(reopen_it(&f).unwrap().status, IncidentStatus::InProgress);
}

#[test]
fn customers_write_public_notes_only_and_final_tickets_take_none() {
    let f = fixture();
    let ticket = raised(&f);
    let note = |who: domain::Caller, visibility| {
        f.run(|conn, ctx| {
            post_note(
                conn,
                &who,
                PostNote {
                    ticket,
                    text: "site access from 10:00".into(),
                    visibility,
                },
                ctx,
                now(),
            )
        })
    };
    assert!(matches!(
        note(caller(Role::CustomerUser), Visibility::Internal),
        Err(AppError::Domain(DomainError::Invalid {
            field: "visibility",
            ..
        }))
    ));
    assert!(note(caller(Role::Agent), Visibility::Internal).is_ok());
    // An internal note is not the customer's business: no event for it.
    assert_eq!(f.events(), [EventType::IncidentCreated]);
    f.run(|conn, ctx| {
        close(
            conn,
            &caller(Role::CustomerUser),
            CloseIncident {
                ticket,
                reason: "fine".into(),
                expected_version: None,
            },
            ctx,
            now(),
        )
    })
    .unwrap();
    assert_eq!(
        reason(note(caller(Role::CustomerUser), Visibility::Public).unwrap_err()),
        Some(Reason::TicketFinal)
    );
}

#[test]
fn assignees_must_be_active_desk_accounts() {
    let f = fixture();
    let ticket = raised(&f);
    let assign = |email: &str| {
        f.run(|conn, ctx| {
            update(
                conn,
                &caller(Role::Agent),
                UpdateIncident {
                    ticket,
                    priority: Some(Priority::P2),
                    assignee_email: Some(Some(email.into())),
                    expected_version: None,
                },
                ctx,
                now(),
            )
        })
    };
    assert!(matches!(
        assign("customer_user@test.example"),
        Err(AppError::Field {
            field: "assignee_email",
            code: "unknown",
            ..
        })
    ));
    let incident = assign("agent@test.example").unwrap();
    assert_eq!(
        incident.assignee_email.as_deref(),
        Some("agent@test.example")
    );
    assert_eq!(incident.priority, Priority::P2);
}

#[test]
fn resolved_tickets_close_themselves_after_the_period() {
    let f = fixture();
    let ticket = raised(&f);
    for to in [
        IncidentStatus::Acknowledged,
        IncidentStatus::InProgress,
        IncidentStatus::Resolved,
    ] {
        move_to(&f, ticket, to);
    }
    let later = now() + f.ctx.auto_close_after + chrono::Duration::minutes(1);
    let due = f
        .store
        .read(|conn| due_for_auto_close(conn, &f.ctx, now(), 10))
        .unwrap();
    assert!(due.is_empty(), "not yet");
    let due = f
        .store
        .read(|conn| due_for_auto_close(conn, &f.ctx, later, 10))
        .unwrap();
    assert_eq!(due, [ticket]);
    assert!(f
        .run(|conn, ctx| auto_close(conn, ticket, ctx, later))
        .unwrap());
    // Closed already: a second instance racing for it skips it.
    assert!(!f
        .run(|conn, ctx| auto_close(conn, ticket, ctx, later))
        .unwrap());
}

/// What both batch tests expect of `outcomes` (raise 0 failed after writing, raise 1 named
/// another company's service, the rest were valid): one batch carried them all and the writer's
/// one before them, it kept exactly the valid raises, and no ticket number was lost.
fn one_batch_kept_the_good_raises(
    f: &crate::testing::Fixture,
    before: persistence::WriterStats,
    outcomes: &[Result<TicketRef, AppError>],
) {
    let good = outcomes.len() - 2;
    assert!(outcomes[0].is_err(), "the raise failing after its writes");
    assert!(
        matches!(
            outcomes[1],
            Err(AppError::Domain(DomainError::Invalid { .. }))
        ),
        "another company's service: {:?}",
        outcomes[1]
    );
    let mut tickets: Vec<u64> = outcomes[2..]
        .iter()
        .map(|r| r.as_ref().expect("the valid raises commit").number() as u64)
        .collect();
    let after = f.store.writer_stats().unwrap();
    assert_eq!(after.writes - before.writes, good as u64 + 3);
    assert_eq!(after.batches - before.batches, 1, "one commit for all");
    // A raise after the batch: no number was lost to the failed one.
    tickets.push(raised(f).number() as u64);
    tickets.sort_unstable();
    assert_eq!(
        tickets.last().unwrap() - tickets[0],
        good as u64,
        "{tickets:?}"
    );
    let stored = f
        .store
        .read(|conn| {
            Ok(persistence::incidents::count(
                conn,
                &persistence::incidents::IncidentFilter::default(),
            )?)
        })
        .unwrap();
    assert_eq!(stored as usize, good + 1);
    assert_eq!(f.events_of(EventType::IncidentCreated).len(), good + 1);
}

/// Issue 17: on SQLite the raises that queue up behind a running write share its commit, yet
/// each keeps its own outcome. One fails after writing (its ticket number and row are undone),
/// one names no service of the caller's; the eight others commit, all in one batch.
#[test]
fn raises_that_queue_up_share_one_commit_and_a_failing_one_writes_nothing() {
    const GOOD: usize = 8;
    let f = fixture();
    let before = f.store.writer_stats().expect("SQLite groups its writes");
    let customer = caller(Role::CustomerUser);
    let f = &f;
    let outcomes = std::thread::scope(|s| {
        // The first write holds the writer until every raise waits behind it.
        let (holding, held) = std::sync::mpsc::channel();
        let holder = s.spawn(move || {
            f.store.write(|_| {
                holding.send(()).unwrap();
                while f.store.queued_writes() < GOOD + 2 {
                    std::thread::yield_now();
                }
                Ok(())
            })
        });
        held.recv().unwrap();
        let mut raises = Vec::new();
        for i in 0..GOOD + 2 {
            let customer = customer.clone();
            raises.push(s.spawn(move || {
                f.run(|conn, ctx| {
                    let service = if i == 1 { "SVC-B" } else { "SVC-A" };
                    let incident = raise(conn, &customer, raise_cmd(service), ctx, now())?;
                    if i == 0 {
                        // Fails after it wrote its ticket, its event and took a number.
                        return Err(AppError::invalid("summary", "refused after writing"));
                    }
                    Ok(incident.ticket)
                })
            }));
        }
        holder.join().unwrap().unwrap();
        raises
            .into_iter()
            .map(|r| r.join().unwrap())
            .collect::<Vec<_>>()
    });
    one_batch_kept_the_good_raises(f, before, &outcomes);
}

/// Issue 17: the same through `Store::submit` (the API's requests): the writer thread runs the
/// queued raises back to back in the batch it finds open, and answers each after the commit.
#[test]
fn submitted_raises_share_the_open_batch_and_a_failing_one_writes_nothing() {
    const GOOD: usize = 8;
    let f = fixture();
    let before = f.store.writer_stats().expect("SQLite groups its writes");
    let (answer, answers) = std::sync::mpsc::channel();
    let f = &f;
    f.store
        .write(|_| {
            for i in 0..GOOD + 2 {
                let (customer, ctx, answer) =
                    (caller(Role::CustomerUser), f.ctx.clone(), answer.clone());
                f.store.submit(
                    move |conn| {
                        let service = if i == 1 { "SVC-B" } else { "SVC-A" };
                        let incident = raise(conn, &customer, raise_cmd(service), &ctx, now())?;
                        if i == 0 {
                            return Err(AppError::invalid("summary", "refused after writing"));
                        }
                        Ok(incident.ticket)
                    },
                    move |done| answer.send((i, done)).unwrap(),
                );
            }
            // Nothing is answered while this write holds the batch open.
            std::thread::sleep(std::time::Duration::from_millis(50));
            assert!(answers.try_recv().is_err(), "answered before the commit");
            Ok(())
        })
        .unwrap();
    let mut outcomes: Vec<_> = (0..GOOD + 2).map(|_| answers.recv().unwrap()).collect();
    outcomes.sort_by_key(|(i, _)| *i);
    let outcomes: Vec<_> = outcomes.into_iter().map(|(_, r)| r).collect();
    one_batch_kept_the_good_raises(f, before, &outcomes);
}

/// Issue 17: the event feed waits for this instance's next commit instead of sleeping out its
/// tick. A waiter is woken by a commit and told how many there were (its wait is bounded far
/// above the test's run: without the wake-up it would end with the count unchanged).
#[test]
fn a_commit_wakes_whoever_waits_for_it() {
    let f = fixture();
    // A count that is not the current one answers at once with the current one.
    let seen = f.store.wait_for_commit(u64::MAX, std::time::Duration::ZERO);
    let woken = std::thread::scope(|s| {
        let waiter = s.spawn(|| {
            f.store
                .wait_for_commit(seen, std::time::Duration::from_secs(60))
        });
        raised(&f);
        waiter.join().unwrap()
    });
    assert_eq!(woken, seen + 1);
}
