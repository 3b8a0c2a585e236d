ALTER TABLE planned_works DROP COLUMN reminded_for;
DROP TABLE calendar_feeds;
