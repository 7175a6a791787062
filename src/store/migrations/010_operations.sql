-- Calls of idempotent adapter operations (src/department/operations.ts), kept by instance,
-- operation, idempotency key and caller: a call with the same key within a day is answered from
-- the stored output instead of calling the department again, and while one runs (`claim` set)
-- a duplicate waits for it. Only successful calls stay; a failed one is deleted and may be tried
-- again. The key is stored as its SHA-256: it is made from the input (an ID number, say) and is
-- only ever compared.
CREATE TABLE operation_calls (
  instance text NOT NULL,
  operation text NOT NULL,
  key_hash text NOT NULL,
  -- The principal's kind and id ('staff:12', 'token:3'): one caller's key never answers another.
  caller text NOT NULL,
  -- Set while a call runs (the claimant's random token); null once its output is stored.
  claim text,
  started_at timestamptz NOT NULL,
  output jsonb,
  done_at timestamptz,
  PRIMARY KEY (instance, operation, key_hash, caller),
  CHECK ((claim IS NULL) = (done_at IS NOT NULL))
);
CREATE INDEX operation_calls_done_at ON operation_calls (done_at);
