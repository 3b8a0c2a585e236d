DROP TABLE help_articles;
DROP TABLE login_failures;
DROP INDEX users_customer_idx;
ALTER TABLE users DROP COLUMN status_reason;
