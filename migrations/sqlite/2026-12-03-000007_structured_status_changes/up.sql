-- Status changes on a ticket's timeline are kept as data beside their text (issue 18): the status
-- history (TMF621 statusChange, the webhook's previous_status) reads these columns and never
-- parses the wording. Existing entries are filled in from their text, which has the form
-- "Status changed from <from> to <to>[: <reason> | . Cause: … | with major incident …]".

ALTER TABLE incident_updates ADD COLUMN from_status TEXT;
ALTER TABLE incident_updates ADD COLUMN to_status TEXT;
ALTER TABLE incident_updates ADD COLUMN status_detail TEXT;

UPDATE incident_updates
SET from_status = substr(text, 21, instr(substr(text, 21), ' to ') - 1)
WHERE kind = 'status_change' AND text LIKE 'Status changed from % to %';

-- No status name is a prefix of another, so the first that starts the rest is the one.
UPDATE incident_updates
SET to_status = (
    SELECT s.name FROM (
        SELECT 'new' AS name UNION ALL SELECT 'acknowledged' UNION ALL SELECT 'in_progress'
        UNION ALL SELECT 'pending_customer' UNION ALL SELECT 'resolved'
        UNION ALL SELECT 'closed' UNION ALL SELECT 'cancelled'
    ) AS s
    WHERE substr(incident_updates.text, 21 + length(incident_updates.from_status) + 4)
        LIKE s.name || '%'
)
WHERE from_status IS NOT NULL;

UPDATE incident_updates
SET status_detail = nullif(rtrim(ltrim(
        substr(text, 21 + length(from_status) + 4 + length(to_status)), ':. ')), '')
WHERE to_status IS NOT NULL;

-- An entry whose text did not read back keeps its text only.
UPDATE incident_updates SET from_status = NULL WHERE to_status IS NULL;
