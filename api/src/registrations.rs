//! Self-registration (R-AUTH2): a person asks for an account at their company; a customer admin
//! of that company (or an admin) approves or rejects it. The answer to a registration never says
//! whether the email or the customer number exists.

use actix_web::{get, post, web, HttpResponse};
use domain::account::check_password;
use domain::{AccountStatus, CustomerNumber, Role};
use persistence::accounts::NewUser;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::accounts::UserView;
use crate::auth::password::hash_secret;
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::pagination::{PageOf, PageParams};
use crate::state::{now, AppState};

/// A request for an account.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"customer_number": "OCN-1001", "name": "Dana Example",
    "email": "dana@acme.example", "password": "correct horse battery 9"}))]
pub struct Register {
    /// Your company's customer number.
    #[schema(min_length = 3, max_length = 32)]
    pub customer_number: String,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[validate(email, length(max = 254))]
    #[schema(format = "email", max_length = 254)]
    pub email: String,
    /// 12–1024 characters, mixing letters with digits, spaces or symbols; not the email.
    #[schema(min_length = 12, max_length = 1024, format = "password")]
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
/// No authentication. The account is created `pending` for the company's customer admins to
/// approve; it cannot sign in before. The answer is the same whether or not the email is already
/// registered or the customer number exists, so it reveals neither.
#[utoipa::path(
    tag = "accounts",
    security(()),
    request_body = Register,
    responses(
        (status = 202, description = "Received; pending approval.", body = RegistrationAccepted),
        (status = 400, response = crate::error::BadRequest),
        (status = 422, response = crate::error::Unprocessable),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[post("/registrations")]
pub async fn register(
    state: web::Data<AppState>,
    body: web::Json<Register>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let body = body.into_inner();
    check_password(&body.password, &body.email)?;
    let customer = CustomerNumber::parse(&body.customer_number)?;
    web::block(move || -> Result<(), ApiError> {
        // Hash first, always: the time taken does not depend on what exists.
        let hash = hash_secret(&body.password).map_err(ApiError::internal)?;
        let created = state.db.write(|conn| {
            persistence::accounts::create_user(
                conn,
                NewUser {
                    email: &body.email,
                    name: body.name.trim(),
                    password_hash: &hash,
                    role: Role::CustomerUser,
                    customer_number: Some(&customer),
                    status: AccountStatus::Pending,
                },
                now(),
            )
        });
        match created {
            Ok(user) => log::info!(
                "registration pending approval: user {} at {}",
                user.id,
                customer
            ),
            Err(persistence::StoreError::NotFound(_))
            | Err(persistence::StoreError::Conflict { .. }) => {
                log::info!("registration ignored (unknown customer or known email)");
            }
            Err(e) => return Err(e.into()),
        }
        Ok(())
    })
    .await??;
    Ok(HttpResponse::Accepted().json(RegistrationAccepted {
        status: "pending_approval".into(),
        message:
            "If the details match a customer of ours, the company's administrator will review \
                  the request; you can sign in once it is approved."
                .into(),
    }))
}

/// Filter of the registration list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegistrationQuery {
    /// `pending` (default) or `rejected`.
    #[param(max_length = 10, pattern = "^(pending|rejected)$")]
    pub status: Option<String>,
}

fn require_approver(caller: &domain::Caller) -> Result<(), ApiError> {
    if matches!(caller.role, Role::CustomerAdmin | Role::Admin) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "registrations are decided by customer admins",
        ))
    }
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
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 403, response = crate::error::Forbidden),
        (status = 422, response = crate::error::Unprocessable),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[get("/registrations")]
pub async fn list_registrations(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<RegistrationQuery>,
    page: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    require_approver(&caller)?;
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
    let scope = caller.tenant_scope().cloned();
    let page = web::block(move || {
        state.db.read(|conn| {
            persistence::accounts::list_users(conn, scope.as_ref(), Some(status), cursor, limit)
        })
    })
    .await??;
    Ok(HttpResponse::Ok().json(PageOf::from_page(page, UserView::from)))
}

async fn decide(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: i64,
    reject: Option<String>,
) -> Result<HttpResponse, ApiError> {
    require_approver(&caller)?;
    let scope = caller.tenant_scope().cloned();
    let user = web::block(move || {
        state.db.write(|conn| {
            let mut user = persistence::accounts::get_user_in(conn, id, scope.as_ref())?;
            if user.status != AccountStatus::Pending && user.status != AccountStatus::Rejected {
                // Only registrations are decided here; existing accounts are not.
                return Err(persistence::StoreError::NotFound("registration"));
            }
            match &reject {
                Some(reason) => user.reject(reason)?,
                None => user.approve()?,
            }
            persistence::accounts::save_user(conn, &user)
        })
    })
    .await??;
    Ok(HttpResponse::Ok().json(UserView::from(user)))
}

/// Approve a registration.
///
/// The company's customer admin (or an admin): the account becomes active and can sign in. A
/// registration of another company answers 404.
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Registration (user) id")),
    responses(
        (status = 200, description = "The approved account.", body = UserView),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
        (status = 409, response = crate::error::Conflict),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[post("/registrations/{id}/approve")]
pub async fn approve_registration(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    decide(state, caller, path.into_inner(), None).await
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
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthorized),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
        (status = 409, response = crate::error::Conflict),
        (status = 422, response = crate::error::Unprocessable),
        (status = 503, response = crate::error::ServiceUnavailable),
    )
)]
#[post("/registrations/{id}/reject")]
pub async fn reject_registration(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<i64>,
    body: web::Json<RejectRegistration>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    decide(
        state,
        caller,
        path.into_inner(),
        Some(body.into_inner().reason),
    )
    .await
}
