DROP TABLE delivery_attempts;
DROP TABLE deliveries;
DROP TABLE webhook_subscriptions;
DROP TABLE contacts;
DROP INDEX events_undispatched_idx;
ALTER TABLE events DROP COLUMN dispatched_at;
