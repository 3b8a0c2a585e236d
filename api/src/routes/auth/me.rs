//! `GET /me`: who the token belongs to (R-AUTH4).

use actix_web::{get, web, HttpResponse};
use domain::Role;
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::caller::Authenticated;
use crate::http::error::ApiError;
use crate::state::{read, AppState};

/// The authenticated caller.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"subject": "user:7", "kind": "user", "role": "customer_user",
    "customer_number": "OCN-1001", "email": "alice@acme.example", "name": "Alice Example"}))]
pub struct Me {
    /// Token subject: `user:<id>` or `client:<client_id>`.
    pub subject: String,
    /// `user` or `api_client`.
    pub kind: String,
    #[schema(schema_with = crate::http::schemas::role)]
    pub role: Role,
    /// The caller's company; absent for provider staff.
    pub customer_number: Option<String>,
    /// For users: their email.
    pub email: Option<String>,
    /// For users: their name.
    pub name: Option<String>,
}

/// Who am I.
///
/// Returns the subject, role and customer number of the bearer token, and for users their
/// name and email.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller.", body = Me),
    )
)]
#[get("/me")]
pub async fn me(
    state: web::Data<AppState>,
    caller: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    let who = caller.clone();
    let user = read(&state, move |conn| app::accounts::own_account(conn, &who)).await?;
    let user_id = user.as_ref().map(|u| u.id);
    Ok(HttpResponse::Ok().json(Me {
        kind: if user_id.is_some() {
            "user"
        } else {
            "api_client"
        }
        .into(),
        subject: caller.subject,
        role: caller.role,
        customer_number: caller.customer_number.map(|c| c.to_string()),
        email: user.as_ref().map(|u| u.email.clone()),
        name: user.map(|u| u.name),
    }))
}
