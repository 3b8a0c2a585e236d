//! Customer companies: `POST /customers` (admin), `GET /customers`, `GET /customers/{number}`.

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use domain::{Customer, CustomerNumber};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::http::caller::{gate, Authenticated, Permit};
use crate::http::error::ApiError;
use crate::http::pagination::{PageOf, PageParams};
use crate::state::{read, write, AppState};

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
        (status = 403, response = crate::http::error::Forbidden),
        (status = 409, response = crate::http::error::Conflict),
    )
)]
#[post("/customers")]
pub async fn create_customer(
    state: web::Data<AppState>,
    caller: Permit<gate::ManageInventory>,
    body: crate::http::json::Json<CreateCustomer>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let number = CustomerNumber::parse(&body.customer_number)?;
    let name = body.into_inner().name;
    let customer = write(&state, move |conn, _, now| {
        app::inventory::create_customer(conn, &caller, &number, &name, now)
    })
    .await?;
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
    )
)]
#[get("/customers")]
pub async fn list_customers(
    state: web::Data<AppState>,
    caller: Authenticated,
    page: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let (limit, cursor) = page.resolve()?;
    let page = read(&state, move |conn| {
        app::inventory::list_customers(conn, &caller, cursor, limit)
    })
    .await?;
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
    )
)]
#[get("/customers/{customer_number}")]
pub async fn get_customer(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let number = CustomerNumber::parse(&path).map_err(|_| ApiError::not_found("customer"))?;
    let customer = read(&state, move |conn| {
        app::inventory::get_customer(conn, &caller, &number)
    })
    .await?;
    Ok(HttpResponse::Ok().json(CustomerView::from(customer)))
}
