-- Escalations (R-ESC), major network incidents (R-MNI) and the event outbox that
-- notifications, the event stream and webhooks are fed from.

ALTER TABLE incidents ADD COLUMN escalation_level INTEGER NOT NULL DEFAULT 0;
CREATE INDEX incidents_parent_idx ON incidents (parent_ticket_number);

CREATE TABLE escalation_levels (
    level INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    phone TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO escalation_levels (level, title, phone, updated_at) VALUES
    (1, 'Team Leader', '+44 203 481 7007', CURRENT_TIMESTAMP),
    (2, 'Incident Manager', '+44 203 481 7008', CURRENT_TIMESTAMP),
    (3, 'Senior Manager', '+44 203 481 7009', CURRENT_TIMESTAMP),
    (4, 'Director', '+44 203 481 7010', CURRENT_TIMESTAMP),
    (5, 'VP', '+44 203 481 7011', CURRENT_TIMESTAMP);

CREATE TABLE escalations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id BIGINT NOT NULL REFERENCES incidents (id),
    level INTEGER NOT NULL,
    reason TEXT NOT NULL,
    escalated_by_name TEXT NOT NULL,
    escalated_by_job_title TEXT NOT NULL,
    escalated_by_phone TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    contact_title TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
-- One escalation per level per ticket: two concurrent escalations cannot both reach a level.
CREATE UNIQUE INDEX escalations_incident_level_idx ON escalations (incident_id, level);

CREATE TABLE major_incidents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_number BIGINT NOT NULL UNIQUE,
    summary TEXT NOT NULL,
    description TEXT NOT NULL,
    severity TEXT NOT NULL,
    region TEXT,
    started_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL,
    incident_manager_email TEXT,
    raised_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP,
    resolution TEXT,
    version BIGINT NOT NULL
);
CREATE INDEX major_incidents_status_idx ON major_incidents (status, id);

CREATE TABLE major_incident_services (
    major_incident_id BIGINT NOT NULL REFERENCES major_incidents (id),
    service_id TEXT NOT NULL REFERENCES services (service_id),
    PRIMARY KEY (major_incident_id, service_id)
);
CREATE INDEX major_incident_services_service_idx ON major_incident_services (service_id);

CREATE TABLE major_incident_updates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    major_incident_id BIGINT NOT NULL REFERENCES major_incidents (id),
    author TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX major_incident_updates_parent_idx ON major_incident_updates (major_incident_id, id);

-- Outbox of business events, written in the transaction of the change that causes them.
-- customer_number NULL: provider-only. Delivery (email, webhooks, event stream) reads from here.
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_type TEXT NOT NULL,
    customer_number TEXT,
    ticket_number BIGINT,
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX events_customer_idx ON events (customer_number, id);
