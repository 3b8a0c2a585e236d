-- Service reviews (issue 23): a company's SLA report reads its tickets raised in a period from
-- the index alone. The company's index (also the ticket list's, by customer and time) carries
-- every column the report judges, so a company-year is an index-only scan of its entries in
-- order instead of a read of one heap page per ticket (the table's pages hold every company's
-- tickets side by side). And a company's service-down tickets overlapping a period are a range
-- of their own partial index instead of a filter over all the company's tickets.
DROP INDEX incidents_customer_logged_idx;
CREATE INDEX incidents_customer_logged_idx ON incidents (customer_number, logged_at, id)
    INCLUDE (service_id, priority, status, responded_at, response_due_at, resolved_at,
             sla_stopped_at, restore_due_at, sla_halted_since);
CREATE INDEX incidents_customer_outage_idx ON incidents (customer_number, resolved_at, logged_at)
    WHERE impact = 'service_down';
