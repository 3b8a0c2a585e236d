-- Attachments (issue 22): files on a ticket. The content lives in the object store under its
-- SHA-256 (content-addressed); the row is what names it. A removed attachment keeps its row
-- (removed_at, removed_by) so the timeline can say it existed; its content is purged.
CREATE TABLE attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id BIGINT NOT NULL REFERENCES incidents (id),
    ticket_number BIGINT NOT NULL,
    customer_number TEXT NOT NULL,
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    description TEXT,
    visibility TEXT NOT NULL,
    author TEXT NOT NULL,
    source TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    removed_at TIMESTAMP,
    removed_by TEXT
);
CREATE INDEX attachments_incident_idx ON attachments (incident_id, id);
-- The company's bytes in use (its quota), and whether any kept row still names some content.
CREATE INDEX attachments_company_idx ON attachments (customer_number) WHERE removed_at IS NULL;
CREATE INDEX attachments_content_idx ON attachments (sha256) WHERE removed_at IS NULL;
-- An RFO or incident report delivered as a file: the public attachment of its ticket that holds
-- the document (its link, document_url, stays for documents kept elsewhere).
ALTER TABLE document_requests ADD COLUMN document_attachment_id BIGINT REFERENCES attachments (id);
