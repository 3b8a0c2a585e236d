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
