//! Customer companies: `POST /customers` (admin), `GET /customers`, `GET /customers/{number}`.

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use domain::{Customer, CustomerNumber};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::pagination::{PageOf, PageParams};
use crate::state::{now, AppState};

/// A customer company to register.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"customer_number": "OCN-1001", "name": "Acme Ltd"}))]
pub struct CreateCustomer {
    /// Customer number (OCN): 3–32 letters, digits and dashes.
    #[schema(
        min_length = 3,
        max_length = 32,
        pattern = "^[A-Za-z0-9][A-Za-z0-9-]{2,31}$",
        example = "OCN-1001"
    )]
    pub customer_number: String,
    /// Company name.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200, example = "Acme Ltd")]
    pub name: String,
}

/// A customer company.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"customer_number": "OCN-1001", "name": "Acme Ltd", "created_at": "2026-11-28T10:00:00Z"}))]
pub struct CustomerView {
    pub customer_number: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

impl From<Customer> for CustomerView {
    fn from(c: Customer) -> Self {
        Self {
            customer_number: c.customer_number.to_string(),
            name: c.name,
            created_at: c.created_at,
        }
    }
}

/// Register a customer.
///
/// Admins only. The customer number must be new.
#[utoipa::path(
    tag = "customers",
    security(("bearer" = [])),
    request_body = CreateCustomer,
    responses(
        (status = 201, description = "Customer registered.", body = CustomerView,
            headers(("Location" = String, description = "URL of the new customer"))),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 403, response = crate::error::Forbidden),
        (status = 409, response = crate::error::Conflict),
        (status = 422, response = crate::error::Unprocessable),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[post("/customers")]
pub async fn create_customer(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: web::Json<CreateCustomer>,
) -> Result<HttpResponse, ApiError> {
    if !caller.can_administer_inventory() {
        return Err(ApiError::forbidden("only admins register customers"));
    }
    body.validate()?;
    let number = CustomerNumber::parse(&body.customer_number)?;
    let body = body.into_inner();
    let customer = web::block(move || {
        state
            .db
            .write(|conn| persistence::customers::create(conn, &number, body.name.trim(), now()))
    })
    .await??;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/customers/{}", customer.customer_number),
        ))
        .json(CustomerView::from(customer)))
}

/// List customers.
///
/// Provider staff see every customer; customer users see only their own company.
#[utoipa::path(
    tag = "customers",
    security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, description = "A page of customers.", body = PageOf<CustomerView>),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 422, response = crate::error::Unprocessable),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[get("/customers")]
pub async fn list_customers(
    state: web::Data<AppState>,
    caller: Authenticated,
    page: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let (limit, cursor) = page.resolve()?;
    let scope = caller.tenant_scope().cloned();
    let page = web::block(move || {
        state
            .db
            .read(|conn| persistence::customers::list(conn, scope.as_ref(), cursor, limit))
    })
    .await??;
    Ok(HttpResponse::Ok().json(PageOf::from_page(page, CustomerView::from)))
}

/// Get a customer.
///
/// Customer users can read only their own company; any other number answers 404.
#[utoipa::path(
    tag = "customers",
    security(("bearer" = [])),
    params(("customer_number" = String, Path, description = "Customer number (OCN)", example = "OCN-1001")),
    responses(
        (status = 200, description = "The customer.", body = CustomerView),
        (status = 401, response = crate::error::Unauthorized),
        (status = 404, response = crate::error::NotFound),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[get("/customers/{customer_number}")]
pub async fn get_customer(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let number = CustomerNumber::parse(&path).map_err(|_| ApiError::not_found("customer"))?;
    if !caller.can_see_customer(&number) {
        return Err(ApiError::not_found("customer"));
    }
    let customer = web::block(move || {
        state
            .db
            .read(|conn| persistence::customers::get(conn, &number))
    })
    .await??;
    Ok(HttpResponse::Ok().json(CustomerView::from(customer)))
}
