-- Webhook inbox: a webhook is answered 2xx only after its raw body is committed here.
-- The unique key on (adapter, webhook_id) is the deduplication.
CREATE TABLE inbox (
  id bigserial PRIMARY KEY,
  adapter text NOT NULL,
  webhook_id text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  body bytea NOT NULL,
  status text NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'done', 'failed')),
  generation int NOT NULL DEFAULT 0,
  processed_at timestamptz,
  records_ok int,
  records_quarantined int,
  error text,
  UNIQUE (adapter, webhook_id)
);
CREATE INDEX inbox_unfinished ON inbox (received_at) WHERE status = 'received';
CREATE INDEX inbox_adapter_time ON inbox (adapter, received_at);

-- Records that could not be normalised, with the reason and the raw record as received.
CREATE TABLE quarantine (
  id bigserial PRIMARY KEY,
  adapter text NOT NULL,
  kind text NOT NULL,
  source_id text NOT NULL,
  inbox_id bigint REFERENCES inbox (id),
  reason_code text NOT NULL,
  reason text NOT NULL,
  field text,
  raw_value text,
  raw jsonb NOT NULL,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved', 'dismissed')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX quarantine_open ON quarantine (adapter, id) WHERE status = 'open';
-- A record seen again (a replay, a re-read page) does not open a second item.
CREATE UNIQUE INDEX quarantine_open_source ON quarantine (adapter, source_id) WHERE status = 'open';

-- Unified residents. Per-field provenance: `provenance` maps each canonical field to the key of
-- the observation its stored value came from, and `sources` maps those keys to the observation:
--   provenance {"name": "k1", "phone": "k2"}
--   sources    {"k1": {"adapter": ..., "sourceId": ..., "observedAt": "ISO-8601 UTC"}, "k2": ...}
-- (one observation usually supplies every field: storing it once keeps rows a third the size).
CREATE TABLE persons (
  id_number text PRIMARY KEY,
  name text,
  gender text,
  birth_date date,
  ethnicity_code text,
  phone text,
  address text,
  division_code text,
  status text,
  provenance jsonb NOT NULL DEFAULT '{}',
  sources jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX persons_name ON persons (name text_pattern_ops);
CREATE INDEX persons_id_prefix ON persons (id_number text_pattern_ops);

CREATE TABLE enterprises (
  credit_code text PRIMARY KEY,
  name text,
  type text,
  legal_representative jsonb,
  address text,
  division_code text,
  status text,
  established_on date,
  industry_code text,
  registered_capital jsonb,
  provenance jsonb NOT NULL DEFAULT '{}',
  sources jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX enterprises_name ON enterprises (name text_pattern_ops);

-- Where each pull stream resumes.
CREATE TABLE sync_cursors (
  adapter text NOT NULL,
  stream text NOT NULL,
  cursor jsonb NOT NULL,
  run_id bigint,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (adapter, stream)
);

-- One row per pull run (from the stored cursor until the stream caught up).
CREATE TABLE adapter_runs (
  id bigserial PRIMARY KEY,
  adapter text NOT NULL,
  stream text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
  pages int NOT NULL DEFAULT 0,
  records int NOT NULL DEFAULT 0,
  quarantined int NOT NULL DEFAULT 0,
  error text
);
CREATE INDEX adapter_runs_recent ON adapter_runs (adapter, started_at DESC);
