//! The major-incident use cases' rule paths: who runs them, linking, the cascade and resolution.

use domain::{DomainError, EventType, IncidentStatus, Reason, Role, ServiceId, Severity};

use super::*;
use crate::testing::{caller, fixture, now, raise_cmd, Fixture};
use crate::AppError;

fn raise_cmd_major(services: &[&str]) -> RaiseMajorIncident {
    RaiseMajorIncident {
        summary: "Fibre cut".into(),
        description: "Trunk cut near Slough".into(),
        severity: Severity::Critical,
        region: None,
        started_at: None,
        affected_services: services
            .iter()
            .map(|s| ServiceId::parse(s).unwrap())
            .collect(),
        incident_manager_email: None,
        next_update_by: None,
        estimated_restoration_at: None,
    }
}

fn reason(err: AppError) -> Option<Reason> {
    match err {
        AppError::Domain(DomainError::Refused { reason, .. }) => Some(reason),
        _ => None,
    }
}

fn ticket_on(f: &Fixture, service: &str) -> domain::Incident {
    f.run(|conn, ctx| {
        crate::incidents::raise(conn, &caller(Role::Agent), raise_cmd(service), ctx, now())
    })
    .unwrap()
}

#[test]
fn only_the_desk_raises_and_it_names_services_or_a_region() {
    let f = fixture();
    assert!(matches!(
        f.run(|conn, ctx| raise(
            conn,
            &caller(Role::CustomerAdmin),
            raise_cmd_major(&["SVC-A"]),
            ctx,
            now()
        )),
        Err(AppError::Domain(DomainError::Forbidden(_)))
    ));
    assert!(matches!(
        f.run(|conn, ctx| raise(conn, &caller(Role::Agent), raise_cmd_major(&[]), ctx, now())),
        Err(AppError::Field {
            code: "required",
            ..
        })
    ));
    assert!(matches!(
        f.run(|conn, ctx| raise(
            conn,
            &caller(Role::Agent),
            raise_cmd_major(&["SVC-Z"]),
            ctx,
            now()
        )),
        Err(AppError::Domain(DomainError::Invalid {
            field: "affected_service_ids",
            ..
        }))
    ));
    let mut with_manager = raise_cmd_major(&["SVC-A"]);
    with_manager.incident_manager_email = Some("agent@test.example".into());
    assert!(matches!(
        f.run(|conn, ctx| raise(conn, &caller(Role::Agent), with_manager, ctx, now())),
        Err(AppError::Domain(DomainError::Invalid {
            field: "incident_manager_email",
            ..
        }))
    ));
}

#[test]
fn open_tickets_join_at_raise_and_new_ones_on_raising() {
    let f = fixture();
    let waiting = ticket_on(&f, "SVC-A");
    let major = f
        .run(|conn, ctx| {
            raise(
                conn,
                &caller(Role::IncidentManager),
                raise_cmd_major(&["SVC-A"]),
                ctx,
                now(),
            )
        })
        .unwrap();
    let later = ticket_on(&f, "SVC-A");
    let other = ticket_on(&f, "SVC-B");
    let children = f
        .store
        .read(|conn| children(conn, &caller(Role::Agent), major.ticket, None, 10))
        .unwrap()
        .items;
    let linked: Vec<_> = children.iter().map(|c| c.ticket).collect();
    assert_eq!(linked, [waiting.ticket, later.ticket]);
    assert!(!linked.contains(&other.ticket));
    // A major incident cannot become a child, and a child has one parent.
    assert_eq!(
        reason(
            f.run(|conn, ctx| link_child(
                conn,
                &caller(Role::Agent),
                major.ticket,
                major.ticket,
                ctx,
                now()
            ))
            .unwrap_err()
        ),
        Some(Reason::ParentCannotBeChild)
    );
    assert_eq!(
        reason(
            f.run(|conn, ctx| link_child(
                conn,
                &caller(Role::Agent),
                major.ticket,
                later.ticket,
                ctx,
                now()
            ))
            .unwrap_err()
        ),
        Some(Reason::AlreadyLinked)
    );
}

#[test]
fn an_update_cascades_to_every_open_child_and_resolution_resolves_them() {
    let f = fixture();
    let major = f
        .run(|conn, ctx| {
            raise(
                conn,
                &caller(Role::Agent),
                raise_cmd_major(&["SVC-A"]),
                ctx,
                now(),
            )
        })
        .unwrap();
    let a = ticket_on(&f, "SVC-A");
    let b = ticket_on(&f, "SVC-A");
    let (_, reached) = f
        .run(|conn, _| {
            post_update(
                conn,
                &caller(Role::Agent),
                PostMajorUpdate {
                    major: major.ticket,
                    text: "Splicing team on site".into(),
                    next_update_by: None,
                    estimated_restoration_at: None,
                },
                now(),
            )
        })
        .unwrap();
    assert_eq!(reached, 2);
    let updates = f
        .events()
        .iter()
        .filter(|e| **e == EventType::MajorIncidentUpdated)
        .count();
    assert_eq!(
        updates, 4,
        "the provider's record of the raise, one per child and the provider's record of the update"
    );
    let (resolved, n) = f
        .run(|conn, ctx| {
            resolve(
                conn,
                &caller(Role::Agent),
                major.ticket,
                "Spliced",
                ctx,
                now(),
            )
        })
        .unwrap();
    assert!(!resolved.is_active());
    assert_eq!(n, 2);
    for child in [a.ticket, b.ticket] {
        let incident = f
            .store
            .read(|conn| crate::incidents::get(conn, &caller(Role::Agent), child))
            .unwrap();
        assert_eq!(incident.status, IncidentStatus::Resolved);
    }
    // Resolved: no more updates, and resolving again is refused.
    assert_eq!(
        reason(
            f.run(|conn, _| {
                post_update(
                    conn,
                    &caller(Role::Agent),
                    PostMajorUpdate {
                        major: major.ticket,
                        text: "late".into(),
                        next_update_by: None,
                        estimated_restoration_at: None,
                    },
                    now(),
                )
            })
            .unwrap_err()
        ),
        Some(Reason::MajorIncidentResolved)
    );
    assert_eq!(
        reason(
            f.run(|conn, ctx| resolve(
                conn,
                &caller(Role::Agent),
                major.ticket,
                "again",
                ctx,
                now()
            ))
            .unwrap_err()
        ),
        Some(Reason::IllegalTransition)
    );
}

#[test]
fn a_customer_sees_only_major_incidents_that_concern_it() {
    let f = fixture();
    let major = f
        .run(|conn, ctx| {
            raise(
                conn,
                &caller(Role::Agent),
                raise_cmd_major(&["SVC-B"]),
                ctx,
                now(),
            )
        })
        .unwrap();
    assert!(matches!(
        f.store
            .read(|conn| get(conn, &caller(Role::CustomerUser), major.ticket)),
        Err(AppError::NotFound(_))
    ));
    let (_, own) = f
        .store
        .read(|conn| get(conn, &crate::testing::other_company(), major.ticket))
        .unwrap();
    assert_eq!(own, Some(vec!["SVC-B".to_owned()]));
}

#[test]
fn the_manager_is_handed_over_with_the_version_checked() {
    let f = fixture();
    let major = f
        .run(|conn, ctx| {
            raise(
                conn,
                &caller(Role::Agent),
                raise_cmd_major(&["SVC-A"]),
                ctx,
                now(),
            )
        })
        .unwrap();
    let assign = |version| {
        f.run(|conn, _| {
            assign_manager(
                conn,
                &caller(Role::Agent),
                AssignManager {
                    major: major.ticket,
                    incident_manager_email: "incident_manager@test.example".into(),
                    expected_version: Some(version),
                },
                now(),
            )
        })
    };
    assert!(matches!(
        assign(major.version + 1),
        Err(AppError::PreconditionFailed(_))
    ));
    let assigned = assign(major.version).unwrap();
    assert_eq!(
        assigned.incident_manager_email.as_deref(),
        Some("incident_manager@test.example")
    );
}

/// The notices (the broadcast) written since `from`: (company, notice kind, payload).
fn notices_after(f: &Fixture, from: usize) -> Vec<(String, String, serde_json::Value)> {
    f.events_of(EventType::MajorIncidentNotice)
        .into_iter()
        .skip(from)
        .map(|e| {
            (
                e.customer_number.unwrap(),
                e.payload["notice"].as_str().unwrap().to_owned(),
                e.payload,
            )
        })
        .collect()
}

#[test]
fn every_step_reaches_each_concerned_company_once_ticket_or_not() {
    let f = fixture();
    // OCN-1 has SVC-A in "South East", OCN-2 has SVC-B in "North East"; neither has a ticket.
    let mut cmd = raise_cmd_major(&[]);
    cmd.region = Some("  south   EAST ".into());
    cmd.next_update_by = Some(now() + chrono::Duration::minutes(30));
    let major = f
        .run(|conn, ctx| raise(conn, &caller(Role::Agent), cmd, ctx, now()))
        .unwrap();
    assert_eq!(major.region.as_deref(), Some("south EAST"));
    let raised = notices_after(&f, 0);
    assert_eq!(raised.len(), 1, "{raised:?}");
    let (company, kind, p) = &raised[0];
    assert_eq!((company.as_str(), kind.as_str()), ("OCN-1", "raised"));
    assert_eq!(p["affected_service_ids"], serde_json::json!(["SVC-A"]));
    assert_eq!(p["text"], "Trunk cut near Slough");
    assert!(p["next_update_by"].is_string());

    // Two tickets of OCN-1 linked: still one notice for the company per update.
    ticket_on(&f, "SVC-A");
    ticket_on(&f, "SVC-A");
    let etr = now() + chrono::Duration::hours(4);
    f.run(|conn, _| {
        post_update(
            conn,
            &caller(Role::Agent),
            PostMajorUpdate {
                major: major.ticket,
                text: "Splicing team on site".into(),
                next_update_by: Some(now() + chrono::Duration::hours(1)),
                estimated_restoration_at: Some(etr),
            },
            now(),
        )
    })
    .unwrap();
    let update = notices_after(&f, 1);
    assert_eq!(update.len(), 1, "{update:?}");
    assert_eq!(update[0].1, "update");
    assert_eq!(update[0].2["linked_tickets"].as_array().unwrap().len(), 2);
    assert_eq!(
        update[0].2["estimated_restoration_at"],
        serde_json::json!(etr)
    );
    // A promise in the past is refused and writes nothing.
    let late = f.run(|conn, _| {
        post_update(
            conn,
            &caller(Role::Agent),
            PostMajorUpdate {
                major: major.ticket,
                text: "x".into(),
                next_update_by: Some(now() - chrono::Duration::minutes(1)),
                estimated_restoration_at: None,
            },
            now(),
        )
    });
    assert!(
        matches!(late, Err(AppError::Domain(DomainError::Invalid { .. }))),
        "{late:?}"
    );
    assert_eq!(notices_after(&f, 2).len(), 0);

    // SVC-B named mid-incident: OCN-2 hears, with the history so far; OCN-1 hears nothing new.
    let svc_b = ServiceId::parse("SVC-B").unwrap();
    let change = |c| {
        f.run(|conn, ctx| change_affected(conn, &caller(Role::Agent), major.ticket, c, ctx, now()))
    };
    change(AffectedChange::Add(vec![svc_b.clone()])).unwrap();
    let added = notices_after(&f, 2);
    assert_eq!(added.len(), 1, "{added:?}");
    assert_eq!(
        (added[0].0.as_str(), added[0].1.as_str()),
        ("OCN-2", "now_affected")
    );
    assert_eq!(added[0].2["history"][0]["text"], "Splicing team on site");
    assert_eq!(
        added[0].2["affected_service_ids"],
        serde_json::json!(["SVC-B"])
    );
    // Naming it again changes nothing and tells no one.
    change(AffectedChange::Add(vec![svc_b.clone()])).unwrap();
    assert_eq!(notices_after(&f, 3).len(), 0);
    // Taken off again: OCN-2 gets a closing notice and no longer sees the incident.
    change(AffectedChange::Remove(svc_b.clone())).unwrap();
    let removed = notices_after(&f, 3);
    assert_eq!(removed.len(), 1, "{removed:?}");
    assert_eq!(
        (removed[0].0.as_str(), removed[0].1.as_str()),
        ("OCN-2", "no_longer_affected")
    );
    assert_eq!(
        removed[0].2["services_removed"],
        serde_json::json!(["SVC-B"])
    );
    assert!(f
        .store
        .read(|conn| get(conn, &crate::testing::other_company(), major.ticket))
        .is_err());

    // Resolved: OCN-1 only, and the outlook is cleared.
    f.run(|conn, ctx| {
        resolve(
            conn,
            &caller(Role::Agent),
            major.ticket,
            "Spliced",
            ctx,
            now(),
        )
    })
    .unwrap();
    let resolved = notices_after(&f, 4);
    assert_eq!(resolved.len(), 1, "{resolved:?}");
    assert_eq!(
        (resolved[0].0.as_str(), resolved[0].1.as_str()),
        ("OCN-1", "resolved")
    );
    assert!(resolved[0].2["next_update_by"].is_null());
    assert_eq!(resolved[0].2["status"], "resolved");
    // Changing what a resolved incident affects is refused.
    let late = change(AffectedChange::Add(vec![svc_b]));
    assert_eq!(
        reason(late.unwrap_err()),
        Some(Reason::MajorIncidentResolved)
    );
}
