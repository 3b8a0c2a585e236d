//! Major network incidents (R-MNI1–5): the NOC raises a parent ticket, an incident manager
//! coordinates, customer tickets are linked as children, and updates and resolution cascade.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use app::major_incidents::{AssignManager, MajorUpdate, RaiseMajorIncident};
use chrono::{DateTime, Utc};
use domain::{MajorIncident, MajorStatus, ServiceId, Severity, TicketRef};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::http::caller::{gate, Authenticated, Permit};
use crate::http::error::ApiError;
use crate::http::etag::{etag, if_match_version};
use crate::http::pagination::{PageOf, PageParams};
use crate::state::{read, write, AppState};

use super::incidents::{ticket_from_path, IncidentView};

/// A major incident to raise.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"summary": "Fibre cut between Slough and Reading", "description": "Third-party works.",
    "severity": "critical", "affected_service_ids": ["SVC-0001"], "region": "South East England",
    "started_at": "2026-11-28T08:55:00Z", "incident_manager_email": "incident.manager@demo.example",
    "next_update_by": "2026-11-28T10:00:00Z", "estimated_restoration_at": "2026-11-28T14:00:00Z"}))]
pub struct CreateMajorIncident {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub summary: String,
    #[validate(length(min = 1, max = 10000))]
    #[schema(min_length = 1, max_length = 10000)]
    pub description: String,
    #[schema(schema_with = crate::http::schemas::severity)]
    pub severity: Severity,
    /// Services hit; customer tickets on them are linked automatically while this is active.
    #[validate(length(max = 5000))]
    #[schema(max_items = 5000)]
    pub affected_service_ids: Vec<String>,
    /// A region hit: every service whose `region` is this one (compared without case) is
    /// affected as if named.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub region: Option<String>,
    /// When the impact began (default: now).
    pub started_at: Option<DateTime<Utc>>,
    /// The incident manager coordinating it (an active `incident_manager` account).
    #[schema(format = "email", max_length = 254)]
    pub incident_manager_email: Option<String>,
    /// When customers get the next update; still to come.
    pub next_update_by: Option<DateTime<Utc>>,
    /// When service should be restored, as far as known; still to come.
    pub estimated_restoration_at: Option<DateTime<Utc>>,
}

/// Changes to a major incident. Honours `If-Match`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMajorIncident {
    /// Assign the incident manager (an active `incident_manager` account).
    #[schema(format = "email", max_length = 254)]
    pub incident_manager_email: String,
}

/// A major network incident.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"ticket_number": "1-0000000900", "ivr_reference": "10000000900", "summary": "Fibre cut affecting London West", "description": "A third-party excavation cut a trunk fibre near Slough.", "severity": "critical", "region": "London West", "affected_service_ids": ["SVC-0003"], "started_at": "2026-11-28T09:12:00Z", "status": "active", "incident_manager_email": "incident.manager@demo.example", "next_update_by": "2026-11-28T11:00:00Z", "estimated_restoration_at": "2026-11-28T14:00:00Z", "created_at": "2026-11-28T09:20:00Z", "updated_at": "2026-11-28T10:05:00Z", "resolved_at": null, "resolution": null, "version": 3}))]
pub struct MajorIncidentView {
    /// Reference in the same space as customer tickets.
    pub ticket_number: String,
    pub ivr_reference: String,
    pub summary: String,
    pub description: String,
    #[schema(schema_with = crate::http::schemas::severity)]
    pub severity: Severity,
    pub region: Option<String>,
    /// Affected services; a customer sees only their own.
    pub affected_service_ids: Vec<String>,
    pub started_at: DateTime<Utc>,
    #[schema(schema_with = crate::http::schemas::major_status)]
    pub status: MajorStatus,
    pub incident_manager_email: Option<String>,
    /// When the next update is due, as the latest update promised.
    pub next_update_by: Option<DateTime<Utc>>,
    /// The estimated time of restoration, as the latest update gave it.
    pub estimated_restoration_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolution: Option<String>,
    pub version: i64,
}

impl MajorIncidentView {
    fn new(m: MajorIncident, visible_services: Option<Vec<String>>) -> Self {
        Self {
            ticket_number: m.ticket.to_string(),
            ivr_reference: m.ticket.ivr(),
            affected_service_ids: visible_services
                .unwrap_or_else(|| m.affected_services.iter().map(|s| s.to_string()).collect()),
            summary: m.summary,
            description: m.description,
            severity: m.severity,
            region: m.region,
            started_at: m.started_at,
            status: m.status,
            incident_manager_email: m.incident_manager_email,
            next_update_by: m.next_update_by,
            estimated_restoration_at: m.estimated_restoration_at,
            created_at: m.created_at,
            updated_at: m.updated_at,
            resolved_at: m.resolved_at,
            resolution: m.resolution,
            version: m.version,
        }
    }
}

/// An update on a major incident.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 7, "author": "user:3", "text": "Splicing team on site.", "created_at": "2026-11-28T10:05:00Z", "next_update_by": "2026-11-28T12:00:00Z", "estimated_restoration_at": "2026-11-28T14:00:00Z", "cascaded_to": 14}))]
pub struct MajorUpdateView {
    pub id: i64,
    pub author: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
    /// When the next update was promised for.
    pub next_update_by: Option<DateTime<Utc>>,
    /// The estimated time of restoration it gave.
    pub estimated_restoration_at: Option<DateTime<Utc>>,
    /// How many linked tickets received it (only in the answer to posting it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cascaded_to: Option<usize>,
}

impl MajorUpdateView {
    fn new(u: MajorUpdate, cascaded_to: Option<usize>) -> Self {
        Self {
            id: u.id,
            author: u.author,
            text: u.text,
            created_at: u.created_at,
            next_update_by: u.outlook.next_update_by,
            estimated_restoration_at: u.outlook.estimated_restoration_at,
            cascaded_to,
        }
    }
}

/// An update for every customer concerned.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"text": "Splicing team on site.", "next_update_by": "2026-11-28T12:00:00Z",
    "estimated_restoration_at": "2026-11-28T14:00:00Z"}))]
pub struct PostMajorUpdate {
    #[validate(length(min = 1, max = 10000))]
    #[schema(min_length = 1, max_length = 10000)]
    pub text: String,
    /// When customers get the next update; still to come. Omitted: none promised.
    pub next_update_by: Option<DateTime<Utc>>,
    /// When service should be restored; still to come. Omitted: not known.
    pub estimated_restoration_at: Option<DateTime<Utc>>,
}

/// Services to name as affected.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"service_ids": ["SVC-0002"]}))]
pub struct AddAffectedServices {
    #[validate(length(min = 1, max = 5000))]
    #[schema(min_items = 1, max_items = 5000)]
    pub service_ids: Vec<String>,
}

/// Resolving a major incident.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"resolution": "Fibre spliced; all circuits restored at 13:42 UTC."}))]
pub struct ResolveMajorIncident {
    #[validate(length(min = 1, max = 10000))]
    #[schema(min_length = 1, max_length = 10000)]
    pub resolution: String,
}

/// A ticket to link as a child.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"ticket_number": "1-0000000042"}))]
pub struct LinkChild {
    /// Reference of a customer ticket, either form.
    pub ticket_number: String,
}

/// The result of resolving a major incident.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResolvedMajorIncident {
    pub major_incident: MajorIncidentView,
    /// How many open children were resolved with it.
    pub resolved_children: usize,
}

fn major_from_path(text: &str) -> Result<TicketRef, ApiError> {
    TicketRef::parse(text).map_err(|_| ApiError::not_found("major incident"))
}

/// Raise a major incident.
///
/// The NOC declares a major network incident: a parent ticket (reference from the same space as
/// customer tickets) with its impact — affected services and/or region, severity, start. Open
/// customer tickets on the affected services (named, or in the region) are linked to it now,
/// and new ones as they are raised while it is active. Every customer with an affected service
/// is told at once, ticket or not: a `major_incident.notice` event on its stream and webhooks,
/// and an email to its contacts taking major-incident notices.
#[utoipa::path(
    tag = "major incidents",
    security(("bearer" = [])),
    request_body = CreateMajorIncident,
    responses(
        (status = 201, description = "Major incident raised.", body = MajorIncidentView),
        (status = 403, response = crate::http::error::Forbidden),
    )
)]
#[post("/major-incidents")]
pub async fn raise_major_incident(
    state: web::Data<AppState>,
    caller: Permit<gate::ManageMajorIncidents>,
    body: crate::http::json::Json<CreateMajorIncident>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let body = body.into_inner();
    let cmd = RaiseMajorIncident {
        affected_services: body
            .affected_service_ids
            .iter()
            .map(|s| ServiceId::parse(s))
            .collect::<Result<Vec<_>, _>>()?,
        summary: body.summary,
        description: body.description,
        severity: body.severity,
        region: body.region,
        started_at: body.started_at,
        incident_manager_email: body.incident_manager_email,
        next_update_by: body.next_update_by,
        estimated_restoration_at: body.estimated_restoration_at,
    };
    let major = write(&state, move |conn, ctx, now| {
        app::major_incidents::raise(conn, &caller, cmd, ctx, now)
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/major-incidents/{}", major.ticket),
        ))
        .insert_header(("ETag", etag(major.version)))
        .json(MajorIncidentView::new(major, None)))
}

/// Filters of the major incident list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MajorQuery {
    /// `active` or `resolved`. Customers see active ones unless they ask otherwise.
    #[param(schema_with = crate::http::schemas::major_status)]
    pub status: Option<String>,
}

/// List major incidents.
///
/// The NOC sees all; a customer sees the major incidents affecting their services (active ones
/// by default), with only their own services listed.
#[utoipa::path(
    tag = "major incidents",
    security(("bearer" = [])),
    params(MajorQuery, PageParams),
    responses(
        (status = 200, description = "A page of major incidents.", body = PageOf<MajorIncidentView>),
    )
)]
#[get("/major-incidents")]
pub async fn list_major_incidents(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<MajorQuery>,
    page: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let (limit, cursor) = page.resolve()?;
    let status = query
        .status
        .as_deref()
        .map(MajorStatus::parse)
        .transpose()?;
    let page = read(&state, move |conn| {
        app::major_incidents::list(conn, &caller, status, cursor, limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(PageOf::from_page(page, |(m, own)| {
        MajorIncidentView::new(m, own)
    })))
}

/// Get a major incident.
///
/// A customer it does not concern gets 404.
#[utoipa::path(
    tag = "major incidents",
    security(("bearer" = [])),
    params(("ref" = String, Path, description = "Major incident reference, either form")),
    responses(
        (status = 200, description = "The major incident.", body = MajorIncidentView),
    )
)]
#[get("/major-incidents/{ref}")]
pub async fn get_major_incident(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let ticket = major_from_path(&path)?;
    let (major, own) = read(&state, move |conn| {
        app::major_incidents::get(conn, &caller, ticket)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(major.version)))
        .json(MajorIncidentView::new(major, own)))
}

/// Assign a major incident's incident manager.
///
/// NOC and incident managers. Honours `If-Match`.
#[utoipa::path(
    tag = "major incidents",
    security(("bearer" = [])),
    params(
        ("ref" = String, Path, description = "Major incident reference, either form"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read"),
    ),
    request_body = UpdateMajorIncident,
    responses(
        (status = 200, description = "The major incident.", body = MajorIncidentView),
        (status = 403, response = crate::http::error::Forbidden),
        (status = 409, response = crate::http::error::Conflict),
        (status = 412, response = crate::http::error::PreconditionFailed),
    )
)]
#[patch("/major-incidents/{ref}")]
pub async fn update_major_incident(
    state: web::Data<AppState>,
    caller: Permit<gate::ManageMajorIncidents>,
    req: HttpRequest,
    path: web::Path<String>,
    body: crate::http::json::Json<UpdateMajorIncident>,
) -> Result<HttpResponse, ApiError> {
    let ticket = major_from_path(&path)?;
    let cmd = AssignManager {
        major: ticket,
        incident_manager_email: body.into_inner().incident_manager_email,
        expected_version: if_match_version(&req)?,
    };
    let major = write(&state, move |conn, _, now| {
        app::major_incidents::assign_manager(conn, &caller, cmd, now)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(major.version)))
        .json(MajorIncidentView::new(major, None)))
}

/// Post an update on a major incident.
///
/// The update cascades, in one transaction, to the timeline of every open linked ticket and to
/// each of their customers as an event: all children or none. Every customer concerned (an
/// affected service or a linked ticket) gets one `major_incident.notice` with the text, the
/// incident manager, `next_update_by` and `estimated_restoration_at`. Promised times must be
/// still to come (422).
#[utoipa::path(
    tag = "major incidents",
    security(("bearer" = [])),
    params(("ref" = String, Path, description = "Major incident reference, either form")),
    request_body = PostMajorUpdate,
    responses(
        (status = 201, description = "Posted and cascaded.", body = MajorUpdateView),
        (status = 403, response = crate::http::error::Forbidden),
        (status = 409, response = crate::http::error::Conflict),
    )
)]
#[post("/major-incidents/{ref}/updates")]
pub async fn post_major_update(
    state: web::Data<AppState>,
    caller: Permit<gate::ManageMajorIncidents>,
    path: web::Path<String>,
    body: crate::http::json::Json<PostMajorUpdate>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let body = body.into_inner();
    let cmd = app::major_incidents::PostMajorUpdate {
        major: major_from_path(&path)?,
        text: body.text,
        next_update_by: body.next_update_by,
        estimated_restoration_at: body.estimated_restoration_at,
    };
    let (update, count) = write(&state, move |conn, _, now| {
        app::major_incidents::post_update(conn, &caller, cmd, now)
    })
    .await?;
    Ok(HttpResponse::Created().json(MajorUpdateView::new(update, Some(count))))
}

/// List a major incident's updates.
///
/// Oldest first; visible to the customers it concerns.
#[utoipa::path(
    tag = "major incidents",
    security(("bearer" = [])),
    params(("ref" = String, Path, description = "Major incident reference, either form")),
    responses(
        (status = 200, description = "The updates.", body = Vec<MajorUpdateView>),
    )
)]
#[get("/major-incidents/{ref}/updates")]
pub async fn list_major_updates(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let ticket = major_from_path(&path)?;
    let updates = read(&state, move |conn| {
        app::major_incidents::updates(conn, &caller, ticket)
    })
    .await?;
    let items: Vec<MajorUpdateView> = updates
        .into_iter()
        .map(|u| MajorUpdateView::new(u, None))
        .collect();
    Ok(HttpResponse::Ok().json(items))
}

/// Resolve a major incident.
///
/// Resolves the parent and, in the same transaction, every open linked ticket with the parent's
/// resolution; the resolution is also posted as a final update and noticed to every customer
/// concerned.
#[utoipa::path(
    tag = "major incidents",
    security(("bearer" = [])),
    params(("ref" = String, Path, description = "Major incident reference, either form")),
    request_body = ResolveMajorIncident,
    responses(
        (status = 200, description = "Resolved, with its children.", body = ResolvedMajorIncident),
        (status = 403, response = crate::http::error::Forbidden),
        (status = 409, response = crate::http::error::Conflict),
    )
)]
#[post("/major-incidents/{ref}/resolve")]
pub async fn resolve_major_incident(
    state: web::Data<AppState>,
    caller: Permit<gate::ManageMajorIncidents>,
    path: web::Path<String>,
    body: crate::http::json::Json<ResolveMajorIncident>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let ticket = major_from_path(&path)?;
    let resolution = body.into_inner().resolution;
    let (major, count) = write(&state, move |conn, ctx, now| {
        app::major_incidents::resolve(conn, &caller, ticket, &resolution, ctx, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(ResolvedMajorIncident {
        major_incident: MajorIncidentView::new(major, None),
        resolved_children: count,
    }))
}

/// Name more services as affected by a major incident.
///
/// NOC, while it is active (409 once resolved). Open tickets on the added services join it;
/// customers it did not concern yet get a `now_affected` notice with every update so far,
/// customers already concerned a notice naming their added services. Naming a service already
/// named changes nothing.
#[utoipa::path(
    tag = "major incidents",
    security(("bearer" = [])),
    params(("ref" = String, Path, description = "Major incident reference, either form")),
    request_body = AddAffectedServices,
    responses(
        (status = 200, description = "The major incident.", body = MajorIncidentView),
        (status = 403, response = crate::http::error::Forbidden),
        (status = 409, response = crate::http::error::Conflict),
    )
)]
#[post("/major-incidents/{ref}/affected-services")]
pub async fn add_affected_services(
    state: web::Data<AppState>,
    caller: Permit<gate::ManageMajorIncidents>,
    path: web::Path<String>,
    body: crate::http::json::Json<AddAffectedServices>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let ticket = major_from_path(&path)?;
    let ids = body
        .into_inner()
        .service_ids
        .iter()
        .map(|s| ServiceId::parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    let change = app::major_incidents::AffectedChange::Add(ids);
    changed_affected(&state, caller, ticket, change).await
}

/// Take a service off a major incident's affected list.
///
/// NOC, while it is active. Its customer gets a `no_longer_affected` notice; tickets already
/// linked stay linked (unlink them by hand). The last named service of a major incident that
/// names no region cannot go (409 `nothing_affected`); a service not named is 404.
#[utoipa::path(
    tag = "major incidents",
    security(("bearer" = [])),
    params(
        ("ref" = String, Path, description = "Major incident reference, either form"),
        ("service_id" = String, Path, description = "A service the major incident names"),
    ),
    responses(
        (status = 200, description = "The major incident.", body = MajorIncidentView),
        (status = 403, response = crate::http::error::Forbidden),
        (status = 409, response = crate::http::error::Conflict),
    )
)]
#[delete("/major-incidents/{ref}/affected-services/{service_id}")]
pub async fn remove_affected_service(
    state: web::Data<AppState>,
    caller: Permit<gate::ManageMajorIncidents>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (major_ref, service) = path.into_inner();
    let ticket = major_from_path(&major_ref)?;
    let service =
        ServiceId::parse(&service).map_err(|_| ApiError::not_found("affected service"))?;
    let change = app::major_incidents::AffectedChange::Remove(service);
    changed_affected(&state, caller, ticket, change).await
}

async fn changed_affected(
    state: &web::Data<AppState>,
    caller: Permit<gate::ManageMajorIncidents>,
    ticket: TicketRef,
    change: app::major_incidents::AffectedChange,
) -> Result<HttpResponse, ApiError> {
    let major = write(state, move |conn, ctx, now| {
        app::major_incidents::change_affected(conn, &caller, ticket, change, ctx, now)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(major.version)))
        .json(MajorIncidentView::new(major, None)))
}

/// Link a ticket to a major incident.
///
/// NOC: the ticket joins the crisis process, receives the parent's earlier updates, and is no
/// longer escalated on its own. A major incident cannot become a child, and a child has one
/// parent (409).
#[utoipa::path(
    tag = "major incidents",
    security(("bearer" = [])),
    params(("ref" = String, Path, description = "Major incident reference, either form")),
    request_body = LinkChild,
    responses(
        (status = 200, description = "The linked ticket.", body = IncidentView),
        (status = 403, response = crate::http::error::Forbidden),
        (status = 409, response = crate::http::error::Conflict),
    )
)]
#[post("/major-incidents/{ref}/children")]
pub async fn link_child(
    state: web::Data<AppState>,
    caller: Permit<gate::ManageMajorIncidents>,
    path: web::Path<String>,
    body: crate::http::json::Json<LinkChild>,
) -> Result<HttpResponse, ApiError> {
    let ticket = major_from_path(&path)?;
    let child = TicketRef::parse(&body.ticket_number)?;
    let incident = write(&state, move |conn, ctx, now| {
        app::major_incidents::link_child(conn, &caller, ticket, child, ctx, now)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(incident.version)))
        .json(IncidentView::new(incident, state.sla(), true, app::now())))
}

/// Unlink a ticket from a major incident.
///
/// NOC: the ticket leaves the crisis process and follows its own course again.
#[utoipa::path(
    tag = "major incidents",
    security(("bearer" = [])),
    params(
        ("ref" = String, Path, description = "Major incident reference, either form"),
        ("child" = String, Path, description = "Linked ticket reference, either form"),
    ),
    responses(
        (status = 200, description = "The unlinked ticket.", body = IncidentView),
        (status = 403, response = crate::http::error::Forbidden),
        (status = 409, response = crate::http::error::Conflict),
    )
)]
#[delete("/major-incidents/{ref}/children/{child}")]
pub async fn unlink_child(
    state: web::Data<AppState>,
    caller: Permit<gate::ManageMajorIncidents>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (major_ref, child_ref) = path.into_inner();
    let ticket = major_from_path(&major_ref)?;
    let child = ticket_from_path(&child_ref)?;
    let incident = write(&state, move |conn, ctx, now| {
        app::major_incidents::unlink_child(conn, &caller, ticket, child, ctx, now)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(incident.version)))
        .json(IncidentView::new(incident, state.sla(), true, app::now())))
}

/// List a major incident's linked tickets.
///
/// The NOC sees every child; a customer sees only their own tickets.
#[utoipa::path(
    tag = "major incidents",
    security(("bearer" = [])),
    params(("ref" = String, Path, description = "Major incident reference, either form"), PageParams),
    responses(
        (status = 200, description = "A page of linked tickets.", body = PageOf<IncidentView>),
    )
)]
#[get("/major-incidents/{ref}/children")]
pub async fn list_children(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    page: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let ticket = major_from_path(&path)?;
    let (limit, cursor) = page.resolve()?;
    let staff = !caller.role.is_customer_side();
    let page = read(&state, move |conn| {
        app::major_incidents::children(conn, &caller, ticket, cursor, limit)
    })
    .await?;
    let at = app::now();
    Ok(HttpResponse::Ok().json(PageOf::from_page(page, |i| {
        IncidentView::new(i, state.sla(), staff, at)
    })))
}
