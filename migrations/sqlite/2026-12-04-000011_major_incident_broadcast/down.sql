ALTER TABLE major_incident_updates DROP COLUMN estimated_restoration_at;
ALTER TABLE major_incident_updates DROP COLUMN next_update_by;
ALTER TABLE major_incidents DROP COLUMN estimated_restoration_at;
ALTER TABLE major_incidents DROP COLUMN next_update_by;
ALTER TABLE major_incidents DROP COLUMN region_key;
DROP INDEX services_region_key;
ALTER TABLE services DROP COLUMN region_key;
ALTER TABLE services DROP COLUMN region;
