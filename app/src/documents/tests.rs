//! The document-request use cases' rule paths.

use domain::{DocumentKind, DocumentStatus, DomainError, EntryKind, Role};

use super::*;
use crate::testing::{caller, fixture, now, other_company, raise_cmd};
use crate::AppError;

#[test]
fn one_open_request_per_kind_and_the_desk_delivers() {
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
    let ask = |who: domain::Caller| {
        f.run(|conn, _| {
            request(
                conn,
                &who,
                RequestDocument {
                    ticket,
                    kind: DocumentKind::Rfo,
                    note: Some("for our board".into()),
                },
                now(),
            )
        })
    };
    assert!(matches!(ask(other_company()), Err(AppError::NotFound(_))));
    let rfo = ask(caller(Role::CustomerUser)).unwrap();
    assert!(matches!(
        ask(caller(Role::CustomerUser)),
        Err(AppError::Conflict {
            code: "request_already_open",
            ..
        })
    ));
    assert!(matches!(
        f.run(|conn, _| work_on(
            conn,
            &caller(Role::CustomerUser),
            rfo.id,
            DeskStep::Start,
            now()
        )),
        Err(AppError::Domain(DomainError::Forbidden(_)))
    ));
    let delivered = f
        .run(|conn, _| {
            work_on(
                conn,
                &caller(Role::Agent),
                rfo.id,
                DeskStep::Deliver {
                    document_text: "A fibre was cut near Slough.".into(),
                    document_url: None,
                    document_attachment_id: None,
                },
                now(),
            )
        })
        .unwrap();
    assert_eq!(delivered.status, DocumentStatus::Delivered);
    let kinds: Vec<EntryKind> = f
        .store
        .read(|conn| {
            crate::incidents::timeline(conn, &caller(Role::CustomerUser), ticket, None, 10)
        })
        .unwrap()
        .items
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, [EntryKind::RfoRequest, EntryKind::DocumentUpdate]);
}
