-- File inbox: every file a file drop delivers, recorded once its bytes are stored (under the data
-- directory, named by their SHA-256: src/store/file-bytes.ts) and before a row of it is read. The
-- unique key on (adapter, name, content_hash) makes an import happen once; rows_done is the import's
-- checkpoint, moved in the same transaction as each batch it counts.
CREATE TABLE file_inbox (
  id bigserial PRIMARY KEY,
  adapter text NOT NULL,
  name text NOT NULL,
  source text NOT NULL,
  content_hash text NOT NULL,
  size bigint NOT NULL,
  modified_at timestamptz NOT NULL,
  fetched_at timestamptz NOT NULL DEFAULT now(),
  manifest bytea,
  status text NOT NULL DEFAULT 'stored' CHECK (status IN ('stored', 'importing', 'done', 'rejected')),
  rows_total int,
  rows_done int NOT NULL DEFAULT 0,
  rows_ok int NOT NULL DEFAULT 0,
  rows_quarantined int NOT NULL DEFAULT 0,
  reason_code text,
  error text,
  finished_at timestamptz,
  bytes_removed_at timestamptz,
  UNIQUE (adapter, name, content_hash)
);
CREATE INDEX file_inbox_listing ON file_inbox (adapter, name, size, modified_at);
CREATE INDEX file_inbox_unfinished ON file_inbox (adapter) WHERE status IN ('stored', 'importing');
CREATE INDEX file_inbox_kept ON file_inbox (adapter, content_hash) WHERE bytes_removed_at IS NULL;
