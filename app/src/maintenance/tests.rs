//! The maintenance-request use cases' rule paths.

use chrono::Duration;
use domain::{DomainError, EventType, Reason, RequestStatus, Role, ServiceId, ServiceOwner};

use super::*;
use crate::testing::{caller, fixture, now, ocn, Fixture};
use crate::AppError;

fn request(start_in_days: i64, customer: &str, service: &str) -> SubmitRequest {
    let start = now() + Duration::days(start_in_days);
    SubmitRequest {
        customer_number: ocn(customer),
        service_id: ServiceId::parse(service).unwrap(),
        start_at: start,
        end_at: start + Duration::hours(4),
        description: "Core router swap".into(),
        owner: ServiceOwner {
            name: "Alice".into(),
            email: "alice@acme.example".into(),
            phone: "+44 20 7946 0000".into(),
        },
    }
}

fn submit_as(
    f: &Fixture,
    who: domain::Role,
    r: SubmitRequest,
) -> Result<domain::MaintenanceRequest, AppError> {
    f.run(|conn, ctx| submit(conn, &caller(who), r, ctx, now()))
}

#[test]
fn customers_file_for_their_own_services_with_twenty_working_days_notice() {
    let f = fixture();
    assert!(matches!(
        submit_as(&f, Role::Agent, request(60, "OCN-1", "SVC-A")),
        Err(AppError::Domain(DomainError::Forbidden(_)))
    ));
    assert!(matches!(
        submit_as(&f, Role::CustomerUser, request(60, "OCN-2", "SVC-B")),
        Err(AppError::Field {
            code: "not_yours",
            ..
        })
    ));
    assert!(matches!(
        submit_as(&f, Role::CustomerUser, request(60, "OCN-1", "SVC-B")),
        Err(AppError::Domain(DomainError::Invalid {
            field: "service_id",
            ..
        }))
    ));
    assert!(matches!(
        submit_as(&f, Role::CustomerUser, request(10, "OCN-1", "SVC-A")),
        Err(AppError::Domain(DomainError::Refused {
            reason: Reason::TooEarly { .. },
            ..
        }))
    ));
    let filed = submit_as(&f, Role::CustomerUser, request(60, "OCN-1", "SVC-A")).unwrap();
    assert_eq!(filed.status, RequestStatus::Submitted);
    assert_eq!(f.events(), [EventType::MaintenanceRequestSubmitted]);
}

#[test]
fn change_management_decides_and_the_customer_withdraws() {
    let f = fixture();
    let filed = submit_as(&f, Role::CustomerUser, request(60, "OCN-1", "SVC-A")).unwrap();
    let step_as = |who, s| f.run(|conn, _| step(conn, &caller(who), filed.id, s, now()));
    assert!(matches!(
        step_as(Role::CustomerUser, RequestStep::Acknowledge),
        Err(AppError::Domain(DomainError::Forbidden(_)))
    ));
    assert!(matches!(
        step_as(Role::ChangeManager, RequestStep::Withdraw),
        Err(AppError::Domain(DomainError::Forbidden(_)))
    ));
    step_as(Role::ChangeManager, RequestStep::Acknowledge).unwrap();
    let accepted = step_as(Role::ChangeManager, RequestStep::Accept { reason: None }).unwrap();
    assert_eq!(accepted.status, RequestStatus::Accepted);
    assert!(
        step_as(Role::CustomerUser, RequestStep::Withdraw).is_err(),
        "decided already"
    );
    assert_eq!(
        f.events(),
        [
            EventType::MaintenanceRequestSubmitted,
            EventType::MaintenanceRequestAcknowledged,
            EventType::MaintenanceRequestAccepted
        ]
    );
}
