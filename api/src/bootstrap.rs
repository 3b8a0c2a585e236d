//! Start-up bootstrap: the first admin of an empty installation.

use domain::{AccountStatus, Role};
use persistence::accounts::NewUser;
use persistence::{Database, StoreError};

use crate::auth::password::hash_secret;
use crate::state::now;

/// Creates an active admin with these credentials unless the email is already registered.
/// Safe when several instances start at once: a unique violation means another one won.
pub fn ensure_admin(db: &Database, email: &str, password: &str) -> Result<bool, String> {
    if password.len() < 12 {
        return Err("BOOTSTRAP_ADMIN_PASSWORD must be at least 12 characters".into());
    }
    let exists = db
        .read(|conn| persistence::accounts::find_user_by_email(conn, email))
        .map_err(|e| e.to_string())?
        .is_some();
    if exists {
        return Ok(false);
    }
    let hash = hash_secret(password)?;
    let created = db.write(|conn| {
        persistence::accounts::create_user(
            conn,
            NewUser {
                email,
                name: "Bootstrap admin",
                password_hash: &hash,
                role: Role::Admin,
                customer_number: None,
                status: AccountStatus::Active,
            },
            now(),
        )
    });
    match created {
        Ok(_) => Ok(true),
        Err(StoreError::Conflict { .. }) => Ok(false),
        Err(e) => Err(e.to_string()),
    }
}
