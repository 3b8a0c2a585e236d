//! Help articles (R-HELP1) with the database's own full-text search: SQLite FTS5 (porter
//! stemmer, bm25 with the title weighted highest) or PostgreSQL tsvector (English stemmer,
//! weighted title/tags/body, ts_rank).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::error::on_unique_violation;
use crate::schema::help_articles as ha;
use crate::{from_db_time, to_db_time, DbConnection, StoreError};

/// A help article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    pub id: i64,
    pub slug: String,
    pub title: String,
    /// Markdown.
    pub body: String,
    pub tags: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

#[derive(Queryable, Selectable, QueryableByName)]
#[diesel(table_name = ha)]
struct ArticleRow {
    id: i64,
    slug: String,
    title: String,
    body: String,
    tags: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i64,
}

impl ArticleRow {
    fn into_domain(self) -> Article {
        Article {
            id: self.id,
            slug: self.slug,
            title: self.title,
            body: self.body,
            tags: self
                .tags
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect(),
            created_at: from_db_time(self.created_at),
            updated_at: from_db_time(self.updated_at),
            version: self.version,
        }
    }
}

/// Stores an article; the slug must be new.
pub fn create(
    conn: &mut DbConnection,
    a: &Article,
    now: DateTime<Utc>,
) -> Result<Article, StoreError> {
    Ok(diesel::insert_into(ha::table)
        .values((
            ha::slug.eq(&a.slug),
            ha::title.eq(&a.title),
            ha::body.eq(&a.body),
            ha::tags.eq(a.tags.join(",")),
            ha::created_at.eq(to_db_time(now)),
            ha::updated_at.eq(to_db_time(now)),
            ha::version.eq(1_i64),
        ))
        .returning(ha::all_columns)
        .get_result::<ArticleRow>(conn)
        .map_err(|e| {
            on_unique_violation(e, "slug_taken", || {
                format!("an article with slug '{}' exists", a.slug)
            })
        })?
        .into_domain())
}

/// Inserts `a` unless an article has its slug; whether it did. Never fails on the slug, so that
/// instances starting together may all seed the starter set: the insert runs in a savepoint, and
/// when another transaction has just written the slug (a second insert waits for the first and
/// then meets the unique index) only the savepoint is rolled back.
pub fn create_if_absent(
    conn: &mut DbConnection,
    a: &Article,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    match conn.transaction(|c| create(c, a, now)) {
        Ok(_) => Ok(true),
        Err(StoreError::Conflict {
            code: "slug_taken", ..
        }) => Ok(false),
        Err(e) => Err(e),
    }
}

/// An article by slug, or `NotFound`.
pub fn get(conn: &mut DbConnection, slug: &str) -> Result<Article, StoreError> {
    Ok(ha::table
        .filter(ha::slug.eq(slug))
        .select(ArticleRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound("help article"))?
        .into_domain())
}

/// Writes an edited article if its version is unchanged.
pub fn save(
    conn: &mut DbConnection,
    a: &Article,
    now: DateTime<Utc>,
) -> Result<Article, StoreError> {
    let row: Option<ArticleRow> =
        diesel::update(ha::table.find(a.id).filter(ha::version.eq(a.version)))
            .set((
                ha::title.eq(&a.title),
                ha::body.eq(&a.body),
                ha::tags.eq(a.tags.join(",")),
                ha::updated_at.eq(to_db_time(now)),
                ha::version.eq(a.version + 1),
            ))
            .returning(ha::all_columns)
            .get_result(conn)
            .optional()?;
    Ok(row
        .ok_or_else(|| StoreError::VersionMismatch("the article changed meanwhile".into()))?
        .into_domain())
}

/// How many articles exist (to seed the starter set into an empty table).
pub fn count(conn: &mut DbConnection) -> Result<i64, StoreError> {
    Ok(ha::table.count().get_result(conn)?)
}

/// All articles by title (no query).
pub fn list(conn: &mut DbConnection, limit: i64) -> Result<Vec<Article>, StoreError> {
    Ok(ha::table
        .select(ArticleRow::as_select())
        .order(ha::title.asc())
        .limit(limit)
        .load(conn)?
        .into_iter()
        .map(ArticleRow::into_domain)
        .collect())
}

/// The words of a query, without anything the search syntaxes would read as operators.
fn words(query: &str) -> Vec<String> {
    query
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(12)
        .map(str::to_lowercase)
        .collect()
}

/// Articles matching every word of `query`, most relevant first.
pub fn search(
    conn: &mut DbConnection,
    query: &str,
    limit: i64,
) -> Result<Vec<Article>, StoreError> {
    let words = words(query);
    if words.is_empty() {
        return list(conn, limit);
    }
    let rows: Vec<ArticleRow> = match conn {
        DbConnection::Sqlite(sqlite) => {
            // Each word quoted: FTS5 then tokenises (and stems) it but reads no operators.
            let matched = words
                .iter()
                .map(|w| format!("\"{w}\""))
                .collect::<Vec<_>>()
                .join(" ");
            diesel::sql_query(
                "SELECT a.id, a.slug, a.title, a.body, a.tags, a.created_at, a.updated_at, a.version \
                 FROM help_articles_fts f JOIN help_articles a ON a.id = f.rowid \
                 WHERE help_articles_fts MATCH ? \
                 ORDER BY bm25(help_articles_fts, 10.0, 4.0, 1.0), a.id LIMIT ?",
            )
            .bind::<Text, _>(matched)
            .bind::<BigInt, _>(limit)
            .load(sqlite)?
        }
        DbConnection::Postgresql(pg) => diesel::sql_query(
            "SELECT id, slug, title, body, tags, created_at, updated_at, version \
             FROM help_articles, plainto_tsquery('english', $1) AS q \
             WHERE search @@ q ORDER BY ts_rank(search, q) DESC, id LIMIT $2",
        )
        .bind::<Text, _>(words.join(" "))
        .bind::<BigInt, _>(limit)
        .load(pg)?,
    };
    Ok(rows.into_iter().map(ArticleRow::into_domain).collect())
}
