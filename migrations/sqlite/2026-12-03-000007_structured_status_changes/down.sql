ALTER TABLE incident_updates DROP COLUMN status_detail;
ALTER TABLE incident_updates DROP COLUMN to_status;
ALTER TABLE incident_updates DROP COLUMN from_status;
