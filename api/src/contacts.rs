//! The contact management centre (R-CON1): a company's contacts and which notices each receives.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use domain::{Caller, Contact, CustomerNumber, Role};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::etag::{etag, if_match_version};
use crate::pagination::{PageOf, PageParams};
use crate::state::{now, AppState};

/// Which notices a contact receives.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
pub struct Subscriptions {
    #[serde(default)]
    pub incident_updates: bool,
    #[serde(default)]
    pub major_incidents: bool,
    #[serde(default)]
    pub planned_works: bool,
    #[serde(default)]
    pub escalations: bool,
}

/// A contact to add.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"name": "NOC Desk", "email": "noc@acme.example", "phone": "+44 20 7946 0100",
    "notices": {"incident_updates": true, "major_incidents": true, "planned_works": true, "escalations": false}}))]
pub struct CreateContact {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[validate(email, length(max = 254))]
    #[schema(format = "email", max_length = 254)]
    pub email: String,
    #[validate(
        length(min = 5, max = 40),
        custom(function = "crate::validation::phone")
    )]
    #[schema(min_length = 5, max_length = 40)]
    pub phone: Option<String>,
    pub notices: Subscriptions,
    /// Admins only: the company (customer admins add to their own).
    #[schema(max_length = 32)]
    pub customer_number: Option<String>,
}

/// Changes to a contact; absent fields stay. Honours `If-Match`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"phone": "+44 20 7946 0111", "notices": {"incident_updates": true, "major_incidents": false, "planned_works": true, "escalations": true}}))]
pub struct UpdateContact {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[validate(email, length(max = 254))]
    #[schema(format = "email", max_length = 254)]
    pub email: Option<String>,
    #[validate(
        length(min = 5, max = 40),
        custom(function = "crate::validation::phone")
    )]
    #[schema(min_length = 5, max_length = 40)]
    pub phone: Option<String>,
    pub notices: Option<Subscriptions>,
}

/// A contact.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 3, "customer_number": "OCN-1001", "name": "Network Operations", "email": "noc@acme.example", "phone": "+44 20 7946 0111", "notices": {"incident_updates": true, "major_incidents": true, "planned_works": true, "escalations": false}, "created_at": "2026-11-02T10:15:00Z", "updated_at": "2026-11-20T08:00:00Z", "version": 2}))]
pub struct ContactView {
    pub id: i64,
    pub customer_number: String,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub notices: Subscriptions,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl From<Contact> for ContactView {
    fn from(c: Contact) -> Self {
        Self {
            id: c.id,
            customer_number: c.customer_number.to_string(),
            notices: Subscriptions {
                incident_updates: c.incident_updates,
                major_incidents: c.major_incidents,
                planned_works: c.planned_works,
                escalations: c.escalations,
            },
            name: c.name,
            email: c.email,
            phone: c.phone,
            created_at: c.created_at,
            updated_at: c.updated_at,
            version: c.version,
        }
    }
}

fn require_writer(caller: &Caller) -> Result<(), ApiError> {
    if matches!(caller.role, Role::CustomerAdmin | Role::Admin) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "contacts are managed by customer admins",
        ))
    }
}

/// Add a contact.
///
/// Customer admins for their company (admins for any). Emails are validated and unique within
/// the company.
#[utoipa::path(
    tag = "contacts",
    security(("bearer" = [])),
    request_body = CreateContact,
    responses(
        (status = 201, description = "Added.", body = ContactView),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 403, response = crate::error::Forbidden),
        (status = 409, response = crate::error::Conflict),
        (status = 422, response = crate::error::Unprocessable),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[post("/contacts")]
pub async fn create_contact(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: web::Json<CreateContact>,
) -> Result<HttpResponse, ApiError> {
    require_writer(&caller)?;
    body.validate()?;
    let body = body.into_inner();
    let customer = match (caller.tenant_scope(), body.customer_number.as_deref()) {
        (Some(own), None) => own.clone(),
        (Some(own), Some(given)) if CustomerNumber::parse(given).ok().as_ref() == Some(own) => {
            own.clone()
        }
        (Some(_), Some(_)) => {
            return Err(ApiError::field(
                "customer_number",
                "not_yours",
                "must be your own company",
            ))
        }
        (None, Some(given)) => CustomerNumber::parse(given)?,
        (None, None) => {
            return Err(ApiError::field(
                "customer_number",
                "required",
                "name the company",
            ))
        }
    };
    let at = now();
    let contact = Contact {
        id: 0,
        customer_number: customer,
        name: body.name.trim().to_owned(),
        email: body.email.trim().to_owned(),
        phone: body.phone.map(|p| p.trim().to_owned()),
        incident_updates: body.notices.incident_updates,
        major_incidents: body.notices.major_incidents,
        planned_works: body.notices.planned_works,
        escalations: body.notices.escalations,
        created_at: at,
        updated_at: at,
        version: 1,
    };
    let saved = web::block(move || {
        state.db.write(|conn| {
            persistence::customers::get(conn, &contact.customer_number).map_err(|e| match e {
                persistence::StoreError::NotFound(_) => {
                    domain::DomainError::invalid("customer_number", "no such customer").into()
                }
                other => other,
            })?;
            persistence::contacts::create(conn, &contact, at)
        })
    })
    .await??;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/contacts/{}", saved.id)))
        .insert_header(("ETag", etag(saved.version)))
        .json(ContactView::from(saved)))
}

/// List contacts.
///
/// Customer users and admins see their company's contacts; provider staff see all.
#[utoipa::path(
    tag = "contacts",
    security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, description = "A page of contacts.", body = PageOf<ContactView>),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 422, response = crate::error::Unprocessable),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[get("/contacts")]
pub async fn list_contacts(
    state: web::Data<AppState>,
    caller: Authenticated,
    page: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let (limit, cursor) = page.resolve()?;
    let scope = caller.tenant_scope().cloned();
    let page = web::block(move || {
        state
            .db
            .read(|conn| persistence::contacts::list(conn, scope.as_ref(), cursor, limit))
    })
    .await??;
    Ok(HttpResponse::Ok().json(PageOf::from_page(page, ContactView::from)))
}

/// Get a contact.
///
/// Another company's contact answers 404.
#[utoipa::path(
    tag = "contacts",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Contact id")),
    responses(
        (status = 200, description = "The contact.", body = ContactView),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 404, response = crate::error::NotFound),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[get("/contacts/{id}")]
pub async fn get_contact(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let scope = caller.tenant_scope().cloned();
    let c = web::block(move || {
        state
            .db
            .read(|conn| persistence::contacts::get(conn, id, scope.as_ref()))
    })
    .await??;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(c.version)))
        .json(ContactView::from(c)))
}

/// Change a contact.
///
/// Customer admins. Honours `If-Match`.
#[utoipa::path(
    tag = "contacts",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Contact id"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read"),
    ),
    request_body = UpdateContact,
    responses(
        (status = 200, description = "The contact.", body = ContactView),
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
#[patch("/contacts/{id}")]
pub async fn update_contact(
    state: web::Data<AppState>,
    caller: Authenticated,
    req: HttpRequest,
    path: web::Path<i64>,
    body: web::Json<UpdateContact>,
) -> Result<HttpResponse, ApiError> {
    require_writer(&caller)?;
    body.validate()?;
    let expected = if_match_version(&req)?;
    let id = path.into_inner();
    let scope = caller.tenant_scope().cloned();
    let body = body.into_inner();
    let saved = web::block(move || {
        state.db.write(|conn| {
            let mut c = persistence::contacts::get(conn, id, scope.as_ref())?;
            if expected.is_some_and(|v| v != c.version) {
                return Err(persistence::StoreError::conflict(
                    "version_mismatch",
                    "the contact changed",
                ));
            }
            if let Some(n) = body.name {
                c.name = n.trim().to_owned();
            }
            if let Some(e) = body.email {
                c.email = e.trim().to_owned();
            }
            if let Some(p) = body.phone {
                c.phone = Some(p.trim().to_owned());
            }
            if let Some(n) = body.notices {
                c.incident_updates = n.incident_updates;
                c.major_incidents = n.major_incidents;
                c.planned_works = n.planned_works;
                c.escalations = n.escalations;
            }
            persistence::contacts::save(conn, &c, now())
        })
    })
    .await??;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(saved.version)))
        .json(ContactView::from(saved)))
}

/// Remove a contact.
///
/// Customer admins. The contact receives no further notices.
#[utoipa::path(
    tag = "contacts",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Contact id")),
    responses(
        (status = 204, description = "Removed."),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[delete("/contacts/{id}")]
pub async fn delete_contact(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    require_writer(&caller)?;
    let id = path.into_inner();
    let scope = caller.tenant_scope().cloned();
    web::block(move || {
        state
            .db
            .write(|conn| persistence::contacts::delete(conn, id, scope.as_ref()))
    })
    .await??;
    Ok(HttpResponse::NoContent().finish())
}
