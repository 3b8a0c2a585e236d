//! Self-registration (R-AUTH2): a person asks for an account at their company; a customer admin
//! of that company (or an admin) approves or rejects it. The answer to a registration never says
//! whether the email or the customer number exists.

use actix_web::{get, post, web, HttpResponse};
use app::accounts::Registration;
use domain::{AccountStatus, Caller, CustomerNumber};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::accounts::UserView;
use crate::http::caller::{gate, Permit};
use crate::http::error::ApiError;
use crate::http::pagination::{PageOf, PageParams};
use crate::state::{read, run, write, AppState};

/// A request for an account.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"customer_number": "OCN-1001", "name": "Dana Example",
    "email": "dana@acme.example", "password": "correct horse battery 9"}))]
pub struct Register {
    /// Your company's customer number.
    #[schema(
        min_length = 3,
        max_length = 32,
        pattern = "^[A-Za-z0-9][A-Za-z0-9-]{2,31}$"
    )]
    pub customer_number: String,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[validate(email, length(max = 254))]
    #[schema(format = "email", max_length = 254)]
    pub email: String,
    #[schema(schema_with = crate::http::schemas::new_password)]
    pub password: String,
}

/// What happens next (always the same answer).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "pending_approval", "message": "Thank you: your company administrator or our service desk will approve the account."}))]
pub struct RegistrationAccepted {
    #[schema(example = "pending_approval")]
    pub status: String,
    pub message: String,
}

/// A rejection's reason.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"reason": "Not an employee of the customer company."}))]
pub struct RejectRegistration {
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

/// Register for an account.
///
/// No authentication. The account is created `pending`; a code is mailed to the address, and
/// once the address is verified with it (`POST /registrations/verifications`) the company's
/// customer admins can approve the account; it cannot sign in before. The answer is the same whether or not the email is already
/// registered or the customer number exists, so it reveals neither.
#[utoipa::path(
    tag = "accounts",
    security(()),
    request_body = Register,
    responses(
        (status = 202, description = "Received; pending approval.", body = RegistrationAccepted),
    )
)]
#[post("/registrations")]
pub async fn register(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    body: crate::http::json::Json<Register>,
) -> Result<HttpResponse, ApiError> {
    let peer = crate::http::client_address::of(&req);
    body.validate()?;
    let body = body.into_inner();
    let new = Registration {
        customer_number: CustomerNumber::parse(&body.customer_number)?,
        email: body.email,
        name: body.name,
        password: body.password,
    };
    run(&state, move |store, ctx, now| {
        app::accounts::register(store, new, &peer, ctx, now)
    })
    .await?;
    Ok(HttpResponse::Accepted().json(RegistrationAccepted {
        status: "pending_approval".into(),
        message:
            "If the details match a customer of ours, the company's administrator will review \
                  the request; you can sign in once it is approved."
                .into(),
    }))
}

/// The code mailed to a registration's address.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"token": "41.1796630400.9c2e4b6a8d0f1e3c5a7b9d1f3e5c7a9b"}))]
pub struct VerifyEmail {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub token: String,
}

/// A verified registration.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"email": "dana@acme.example", "status": "pending_approval"}))]
pub struct EmailVerified {
    pub email: String,
    /// Still `pending_approval`: the company's administrator decides next.
    #[schema(example = "pending_approval")]
    pub status: String,
}

/// Verify a registration's email address.
///
/// No authentication: the code mailed to the address is the proof. The company's customer admins
/// can then approve the registration. Verifying twice is harmless. A code that is unknown,
/// expired (7 days), or not for a pending registration is 404.
#[utoipa::path(
    tag = "accounts",
    security(()),
    request_body = VerifyEmail,
    responses(
        (status = 200, description = "Verified; waiting for approval.", body = EmailVerified),
        (status = 404, response = crate::http::error::NotFound),
    )
)]
#[post("/registrations/verifications")]
pub async fn verify_registration_email(
    state: web::Data<AppState>,
    body: crate::http::json::Json<VerifyEmail>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let token = body.into_inner().token;
    let user = write(&state, move |conn, ctx, now| {
        app::accounts::verify_email(conn, &token, ctx, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(EmailVerified {
        email: user.email,
        status: "pending_approval".into(),
    }))
}

/// Filter of the registration list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegistrationQuery {
    /// `pending` (default) or `rejected`.
    #[param(schema_with = crate::http::schemas::registration_status_filter)]
    pub status: Option<String>,
}

/// List registrations.
///
/// Customer admins see their company's, admins all; pending ones by default.
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    params(RegistrationQuery, PageParams),
    responses(
        (status = 200, description = "A page of registrations.", body = PageOf<UserView>),
        (status = 403, response = crate::http::error::Forbidden),
    )
)]
#[get("/registrations")]
pub async fn list_registrations(
    state: web::Data<AppState>,
    caller: Permit<gate::ManageAccounts>,
    query: web::Query<RegistrationQuery>,
    page: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let (limit, cursor) = page.resolve()?;
    let status = match query.status.as_deref() {
        None | Some("pending") => AccountStatus::Pending,
        Some("rejected") => AccountStatus::Rejected,
        Some(_) => {
            return Err(ApiError::field(
                "status",
                "invalid",
                "use pending or rejected",
            ))
        }
    };
    let page = read(&state, move |conn| {
        app::accounts::list_registrations(conn, &caller, status, cursor, limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(PageOf::from_page(page, UserView::from)))
}

async fn decide(
    state: web::Data<AppState>,
    caller: Caller,
    id: i64,
    reject: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let user = write(&state, move |conn, _, _| {
        app::accounts::decide_registration(conn, &caller, id, reject.as_deref())
    })
    .await?;
    Ok(HttpResponse::Ok().json(UserView::from(user)))
}

/// Approve a registration.
///
/// The company's customer admin (or an admin): the account becomes active and can sign in. A
/// registration whose email is not verified yet is 409 `email_not_verified`; one of another
/// company answers 404.
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Registration (user) id")),
    responses(
        (status = 200, description = "The approved account.", body = UserView),
        (status = 403, response = crate::http::error::Forbidden),
        (status = 409, response = crate::http::error::Conflict),
    )
)]
#[post("/registrations/{id}/approve")]
pub async fn approve_registration(
    state: web::Data<AppState>,
    caller: Permit<gate::ManageAccounts>,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    decide(state, caller.0, path.into_inner(), None).await
}

/// Reject a registration.
///
/// With a reason; the account never becomes active.
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Registration (user) id")),
    request_body = RejectRegistration,
    responses(
        (status = 200, description = "The rejected registration.", body = UserView),
        (status = 403, response = crate::http::error::Forbidden),
        (status = 409, response = crate::http::error::Conflict),
    )
)]
#[post("/registrations/{id}/reject")]
pub async fn reject_registration(
    state: web::Data<AppState>,
    caller: Permit<gate::ManageAccounts>,
    path: web::Path<i64>,
    body: crate::http::json::Json<RejectRegistration>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    decide(
        state,
        caller.0,
        path.into_inner(),
        Some(body.into_inner().reason),
    )
    .await
}
