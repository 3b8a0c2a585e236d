-- Contacts, notification deliveries (email and webhooks) from the event outbox (R-CON).

-- Events not yet expanded into deliveries; the dispatcher claims them.
ALTER TABLE events ADD COLUMN dispatched_at TIMESTAMP;
CREATE INDEX events_undispatched_idx ON events (dispatched_at, id);

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_number TEXT NOT NULL REFERENCES customers (customer_number),
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT,
    notify_incident_updates BOOLEAN NOT NULL,
    notify_major_incidents BOOLEAN NOT NULL,
    notify_planned_works BOOLEAN NOT NULL,
    notify_escalations BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL
);
CREATE UNIQUE INDEX contacts_customer_email_idx ON contacts (customer_number, email);

CREATE TABLE webhook_subscriptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_number TEXT REFERENCES customers (customer_number),
    url TEXT NOT NULL,
    event_types TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE INDEX webhook_subscriptions_customer_idx ON webhook_subscriptions (customer_number, id);

-- One delivery of one event to one recipient: an email address or a webhook subscription.
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id BIGINT NOT NULL REFERENCES events (id),
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subscription_id BIGINT REFERENCES webhook_subscriptions (id),
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    last_error TEXT,
    delivered_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX deliveries_due_idx ON deliveries (status, next_attempt_at, id);
CREATE INDEX deliveries_subscription_idx ON deliveries (subscription_id, id);

CREATE TABLE delivery_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id BIGINT NOT NULL REFERENCES deliveries (id),
    attempted_at TIMESTAMP NOT NULL,
    succeeded BOOLEAN NOT NULL,
    response_status INTEGER,
    error TEXT,
    duration_ms BIGINT NOT NULL
);
CREATE INDEX delivery_attempts_delivery_idx ON delivery_attempts (delivery_id, id);
