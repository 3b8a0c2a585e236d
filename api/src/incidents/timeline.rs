//! `GET|POST /incidents/{ref}/updates`: the ticket timeline (R-INC5).

use actix_web::{get, post, web, HttpResponse};
use domain::{timeline::check_note_visibility, EntryKind, NewEntry, Visibility};
use validator::Validate;

use super::{change_incident_with_entries, ticket_from_path, PostUpdate, UpdateView};
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::pagination::{PageOf, PageParams};
use crate::state::AppState;

/// Add an update to an incident.
///
/// Customers add public notes to their own open tickets; the service desk adds public or
/// `internal` notes (never shown to customers). Closed and cancelled tickets take no more
/// notes (409).
#[utoipa::path(
    tag = "incidents",
    security(("bearer" = [])),
    params(("ref" = String, Path, description = "Ticket reference, either form", example = "1-0000000042")),
    request_body = PostUpdate,
    responses(
        (status = 201, description = "The new timeline entry.", body = UpdateView),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
        (status = 409, response = crate::error::Conflict),
        (status = 422, response = crate::error::Unprocessable),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[post("/incidents/{ref}/updates")]
pub async fn post_update(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    body: web::Json<PostUpdate>,
) -> Result<HttpResponse, ApiError> {
    let ticket = ticket_from_path(&path)?;
    if !(caller.role.is_customer_side() || caller.works_incidents()) {
        return Err(ApiError::forbidden("your role does not write on tickets"));
    }
    body.validate()?;
    let body = body.into_inner();
    let visibility = body.visibility.unwrap_or(Visibility::Public);
    check_note_visibility(caller.role.is_customer_side(), visibility)?;
    let author = caller.subject.clone();
    let text = body.text.trim().to_owned();
    let (_, entries) =
        change_incident_with_entries(&state, &caller, ticket, None, move |incident, now| {
            if !incident.status.is_open() {
                return Err(domain::DomainError::illegal_state(
                    "ticket_final",
                    format!(
                        "ticket {} is {}; it takes no more updates",
                        incident.ticket, incident.status
                    ),
                )
                .into());
            }
            incident.updated_at = now;
            Ok(vec![NewEntry {
                kind: EntryKind::Note,
                visibility,
                author,
                text,
            }])
        })
        .await?;
    let entry = entries
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::internal("timeline entry missing after insert"))?;
    Ok(HttpResponse::Created().json(UpdateView::from(entry)))
}

/// List an incident's updates.
///
/// The timeline, oldest first: notes, status and priority changes, requests. Customers see
/// public entries only.
#[utoipa::path(
    tag = "incidents",
    security(("bearer" = [])),
    params(
        ("ref" = String, Path, description = "Ticket reference, either form", example = "1-0000000042"),
        PageParams,
    ),
    responses(
        (status = 200, description = "A page of timeline entries.", body = PageOf<UpdateView>),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 404, response = crate::error::NotFound),
        (status = 422, response = crate::error::Unprocessable),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[get("/incidents/{ref}/updates")]
pub async fn list_updates(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    page: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let ticket = ticket_from_path(&path)?;
    let (limit, cursor) = page.resolve()?;
    let scope = caller.tenant_scope().cloned();
    let include_internal = !caller.role.is_customer_side();
    let page = web::block(move || {
        state.db.read(|conn| {
            let incident = persistence::incidents::get(conn, ticket, scope.as_ref())?;
            persistence::timeline::list(conn, incident.id, include_internal, cursor, limit)
        })
    })
    .await??;
    Ok(HttpResponse::Ok().json(PageOf::from_page(page, UpdateView::from)))
}
