-- The audit log: every access to residents' and enterprises' data, every sign-in and failure,
-- every vault use and admin action. Append-only and chained by SM3 (src/audit): each row's hash
-- covers its fields and the previous row's hash, so an edited or deleted row shows in
-- `tongban audit verify`. Rows are kept at least three years; nothing deletes them.
-- Ids are given by the appender under a lock (no sequence), so they have no gaps: a missing id
-- is a deleted row, not a rolled-back insert.
CREATE TABLE audit_log (
  id bigint PRIMARY KEY CHECK (id > 0),
  at timestamptz NOT NULL,
  actor text NOT NULL,
  actor_kind text NOT NULL,
  roles text[] NOT NULL,
  town text,
  action text NOT NULL CHECK (action ~ '^[a-z]+\.[a-z-]+$'),
  subject_kind text,
  -- Masked: 320412********0029, 138****8000 (credit codes of enterprises are public and kept whole).
  subject text,
  purpose text,
  client_ip text,
  outcome text NOT NULL CHECK (outcome IN ('ok', 'denied', 'failed')),
  details jsonb NOT NULL,
  prev_hash text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
  hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$')
);
CREATE INDEX audit_log_actor ON audit_log (actor, id);
CREATE INDEX audit_log_subject ON audit_log (subject, id);
CREATE INDEX audit_log_action ON audit_log (action, id);
CREATE INDEX audit_log_at ON audit_log (at);

-- Refuses UPDATE, DELETE and TRUNCATE for every role. The table's owner or a superuser can still
-- disable the trigger and tamper: that is what the hash chain and `tongban audit verify` are for.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege'; END
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
