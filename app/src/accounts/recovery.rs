//! Accounts people can recover (issue 16): a password reset by email, a password change for
//! the signed-in user, and the approvers of a registration told when it awaits them.
//!
//! A reset code is a mailed link (`links`) over the account, its address and a stamp of its
//! current password hash, good for an hour: using it changes the hash, so it is good once, and
//! a change made meanwhile voids it. Asking for a reset answers alike whether the address has
//! an account or not. A reset or a change signs every other session out (tokens issued before
//! it no longer work) and mails the account a notice.

use chrono::{DateTime, Utc};
use domain::{AccountStatus, EventType};
use persistence::{accounts, events, throttle};
use sha2::{Digest, Sha256};

use super::secrets::{hash_secret, verify_secret};
use crate::links::{Purpose, Token};
use crate::{AppError, Ctx, Store};

/// A short stamp of a password hash: changes whenever the password does; reveals nothing.
pub fn stamp(password_hash: &str) -> String {
    Sha256::digest(password_hash.as_bytes())[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn signed_address(email: &str, stamp: &str) -> String {
    format!("{email}\n{stamp}")
}

/// The code of a reset mail (asked at `asked_at` for the password stamped `stamp`).
pub fn reset_token(
    ctx: &Ctx,
    user_id: i64,
    email: &str,
    stamp: &str,
    asked_at: DateTime<Utc>,
) -> String {
    ctx.links.sign(
        Purpose::ResetPassword,
        user_id,
        &signed_address(email, stamp),
        asked_at,
    )
}

/// Asks for a reset mail to `email`. The outcome is the same whether an active account has
/// that address or not; asks are counted per client address and per address asked for.
pub fn request_reset(
    store: &Store,
    email: &str,
    peer: &str,
    ctx: &Ctx,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let address = domain::account::normalize_email(email);
    let (by_peer, by_address) = (format!("reset:{peer}"), format!("reset:{address}"));
    let keys = [
        (by_peer.as_str(), ctx.registration_limits),
        (by_address.as_str(), ctx.registration_limits),
    ];
    if let Some(until) = store.write(|conn| Ok(throttle::begin_attempt(conn, &keys, now)?))? {
        return Err(AppError::TooManyAttempts { until });
    }
    store.write(|conn| {
        if let Some((user, hash)) = accounts::find_user_by_email(conn, &address)? {
            if user.status == AccountStatus::Active {
                let payload = serde_json::json!({
                    "user_id": user.id, "email": user.email, "stamp": stamp(&hash),
                });
                events::append(
                    conn,
                    EventType::PasswordResetRequested,
                    None,
                    None,
                    &payload,
                    now,
                )?;
            }
        }
        Ok(())
    })
}

/// Sets a new password with a reset code; returns the account's subject (signed out
/// everywhere). A code that is malformed, forged, expired, used, or for an account that is not
/// active is 404 alike.
pub fn reset_password(
    store: &Store,
    token: &str,
    new_password: &str,
    ctx: &Ctx,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    let unknown =
        || AppError::NotFound("a password reset with this code (unknown, used or expired)");
    let token = Token::parse(token).ok_or_else(unknown)?;
    let (user, hash) = store.read(|conn| {
        let user = match accounts::get_user(conn, token.id) {
            Ok(user) => user,
            Err(persistence::StoreError::NotFound(_)) => return Err(unknown()),
            Err(e) => return Err(e.into()),
        };
        let hash = accounts::password_hash(conn, user.id)?;
        Ok((user, hash))
    })?;
    let address = signed_address(&user.email, &stamp(&hash));
    if user.status != AccountStatus::Active
        || !ctx
            .links
            .holds(Purpose::ResetPassword, &token, &address, now)
    {
        return Err(unknown());
    }
    domain::account::check_password(new_password, &user.email)?;
    let new_hash = hash_secret(new_password)?;
    store.write(|conn| {
        if !accounts::set_password(conn, user.id, &hash, &new_hash, now)? {
            return Err(unknown());
        }
        changed(conn, user.id, &user.email, "reset with a mailed code", now)
    })?;
    Ok(user.subject())
}

/// The signed-in user changes their password, giving the current one; their other tokens no
/// longer work.
pub fn change_password(
    store: &Store,
    user_id: i64,
    current: &str,
    new_password: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let (user, hash) = store.read(|conn| {
        let user = accounts::get_user(conn, user_id)?;
        Ok((user, accounts::password_hash(conn, user_id)?))
    })?;
    let wrong = || AppError::Field {
        field: "current_password",
        code: "invalid",
        message: "this is not your current password".into(),
    };
    if !verify_secret(current, &hash)? {
        return Err(wrong());
    }
    domain::account::check_password(new_password, &user.email)?;
    let new_hash = hash_secret(new_password)?;
    store.write(|conn| {
        if !accounts::set_password(conn, user.id, &hash, &new_hash, now)? {
            // Changed meanwhile by another session: the current password given is not current.
            return Err(wrong());
        }
        changed(conn, user.id, &user.email, "changed by its owner", now)
    })
}

fn changed(
    conn: &mut crate::Conn,
    user_id: i64,
    email: &str,
    how: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let payload = serde_json::json!({"user_id": user_id, "email": email, "how": how});
    events::append(conn, EventType::PasswordChanged, None, None, &payload, now)?;
    Ok(())
}
