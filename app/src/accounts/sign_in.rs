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

/// The caller the credentials belong to. Each attempt is counted against the account and the
/// address (`peer`) before the secret is checked, so a burst cannot slip past the limits while
/// its checks run: over a limit, the attempt is refused (429) without a check. A success clears the
/// account's count and takes back the address's attempt; a failure stays counted.
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
    let limits = ctx.login_limits;
    let peer_limits = throttle::Limits {
        failures: limits.failures * 4,
        ..limits
    };
    let keys = [
        (account_key.as_str(), limits),
        (peer_key.as_str(), peer_limits),
    ];
    if let Some(until) = store.write(|conn| Ok(throttle::begin_attempt(conn, &keys, now)?))? {
        return Err(AppError::TooManyAttempts { until });
    }
    let caller = verify(store, credentials)?;
    store.write(|conn| {
        throttle::clear(conn, &account_key)?;
        throttle::forgive(conn, &peer_key)?;
        Ok(())
    })?;
    Ok(caller)
}

/// Unknown accounts cost the same time as a wrong secret, so answers do not reveal which
/// accounts exist.
fn verify(store: &Store, credentials: Credentials) -> Result<Caller, AppError> {
    match credentials {
        Credentials::Password { email, password } => {
            let found = store.read(|conn| Ok(accounts::find_user_by_email(conn, &email)?))?;
            let Some((user, hash)) = found else {
                verify_against_dummy(&password)?;
                return Err(AppError::InvalidCredentials);
            };
            if !verify_secret(&password, &hash)? {
                return Err(AppError::InvalidCredentials);
            }
            // Pending or disabled: the same answer as a wrong password, so that signing in with
            // a password one chose at registration does not tell whether the email was taken.
            user.check_may_sign_in()
                .map_err(|_| AppError::InvalidCredentials)?;
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
                verify_against_dummy(&client_secret)?;
                return Err(AppError::InvalidCredentials);
            };
            if !verify_secret(&client_secret, &hash)? || client.revoked_at.is_some() {
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
