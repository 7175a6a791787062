-- The audit log as one SM3 chain per county, partitioned by month (src/audit, README "Audit log").
-- A county's appends lock only its own chain's head (audit_chains, a row lock held to commit), so
-- counties append in parallel; seq has no gaps within a chain. Rows whose town is NULL go to the
-- platform chain '000000'. Rows from before this migration keep their hashes as the frozen chain
-- 'legacy' (seq = their old id: the hash covered the id, which is now the position in the chain).
-- Every so often a root signed with SM2 (audit_roots) names every chain's head.

ALTER TABLE audit_log RENAME TO audit_log_single;
ALTER INDEX audit_log_actor RENAME TO audit_log_single_actor;
ALTER INDEX audit_log_subject RENAME TO audit_log_single_subject;
ALTER INDEX audit_log_action RENAME TO audit_log_single_action;
ALTER INDEX audit_log_at RENAME TO audit_log_single_at;

-- For listing and paging only (API cursors): a sequence, so it may have gaps; the chain is (chain, seq).
CREATE SEQUENCE audit_log_id_seq AS bigint;

-- Unique keys of a partitioned table must hold the partition key: (chain, seq) is kept unique by
-- the appender's lock and checked by `tongban audit verify`.
CREATE TABLE audit_log (
  id bigint NOT NULL DEFAULT nextval('audit_log_id_seq') CHECK (id > 0),
  chain text NOT NULL CHECK (chain ~ '^([0-9]{6}|legacy)$'),
  seq bigint NOT NULL CHECK (seq > 0),
  at timestamptz NOT NULL,
  actor text NOT NULL,
  actor_kind text NOT NULL,
  roles text[] NOT NULL,
  town text,
  action text NOT NULL CHECK (action ~ '^[a-z]+\.[a-z-]+$'),
  subject_kind text,
  subject text,
  purpose text,
  client_ip text,
  outcome text NOT NULL CHECK (outcome IN ('ok', 'denied', 'failed')),
  details jsonb NOT NULL,
  prev_hash text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
  hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
  PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);
ALTER SEQUENCE audit_log_id_seq OWNED BY audit_log.id;

-- The month's partition, audit_log_pYYYY_MM as pg_partman 4 names it (bounds at UTC midnight),
-- unless it exists. BEFORE TRUNCATE triggers are not inherited by partitions: each gets its own.
-- (Semicolons lead the lines of the body: migrate.ts splits statements at a semicolon ending a line.)
CREATE FUNCTION audit_log_month_partition(month date) RETURNS text LANGUAGE plpgsql AS $$
DECLARE name text := format('audit_log_p%s', to_char(month, 'YYYY_MM')); BEGIN
  IF to_regclass(name) IS NULL THEN
    EXECUTE format('CREATE TABLE %I PARTITION OF audit_log FOR VALUES FROM (%L) TO (%L)', name,
      to_char(month, 'YYYY-MM-01 00:00:00+00'), to_char(month + interval '1 month', 'YYYY-MM-01 00:00:00+00'))
    ; EXECUTE format('CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()', name)
  ; END IF
  ; RETURN name
; END
$$;

SELECT audit_log_month_partition(m::date) FROM (
  SELECT DISTINCT date_trunc('month', at AT TIME ZONE 'UTC') AS m FROM audit_log_single
  UNION SELECT date_trunc('month', now() AT TIME ZONE 'UTC') + k * interval '1 month' FROM generate_series(-1, 2) AS k
) AS months;
-- Nothing is refused for want of a partition; rows here block creating their month's partition.
CREATE TABLE audit_log_default PARTITION OF audit_log DEFAULT;
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log_default FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

INSERT INTO audit_log (id, chain, seq, at, actor, actor_kind, roles, town, action, subject_kind, subject, purpose, client_ip, outcome, details, prev_hash, hash)
  SELECT id, 'legacy', id, at, actor, actor_kind, roles, town, action, subject_kind, subject, purpose, client_ip, outcome, details, prev_hash, hash FROM audit_log_single;
SELECT setval('audit_log_id_seq', coalesce((SELECT max(id) FROM audit_log), 0) + 1, false);
DROP TABLE audit_log_single;

-- Unique within a month (the partition key must be in it); the county code leads it, so a later
-- distribution of the log by county (Citus) needs no change of key.
CREATE UNIQUE INDEX audit_log_chain ON audit_log (chain, seq, at);
CREATE INDEX audit_log_actor ON audit_log (actor, id);
CREATE INDEX audit_log_subject ON audit_log (subject, id);
CREATE INDEX audit_log_action ON audit_log (action, id);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_id ON audit_log (id);

-- Row-level triggers on the partitioned table reach every partition, present and future.
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- Each chain's head: the appender's lock (SELECT ... FOR UPDATE, held to commit) and where the
-- next seq continues when the chain's rows so far were detached. Not trusted by verify.
CREATE TABLE audit_chains (
  chain text PRIMARY KEY,
  seq bigint NOT NULL CHECK (seq >= 0),
  hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$')
);
INSERT INTO audit_chains (chain, seq, hash)
  SELECT 'legacy', seq, hash FROM audit_log WHERE chain = 'legacy' ORDER BY seq DESC LIMIT 1;

-- The platform's SM2 audit signing keys; the private key sealed by the vault.
CREATE TABLE audit_keys (
  id serial PRIMARY KEY,
  public_key text NOT NULL,
  private_key bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Signed roots: every chain's head at one moment, root = SM3 of their canonical list, signed.
CREATE TABLE audit_roots (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL,
  heads jsonb NOT NULL,
  root text NOT NULL CHECK (root ~ '^[0-9a-f]{64}$'),
  key_id int NOT NULL REFERENCES audit_keys (id),
  signature text NOT NULL
);
CREATE TRIGGER audit_roots_no_change BEFORE UPDATE OR DELETE ON audit_roots FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- Exports of a month (`tongban audit export`), and its detachment once past retention. `lasts`
-- holds each chain's last row of the month: after detaching, a chain's next row links to it.
CREATE TABLE audit_exports (
  id bigserial PRIMARY KEY,
  month date NOT NULL CHECK (extract(day FROM month) = 1),
  exported_at timestamptz NOT NULL DEFAULT now(),
  file text NOT NULL,
  file_sm3 text NOT NULL CHECK (file_sm3 ~ '^[0-9a-f]{64}$'),
  rows bigint NOT NULL,
  lasts jsonb NOT NULL,
  detached_at timestamptz
);
CREATE INDEX audit_exports_month ON audit_exports (month);
