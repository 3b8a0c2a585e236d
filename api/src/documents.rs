//! RFO and Incident Report requests (R-INC7): customers (or the desk) request them on a ticket,
//! the desk prepares and delivers the document or rejects the request with a reason.

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use domain::{Caller, DocumentKind, DocumentRequest, DocumentStatus};
use persistence::documents::DocumentFilter;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::incidents::ticket_from_path;
use crate::pagination::{PageOf, PageParams};
use crate::state::{now, AppState};

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
    "document_url": "https://docs.example.com/rfo/1-0000000042.pdf"}))]
pub struct DeliverDocument {
    #[validate(length(min = 1, max = 100000))]
    #[schema(min_length = 1, max_length = 100000)]
    pub document_text: String,
    /// Optional link to an attachment (http or https).
    #[validate(url, length(max = 2000))]
    #[schema(format = "uri", max_length = 2000)]
    pub document_url: Option<String>,
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
#[schema(example = json!({"id": 12, "ticket_number": "1-0000000042", "customer_number": "OCN-1001", "kind": "rfo", "status": "delivered", "note": "Our board needs the RFO by Friday.", "requested_by": "user:6", "requested_at": "2026-11-21T09:00:00Z", "updated_at": "2026-11-24T16:30:00Z", "document_text": "On 20 Nov at 09:12 UTC a third-party excavation cut the fibre near Slough; service was restored at 12:40 UTC.", "document_url": null, "rejection_reason": null}))]
pub struct DocumentRequestView {
    pub id: i64,
    pub ticket_number: String,
    pub customer_number: String,
    #[schema(schema_with = crate::schemas::document_kind)]
    pub kind: DocumentKind,
    #[schema(schema_with = crate::schemas::document_status)]
    pub status: DocumentStatus,
    pub note: Option<String>,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The document, once delivered.
    pub document_text: Option<String>,
    pub document_url: Option<String>,
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
            rejection_reason: d.rejection_reason,
        }
    }
}

fn may_request(caller: &Caller) -> Result<(), ApiError> {
    if caller.role.is_customer_side() || caller.works_incidents() {
        Ok(())
    } else {
        Err(ApiError::forbidden("your role does not request documents"))
    }
}

async fn file_request(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: String,
    body: RequestDocument,
    kind: DocumentKind,
) -> Result<HttpResponse, ApiError> {
    let ticket = ticket_from_path(&path)?;
    may_request(&caller)?;
    body.validate()?;
    let scope = caller.tenant_scope().cloned();
    let by = caller.subject.clone();
    let note = body
        .note
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());
    let request = web::block(move || {
        state.db.write(|conn| {
            let incident = persistence::incidents::get(conn, ticket, scope.as_ref())?;
            persistence::documents::request(conn, &incident, kind, note.as_deref(), &by, now())
        })
    })
    .await??;
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
    let scope = caller.tenant_scope().cloned();
    let page = web::block(move || {
        state.db.read(|conn| {
            persistence::incidents::get(conn, ticket, scope.as_ref())?;
            let filter = DocumentFilter {
                scope,
                ticket: Some(ticket),
                kind: Some(kind),
                status: None,
            };
            persistence::documents::list(conn, &filter, cursor, limit)
        })
    })
    .await??;
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
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
        (status = 409, response = crate::error::Conflict),
        (status = 422, response = crate::error::Unprocessable),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[post("/incidents/{ref}/rfo-requests")]
pub async fn request_rfo(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    body: web::Json<RequestDocument>,
) -> Result<HttpResponse, ApiError> {
    file_request(
        state,
        caller,
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
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
        (status = 409, response = crate::error::Conflict),
        (status = 422, response = crate::error::Unprocessable),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[post("/incidents/{ref}/incident-report-requests")]
pub async fn request_incident_report(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    body: web::Json<RequestDocument>,
) -> Result<HttpResponse, ApiError> {
    let kind = DocumentKind::IncidentReport;
    file_request(state, caller, path.into_inner(), body.into_inner(), kind).await
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
        (status = 401, response = crate::error::Unauthorized),
        (status = 404, response = crate::error::NotFound),
        (status = 422, response = crate::error::Unprocessable),
        (status = 503, response = crate::error::ServiceUnavailable),
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
        (status = 401, response = crate::error::Unauthorized),
        (status = 404, response = crate::error::NotFound),
        (status = 422, response = crate::error::Unprocessable),
        (status = 503, response = crate::error::ServiceUnavailable),
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
    #[param(max_length = 20, pattern = "^(rfo|incident_report)$")]
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
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 422, response = crate::error::Unprocessable),
        (status = 503, response = crate::error::ServiceUnavailable),
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
        scope: caller.tenant_scope().cloned(),
        ticket: None,
        kind: query.kind.as_deref().map(DocumentKind::parse).transpose()?,
        status: query
            .status
            .as_deref()
            .map(DocumentStatus::parse)
            .transpose()?,
    };
    let page = web::block(move || {
        state
            .db
            .read(|conn| persistence::documents::list(conn, &filter, cursor, limit))
    })
    .await??;
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
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 404, response = crate::error::NotFound),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[get("/document-requests/{id}")]
pub async fn get_document_request(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let scope = caller.tenant_scope().cloned();
    let request = web::block(move || {
        state
            .db
            .read(|conn| persistence::documents::get(conn, id, scope.as_ref()))
    })
    .await??;
    Ok(HttpResponse::Ok().json(DocumentRequestView::from(request)))
}

/// What the desk does with a request.
enum DeskAction {
    Start,
    Deliver(DeliverDocument),
    Reject(RejectDocument),
}

async fn act_on_request(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: i64,
    action: DeskAction,
) -> Result<HttpResponse, ApiError> {
    if !caller.works_incidents() {
        return Err(ApiError::forbidden(
            "only the service desk prepares documents",
        ));
    }
    match &action {
        DeskAction::Deliver(body) => body.validate()?,
        DeskAction::Reject(body) => body.validate()?,
        DeskAction::Start => {}
    }
    let actor = caller.subject.clone();
    let request = web::block(move || {
        let at = now();
        state.db.write(|conn| {
            persistence::documents::change(conn, id, &actor, at, |request| {
                let title = request.kind.title();
                Ok(match action {
                    DeskAction::Start => {
                        request.start(at)?;
                        format!("{title} in preparation")
                    }
                    DeskAction::Deliver(body) => {
                        request.deliver(&body.document_text, body.document_url.as_deref(), at)?;
                        format!("{title} delivered")
                    }
                    DeskAction::Reject(body) => {
                        request.reject(&body.reason, at)?;
                        format!("{title} request rejected: {}", body.reason.trim())
                    }
                })
            })
        })
    })
    .await??;
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
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
        (status = 409, response = crate::error::Conflict),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[post("/document-requests/{id}/start")]
pub async fn start_document(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    act_on_request(state, caller, path.into_inner(), DeskAction::Start).await
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
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
        (status = 409, response = crate::error::Conflict),
        (status = 422, response = crate::error::Unprocessable),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[post("/document-requests/{id}/deliver")]
pub async fn deliver_document(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<i64>,
    body: web::Json<DeliverDocument>,
) -> Result<HttpResponse, ApiError> {
    let action = DeskAction::Deliver(body.into_inner());
    act_on_request(state, caller, path.into_inner(), action).await
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
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
        (status = 409, response = crate::error::Conflict),
        (status = 422, response = crate::error::Unprocessable),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[post("/document-requests/{id}/reject")]
pub async fn reject_document(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<i64>,
    body: web::Json<RejectDocument>,
) -> Result<HttpResponse, ApiError> {
    let action = DeskAction::Reject(body.into_inner());
    act_on_request(state, caller, path.into_inner(), action).await
}
