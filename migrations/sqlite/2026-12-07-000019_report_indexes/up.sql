-- Service reviews (issue 23): a company's SLA report reads its tickets raised in a period from
-- the index alone. The company's index (also the ticket list's, by customer and time) carries
-- every column the report judges — SQLite has no INCLUDE, so they follow the key — and a
-- company-year is a covering-index scan of its entries in order instead of a read of one table
-- page per ticket. And a company's service-down tickets overlapping a period are a range of
-- their own partial index instead of a filter over all the company's tickets.
DROP INDEX incidents_customer_logged_idx;
CREATE INDEX incidents_customer_logged_idx ON incidents (customer_number, logged_at, id,
    service_id, priority, status, responded_at, response_due_at, resolved_at, sla_stopped_at,
    restore_due_at, sla_halted_since);
CREATE INDEX incidents_customer_outage_idx ON incidents (customer_number, resolved_at, logged_at)
    WHERE impact = 'service_down';
