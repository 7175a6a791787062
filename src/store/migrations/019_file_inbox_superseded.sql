-- A file set aside stays reported until a file that corrects it is imported: the same name with
-- other bytes, or a later file its adapter says corrects it (a department that sends corrections as
-- new files). superseded_by names that file; the set-aside count (/metrics, the department page)
-- is of files set aside and not superseded.
ALTER TABLE file_inbox ADD COLUMN superseded_by bigint REFERENCES file_inbox (id);
CREATE INDEX file_inbox_set_aside ON file_inbox (adapter) WHERE status = 'rejected' AND superseded_by IS NULL;
