//! Help articles (R-HELP1): admins write them; everyone signed in reads and searches them with
//! the database's full-text search. A starter set ships with the binary (`app/help/*.md`) and is
//! loaded into an empty table at start-up.

use chrono::{DateTime, Utc};
use domain::policy::{self, Permission};
use domain::Caller;
use persistence::help;
pub use persistence::help::Article;

use crate::{AppError, Conn, Store};

/// The starter set: (slug, file text). The first line is `# Title`, the second `tags: a, b`.
pub const STARTER_SET: &[(&str, &str)] = &[
    (
        "raise-an-incident",
        include_str!("../help/raise-an-incident.md"),
    ),
    (
        "close-an-incident",
        include_str!("../help/close-an-incident.md"),
    ),
    (
        "escalate-an-incident",
        include_str!("../help/escalate-an-incident.md"),
    ),
    (
        "escalation-matrix",
        include_str!("../help/escalation-matrix.md"),
    ),
    (
        "rfo-and-incident-reports",
        include_str!("../help/rfo-and-incident-reports.md"),
    ),
    (
        "planned-works-notifications",
        include_str!("../help/planned-works-notifications.md"),
    ),
    (
        "request-planned-works",
        include_str!("../help/request-planned-works.md"),
    ),
    (
        "keep-contacts-current",
        include_str!("../help/keep-contacts-current.md"),
    ),
    (
        "major-incidents",
        include_str!("../help/major-incidents.md"),
    ),
];

fn parse_starter(slug: &str, text: &str, now: DateTime<Utc>) -> Article {
    let mut lines = text.lines();
    let title = lines
        .next()
        .unwrap_or_default()
        .trim_start_matches('#')
        .trim()
        .to_owned();
    let tags = lines
        .next()
        .and_then(|l| l.strip_prefix("tags:"))
        .map(|t| {
            t.split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let body = lines.collect::<Vec<_>>().join("\n").trim().to_owned();
    Article {
        id: 0,
        slug: slug.to_owned(),
        title,
        body,
        tags,
        created_at: now,
        updated_at: now,
        version: 1,
    }
}

/// Loads the starter set when there are no articles at all (a fresh installation); how many it
/// added. Safe to call on every start, and on several instances starting at once: each may find
/// the table empty, and an article another one has just written is skipped, not an error.
pub fn seed_starter_set(store: &Store, now: DateTime<Utc>) -> Result<usize, AppError> {
    store.write(|conn| {
        if help::count(conn)? > 0 {
            return Ok(0);
        }
        let mut added = 0;
        for (slug, text) in STARTER_SET {
            if help::create_if_absent(conn, &parse_starter(slug, text, now), now)? {
                added += 1;
            }
        }
        Ok(added)
    })
}

/// Tags as stored: trimmed, without commas (the stored list is comma-separated), none empty.
fn clean_tags(tags: &[String]) -> Vec<String> {
    tags.iter()
        .map(|t| t.trim().replace(',', " "))
        .filter(|t| !t.is_empty())
        .collect()
}

pub struct WriteArticle {
    pub slug: String,
    pub title: String,
    pub body: String,
    pub tags: Vec<String>,
}

pub fn create(
    conn: &mut Conn,
    caller: &Caller,
    a: WriteArticle,
    now: DateTime<Utc>,
) -> Result<Article, AppError> {
    policy::require(caller, Permission::WriteHelp)?;
    let article = Article {
        id: 0,
        slug: a.slug,
        title: a.title.trim().to_owned(),
        body: a.body,
        tags: clean_tags(&a.tags),
        created_at: now,
        updated_at: now,
        version: 1,
    };
    Ok(help::create(conn, &article, now)?)
}

/// Rewrites an article; its slug never changes.
pub fn update(
    conn: &mut Conn,
    caller: &Caller,
    a: WriteArticle,
    expected_version: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Article, AppError> {
    policy::require(caller, Permission::WriteHelp)?;
    let mut stored = help::get(conn, &a.slug)?;
    if expected_version.is_some_and(|v| v != stored.version) {
        return Err(AppError::PreconditionFailed("the article changed".into()));
    }
    stored.title = a.title.trim().to_owned();
    stored.body = a.body;
    stored.tags = clean_tags(&a.tags);
    Ok(help::save(conn, &stored, now)?)
}

pub fn get(conn: &mut Conn, slug: &str) -> Result<Article, AppError> {
    Ok(help::get(conn, slug)?)
}

/// Articles matching `q` (stemmed; title matches first), at most 50; the newest without `q`.
pub fn search(conn: &mut Conn, q: &str) -> Result<Vec<Article>, AppError> {
    Ok(help::search(conn, q, 50)?)
}
