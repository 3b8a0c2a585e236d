DROP INDEX incidents_customer_outage_idx;
DROP INDEX incidents_customer_logged_idx;
CREATE INDEX incidents_customer_logged_idx ON incidents (customer_number, logged_at, id);
