ALTER TABLE document_requests DROP COLUMN document_attachment_id;
DROP TABLE attachments;
