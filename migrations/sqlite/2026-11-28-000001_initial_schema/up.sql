-- Initial schema: customers, accounts, service inventory, incidents with their timeline,
-- SLA facts and RFO/IR requests, idempotency records.
-- Times are UTC, stored as TIMESTAMP text by diesel; ids are rowids (64-bit).

CREATE TABLE customers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_number TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    customer_number TEXT REFERENCES customers (customer_number),
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE api_clients (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    customer_number TEXT REFERENCES customers (customer_number),
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);

CREATE TABLE services (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    service_id TEXT NOT NULL UNIQUE,
    circuit_reference TEXT NOT NULL UNIQUE,
    order_number TEXT NOT NULL UNIQUE,
    customer_number TEXT NOT NULL REFERENCES customers (customer_number),
    product TEXT NOT NULL,
    label TEXT NOT NULL,
    status TEXT NOT NULL,
    handover_date DATE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX services_customer_idx ON services (customer_number, service_id);

-- Ticket numbers come from the database so that they are unique whoever raises them.
-- SQLite has no sequences: a one-row counter, bumped inside the raising write transaction.
CREATE TABLE ticket_sequence (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_value BIGINT NOT NULL
);
INSERT INTO ticket_sequence (id, last_value) VALUES (1, 0);

CREATE TABLE incidents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_number BIGINT NOT NULL UNIQUE,
    customer_number TEXT NOT NULL REFERENCES customers (customer_number),
    service_id TEXT NOT NULL REFERENCES services (service_id),
    summary TEXT NOT NULL,
    description TEXT NOT NULL,
    impact TEXT NOT NULL,
    priority TEXT NOT NULL,
    status TEXT NOT NULL,
    reporter_name TEXT NOT NULL,
    reporter_email TEXT NOT NULL,
    reporter_phone TEXT NOT NULL,
    raised_by TEXT NOT NULL,
    logged_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    assignee_email TEXT,
    resolved_at TIMESTAMP,
    resolution_cause TEXT,
    resolution_fix TEXT,
    closed_at TIMESTAMP,
    close_reason TEXT,
    parent_ticket_number BIGINT,
    -- SLA facts (JSON list of pauses with reason) and their projection, kept in step by the
    -- domain's SlaClock so that lists can filter breached / at-risk tickets in SQL.
    responded_at TIMESTAMP,
    sla_pauses TEXT NOT NULL,
    sla_stopped_at TIMESTAMP,
    response_due_at TIMESTAMP NOT NULL,
    restore_due_at TIMESTAMP NOT NULL,
    at_risk_from TIMESTAMP NOT NULL,
    sla_halted_since TIMESTAMP,
    version BIGINT NOT NULL
);
CREATE INDEX incidents_logged_idx ON incidents (logged_at, id);
CREATE INDEX incidents_customer_logged_idx ON incidents (customer_number, logged_at, id);
CREATE INDEX incidents_service_idx ON incidents (service_id, logged_at, id);
CREATE INDEX incidents_restore_due_idx ON incidents (restore_due_at);

-- Timeline (R-INC5): notes and system entries; internal ones are never shown to customers.
CREATE TABLE incident_updates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id BIGINT NOT NULL REFERENCES incidents (id),
    kind TEXT NOT NULL,
    visibility TEXT NOT NULL,
    author TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX incident_updates_incident_idx ON incident_updates (incident_id, id);

-- RFO and Incident Report requests (R-INC7).
CREATE TABLE document_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id BIGINT NOT NULL REFERENCES incidents (id),
    ticket_number BIGINT NOT NULL,
    customer_number TEXT NOT NULL REFERENCES customers (customer_number),
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    note TEXT,
    requested_by TEXT NOT NULL,
    requested_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    document_text TEXT,
    document_url TEXT,
    rejection_reason TEXT,
    version BIGINT NOT NULL
);
CREATE INDEX document_requests_incident_idx ON document_requests (incident_id, id);
CREATE INDEX document_requests_customer_idx ON document_requests (customer_number, id);
-- At most one open request of each kind per ticket.
CREATE UNIQUE INDEX document_requests_one_active_idx ON document_requests (incident_id, kind)
    WHERE status IN ('requested', 'in_preparation');

-- Idempotency-Key records (R-API3): the first response to a creating POST, replayed on retry.
CREATE TABLE idempotency_keys (
    key_hash TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    state TEXT NOT NULL,
    response_status INTEGER,
    response_headers TEXT,
    response_body TEXT,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX idempotency_keys_expiry_idx ON idempotency_keys (expires_at);
