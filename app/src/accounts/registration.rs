//! Self-registration (R-AUTH5): anyone may ask for an account at a customer; the answer is the
//! same whatever exists, and the company's customer admin approves or rejects.

use chrono::{DateTime, Utc};
use domain::policy::{self, Permission};
use domain::{AccountStatus, Caller, CustomerNumber, EventType, Role, User};
use persistence::accounts::{self, NewUser};
use persistence::{events, throttle, Cursor, Page};

use super::secrets::hash_secret;
use crate::links::{Purpose, Token};
use crate::{AppError, Ctx, Store};

pub struct Registration {
    pub email: String,
    pub name: String,
    pub password: String,
    pub customer_number: CustomerNumber,
}

/// Files a registration. Nothing in the outcome tells whether the customer or the email exist:
/// both are logged and answered alike.
///
/// Registrations are counted per client address (`peer`): beyond `ctx.registration_limits`
/// within the window the answer is 429, before any hashing.
pub fn register(
    store: &Store,
    new: Registration,
    peer: &str,
    ctx: &Ctx,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    domain::account::check_password(&new.password, &new.email)?;
    let key = format!("register:{peer}");
    let keys = [(key.as_str(), ctx.registration_limits)];
    if let Some(until) = store.write(|conn| Ok(throttle::begin_attempt(conn, &keys, now)?))? {
        return Err(AppError::TooManyAttempts { until });
    }
    // Hash first, always: the time taken does not depend on what exists.
    let hash = hash_secret(&new.password)?;
    let created = store.write(|conn| {
        let user = accounts::create_user(
            conn,
            NewUser {
                email: &new.email,
                name: new.name.trim(),
                password_hash: &hash,
                role: Role::CustomerUser,
                customer_number: Some(&new.customer_number),
                status: AccountStatus::Pending,
            },
            now,
        )?;
        // The code that proves the address goes out with the registration (same transaction).
        let payload = serde_json::json!({"user_id": user.id, "email": user.email});
        events::append(
            conn,
            EventType::RegistrationVerificationRequested,
            None,
            None,
            &payload,
            now,
        )?;
        Ok(user)
    });
    match created {
        Ok(user) => log::info!(
            "registration pending approval: user {} at {}",
            user.id,
            new.customer_number
        ),
        // No such customer, or the email is taken.
        Err(AppError::NotFound(_) | AppError::Conflict { .. }) => {
            log::info!("registration ignored (unknown customer or known email)");
        }
        Err(other) => return Err(other),
    }
    Ok(())
}

/// Verifies a registration's email address with the code mailed to it. Anyone holding the code
/// may: it proves the mailbox. A code that is malformed, forged, expired, or not for a pending
/// registration at that address is 404 alike; verifying twice is harmless.
pub fn verify_email(
    conn: &mut crate::Conn,
    token: &str,
    ctx: &Ctx,
    now: DateTime<Utc>,
) -> Result<User, AppError> {
    let unknown = || AppError::NotFound("a registration awaiting this code (unknown or expired)");
    let token = Token::parse(token).ok_or_else(unknown)?;
    let user = match accounts::get_user_in(conn, token.id, None) {
        Ok(user) => user,
        Err(persistence::StoreError::NotFound(_)) => return Err(unknown()),
        Err(e) => return Err(e.into()),
    };
    if user.status != AccountStatus::Pending
        || !ctx
            .links
            .holds(Purpose::VerifyRegistration, &token, &user.email, now)
    {
        return Err(unknown());
    }
    let first = user.email_verified_at.is_none();
    accounts::mark_email_verified(conn, user.id, now)?;
    if first {
        // Now it can be approved: its approvers hear of it (once).
        let payload = serde_json::json!({
            "user_id": user.id, "email": user.email, "name": user.name,
            "customer_number": user.customer_number.as_ref().map(|c| c.as_str()),
        });
        events::append(
            conn,
            EventType::RegistrationAwaitingApproval,
            None,
            None,
            &payload,
            now,
        )?;
    }
    Ok(accounts::get_user_in(conn, user.id, None)?)
}

/// The code of the verification mail for a registration (sent at `asked_at`).
pub fn verification_token(ctx: &Ctx, user_id: i64, email: &str, asked_at: DateTime<Utc>) -> String {
    ctx.links
        .sign(Purpose::VerifyRegistration, user_id, email, asked_at)
}

/// Registrations of the caller's company (all, for admins), pending or rejected.
pub fn list_registrations(
    conn: &mut crate::Conn,
    caller: &Caller,
    status: AccountStatus,
    after: Option<Cursor>,
    limit: usize,
) -> Result<Page<User>, AppError> {
    policy::require(caller, Permission::ManageAccounts)?;
    Ok(accounts::list_users(
        conn,
        caller.tenant_scope(),
        Some(status),
        after,
        limit,
    )?)
}

/// Approves (`reject: None`) or rejects a registration of the caller's company.
pub fn decide_registration(
    conn: &mut crate::Conn,
    caller: &Caller,
    id: i64,
    reject: Option<&str>,
) -> Result<User, AppError> {
    policy::require(caller, Permission::ManageAccounts)?;
    let mut user = accounts::get_user_in(conn, id, caller.tenant_scope())?;
    if user.status != AccountStatus::Pending && user.status != AccountStatus::Rejected {
        // Only registrations are decided here; existing accounts are not.
        return Err(AppError::NotFound("registration"));
    }
    match reject {
        Some(reason) => user.reject(reason)?,
        None => user.approve()?,
    }
    Ok(accounts::save_user(conn, &user)?)
}
