//! The account use cases' rule paths: who creates what, registration, sign-in throttling.

use domain::{AccountStatus, DomainError, Role};

use super::*;
use crate::testing::{caller, fixture, now, ocn};
use crate::AppError;

fn new_account(role: Role, customer: Option<&str>) -> NewAccount {
    NewAccount {
        email: format!("new-{role}@acme.example"),
        name: "New".into(),
        password: "correct horse battery".into(),
        role,
        customer_number: customer.map(ocn),
    }
}

#[test]
fn customer_admins_create_customer_accounts_of_their_own_company_only() {
    let f = fixture();
    let cadmin = caller(Role::CustomerAdmin);
    let create = |who: &domain::Caller, new| create_user(&f.store, who, new, now());
    assert!(matches!(
        create(&cadmin, new_account(Role::Agent, None)),
        Err(AppError::Domain(DomainError::Forbidden(_)))
    ));
    assert!(matches!(
        create(&cadmin, new_account(Role::CustomerUser, Some("OCN-2"))),
        Err(AppError::Domain(DomainError::Forbidden(_)))
    ));
    // The company defaults to the customer admin's own.
    let user = create(&cadmin, new_account(Role::CustomerUser, None)).unwrap();
    assert_eq!(user.customer_number, Some(ocn("OCN-1")));
    assert!(matches!(
        create(
            &caller(Role::Admin),
            new_account(Role::CustomerUser, Some("OCN-9"))
        ),
        Err(AppError::Field {
            field: "customer_number",
            code: "unknown",
            ..
        })
    ));
    let weak = NewAccount {
        password: "short".into(),
        ..new_account(Role::Agent, None)
    };
    assert!(create(&caller(Role::Admin), weak).is_err());
}

#[test]
fn nobody_changes_their_own_account_and_customer_admins_hand_out_customer_roles_only() {
    let f = fixture();
    let admin = caller(Role::Admin);
    let target = f
        .store
        .read(|conn| {
            Ok(accounts::find_user_by_email(
                conn,
                "customer_user@test.example",
            )?)
        })
        .unwrap()
        .unwrap()
        .0;
    let change = |who: &domain::Caller, role| {
        f.run(|conn, _| {
            update_user(
                conn,
                who,
                UserChange {
                    id: target.id,
                    role: Some(role),
                    enabled: None,
                    reason: None,
                },
            )
        })
    };
    assert!(matches!(
        change(&caller(Role::CustomerAdmin), Role::Agent),
        Err(AppError::Domain(DomainError::Forbidden(_)))
    ));
    let myself = domain::Caller::new(format!("user:{}", target.id), Role::Admin, None).unwrap();
    assert!(matches!(
        change(&myself, Role::CustomerAdmin),
        Err(AppError::Domain(DomainError::Forbidden(_)))
    ));
    assert_eq!(
        change(&admin, Role::CustomerAdmin).unwrap().role,
        Role::CustomerAdmin
    );
}

#[test]
fn registrations_answer_alike_whatever_exists_and_wait_for_approval() {
    let f = fixture();
    let register_as = |email: &str, customer: &str| {
        register(
            &f.store,
            Registration {
                email: email.into(),
                name: "Dora".into(),
                password: "correct horse battery".into(),
                customer_number: ocn(customer),
            },
            "192.0.2.1",
            &f.ctx,
            now(),
        )
    };
    assert!(register_as("dora@acme.example", "OCN-1").is_ok());
    // Unknown company and a taken email: the same answer, nothing created.
    assert!(register_as("eve@acme.example", "OCN-9").is_ok());
    assert!(register_as("dora@acme.example", "OCN-1").is_ok());
    let pending = f
        .store
        .read(|conn| {
            list_registrations(
                conn,
                &caller(Role::CustomerAdmin),
                AccountStatus::Pending,
                None,
                10,
            )
        })
        .unwrap()
        .items;
    assert_eq!(pending.len(), 1);
    // Not before the address is verified.
    let refused = f.run(|conn, _| {
        decide_registration(conn, &caller(Role::CustomerAdmin), pending[0].id, None)
    });
    assert!(
        matches!(&refused, Err(AppError::Domain(e)) if e.reason().map(|r| r.code()) == Some("email_not_verified")),
        "{refused:?}"
    );
    // The code mailed with the registration verifies it; a code for another id does not.
    let asked = f
        .store
        .read(|conn| {
            let id = crate::events::latest_id(conn)?;
            Ok(crate::events::by_ids(conn, &[id])?.remove(0))
        })
        .unwrap();
    assert_eq!(
        asked.event_type,
        domain::EventType::RegistrationVerificationRequested
    );
    let code = crate::accounts::verification_token(
        &f.ctx,
        pending[0].id,
        &pending[0].email,
        asked.created_at,
    );
    let forged = code.replacen(
        &format!("{}.", pending[0].id),
        &format!("{}.", pending[0].id + 1),
        1,
    );
    assert!(f
        .run(|conn, ctx| crate::accounts::verify_email(conn, &forged, ctx, now()))
        .is_err());
    let verified = f
        .run(|conn, ctx| crate::accounts::verify_email(conn, &code, ctx, now()))
        .unwrap();
    assert!(verified.email_verified_at.is_some());
    let approved = f
        .run(|conn, _| decide_registration(conn, &caller(Role::CustomerAdmin), pending[0].id, None))
        .unwrap();
    assert_eq!(approved.status, AccountStatus::Active);
    // Once decided, the code is spent.
    assert!(f
        .run(|conn, ctx| crate::accounts::verify_email(conn, &code, ctx, now()))
        .is_err());
}

#[test]
fn registrations_are_limited_per_address() {
    let f = fixture();
    let limit = f.ctx.registration_limits.failures;
    let register_from = |peer: &str, n: i32| {
        register(
            &f.store,
            Registration {
                email: format!("r{n}@acme.example"),
                name: "Reg".into(),
                password: "correct horse battery".into(),
                customer_number: ocn("OCN-1"),
            },
            peer,
            &f.ctx,
            now(),
        )
    };
    for n in 0..limit {
        assert!(register_from("198.51.100.7", n).is_ok(), "registration {n}");
    }
    assert!(matches!(
        register_from("198.51.100.7", limit),
        Err(AppError::TooManyAttempts { .. })
    ));
    assert!(
        register_from("198.51.100.8", limit).is_ok(),
        "another address"
    );
}

#[test]
fn repeated_failed_sign_ins_are_throttled_not_locked_for_good() {
    let f = fixture();
    let wrong = || Credentials::Password {
        email: "agent@test.example".into(),
        password: "wrong".into(),
    };
    let at = now();
    for _ in 0..f.ctx.login_limits.failures {
        assert!(matches!(
            sign_in(&f.store, wrong(), "192.0.2.1", &f.ctx, at),
            Err(AppError::InvalidCredentials)
        ));
    }
    let until = match sign_in(&f.store, wrong(), "192.0.2.1", &f.ctx, at) {
        Err(AppError::TooManyAttempts { until }) => until,
        other => panic!("{other:?}"),
    };
    assert!(matches!(
        sign_in(&f.store, wrong(), "192.0.2.1", &f.ctx, at),
        Err(AppError::TooManyAttempts { .. })
    ));
    // After the lock, the account may try again: the attempt is checked (and, wrong, locks for
    // longer).
    let later = until + chrono::Duration::seconds(1);
    assert!(matches!(
        sign_in(&f.store, wrong(), "192.0.2.1", &f.ctx, later),
        Err(AppError::InvalidCredentials)
    ));
    let longer = match sign_in(&f.store, wrong(), "192.0.2.1", &f.ctx, later) {
        Err(AppError::TooManyAttempts { until }) => until,
        other => panic!("{other:?}"),
    };
    assert!(longer - later > until - at, "the lock doubles");
}
