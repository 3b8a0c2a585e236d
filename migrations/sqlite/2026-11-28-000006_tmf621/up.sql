-- TMF621 Trouble Ticket facade (issue 10): the partner's own identifier for a ticket, and hub
-- listeners, which are webhook subscriptions delivering TMF621 event envelopes.

ALTER TABLE incidents ADD COLUMN external_id TEXT;
-- Partial: most tickets have no external id, and an index entry per raise would cost them all.
CREATE INDEX incidents_external_idx ON incidents (customer_number, external_id)
    WHERE external_id IS NOT NULL;

-- 'native' (our envelope) or 'tmf621' (TMF621 notifications); `query` is the listener's filter
-- as it registered it.
ALTER TABLE webhook_subscriptions ADD COLUMN format TEXT NOT NULL DEFAULT 'native';
ALTER TABLE webhook_subscriptions ADD COLUMN query TEXT;
