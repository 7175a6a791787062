-- Quarantine review: who last handled an item (a retry or a dismissal), when, and their note.
-- The audit log keeps every handling; these columns show the latest one beside the item.
ALTER TABLE quarantine ADD COLUMN note text;
ALTER TABLE quarantine ADD COLUMN handled_by text;
ALTER TABLE quarantine ADD COLUMN handled_at timestamptz;
