-- The webhook inbox partitioned by month of received_at (PARTITION BY RANGE), so an old month
-- is dropped whole (inbox retention, store/partitions.ts) instead of deleted row by row.
-- Partitions are named <table>_pYYYY_MM over UTC months, as pg_partman 4 names monthly ones, so
-- pg_partman, where installed, takes over the same partitions. Every row keeps its id; the
-- sequence goes on.
--
-- Native partitioning wants the partition key in every unique key, hence:
-- * the primary key is (id, received_at); it also serves lookups by id alone (id leads it), one
--   index probe per partition;
-- * deduplication moves to inbox_dedupe, unpartitioned, written in the same statement as the row
--   (store/inbox.ts commitWebhooks): a repeated webhook id is refused as before;
-- * quarantine.inbox_id no longer references inbox: a single-column foreign key cannot point at
--   a partitioned table's (id, received_at) key, and quarantine items outlive the inbox's
--   retention anyway. It stays a plain reference; a quarantine retry whose message was dropped
--   works from the raw record kept with the item.
CREATE TABLE inbox_partitioned (
  id bigint NOT NULL DEFAULT nextval('inbox_id_seq'),
  adapter text NOT NULL,
  webhook_id text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  body bytea NOT NULL,
  status text NOT NULL DEFAULT 'received' CONSTRAINT inbox_status_check CHECK (status IN ('received', 'done', 'failed')),
  generation int NOT NULL DEFAULT 0,
  processed_at timestamptz,
  records_ok int,
  records_quarantined int,
  error text
) PARTITION BY RANGE (received_at);

-- A row whose month has no partition (yet) lands here rather than being refused; maintenance
-- moves such rows into their month's partition when it creates it.
CREATE TABLE inbox_default PARTITION OF inbox_partitioned DEFAULT;

-- One partition per month from the oldest stored row's (or last month) to two months ahead.
-- The migration runner splits statements at a semicolon ending a line, so no line inside this
-- block ends with one.
DO $$
DECLARE month timestamp; last_month timestamp := date_trunc('month', now() AT TIME ZONE 'UTC') + interval '2 months'; BEGIN
  month := date_trunc('month', least((SELECT min(received_at) FROM inbox), now() - interval '1 month') AT TIME ZONE 'UTC'); WHILE month <= last_month LOOP
    EXECUTE format('CREATE TABLE %I PARTITION OF inbox_partitioned FOR VALUES FROM (%L) TO (%L)', 'inbox_p' || to_char(month, 'YYYY_MM'), month AT TIME ZONE 'UTC', (month + interval '1 month') AT TIME ZONE 'UTC'); month := month + interval '1 month'; END LOOP; END
$$;

INSERT INTO inbox_partitioned (id, adapter, webhook_id, received_at, body, status, generation, processed_at, records_ok, records_quarantined, error)
  SELECT id, adapter, webhook_id, received_at, body, status, generation, processed_at, records_ok, records_quarantined, error FROM inbox;

-- The keys of a dropped month are found through its rows (store/inbox.ts): no index but the key,
-- each webhook's write costs one index entry here, not two.
CREATE TABLE inbox_dedupe (
  adapter text NOT NULL,
  webhook_id text NOT NULL,
  inbox_id bigint NOT NULL,
  received_at timestamptz NOT NULL,
  PRIMARY KEY (adapter, webhook_id)
);
INSERT INTO inbox_dedupe (adapter, webhook_id, inbox_id, received_at) SELECT adapter, webhook_id, id, received_at FROM inbox;

ALTER TABLE quarantine DROP CONSTRAINT IF EXISTS quarantine_inbox_id_fkey;
ALTER SEQUENCE inbox_id_seq OWNED BY NONE;
DROP TABLE inbox;
ALTER TABLE inbox_partitioned RENAME TO inbox;
ALTER SEQUENCE inbox_id_seq OWNED BY inbox.id;

ALTER TABLE inbox ADD CONSTRAINT inbox_pkey PRIMARY KEY (id, received_at);
CREATE INDEX inbox_unfinished ON inbox (received_at) WHERE status = 'received';
CREATE INDEX inbox_adapter_time ON inbox (adapter, received_at);
