ALTER TABLE webhook_subscriptions DROP COLUMN query;
ALTER TABLE webhook_subscriptions DROP COLUMN format;
DROP INDEX incidents_external_idx;
ALTER TABLE incidents DROP COLUMN external_id;
