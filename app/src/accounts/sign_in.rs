//! Sign-in (R-AUTH1): credentials to a caller, throttled per account and per address — refused
//! for a while after repeated failures, never locked for good.

use chrono::{DateTime, Utc};
use domain::Caller;
use persistence::{accounts, throttle};

use super::secrets::{verify_against_dummy, verify_secret};
use crate::{AppError, Ctx, Store};

pub enum Credentials {
    Password {
        email: String,
        password: String,
    },
    Client {
        client_id: String,
        client_secret: String,
    },
}

/// The caller the credentials belong to. Refuses while the account or the address (`peer`) is
/// throttled, counts a failure, clears the account's failures on success.
pub fn sign_in(
    store: &Store,
    credentials: Credentials,
    peer: &str,
    ctx: &Ctx,
    now: DateTime<Utc>,
) -> Result<Caller, AppError> {
    let account_key = match &credentials {
        Credentials::Password { email, .. } => {
            format!("account:{}", domain::account::normalize_email(email))
        }
        Credentials::Client { client_id, .. } => format!("client:{client_id}"),
    };
    let peer_key = format!("peer:{peer}");
    for key in [&account_key, &peer_key] {
        if let Some(until) = store.read(|conn| Ok(throttle::locked_until(conn, key, now)?))? {
            return Err(AppError::TooManyAttempts { until });
        }
    }
    match verify(store, credentials) {
        Ok(caller) => {
            store.write(|conn| Ok(throttle::clear(conn, &account_key)?))?;
            Ok(caller)
        }
        Err(AppError::InvalidCredentials) => {
            let limits = ctx.login_limits;
            let peer_limits = throttle::Limits {
                failures: limits.failures * 4,
                ..limits
            };
            let locked = store.write(|conn| {
                let a = throttle::record_failure(conn, &account_key, limits, now)?;
                let p = throttle::record_failure(conn, &peer_key, peer_limits, now)?;
                Ok(a.or(p))
            })?;
            match locked {
                Some(until) => Err(AppError::TooManyAttempts { until }),
                None => Err(AppError::InvalidCredentials),
            }
        }
        Err(err) => Err(err),
    }
}

/// Unknown accounts cost the same time as a wrong secret, so answers do not reveal which
/// accounts exist.
fn verify(store: &Store, credentials: Credentials) -> Result<Caller, AppError> {
    match credentials {
        Credentials::Password { email, password } => {
            let found = store.read(|conn| Ok(accounts::find_user_by_email(conn, &email)?))?;
            let Some((user, hash)) = found else {
                verify_against_dummy(&password);
                return Err(AppError::InvalidCredentials);
            };
            if !verify_secret(&password, &hash) {
                return Err(AppError::InvalidCredentials);
            }
            user.check_may_sign_in()?;
            Ok(Caller::new(
                user.subject(),
                user.role,
                user.customer_number,
            )?)
        }
        Credentials::Client {
            client_id,
            client_secret,
        } => {
            let found = store.read(|conn| Ok(accounts::find_api_client(conn, &client_id)?))?;
            let Some((client, hash)) = found else {
                verify_against_dummy(&client_secret);
                return Err(AppError::InvalidCredentials);
            };
            if !verify_secret(&client_secret, &hash) || client.revoked_at.is_some() {
                return Err(AppError::InvalidCredentials);
            }
            Ok(Caller::new(
                client.subject(),
                client.role,
                client.customer_number,
            )?)
        }
    }
}
