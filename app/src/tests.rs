//! Rule paths of the smaller areas: inventory, contacts, webhooks and notifications, help, and
//! the TMF621 partner operations.

use domain::{
    Category, DomainError, EventType, IncidentStatus, Reason, Role, ServiceId, ServiceStatus,
};

use crate::testing::{caller, fixture, now, ocn, other_company, raise_cmd, Fixture};
use crate::{AppError, Ctx};

fn forbidden<T: std::fmt::Debug>(r: Result<T, AppError>) -> bool {
    matches!(r, Err(AppError::Domain(DomainError::Forbidden(_))))
}

fn new_service<'a>(
    id: &'a ServiceId,
    customer: &'a domain::CustomerNumber,
) -> crate::inventory::NewService<'a> {
    crate::inventory::NewService {
        service_id: id,
        circuit_reference: "CIR/C",
        order_number: "ORD-C",
        customer_number: customer,
        product: "Ethernet",
        label: "C",
        status: ServiceStatus::Active,
        handover_date: None,
        region: None,
        availability_target: None,
    }
}

#[test]
fn inventory_is_the_admins_and_a_service_needs_its_customer() {
    let f = fixture();
    let id = ServiceId::parse("SVC-C").unwrap();
    let (own, unknown) = (ocn("OCN-1"), ocn("OCN-9"));
    let new = |customer| new_service(&id, customer);
    assert!(forbidden(f.run(
        |conn, _| crate::inventory::create_service(conn, &caller(Role::Agent), new(&own), now())
    )));
    assert!(matches!(
        f.run(|conn, _| crate::inventory::create_service(
            conn,
            &caller(Role::Admin),
            new(&unknown),
            now()
        )),
        Err(AppError::Field {
            field: "customer_number",
            ..
        })
    ));
    assert!(f
        .run(|conn, _| crate::inventory::create_service(
            conn,
            &caller(Role::Admin),
            new(&own),
            now()
        ))
        .is_ok());
    // Another company's customer record reads as missing.
    assert!(matches!(
        f.store
            .read(|conn| crate::inventory::get_customer(conn, &other_company(), &ocn("OCN-1"))),
        Err(AppError::NotFound(_))
    ));
}

#[test]
fn contacts_belong_to_the_callers_company_and_receive_what_they_subscribed_to() {
    let f = fixture();
    let notices = crate::contacts::Notices {
        incident_updates: true,
        major_incidents: false,
        planned_works: false,
        escalations: false,
        service_reports: false,
    };
    let new = |customer: Option<&str>| crate::contacts::NewContact {
        customer_number: customer.map(ocn),
        name: "NOC".into(),
        email: "noc@acme.example".into(),
        phone: None,
        notices,
    };
    assert!(forbidden(f.run(|conn, ctx| crate::contacts::create(
        conn,
        &caller(Role::CustomerUser),
        new(None),
        ctx,
        now()
    ))));
    assert!(matches!(
        f.run(|conn, ctx| crate::contacts::create(
            conn,
            &caller(Role::CustomerAdmin),
            new(Some("OCN-2")),
            ctx,
            now()
        )),
        Err(AppError::Field {
            code: "not_yours",
            ..
        })
    ));
    assert!(matches!(
        f.run(|conn, ctx| crate::contacts::create(
            conn,
            &caller(Role::Admin),
            new(None),
            ctx,
            now()
        )),
        Err(AppError::Field {
            code: "required",
            ..
        })
    ));
    let contact = f
        .run(|conn, ctx| {
            crate::contacts::create(conn, &caller(Role::CustomerAdmin), new(None), ctx, now())
        })
        .unwrap();
    // Nothing goes to the address before it is confirmed; the code of its confirmation mail
    // confirms it.
    assert!(!contact.receives(Category::IncidentUpdates));
    let contact = confirm(&f, &contact);
    assert!(contact.receives(Category::IncidentUpdates));
    assert!(!contact.receives(Category::MajorIncidents));
    // An incident on the company's service becomes one email to it when expanded.
    f.run(|conn, ctx| {
        crate::incidents::raise(
            conn,
            &caller(Role::CustomerUser),
            raise_cmd("SVC-A"),
            ctx,
            now(),
        )
    })
    .unwrap();
    let expanded = f
        .run(|conn, _| crate::notifications::expand(conn, 10, now()))
        .unwrap();
    assert_eq!(expanded, 2, "the confirmation request, then the incident");
    let claimed = f
        .run(|conn, _| crate::notifications::claim(conn, 10, chrono::Duration::seconds(60), now()))
        .unwrap();
    // The confirmation mail is no longer owed (the address was confirmed before it was sent).
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].0.recipient, "noc@acme.example");
    assert_eq!(claimed[0].1.event_type, EventType::IncidentCreated);
}

/// Confirms `contact`'s address with the code its confirmation mail carries.
fn confirm(f: &Fixture, contact: &domain::Contact) -> domain::Contact {
    let asked_at = f
        .store
        .read(|conn| {
            let id = crate::events::latest_id(conn)?;
            Ok(crate::events::by_ids(conn, &[id])?.remove(0))
        })
        .unwrap();
    assert_eq!(asked_at.event_type, EventType::ContactConfirmationRequested);
    let token = crate::contacts::confirmation_token(
        &f.ctx,
        contact.id,
        &contact.email,
        asked_at.created_at,
    );
    f.run(|conn, ctx| crate::contacts::confirm(conn, &token, ctx, now()))
        .unwrap()
}

#[test]
fn webhooks_take_known_event_types_and_a_customer_subscribes_to_its_own_events() {
    let f = fixture();
    let subscribe = |who: domain::Caller, types: &[&str]| {
        let target = crate::webhooks::check_target("https://hooks.acme.example/x", &f.ctx).unwrap();
        f.run(|conn, ctx| {
            crate::webhooks::subscribe(
                conn,
                &who,
                crate::webhooks::Subscribe {
                    target,
                    event_types: types.iter().map(|t| t.to_string()).collect(),
                    customer_number: Some(ocn("OCN-2")),
                    secret: None,
                    format: crate::webhooks::NATIVE,
                    query: None,
                },
                ctx,
                now(),
            )
        })
    };
    assert!(forbidden(subscribe(caller(Role::Agent), &["incident.*"])));
    assert!(subscribe(caller(Role::CustomerAdmin), &["ticket.*"]).is_err());
    let sub = subscribe(caller(Role::CustomerAdmin), &["incident.*"]).unwrap();
    assert_eq!(
        sub.customer_number,
        Some(ocn("OCN-1")),
        "its own, whatever it names"
    );
    assert_eq!(sub.secret.len(), 64, "a secret is generated");
    assert!(matches!(
        f.run(|conn, _| crate::webhooks::unregister_listener(
            conn,
            &caller(Role::CustomerAdmin),
            sub.id,
            crate::webhooks::TMF621,
            now()
        )),
        Err(AppError::NotFound("listener"))
    ));
}

#[test]
fn help_articles_are_written_by_admins_with_the_version_checked() {
    let f = fixture();
    let article = |title: &str| crate::help::WriteArticle {
        slug: "vpn-basics".into(),
        title: title.into(),
        body: "How the VPN works".into(),
        tags: vec![" vpn ".into(), "a,b".into(), " ".into()],
    };
    assert!(forbidden(f.run(|conn, _| crate::help::create(
        conn,
        &caller(Role::Agent),
        article("VPN"),
        now()
    ))));
    let created = f
        .run(|conn, _| crate::help::create(conn, &caller(Role::Admin), article("VPN"), now()))
        .unwrap();
    assert_eq!(created.tags, ["vpn", "a b"]);
    assert!(matches!(
        f.run(|conn, _| crate::help::update(
            conn,
            &caller(Role::Admin),
            article("VPN 2"),
            Some(9),
            now()
        )),
        Err(AppError::PreconditionFailed(_))
    ));
    let updated = f
        .run(|conn, _| {
            crate::help::update(
                conn,
                &caller(Role::Admin),
                article("VPN 2"),
                Some(created.version),
                now(),
            )
        })
        .unwrap();
    assert_eq!(updated.title, "VPN 2");
}

#[test]
fn a_tmf621_patch_follows_the_same_rules_in_one_change() {
    use domain::tmf::TmfStatus;
    let f = fixture();
    let (incident, _, _) = f
        .run(|conn, ctx| {
            crate::tmf621::create_ticket(
                conn,
                &caller(Role::CustomerUser),
                raise_cmd("SVC-A"),
                vec!["first note".into()],
                Vec::new(),
                ctx,
                now(),
            )
        })
        .unwrap();
    let patch = |who: domain::Caller, status, reason: Option<&str>| {
        f.run(|conn, ctx| {
            crate::tmf621::patch_ticket(
                conn,
                &who,
                crate::tmf621::TicketPatch {
                    ticket: incident.ticket,
                    notes: vec![],
                    external_id: None,
                    priority: None,
                    status: Some(status),
                    status_change_reason: reason.map(str::to_owned),
                    resolution: None,
                    expected_version: None,
                },
                ctx,
                now(),
            )
        })
    };
    // Closing needs a reason; the customer may not put the ticket in progress.
    assert!(matches!(
        patch(caller(Role::CustomerUser), TmfStatus::Closed, None),
        Err(AppError::Domain(DomainError::Invalid {
            field: "statusChangeReason",
            ..
        }))
    ));
    assert!(matches!(
        patch(caller(Role::CustomerUser), TmfStatus::InProgress, None),
        Err(AppError::Domain(DomainError::Refused {
            reason: Reason::IllegalTransition,
            ..
        }))
    ));
    // The desk's first move from `new` acknowledges on the way: two status changes.
    let (moved, entries, _) = patch(caller(Role::Agent), TmfStatus::InProgress, None).unwrap();
    assert_eq!(moved.status, IncidentStatus::InProgress);
    let statuses: Vec<_> = entries
        .iter()
        .filter_map(|e| e.status.as_ref().map(|s| s.to))
        .collect();
    assert_eq!(
        statuses,
        [IncidentStatus::Acknowledged, IncidentStatus::InProgress]
    );
    assert_eq!(entries[0].text, "first note");
}

#[test]
fn contacts_and_webhooks_are_capped_per_company() {
    let f = fixture();
    let ctx = Ctx {
        contacts_per_company: 2,
        webhooks_per_company: 1,
        ..f.ctx.clone()
    };
    let admin = caller(Role::CustomerAdmin);
    let contact = |n: u32| crate::contacts::NewContact {
        customer_number: None,
        name: format!("NOC {n}"),
        email: format!("noc{n}@acme.example"),
        phone: None,
        notices: crate::contacts::Notices {
            incident_updates: true,
            major_incidents: true,
            planned_works: true,
            escalations: true,
            service_reports: false,
        },
    };
    for n in 0..2 {
        f.store
            .write(|conn| crate::contacts::create(conn, &admin, contact(n), &ctx, now()))
            .unwrap();
    }
    assert!(matches!(
        f.store
            .write(|conn| crate::contacts::create(conn, &admin, contact(2), &ctx, now())),
        Err(AppError::Conflict {
            code: "too_many_contacts",
            ..
        })
    ));
    let subscribe = || {
        let target = crate::webhooks::check_target("https://hooks.acme.example/x", &ctx).unwrap();
        f.store.write(|conn| {
            crate::webhooks::subscribe(
                conn,
                &admin,
                crate::webhooks::Subscribe {
                    target,
                    event_types: vec!["incident.*".into()],
                    customer_number: None,
                    secret: None,
                    format: crate::webhooks::NATIVE,
                    query: None,
                },
                &ctx,
                now(),
            )
        })
    };
    let first = subscribe().unwrap();
    assert!(matches!(
        subscribe(),
        Err(AppError::Conflict {
            code: "too_many_webhooks",
            ..
        })
    ));
    // A deleted one no longer counts.
    f.store
        .write(|conn| crate::webhooks::unsubscribe(conn, &admin, first.id, now()))
        .unwrap();
    assert!(subscribe().is_ok());
}

#[test]
fn retention_forgets_old_finished_events_and_keeps_what_is_owed() {
    let f = fixture();
    let admin = caller(Role::CustomerAdmin);
    let contact = f
        .run(|conn, ctx| {
            crate::contacts::create(
                conn,
                &admin,
                crate::contacts::NewContact {
                    customer_number: None,
                    name: "NOC".into(),
                    email: "noc@acme.example".into(),
                    phone: None,
                    notices: crate::contacts::Notices {
                        incident_updates: true,
                        major_incidents: false,
                        planned_works: false,
                        escalations: false,
                        service_reports: false,
                    },
                },
                ctx,
                now(),
            )
        })
        .unwrap();
    confirm(&f, &contact);
    let t0 = now();
    f.run(|conn, ctx| {
        crate::incidents::raise(
            conn,
            &caller(Role::CustomerUser),
            raise_cmd("SVC-A"),
            ctx,
            t0,
        )
    })
    .unwrap();
    let old_event = f.store.read(crate::events::latest_id).unwrap();
    f.run(|conn, _| crate::notifications::expand(conn, 10, t0))
        .unwrap();
    let later = t0 + chrono::Duration::days(100);
    // Its email is still owed: kept, however old. (The contact's confirmation request, answered
    // before it was mailed, owes nothing and goes.)
    let purged = crate::retention::purge(&f.store, &f.ctx, later).unwrap();
    assert_eq!(purged.events, 1);
    let kept = f
        .store
        .read(|conn| crate::events::by_ids(conn, &[old_event]));
    assert_eq!(kept.unwrap().len(), 1);
    let claimed = f
        .run(|conn, _| crate::notifications::claim(conn, 10, chrono::Duration::seconds(60), t0))
        .unwrap();
    let attempt = crate::notifications::Attempt {
        succeeded: true,
        response_status: None,
        error: None,
        duration_ms: 5,
        permanent: false,
    };
    f.run(|conn, ctx| {
        crate::notifications::record_attempt(conn, claimed[0].0.id, &attempt, ctx, t0)
    })
    .unwrap();
    // A recent event (raised within the retention) stays.
    f.run(|conn, ctx| {
        crate::incidents::raise(
            conn,
            &caller(Role::CustomerUser),
            raise_cmd("SVC-A"),
            ctx,
            later - chrono::Duration::days(1),
        )
    })
    .unwrap();
    let recent = f.store.read(crate::events::latest_id).unwrap();
    // A failed sign-in leaves a throttle row.
    let _ = crate::accounts::sign_in(
        &f.store,
        crate::accounts::Credentials::Password {
            email: "agent@test.example".into(),
            password: "wrong".into(),
        },
        "192.0.2.9",
        &f.ctx,
        t0,
    );
    let purged = crate::retention::purge(&f.store, &f.ctx, later).unwrap();
    assert_eq!(purged.events, 1);
    assert_eq!(purged.throttles, 2, "the account's row and the address's");
    let left = f
        .store
        .read(|conn| crate::events::by_ids(conn, &[old_event, recent]))
        .unwrap();
    assert_eq!(left.iter().map(|e| e.id).collect::<Vec<_>>(), [recent]);
    // Nothing more to do the second time.
    assert_eq!(
        crate::retention::purge(&f.store, &f.ctx, later).unwrap(),
        crate::retention::Purged::default()
    );
}
