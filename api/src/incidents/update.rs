//! `PATCH /incidents/{ref}`: the desk changes priority and assignee (R-INC8).

use actix_web::{patch, web, HttpRequest, HttpResponse};
use domain::{EntryKind, NewEntry};
use validator::ValidateEmail;

use super::{change_incident, incident_response, ticket_from_path, IncidentView, UpdateIncident};
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::etag::if_match_version;
use crate::state::AppState;

/// Checks that `email` names an active service-desk account; returns its canonical form.
async fn desk_member(state: &web::Data<AppState>, email: String) -> Result<String, ApiError> {
    if !email.validate_email() {
        return Err(ApiError::field(
            "assignee_email",
            "email",
            "must be a valid email address",
        ));
    }
    let state = state.clone();
    let found = web::block(move || {
        state
            .db
            .read(|conn| persistence::accounts::find_user_by_email(conn, &email))
    })
    .await??;
    match found {
        Some((user, _))
            if user.status == domain::AccountStatus::Active
                && matches!(
                    user.role,
                    domain::Role::Agent | domain::Role::IncidentManager | domain::Role::Admin
                ) =>
        {
            Ok(user.email)
        }
        _ => Err(ApiError::field(
            "assignee_email",
            "unknown",
            "no active service-desk account has this email",
        )),
    }
}

/// Change an incident's priority or assignee.
///
/// Service desk only. A new priority recomputes the SLA targets from `logged_at`, keeping the
/// pause history; an assignee must be an active agent, incident manager or admin (`null`
/// unassigns). Each change is recorded in the timeline (assignments internally). Honours
/// `If-Match`.
#[utoipa::path(
    tag = "incidents",
    security(("bearer" = [])),
    params(
        ("ref" = String, Path, description = "Ticket reference, either form", example = "1-0000000042"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read"),
    ),
    request_body = UpdateIncident,
    responses(
        (status = 200, description = "The updated ticket.", body = IncidentView),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
        (status = 409, response = crate::error::Conflict),
        (status = 412, response = crate::error::PreconditionFailed),
        (status = 422, response = crate::error::Unprocessable),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[patch("/incidents/{ref}")]
pub async fn update_incident(
    state: web::Data<AppState>,
    caller: Authenticated,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<UpdateIncident>,
) -> Result<HttpResponse, ApiError> {
    let ticket = ticket_from_path(&path)?;
    if !caller.works_incidents() {
        return Err(ApiError::forbidden(
            "only the service desk changes priority or assignee",
        ));
    }
    let body = body.into_inner();
    let assignee = match body.assignee_email {
        Some(Some(email)) if email.chars().count() > 254 => {
            return Err(ApiError::field(
                "assignee_email",
                "too_long",
                "at most 254 characters",
            ))
        }
        Some(Some(email)) => Some(Some(desk_member(&state, email).await?)),
        other => other,
    };
    // Preconditions come after the request itself is known to be valid (RFC 9110 §13.2.1).
    let expected = if_match_version(&req)?;
    let author = caller.subject.clone();
    let incident = change_incident(&state, &caller, ticket, expected, move |incident, now| {
        let mut entries = Vec::new();
        if let Some(priority) = body.priority {
            if let Some(old) = incident.set_priority(priority, now)? {
                entries.push(NewEntry::public(
                    EntryKind::PriorityChange,
                    &author,
                    format!("Priority changed from {old} to {priority}"),
                ));
            }
        }
        if let Some(assignee) = assignee {
            if incident.assign(assignee.clone(), now)? {
                let text = match assignee {
                    Some(email) => format!("Assigned to {email}"),
                    None => "Unassigned".to_owned(),
                };
                entries.push(NewEntry::internal(EntryKind::Assignment, &author, text));
            }
        }
        Ok(entries)
    })
    .await?;
    Ok(incident_response(
        HttpResponse::Ok(),
        &state,
        &caller,
        incident,
    ))
}
