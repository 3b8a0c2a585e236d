//! Subscribable calendar feeds (issue 16): a secret URL per feed, kept as the SHA-256 of its
//! secret, owned by a subject (a user or an API client) and revocable.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::schema::calendar_feeds;
use crate::{from_db_time, to_db_time, DbConnection, StoreError};

/// A feed as stored (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarFeed {
    pub id: i64,
    pub subject: String,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub rotated_at: Option<DateTime<Utc>>,
    pub last_fetched_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = calendar_feeds)]
struct FeedRow {
    id: i64,
    subject: String,
    label: String,
    #[allow(dead_code)]
    token_hash: String,
    created_at: NaiveDateTime,
    rotated_at: Option<NaiveDateTime>,
    last_fetched_at: Option<NaiveDateTime>,
    revoked_at: Option<NaiveDateTime>,
}

impl From<FeedRow> for CalendarFeed {
    fn from(r: FeedRow) -> Self {
        Self {
            id: r.id,
            subject: r.subject,
            label: r.label,
            created_at: from_db_time(r.created_at),
            rotated_at: r.rotated_at.map(from_db_time),
            last_fetched_at: r.last_fetched_at.map(from_db_time),
            revoked_at: r.revoked_at.map(from_db_time),
        }
    }
}

pub fn insert(
    conn: &mut DbConnection,
    subject: &str,
    label: &str,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<CalendarFeed, StoreError> {
    let row: FeedRow = diesel::insert_into(calendar_feeds::table)
        .values((
            calendar_feeds::subject.eq(subject),
            calendar_feeds::label.eq(label),
            calendar_feeds::token_hash.eq(token_hash),
            calendar_feeds::created_at.eq(to_db_time(now)),
        ))
        .returning(calendar_feeds::all_columns)
        .get_result(conn)?;
    Ok(row.into())
}

/// The feeds of `subject` not revoked, oldest first.
pub fn of_subject(conn: &mut DbConnection, subject: &str) -> Result<Vec<CalendarFeed>, StoreError> {
    let rows: Vec<FeedRow> = calendar_feeds::table
        .filter(calendar_feeds::subject.eq(subject))
        .filter(calendar_feeds::revoked_at.is_null())
        .order(calendar_feeds::id.asc())
        .select(FeedRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// `subject`'s feed `id`, not revoked, or `NotFound`.
pub fn get_of(conn: &mut DbConnection, subject: &str, id: i64) -> Result<CalendarFeed, StoreError> {
    calendar_feeds::table
        .filter(calendar_feeds::id.eq(id))
        .filter(calendar_feeds::subject.eq(subject))
        .filter(calendar_feeds::revoked_at.is_null())
        .select(FeedRow::as_select())
        .first(conn)
        .optional()?
        .map(Into::into)
        .ok_or(StoreError::NotFound("calendar feed"))
}

/// The live feed whose secret hashes to `token_hash`, marked fetched at `now`.
pub fn fetched(
    conn: &mut DbConnection,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<CalendarFeed, StoreError> {
    let row: Option<FeedRow> = diesel::update(
        calendar_feeds::table
            .filter(calendar_feeds::token_hash.eq(token_hash))
            .filter(calendar_feeds::revoked_at.is_null()),
    )
    .set(calendar_feeds::last_fetched_at.eq(to_db_time(now)))
    .returning(calendar_feeds::all_columns)
    .get_result(conn)
    .optional()?;
    row.map(Into::into)
        .ok_or(StoreError::NotFound("calendar feed"))
}

/// Gives feed `id` a new secret (the old one stops working at once).
pub fn rotate(
    conn: &mut DbConnection,
    id: i64,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<CalendarFeed, StoreError> {
    let row: Option<FeedRow> = diesel::update(
        calendar_feeds::table
            .filter(calendar_feeds::id.eq(id))
            .filter(calendar_feeds::revoked_at.is_null()),
    )
    .set((
        calendar_feeds::token_hash.eq(token_hash),
        calendar_feeds::rotated_at.eq(to_db_time(now)),
    ))
    .returning(calendar_feeds::all_columns)
    .get_result(conn)
    .optional()?;
    row.map(Into::into)
        .ok_or(StoreError::NotFound("calendar feed"))
}

/// Revokes feed `id` for good.
pub fn revoke(conn: &mut DbConnection, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
    let n = diesel::update(
        calendar_feeds::table
            .filter(calendar_feeds::id.eq(id))
            .filter(calendar_feeds::revoked_at.is_null()),
    )
    .set(calendar_feeds::revoked_at.eq(to_db_time(now)))
    .execute(conn)?;
    if n == 0 {
        return Err(StoreError::NotFound("calendar feed"));
    }
    Ok(())
}
