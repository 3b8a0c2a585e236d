//! Escalation (R-ESC1–4): the five-level matrix and sequential, peer-to-peer escalation of a
//! ticket.

use actix_web::{get, post, put, web, HttpResponse};
use chrono::{DateTime, Utc};
use domain::{
    ActiveParent, EntryKind, EscalatingPerson, Escalation, EscalationMatrix, MatrixLevel, NewEntry,
};
use persistence::escalations::NewEscalation;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::incidents::ticket_from_path;
use crate::state::{now, AppState};

/// One level of the escalation matrix.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"level": 2, "title": "Incident Manager", "phone": "+44 203 481 7008"}))]
pub struct MatrixLevelView {
    /// 1 to 5.
    #[schema(minimum = 1, maximum = 5)]
    pub level: i32,
    #[schema(min_length = 1, max_length = 100)]
    pub title: String,
    /// E.164-style telephone number, e.g. `+44 203 481 7007`.
    #[schema(max_length = 30)]
    pub phone: String,
}

impl From<&MatrixLevel> for MatrixLevelView {
    fn from(l: &MatrixLevel) -> Self {
        Self {
            level: l.level,
            title: l.title.clone(),
            phone: l.phone.clone(),
        }
    }
}

/// The escalation matrix: whom to call at each of the five levels.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MatrixView {
    /// Exactly the levels 1 to 5.
    #[schema(min_items = 5, max_items = 5)]
    pub levels: Vec<MatrixLevelView>,
}

impl From<&EscalationMatrix> for MatrixView {
    fn from(m: &EscalationMatrix) -> Self {
        Self {
            levels: m.levels().iter().map(MatrixLevelView::from).collect(),
        }
    }
}

/// Get the escalation matrix.
///
/// The five levels of provider contacts, from Team Leader to VP, with their phone numbers.
#[utoipa::path(
    tag = "escalations",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The matrix.", body = MatrixView),
        (status = 401, response = crate::error::Unauthorized),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[get("/escalation-matrix")]
pub async fn get_matrix(
    state: web::Data<AppState>,
    _caller: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let matrix = web::block(move || state.db.read(persistence::escalations::matrix)).await??;
    Ok(HttpResponse::Ok().json(MatrixView::from(&matrix)))
}

/// Replace the escalation matrix.
///
/// Admins only. The body must list exactly the levels 1 to 5, each with a title and an
/// E.164-style phone number.
#[utoipa::path(
    tag = "escalations",
    security(("bearer" = [])),
    request_body = MatrixView,
    responses(
        (status = 200, description = "The new matrix.", body = MatrixView),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 403, response = crate::error::Forbidden),
        (status = 422, response = crate::error::Unprocessable),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[put("/escalation-matrix")]
pub async fn replace_matrix(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: web::Json<MatrixView>,
) -> Result<HttpResponse, ApiError> {
    if caller.role != domain::Role::Admin {
        return Err(ApiError::forbidden(
            "only admins edit the escalation matrix",
        ));
    }
    let levels = body
        .into_inner()
        .levels
        .into_iter()
        .map(|l| MatrixLevel {
            level: l.level,
            title: l.title,
            phone: l.phone,
        })
        .collect();
    let matrix = EscalationMatrix::new(levels)?;
    let saved = web::block(move || {
        state
            .db
            .write(|conn| persistence::escalations::replace_matrix(conn, &matrix, now()))
    })
    .await??;
    Ok(HttpResponse::Ok().json(MatrixView::from(&saved)))
}

/// The customer-side person escalating (peer to peer).
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[schema(example = json!({"name": "Jane Doe", "job_title": "IT Director", "phone": "+44 20 7946 0123"}))]
pub struct EscalatedBy {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub job_title: String,
    #[validate(
        length(min = 5, max = 40),
        custom(function = "crate::validation::phone")
    )]
    #[schema(min_length = 5, max_length = 40)]
    pub phone: String,
}

/// An escalation request.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"reason": "Four hours without a restoration estimate.",
    "escalated_by": {"name": "Jane Doe", "job_title": "IT Director", "phone": "+44 20 7946 0123"}, "level": 2}))]
pub struct EscalateRequest {
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
    /// Required: who on the customer side escalates (peer-to-peer escalation).
    #[validate(required, nested)]
    pub escalated_by: Option<EscalatedBy>,
    /// The level expected; if given it must be the current level + 1.
    #[validate(range(min = 1, max = 5))]
    #[schema(minimum = 1, maximum = 5)]
    pub level: Option<i32>,
}

/// An escalation: whom to call and what to quote.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"ticket_number": "1-0000000042", "ivr_reference": "10000000042", "level": 2,
    "contact": {"level": 2, "title": "Incident Manager", "phone": "+44 203 481 7008"},
    "escalated_by": {"name": "Jane Doe", "job_title": "IT Director", "phone": "+44 20 7946 0123"},
    "reason": "Four hours without a restoration estimate.", "created_at": "2026-11-28T13:15:00Z",
    "instructions": "Call the Incident Manager on +44 203 481 7008 and quote IVR reference 10000000042."}))]
pub struct EscalationView {
    pub ticket_number: String,
    /// Type this on the phone keypad when calling.
    pub ivr_reference: String,
    pub level: i32,
    pub contact: MatrixLevelView,
    pub escalated_by: EscalatedBy,
    pub reason: String,
    pub created_at: DateTime<Utc>,
    /// What to do now, in words.
    pub instructions: String,
}

impl From<Escalation> for EscalationView {
    fn from(e: Escalation) -> Self {
        Self {
            ticket_number: e.ticket.to_string(),
            ivr_reference: e.ticket.ivr(),
            level: e.level,
            instructions: format!(
                "Call the {} on {} and quote IVR reference {}.",
                e.contact.title,
                e.contact.phone,
                e.ticket.ivr()
            ),
            contact: MatrixLevelView::from(&e.contact),
            escalated_by: EscalatedBy {
                name: e.escalated_by.name,
                job_title: e.escalated_by.job_title,
                phone: e.escalated_by.phone,
            },
            reason: e.reason,
            created_at: e.created_at,
        }
    }
}

/// Escalate an incident.
///
/// Raises the ticket to the next level of the matrix: always current + 1 (send `level` to make
/// sure), never past 5, never on resolved, closed or cancelled tickets. Peer to peer: name the
/// customer-side person escalating. The answer gives the matrix contact to call and the IVR
/// reference to type. A child of an active major incident is not escalated: the crisis process
/// supersedes (409 `crisis_process_active`, naming the major incident and its incident
/// manager). Two concurrent escalations produce one new level; the other gets 409.
#[utoipa::path(
    tag = "escalations",
    security(("bearer" = [])),
    params(("ref" = String, Path, description = "Ticket reference, either form", example = "1-0000000042")),
    request_body = EscalateRequest,
    responses(
        (status = 201, description = "Escalated.", body = EscalationView),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
        (status = 409, response = crate::error::Conflict),
        (status = 422, response = crate::error::Unprocessable),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[post("/incidents/{ref}/escalations")]
pub async fn escalate(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    body: web::Json<EscalateRequest>,
) -> Result<HttpResponse, ApiError> {
    let ticket = ticket_from_path(&path)?;
    if !(caller.role.is_customer_side() || caller.works_incidents()) {
        return Err(ApiError::forbidden("your role does not escalate incidents"));
    }
    body.validate()?;
    let body = body.into_inner();
    let person = body.escalated_by.map(|p| EscalatingPerson {
        name: p.name.trim().to_owned(),
        job_title: p.job_title.trim().to_owned(),
        phone: p.phone.trim().to_owned(),
    });
    let Some(person) = person else {
        return Err(ApiError::field(
            "escalated_by",
            "required",
            "name the person escalating",
        ));
    };
    let scope = caller.tenant_scope().cloned();
    let requested_by = caller.subject.clone();
    let reason = body.reason.trim().to_owned();
    let level = body.level;
    let escalation = web::block(move || -> Result<Escalation, ApiError> {
        let at = now();
        state
            .db
            .write(|conn| {
                let current = persistence::incidents::get(conn, ticket, scope.as_ref())?;
                let parent = match current.parent_ticket {
                    Some(p) => {
                        let major = persistence::major_incidents::get(conn, p)?;
                        major.is_active().then(|| ActiveParent {
                            ticket: major.ticket,
                            incident_manager: major.incident_manager_email.clone(),
                        })
                    }
                    None => None,
                };
                let matrix = persistence::escalations::matrix(conn)?;
                let mut contact = None;
                let (incident, _) = persistence::incidents::change(
                    conn,
                    ticket,
                    scope.as_ref(),
                    None,
                    state.sla(),
                    at,
                    |incident| {
                        let new_level = incident.escalate(level, parent.as_ref(), at)?;
                        let c = matrix.contact(new_level).cloned().ok_or_else(|| {
                            persistence::StoreError::Corrupt("matrix level missing".into())
                        })?;
                        let text = format!(
                            "Escalated to level {new_level} ({}, {}) by {}, {}: {reason}",
                            c.title, c.phone, person.name, person.job_title
                        );
                        contact = Some(c);
                        Ok(vec![NewEntry::public(
                            EntryKind::Escalation,
                            &requested_by,
                            text,
                        )])
                    },
                )?;
                let contact =
                    contact.ok_or_else(|| persistence::StoreError::Corrupt("no contact".into()))?;
                let escalation = persistence::escalations::record(
                    conn,
                    &incident,
                    NewEscalation {
                        level: incident.escalation_level,
                        reason: &reason,
                        person: &person,
                        requested_by: &requested_by,
                        contact: &contact,
                    },
                    at,
                )?;
                persistence::events::emit(
                    conn,
                    "incident.escalated",
                    Some(&incident.customer_number),
                    Some(incident.ticket),
                    &serde_json::json!({
                        "ticket_number": incident.ticket.to_string(),
                        "level": escalation.level,
                        "contact": {"title": contact.title, "phone": contact.phone},
                    }),
                    at,
                )?;
                Ok(escalation)
            })
            .map_err(|e| crisis_or(e, parent_hint(&state, ticket)))
    })
    .await??;
    Ok(HttpResponse::Created().json(EscalationView::from(escalation)))
}

/// The major incident a ticket belongs to, for the crisis-process problem fields.
fn parent_hint(state: &AppState, ticket: domain::TicketRef) -> Option<(String, Option<String>)> {
    state
        .db
        .read(|conn| {
            let incident = persistence::incidents::get(conn, ticket, None)?;
            match incident.parent_ticket {
                Some(p) => {
                    let m = persistence::major_incidents::get(conn, p)?;
                    Ok(Some((m.ticket.to_string(), m.incident_manager_email)))
                }
                None => Ok(None),
            }
        })
        .ok()
        .flatten()
}

/// Maps a store error, adding the major incident and its manager to a crisis-process refusal.
fn crisis_or(err: persistence::StoreError, parent: Option<(String, Option<String>)>) -> ApiError {
    let is_crisis = matches!(
        &err,
        persistence::StoreError::Domain(domain::DomainError::IllegalState {
            code: "crisis_process_active",
            ..
        })
    );
    let api: ApiError = err.into();
    match (is_crisis, parent) {
        (true, Some((major, manager))) => api
            .with_extension("major_incident", serde_json::json!(major))
            .with_extension("incident_manager", serde_json::json!(manager)),
        _ => api,
    }
}

/// List an incident's escalations.
///
/// The escalation history, level 1 first.
#[utoipa::path(
    tag = "escalations",
    security(("bearer" = [])),
    params(("ref" = String, Path, description = "Ticket reference, either form", example = "1-0000000042")),
    responses(
        (status = 200, description = "The escalations.", body = Vec<EscalationView>),
        (status = 401, response = crate::error::Unauthorized),
        (status = 404, response = crate::error::NotFound),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[get("/incidents/{ref}/escalations")]
pub async fn list_escalations(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let ticket = ticket_from_path(&path)?;
    let scope = caller.tenant_scope().cloned();
    let history = web::block(move || {
        state.db.read(|conn| {
            let incident = persistence::incidents::get(conn, ticket, scope.as_ref())?;
            persistence::escalations::history(conn, &incident)
        })
    })
    .await??;
    let items: Vec<EscalationView> = history.into_iter().map(EscalationView::from).collect();
    Ok(HttpResponse::Ok().json(items))
}
