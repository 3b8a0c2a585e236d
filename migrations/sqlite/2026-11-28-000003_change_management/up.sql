-- Change management (R-CHG): provider planned works and customer maintenance requests.

CREATE TABLE planned_works (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    start_at TIMESTAMP NOT NULL,
    end_at TIMESTAMP NOT NULL,
    expected_impact TEXT NOT NULL,
    outage_minutes INTEGER,
    emergency BOOLEAN NOT NULL,
    emergency_justification TEXT,
    status TEXT NOT NULL,
    cancel_reason TEXT,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    sequence INTEGER NOT NULL,
    version BIGINT NOT NULL
);
-- Calendar queries ask for windows overlapping [from, to).
CREATE INDEX planned_works_window_idx ON planned_works (start_at, end_at);

CREATE TABLE planned_work_services (
    planned_work_id BIGINT NOT NULL REFERENCES planned_works (id),
    service_id TEXT NOT NULL REFERENCES services (service_id),
    PRIMARY KEY (planned_work_id, service_id)
);
CREATE INDEX planned_work_services_service_idx ON planned_work_services (service_id);

CREATE TABLE maintenance_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_number TEXT NOT NULL REFERENCES customers (customer_number),
    service_id TEXT NOT NULL REFERENCES services (service_id),
    start_at TIMESTAMP NOT NULL,
    end_at TIMESTAMP NOT NULL,
    description TEXT NOT NULL,
    owner_name TEXT NOT NULL,
    owner_email TEXT NOT NULL,
    owner_phone TEXT NOT NULL,
    status TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    acknowledged_at TIMESTAMP,
    decided_at TIMESTAMP,
    decision_reason TEXT,
    withdrawn_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX maintenance_requests_customer_idx ON maintenance_requests (customer_number, id);
