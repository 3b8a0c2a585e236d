-- Account management (R-AUTH2) and help articles (R-HELP1).

ALTER TABLE users ADD COLUMN status_reason TEXT;
CREATE INDEX users_customer_idx ON users (customer_number, id);

-- Failed logins per account and per client address, for throttling (never a permanent lock).
CREATE TABLE login_failures (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    window_start TIMESTAMP NOT NULL,
    locked_until TIMESTAMP
);

CREATE TABLE help_articles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    tags TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL
);

-- Full-text search: an FTS5 index kept in step with the articles by triggers; the porter
-- stemmer makes "escalate" find "escalation"; bm25() ranks with the title weighted highest.
CREATE VIRTUAL TABLE help_articles_fts USING fts5(
    title, tags, body, content='help_articles', content_rowid='id', tokenize='porter unicode61'
);
CREATE TRIGGER help_articles_ai AFTER INSERT ON help_articles BEGIN
    INSERT INTO help_articles_fts (rowid, title, tags, body) VALUES (new.id, new.title, new.tags, new.body);
END;
CREATE TRIGGER help_articles_ad AFTER DELETE ON help_articles BEGIN
    INSERT INTO help_articles_fts (help_articles_fts, rowid, title, tags, body)
        VALUES ('delete', old.id, old.title, old.tags, old.body);
END;
CREATE TRIGGER help_articles_au AFTER UPDATE ON help_articles BEGIN
    INSERT INTO help_articles_fts (help_articles_fts, rowid, title, tags, body)
        VALUES ('delete', old.id, old.title, old.tags, old.body);
    INSERT INTO help_articles_fts (rowid, title, tags, body) VALUES (new.id, new.title, new.tags, new.body);
END;
