-- Status changes on a ticket's timeline are kept as data beside their text (issue 18): the status
-- history (TMF621 statusChange, the webhook's previous_status) reads these columns and never
-- parses the wording. Existing entries are filled in from their text, which has the form
-- "Status changed from <from> to <to>[: <reason> | . Cause: … | with major incident …]".

ALTER TABLE incident_updates ADD COLUMN from_status TEXT;
ALTER TABLE incident_updates ADD COLUMN to_status TEXT;
ALTER TABLE incident_updates ADD COLUMN status_detail TEXT;

UPDATE incident_updates
SET from_status = substring(text FROM '^Status changed from ([a-z_]+) to '),
    to_status = substring(text FROM '^Status changed from [a-z_]+ to ([a-z_]+)')
WHERE kind = 'status_change';

UPDATE incident_updates
SET status_detail = nullif(rtrim(ltrim(
        substr(text, 21 + length(from_status) + 4 + length(to_status)), ':. ')), '')
WHERE to_status IS NOT NULL;

UPDATE incident_updates SET from_status = NULL WHERE to_status IS NULL;
