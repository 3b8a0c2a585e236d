//! The contact management centre (R-CON1): a company's contacts and which notices each receives.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use app::contacts::{ContactChanges, NewContact, Notices};
use chrono::{DateTime, Utc};
use domain::{Contact, CustomerNumber};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::http::caller::{gate, Authenticated, Permit};
use crate::http::error::ApiError;
use crate::http::etag::{etag, if_match_version};
use crate::http::pagination::{PageOf, PageParams};
use crate::state::{read, write, AppState};

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
    /// Last month's service report (availability, SLA figures per service), mailed on the
    /// first working day of each month.
    #[serde(default)]
    pub service_reports: bool,
}

/// A contact to add.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"name": "NOC Desk", "email": "noc@acme.example", "phone": "+44 20 7946 0100",
    "notices": {"incident_updates": true, "major_incidents": true, "planned_works": true, "escalations": false, "service_reports": true}}))]
pub struct CreateContact {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[validate(email, length(max = 254))]
    #[schema(format = "email", max_length = 254)]
    pub email: String,
    #[validate(
        length(min = 5, max = 40),
        custom(function = "crate::http::validation::phone")
    )]
    #[schema(
        min_length = 5,
        max_length = 40,
        pattern = r"^ *\+?(?:[ ()./-]*[0-9]){5}[0-9 ()./-]*$"
    )]
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
        custom(function = "crate::http::validation::phone")
    )]
    #[schema(
        min_length = 5,
        max_length = 40,
        pattern = r"^ *\+?(?:[ ()./-]*[0-9]){5}[0-9 ()./-]*$"
    )]
    pub phone: Option<String>,
    pub notices: Option<Subscriptions>,
}

/// A contact.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 3, "customer_number": "OCN-1001", "name": "Network Operations", "email": "noc@acme.example", "phone": "+44 20 7946 0111", "notices": {"incident_updates": true, "major_incidents": true, "planned_works": true, "escalations": false, "service_reports": true}, "confirmed_at": "2026-11-02T10:20:00Z", "created_at": "2026-11-02T10:15:00Z", "updated_at": "2026-11-20T08:00:00Z", "version": 2}))]
pub struct ContactView {
    pub id: i64,
    pub customer_number: String,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub notices: Subscriptions,
    /// When someone at the address confirmed it with the code mailed there; `null` until then,
    /// and no notice is mailed to an unconfirmed address.
    pub confirmed_at: Option<DateTime<Utc>>,
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
                service_reports: c.service_reports,
            },
            name: c.name,
            email: c.email,
            phone: c.phone,
            confirmed_at: c.confirmed_at,
            created_at: c.created_at,
            updated_at: c.updated_at,
            version: c.version,
        }
    }
}

/// Add a contact.
///
/// Customer admins for their company (admins for any). Emails are validated and unique within
/// the company; a company has at most `CONTACTS_PER_COMPANY` (default 500) contacts, one more is
/// 409 `too_many_contacts`. The address is sent a code to confirm it with
/// (`POST /contact-confirmations`); until then (`confirmed_at` is `null`) no notice goes there.
#[utoipa::path(
    tag = "contacts",
    security(("bearer" = [])),
    request_body = CreateContact,
    responses(
        (status = 201, description = "Added.", body = ContactView),
        (status = 403, response = crate::http::error::Forbidden),
        (status = 409, response = crate::http::error::Conflict),
    )
)]
#[post("/contacts")]
pub async fn create_contact(
    state: web::Data<AppState>,
    caller: Permit<gate::ManageContacts>,
    body: crate::http::json::Json<CreateContact>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let body = body.into_inner();
    // A customer naming another company (or a malformed number) is told it is not its own.
    let customer_number = match (caller.tenant_scope(), body.customer_number.as_deref()) {
        (Some(_), Some(given)) => Some(CustomerNumber::parse(given).map_err(|_| {
            ApiError::field("customer_number", "not_yours", "must be your own company")
        })?),
        (None, Some(given)) => Some(CustomerNumber::parse(given)?),
        (_, None) => None,
    };
    let new = NewContact {
        customer_number,
        name: body.name,
        email: body.email,
        phone: body.phone,
        notices: body.notices.into(),
    };
    let saved = write(&state, move |conn, ctx, now| {
        app::contacts::create(conn, &caller, new, ctx, now)
    })
    .await?;
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
    )
)]
#[get("/contacts")]
pub async fn list_contacts(
    state: web::Data<AppState>,
    caller: Authenticated,
    page: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let (limit, cursor) = page.resolve()?;
    let page = read(&state, move |conn| {
        app::contacts::list(conn, &caller, cursor, limit)
    })
    .await?;
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
    )
)]
#[get("/contacts/{id}")]
pub async fn get_contact(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let c = read(&state, move |conn| app::contacts::get(conn, &caller, id)).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(c.version)))
        .json(ContactView::from(c)))
}

/// Change a contact.
///
/// Customer admins. Honours `If-Match`. A new email address must be confirmed again: the old
/// code no longer works, and a new one is mailed to the new address.
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
        (status = 403, response = crate::http::error::Forbidden),
        (status = 409, response = crate::http::error::Conflict),
        (status = 412, response = crate::http::error::PreconditionFailed),
    )
)]
#[patch("/contacts/{id}")]
pub async fn update_contact(
    state: web::Data<AppState>,
    caller: Permit<gate::ManageContacts>,
    req: HttpRequest,
    path: web::Path<i64>,
    body: crate::http::json::Json<UpdateContact>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let expected = if_match_version(&req)?;
    let id = path.into_inner();
    let body = body.into_inner();
    let changes = ContactChanges {
        name: body.name,
        email: body.email,
        phone: body.phone,
        notices: body.notices.map(Into::into),
    };
    let saved = write(&state, move |conn, _, now| {
        app::contacts::update(conn, &caller, id, changes, expected, now)
    })
    .await?;
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
        (status = 403, response = crate::http::error::Forbidden),
    )
)]
#[delete("/contacts/{id}")]
pub async fn delete_contact(
    state: web::Data<AppState>,
    caller: Permit<gate::ManageContacts>,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    write(&state, move |conn, _, _| {
        app::contacts::delete(conn, &caller, id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Send the confirmation code again.
///
/// Customer admins, for a contact whose address is not confirmed yet (the mail was lost, or its
/// code expired after 7 days); a confirmed one is 409 `already_confirmed`.
#[utoipa::path(
    tag = "contacts",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Contact id")),
    responses(
        (status = 202, description = "A new code is on its way.", body = ContactView),
        (status = 403, response = crate::http::error::Forbidden),
        (status = 409, response = crate::http::error::Conflict),
    )
)]
#[post("/contacts/{id}/confirmation")]
pub async fn resend_confirmation(
    state: web::Data<AppState>,
    caller: Permit<gate::ManageContacts>,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let c = write(&state, move |conn, _, now| {
        app::contacts::request_confirmation(conn, &caller, id, now)
    })
    .await?;
    Ok(HttpResponse::Accepted()
        .insert_header(("ETag", etag(c.version)))
        .json(ContactView::from(c)))
}

/// The code mailed to a contact's address.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"token": "3.1796630400.5f0c6a3d9e8b7a6f5e4d3c2b1a09f8e7"}))]
pub struct ConfirmContact {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub token: String,
}

/// A confirmed address.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"email": "noc@acme.example", "customer_number": "OCN-1001", "confirmed_at": "2026-11-02T10:20:00Z"}))]
pub struct ContactConfirmed {
    pub email: String,
    pub customer_number: String,
    pub confirmed_at: DateTime<Utc>,
}

/// Confirm a contact's address.
///
/// No authentication: the code mailed to the address is the proof. Service notices are mailed
/// to it from now on. Confirming twice is harmless. A code that is unknown, expired (7 days), or
/// for an address the contact no longer has is 404.
#[utoipa::path(
    tag = "contacts",
    security(()),
    request_body = ConfirmContact,
    responses(
        (status = 200, description = "Confirmed.", body = ContactConfirmed),
        (status = 404, response = crate::http::error::NotFound),
    )
)]
#[post("/contact-confirmations")]
pub async fn confirm_contact(
    state: web::Data<AppState>,
    body: crate::http::json::Json<ConfirmContact>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let token = body.into_inner().token;
    let c = write(&state, move |conn, ctx, now| {
        app::contacts::confirm(conn, &token, ctx, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(ContactConfirmed {
        email: c.email,
        customer_number: c.customer_number.to_string(),
        confirmed_at: c.confirmed_at.unwrap_or(c.updated_at),
    }))
}

impl From<Subscriptions> for Notices {
    fn from(s: Subscriptions) -> Self {
        Notices {
            incident_updates: s.incident_updates,
            major_incidents: s.major_incidents,
            planned_works: s.planned_works,
            escalations: s.escalations,
            service_reports: s.service_reports,
        }
    }
}
