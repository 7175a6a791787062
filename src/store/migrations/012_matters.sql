-- Service matters (政务服务事项) per town: every version of every business item, from the provincial
-- catalogue (synced by an adapter instance) or from a county's local grant that brings its own
-- matter. `matter` holds the whole canonical Matter (src/model/matter.ts); the columns beside it
-- are what the window's queries select on. The platform resends a version with different content
-- now and then: the later `updated_at` wins, an older arrival never overwrites.
CREATE TABLE matter_versions (
  town text NOT NULL,
  task_handle_item text NOT NULL,
  origin text NOT NULL CHECK (origin IN ('catalogue', 'local')),
  version int NOT NULL,
  name text NOT NULL,
  state text NOT NULL CHECK (state IN ('in-force', 'withdrawn')),
  effective_from date NOT NULL,
  effective_until date,
  -- The adapter instance whose catalogue sent it; null for a local matter.
  source text,
  updated_at timestamptz NOT NULL,
  matter jsonb NOT NULL,
  stored_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (town, task_handle_item, origin, version),
  CHECK ((origin = 'catalogue') = (source IS NOT NULL))
);
CREATE INDEX matter_versions_item ON matter_versions (task_handle_item, version);

-- A county's 赋权 decisions for a town: grant a matter to the town or withdraw one, from a day on,
-- under a document number. Append-only: a decision is undone by a later one. A grant that brings a
-- matter the town's catalogue lacks names its local version (matter_versions, origin 'local').
CREATE TABLE matter_decisions (
  id bigserial PRIMARY KEY,
  town text NOT NULL,
  task_handle_item text NOT NULL,
  action text NOT NULL CHECK (action IN ('grant', 'withdraw')),
  local_version int,
  doc_no text NOT NULL,
  decided_on date NOT NULL,
  effective_from date NOT NULL,
  reason text NOT NULL,
  decided_by text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  CHECK (action = 'grant' OR local_version IS NULL)
);
CREATE INDEX matter_decisions_town ON matter_decisions (town, task_handle_item, effective_from);

CREATE FUNCTION matter_decisions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'matter_decisions is append-only: % refused; record a new decision instead', TG_OP USING ERRCODE = 'insufficient_privilege'; END
$$;
CREATE TRIGGER matter_decisions_no_change BEFORE UPDATE OR DELETE ON matter_decisions FOR EACH ROW EXECUTE FUNCTION matter_decisions_append_only();
CREATE TRIGGER matter_decisions_no_truncate BEFORE TRUNCATE ON matter_decisions FOR EACH STATEMENT EXECUTE FUNCTION matter_decisions_append_only();
