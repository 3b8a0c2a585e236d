DROP TABLE service_report_runs;
ALTER TABLE contacts DROP COLUMN notify_service_reports;
