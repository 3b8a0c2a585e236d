DROP TABLE events;
DROP TABLE major_incident_updates;
DROP TABLE major_incident_services;
DROP TABLE major_incidents;
DROP TABLE escalations;
DROP TABLE escalation_levels;
DROP INDEX incidents_parent_idx;
ALTER TABLE incidents DROP COLUMN escalation_level;
