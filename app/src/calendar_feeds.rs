//! Subscribable calendar feeds (issue 16): calendar applications (Google, Outlook, Apple) fetch
//! a URL and can send no header, so each feed is a secret URL of its own. The secret is random
//! (256 bits), shown once, kept only as its SHA-256, and can be rotated or revoked. A feed reads
//! exactly what its owner reads at the time of each fetch: a customer's feed their company's
//! announced works, and nothing once the account is disabled or deleted.

use chrono::{DateTime, Utc};
use domain::Caller;
use persistence::calendar_feeds;
pub use persistence::calendar_feeds::CalendarFeed;
use sha2::{Digest, Sha256};

use crate::accounts::secrets::random_token;
use crate::planned_works::{Visible, WorkFilter};
use crate::{AppError, Conn};

/// How many live feeds one owner may have.
pub const FEEDS_PER_OWNER: usize = 20;

fn digest(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A new secret and its digest.
fn secret() -> (String, String) {
    let secret = random_token(32);
    let hash = digest(&secret);
    (secret, hash)
}

/// Creates a feed for the caller; returns it with its secret (shown this once).
pub fn create(
    conn: &mut Conn,
    caller: &Caller,
    label: &str,
    now: DateTime<Utc>,
) -> Result<(CalendarFeed, String), AppError> {
    if calendar_feeds::of_subject(conn, &caller.subject)?.len() >= FEEDS_PER_OWNER {
        return Err(AppError::Conflict {
            code: "feed_limit_reached",
            message: format!(
                "you have {FEEDS_PER_OWNER} calendar feeds; revoke one before creating another"
            ),
        });
    }
    let (secret, hash) = secret();
    let feed = calendar_feeds::insert(conn, &caller.subject, label.trim(), &hash, now)?;
    Ok((feed, secret))
}

/// The caller's live feeds.
pub fn list(conn: &mut Conn, caller: &Caller) -> Result<Vec<CalendarFeed>, AppError> {
    Ok(calendar_feeds::of_subject(conn, &caller.subject)?)
}

/// A new secret for one of the caller's feeds: the old URL stops working at once.
pub fn rotate(
    conn: &mut Conn,
    caller: &Caller,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(CalendarFeed, String), AppError> {
    calendar_feeds::get_of(conn, &caller.subject, id)?;
    let (secret, hash) = secret();
    Ok((calendar_feeds::rotate(conn, id, &hash, now)?, secret))
}

/// Revokes one of the caller's feeds for good.
pub fn revoke(
    conn: &mut Conn,
    caller: &Caller,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    calendar_feeds::get_of(conn, &caller.subject, id)?;
    Ok(calendar_feeds::revoke(conn, id, now)?)
}

/// The works a feed's URL shows, read as its owner now reads them. Any secret that is not a
/// live feed's, or whose owner may no longer act, is not found (the same answer for each).
pub fn works(
    conn: &mut Conn,
    secret: &str,
    filter: WorkFilter,
    now: DateTime<Utc>,
) -> Result<Vec<Visible>, AppError> {
    let feed = calendar_feeds::fetched(conn, &digest(secret), now)?;
    let owner = match crate::accounts::subject_state(conn, &feed.subject)? {
        Some(state) if state.active => state,
        _ => return Err(AppError::NotFound("calendar feed")),
    };
    let reader = Caller::new(&feed.subject, owner.role, owner.customer_number)?;
    crate::planned_works::calendar(conn, &reader, filter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_random_and_kept_only_as_digests() {
        let (a, ha) = secret();
        let (b, _) = secret();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(ha, digest(&a));
        assert_ne!(ha, a);
    }
}
