-- Major-incident broadcast (issue 16): services carry the region a major incident can name, so
-- a major incident raised on a region reaches every customer with a service there (regions are
-- matched by `region_key`, the region in lower case as the application folds it, so both
-- backends and the application agree on non-ASCII names); the major
-- incident and each of its updates carry when the next update is due and the estimated time of
-- restoration, as the notices to customers state them.
ALTER TABLE services ADD COLUMN region TEXT;
ALTER TABLE services ADD COLUMN region_key TEXT;
CREATE INDEX services_region_key ON services (region_key);
ALTER TABLE major_incidents ADD COLUMN next_update_by TIMESTAMP;
ALTER TABLE major_incidents ADD COLUMN estimated_restoration_at TIMESTAMP;
ALTER TABLE major_incident_updates ADD COLUMN next_update_by TIMESTAMP;
ALTER TABLE major_incident_updates ADD COLUMN estimated_restoration_at TIMESTAMP;
ALTER TABLE major_incidents ADD COLUMN region_key TEXT;
