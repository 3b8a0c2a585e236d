-- Subscribable calendar feeds (issue 16): a secret URL per feed that a calendar application
-- fetches without any header. Only the SHA-256 of the secret is kept; the feed reads as its
-- owner (subject) does at the time of each fetch, so a disabled account's feeds stop working.
CREATE TABLE calendar_feeds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subject TEXT NOT NULL,
    label TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    rotated_at TIMESTAMP,
    last_fetched_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX calendar_feeds_subject ON calendar_feeds (subject);

-- Reminders of planned works (issue 16): the start a reminder was sent for; a work moved to
-- another start is reminded again.
ALTER TABLE planned_works ADD COLUMN reminded_for TIMESTAMP;
