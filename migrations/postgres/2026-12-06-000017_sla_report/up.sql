-- Service reviews (issue 23): the service-down tickets whose outage overlaps a report's period
-- (resolved after its start, or not yet resolved) are found through this partial index.
CREATE INDEX incidents_outage_idx ON incidents (resolved_at, logged_at) WHERE impact = 'service_down';
