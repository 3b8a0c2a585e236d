-- Confirmed addresses (issue 20): mail goes to a contact only once someone at the address has
-- confirmed it. Contacts that existed before are taken as confirmed (they were receiving mail).
ALTER TABLE contacts ADD COLUMN confirmed_at TIMESTAMP;
UPDATE contacts SET confirmed_at = created_at;
