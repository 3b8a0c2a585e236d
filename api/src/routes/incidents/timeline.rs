//! `GET|POST /incidents/{ref}/updates`: the ticket timeline (R-INC5).

use actix_web::{get, post, web, HttpResponse};
use app::incidents::PostNote;
use domain::Visibility;
use validator::Validate;

use super::{ticket_from_path, PostUpdate, UpdateView};
use crate::http::caller::{gate, Authenticated, Permit};
use crate::http::error::ApiError;
use crate::http::pagination::{PageOf, PageParams};
use crate::state::{read, write, AppState};

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
        (status = 403, response = crate::http::error::Forbidden),
        (status = 409, response = crate::http::error::Conflict),
    )
)]
#[post("/incidents/{ref}/updates")]
pub async fn post_update(
    state: web::Data<AppState>,
    caller: Permit<gate::FollowIncident>,
    path: web::Path<String>,
    body: crate::http::json::Json<PostUpdate>,
) -> Result<HttpResponse, ApiError> {
    let ticket = ticket_from_path(&path)?;
    body.validate()?;
    let body = body.into_inner();
    let cmd = PostNote {
        ticket,
        text: body.text,
        visibility: body.visibility.unwrap_or(Visibility::Public),
    };
    let by = caller.0;
    let entry = write(&state, move |conn, ctx, now| {
        app::incidents::post_note(conn, &by, cmd, ctx, now)
    })
    .await?;
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
    let page = read(&state, move |conn| {
        app::incidents::timeline(conn, &caller, ticket, cursor, limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(PageOf::from_page(page, UpdateView::from)))
}
