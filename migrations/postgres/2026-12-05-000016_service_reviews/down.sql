ALTER TABLE services DROP COLUMN availability_target;
