-- When an API client's secret was last rotated (issue 20): tokens issued before it are refused.
ALTER TABLE api_clients ADD COLUMN secret_rotated_at TIMESTAMP;
