-- Survivorship: a version per unified record (unify writes optimistically and re-reads a record
-- that another writer changed meanwhile), the record history, and conflicts between sources.
ALTER TABLE persons ADD COLUMN version int NOT NULL DEFAULT 1;
ALTER TABLE enterprises ADD COLUMN version int NOT NULL DEFAULT 1;
-- The observation that created the record. Creation is the one change with no history row:
-- its values are the oldest `old` of each field in the history, or the current value of a field
-- never changed (see src/store/history.ts), which keeps an initial load to one row per record.
ALTER TABLE persons ADD COLUMN created_from jsonb;
ALTER TABLE enterprises ADD COLUMN created_from jsonb;

-- The enterprises a person represents (linking by the legal representative's ID number).
CREATE INDEX enterprises_legal_representative ON enterprises ((legal_representative ->> 'idNumber'));
CREATE INDEX persons_division ON persons (division_code text_pattern_ops);

-- Every later change to a unified record: one row per observation (or resolution) that changed values,
-- `changes` maps each changed field to [old value, new value].
CREATE TABLE record_history (
  id bigserial PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('person', 'enterprise')),
  record_key text NOT NULL,
  adapter text NOT NULL,
  source_id text NOT NULL,
  observed_at timestamptz NOT NULL,
  changed_at timestamptz NOT NULL DEFAULT now(),
  changed_by text,
  changes jsonb NOT NULL
);
CREATE INDEX record_history_record ON record_history (kind, record_key, id);

-- Two sources that disagree on a field: the record keeps the winning value, the conflict keeps
-- every source's latest candidate {adapter, sourceId, observedAt, value}. It closes by itself
-- ('agreed') when the candidates agree again, or by a person ('resolved').
CREATE TABLE conflicts (
  id bigserial PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('person', 'enterprise')),
  record_key text NOT NULL,
  field text NOT NULL,
  division_code text,
  current_value jsonb,
  candidates jsonb NOT NULL,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'agreed', 'resolved')),
  opened_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  closed_at timestamptz,
  resolution jsonb
);
CREATE UNIQUE INDEX conflicts_open_field ON conflicts (kind, record_key, field) WHERE status = 'open';
CREATE INDEX conflicts_status ON conflicts (status, id);
