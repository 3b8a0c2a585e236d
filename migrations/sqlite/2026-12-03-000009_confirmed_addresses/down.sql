ALTER TABLE contacts DROP COLUMN confirmed_at;
