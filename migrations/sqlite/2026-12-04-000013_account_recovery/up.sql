-- Accounts people can recover (issue 16): when a user's password last changed. Tokens issued
-- before it are no longer good (a reset or a change signs every other session out), and a reset
-- code is good only for the password it was issued against.
ALTER TABLE users ADD COLUMN password_changed_at TIMESTAMP;
