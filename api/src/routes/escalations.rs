//! Escalation (R-ESC1–4): the five-level matrix and sequential, peer-to-peer escalation of a
//! ticket.

use actix_web::{get, post, put, web, HttpResponse};
use app::escalations::Escalate;
use chrono::{DateTime, Utc};
use domain::{EscalatingPerson, Escalation, EscalationMatrix, MatrixLevel};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::incidents::ticket_from_path;
use crate::http::caller::{gate, Authenticated, Permit};
use crate::http::error::ApiError;
use crate::state::{read, write, AppState};

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
    )
)]
#[get("/escalation-matrix")]
pub async fn get_matrix(
    state: web::Data<AppState>,
    _caller: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let matrix = read(&state, app::escalations::matrix).await?;
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
        (status = 403, response = crate::http::error::Forbidden),
    )
)]
#[put("/escalation-matrix")]
pub async fn replace_matrix(
    state: web::Data<AppState>,
    caller: Permit<gate::EditEscalationMatrix>,
    body: crate::http::json::Json<MatrixView>,
) -> Result<HttpResponse, ApiError> {
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
    let saved = write(&state, move |conn, _, now| {
        app::escalations::replace_matrix(conn, &caller, &matrix, now)
    })
    .await?;
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
        custom(function = "crate::http::validation::phone")
    )]
    #[schema(
        min_length = 5,
        max_length = 40,
        pattern = r"^ *\+?(?:[ ()./-]*[0-9]){5}[0-9 ()./-]*$"
    )]
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
    /// Who on the customer side escalates (peer-to-peer escalation).
    // Required and not null in the contract; read as optional only to answer its absence as
    // the field error `escalated_by: required`.
    #[validate(required, nested)]
    #[schema(required = true, nullable = false)]
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
        (status = 403, response = crate::http::error::Forbidden),
        (status = 409, response = crate::http::error::Conflict),
    )
)]
#[post("/incidents/{ref}/escalations")]
pub async fn escalate(
    state: web::Data<AppState>,
    caller: Permit<gate::FollowIncident>,
    path: web::Path<String>,
    body: crate::http::json::Json<EscalateRequest>,
) -> Result<HttpResponse, ApiError> {
    let ticket = ticket_from_path(&path)?;
    body.validate()?;
    let body = body.into_inner();
    let Some(person) = body.escalated_by else {
        return Err(ApiError::field(
            "escalated_by",
            "required",
            "name the person escalating",
        ));
    };
    let cmd = Escalate {
        ticket,
        level: body.level,
        reason: body.reason,
        escalated_by: EscalatingPerson::new(&person.name, &person.job_title, &person.phone)?,
    };
    let escalation = write(&state, move |conn, ctx, now| {
        app::escalations::escalate(conn, &caller, cmd, ctx, now)
    })
    .await?;
    Ok(HttpResponse::Created().json(EscalationView::from(escalation)))
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
    )
)]
#[get("/incidents/{ref}/escalations")]
pub async fn list_escalations(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let ticket = ticket_from_path(&path)?;
    let history = read(&state, move |conn| {
        app::escalations::history(conn, &caller, ticket)
    })
    .await?;
    let items: Vec<EscalationView> = history.into_iter().map(EscalationView::from).collect();
    Ok(HttpResponse::Ok().json(items))
}
