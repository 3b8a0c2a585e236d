-- Walking skeleton: customers, accounts, service inventory, incidents.
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
    closed_at TIMESTAMP,
    close_reason TEXT,
    parent_ticket_number BIGINT,
    version BIGINT NOT NULL
);
CREATE INDEX incidents_logged_idx ON incidents (logged_at, id);
CREATE INDEX incidents_customer_logged_idx ON incidents (customer_number, logged_at, id);
CREATE INDEX incidents_service_idx ON incidents (service_id, logged_at, id);
