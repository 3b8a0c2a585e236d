DROP INDEX incidents_outage_idx;
