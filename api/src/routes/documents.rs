//! RFO and Incident Report requests (R-INC7): customers (or the desk) request them on a ticket,
//! the desk prepares and delivers the document or rejects the request with a reason.

use actix_web::{get, post, web, HttpResponse};
use app::documents::{DeskStep, DocumentFilter};
use chrono::{DateTime, Utc};
use domain::{Caller, DocumentKind, DocumentRequest, DocumentStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::http::caller::{gate, Authenticated, Permit};
use crate::http::error::ApiError;
use crate::http::pagination::{PageOf, PageParams};
use crate::state::{read, write, AppState};

use super::incidents::ticket_from_path;

/// A request for a document, with an optional note for the desk.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"note": "Our board needs the RFO by Friday."}))]
pub struct RequestDocument {
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// The document, delivered.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"document_text": "On 28 Nov at 09:12 UTC a third-party excavation cut…",
    "document_attachment_id": 7}))]
pub struct DeliverDocument {
    #[validate(length(min = 1, max = 100000))]
    #[schema(min_length = 1, max_length = 100000)]
    pub document_text: String,
    /// Optional link to an attachment: an `http` or `https` URL (any other scheme is 422).
    #[validate(url, length(max = 2000))]
    #[schema(
        format = "uri",
        pattern = "^[Hh][Tt][Tt][Pp][Ss]?://",
        max_length = 2000
    )]
    pub document_url: Option<String>,
    /// The document as a file: a public attachment of the ticket (upload it first with
    /// `POST /api/v1/incidents/{ref}/attachments`). The customer downloads it from the request;
    /// it can no longer be removed.
    #[validate(range(min = 1))]
    #[schema(minimum = 1, example = 7)]
    pub document_attachment_id: Option<i64>,
}

/// Why the request is refused.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"reason": "No outage was recorded on this circuit."}))]
pub struct RejectDocument {
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

/// An RFO or Incident Report request.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 12, "ticket_number": "1-0000000042", "customer_number": "OCN-1001", "kind": "rfo", "status": "delivered", "note": "Our board needs the RFO by Friday.", "requested_by": "user:6", "requested_at": "2026-11-21T09:00:00Z", "updated_at": "2026-11-24T16:30:00Z", "document_text": "On 20 Nov at 09:12 UTC a third-party excavation cut the fibre near Slough; service was restored at 12:40 UTC.", "document_url": null, "document_attachment_id": 7, "document_content_url": "/api/v1/incidents/1-0000000042/attachments/7/content", "rejection_reason": null}))]
pub struct DocumentRequestView {
    pub id: i64,
    pub ticket_number: String,
    pub customer_number: String,
    #[schema(schema_with = crate::http::schemas::document_kind)]
    pub kind: DocumentKind,
    #[schema(schema_with = crate::http::schemas::document_status)]
    pub status: DocumentStatus,
    pub note: Option<String>,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The document, once delivered.
    pub document_text: Option<String>,
    pub document_url: Option<String>,
    /// The document as a file: the ticket's attachment, and where to download it.
    pub document_attachment_id: Option<i64>,
    pub document_content_url: Option<String>,
    pub rejection_reason: Option<String>,
}

impl From<DocumentRequest> for DocumentRequestView {
    fn from(d: DocumentRequest) -> Self {
        Self {
            id: d.id,
            ticket_number: d.ticket.to_string(),
            customer_number: d.customer_number.to_string(),
            kind: d.kind,
            status: d.status,
            note: d.note,
            requested_by: d.requested_by,
            requested_at: d.requested_at,
            updated_at: d.updated_at,
            document_text: d.document_text,
            document_url: d.document_url,
            document_attachment_id: d.document_attachment,
            document_content_url: d
                .document_attachment
                .map(|id| format!("/api/v1/incidents/{}/attachments/{id}/content", d.ticket)),
            rejection_reason: d.rejection_reason,
        }
    }
}

async fn file_request(
    state: web::Data<AppState>,
    caller: Caller,
    path: String,
    body: RequestDocument,
    kind: DocumentKind,
) -> Result<HttpResponse, ApiError> {
    let ticket = ticket_from_path(&path)?;
    body.validate()?;
    let cmd = app::documents::RequestDocument {
        ticket,
        kind,
        note: body.note,
    };
    let request = write(&state, move |conn, _, now| {
        app::documents::request(conn, &caller, cmd, now)
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/document-requests/{}", request.id),
        ))
        .json(DocumentRequestView::from(request)))
}

async fn list_for_ticket(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: String,
    page: PageParams,
    kind: DocumentKind,
) -> Result<HttpResponse, ApiError> {
    let ticket = ticket_from_path(&path)?;
    let (limit, cursor) = page.resolve()?;
    let page = read(&state, move |conn| {
        app::documents::for_ticket(conn, &caller, ticket, kind, cursor, limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(PageOf::from_page(page, DocumentRequestView::from)))
}

/// Request a Reason For Outage.
///
/// Files an RFO request on the ticket (`requested`); the desk prepares and delivers it, and the
/// timeline records each step. One open RFO request per ticket (409 otherwise).
#[utoipa::path(
    tag = "documents",
    security(("bearer" = [])),
    params(("ref" = String, Path, description = "Ticket reference, either form", example = "1-0000000042")),
    request_body = RequestDocument,
    responses(
        (status = 201, description = "Request filed.", body = DocumentRequestView),
        (status = 403, response = crate::http::error::Forbidden),
        (status = 409, response = crate::http::error::Conflict),
    )
)]
#[post("/incidents/{ref}/rfo-requests")]
pub async fn request_rfo(
    state: web::Data<AppState>,
    caller: Permit<gate::FollowIncident>,
    path: web::Path<String>,
    body: crate::http::json::Json<RequestDocument>,
) -> Result<HttpResponse, ApiError> {
    file_request(
        state,
        caller.0,
        path.into_inner(),
        body.into_inner(),
        DocumentKind::Rfo,
    )
    .await
}

/// Request an Incident Report.
///
/// As for RFOs: one open Incident Report request per ticket.
#[utoipa::path(
    tag = "documents",
    security(("bearer" = [])),
    params(("ref" = String, Path, description = "Ticket reference, either form", example = "1-0000000042")),
    request_body = RequestDocument,
    responses(
        (status = 201, description = "Request filed.", body = DocumentRequestView),
        (status = 403, response = crate::http::error::Forbidden),
        (status = 409, response = crate::http::error::Conflict),
    )
)]
#[post("/incidents/{ref}/incident-report-requests")]
pub async fn request_incident_report(
    state: web::Data<AppState>,
    caller: Permit<gate::FollowIncident>,
    path: web::Path<String>,
    body: crate::http::json::Json<RequestDocument>,
) -> Result<HttpResponse, ApiError> {
    let kind = DocumentKind::IncidentReport;
    file_request(state, caller.0, path.into_inner(), body.into_inner(), kind).await
}

/// List a ticket's RFO requests.
///
/// Oldest first, with their documents once delivered.
#[utoipa::path(
    tag = "documents",
    security(("bearer" = [])),
    params(("ref" = String, Path, description = "Ticket reference, either form"), PageParams),
    responses(
        (status = 200, description = "A page of requests.", body = PageOf<DocumentRequestView>),
    )
)]
#[get("/incidents/{ref}/rfo-requests")]
pub async fn list_rfo_requests(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    page: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    list_for_ticket(
        state,
        caller,
        path.into_inner(),
        page.into_inner(),
        DocumentKind::Rfo,
    )
    .await
}

/// List a ticket's Incident Report requests.
///
/// Oldest first, with their documents once delivered.
#[utoipa::path(
    tag = "documents",
    security(("bearer" = [])),
    params(("ref" = String, Path, description = "Ticket reference, either form"), PageParams),
    responses(
        (status = 200, description = "A page of requests.", body = PageOf<DocumentRequestView>),
    )
)]
#[get("/incidents/{ref}/incident-report-requests")]
pub async fn list_incident_report_requests(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    page: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let kind = DocumentKind::IncidentReport;
    list_for_ticket(state, caller, path.into_inner(), page.into_inner(), kind).await
}

/// Filters of the request list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocumentQuery {
    /// `rfo` or `incident_report`.
    #[param(schema_with = crate::http::schemas::document_kind)]
    pub kind: Option<String>,
    /// `requested`, `in_preparation`, `delivered` or `rejected`.
    #[param(
        max_length = 20,
        pattern = "^(requested|in_preparation|delivered|rejected)$"
    )]
    pub status: Option<String>,
}

/// List RFO and Incident Report requests.
///
/// Customers see their own company's requests, the desk sees all: the desk's work queue is
/// `?status=requested`.
#[utoipa::path(
    tag = "documents",
    security(("bearer" = [])),
    params(DocumentQuery, PageParams),
    responses(
        (status = 200, description = "A page of requests.", body = PageOf<DocumentRequestView>),
    )
)]
#[get("/document-requests")]
pub async fn list_document_requests(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<DocumentQuery>,
    page: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let (limit, cursor) = page.resolve()?;
    let filter = DocumentFilter {
        scope: None,
        ticket: None,
        kind: query.kind.as_deref().map(DocumentKind::parse).transpose()?,
        status: query
            .status
            .as_deref()
            .map(DocumentStatus::parse)
            .transpose()?,
    };
    let page = read(&state, move |conn| {
        app::documents::list(conn, &caller, filter, cursor, limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(PageOf::from_page(page, DocumentRequestView::from)))
}

/// Get an RFO or Incident Report request.
///
/// Another company's request answers 404.
#[utoipa::path(
    tag = "documents",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Request id")),
    responses(
        (status = 200, description = "The request.", body = DocumentRequestView),
    )
)]
#[get("/document-requests/{id}")]
pub async fn get_document_request(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let request = read(&state, move |conn| app::documents::get(conn, &caller, id)).await?;
    Ok(HttpResponse::Ok().json(DocumentRequestView::from(request)))
}

/// What the desk does with a request.
async fn act_on_request(
    state: web::Data<AppState>,
    caller: Caller,
    id: i64,
    step: DeskStep,
) -> Result<HttpResponse, ApiError> {
    let request = write(&state, move |conn, _, now| {
        app::documents::work_on(conn, &caller, id, step, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(DocumentRequestView::from(request)))
}

/// Start preparing a requested document.
///
/// Service desk: `requested → in_preparation`.
#[utoipa::path(
    tag = "documents",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Request id")),
    responses(
        (status = 200, description = "The request.", body = DocumentRequestView),
        (status = 403, response = crate::http::error::Forbidden),
        (status = 409, response = crate::http::error::Conflict),
    )
)]
#[post("/document-requests/{id}/start")]
pub async fn start_document(
    state: web::Data<AppState>,
    caller: Permit<gate::WorkIncidents>,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    act_on_request(state, caller.0, path.into_inner(), DeskStep::Start).await
}

/// Deliver a requested document.
///
/// Service desk: the document text and an optional attachment link; the request becomes
/// `delivered` and the ticket's timeline tells the customer.
#[utoipa::path(
    tag = "documents",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Request id")),
    request_body = DeliverDocument,
    responses(
        (status = 200, description = "The delivered request.", body = DocumentRequestView),
        (status = 403, response = crate::http::error::Forbidden),
        (status = 409, response = crate::http::error::Conflict),
    )
)]
#[post("/document-requests/{id}/deliver")]
pub async fn deliver_document(
    state: web::Data<AppState>,
    caller: Permit<gate::WorkIncidents>,
    path: web::Path<i64>,
    body: crate::http::json::Json<DeliverDocument>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let body = body.into_inner();
    let step = DeskStep::Deliver {
        document_text: body.document_text,
        document_url: body.document_url,
        document_attachment_id: body.document_attachment_id,
    };
    act_on_request(state, caller.0, path.into_inner(), step).await
}

/// Reject a document request.
///
/// Service desk: refuses the request with a reason the customer sees.
#[utoipa::path(
    tag = "documents",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Request id")),
    request_body = RejectDocument,
    responses(
        (status = 200, description = "The rejected request.", body = DocumentRequestView),
        (status = 403, response = crate::http::error::Forbidden),
        (status = 409, response = crate::http::error::Conflict),
    )
)]
#[post("/document-requests/{id}/reject")]
pub async fn reject_document(
    state: web::Data<AppState>,
    caller: Permit<gate::WorkIncidents>,
    path: web::Path<i64>,
    body: crate::http::json::Json<RejectDocument>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let step = DeskStep::Reject {
        reason: body.into_inner().reason,
    };
    act_on_request(state, caller.0, path.into_inner(), step).await
}
