-- Nothing to change on PostgreSQL: a ticket's INSERT takes its number with nextval() of the
-- existing sequence. (SQLite needs a trigger for the same; the trees of both backends keep the
-- same migration names.)
SELECT 1;
