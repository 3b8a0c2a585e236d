-- Verified registration emails (issue 20): a registration is approved only once its email
-- address proved to reach the person asking (the code mailed to it). Accounts that existed
-- before are taken as verified.
ALTER TABLE users ADD COLUMN email_verified_at TIMESTAMP;
UPDATE users SET email_verified_at = created_at;
