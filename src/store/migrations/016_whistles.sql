-- The whistle loop (吹哨报到): hotline work orders the town answers, whistles the town blows to
-- departments, the departments' answers, the escalation ladder of their clocks, grid staff's risk
-- reports and their photos. Every workflow here is a state kept with its append-only events: a
-- transition writes its event, the new state, its clocks and its outbox rows in one transaction.
-- No statement here lets a department delete anything; triggers refuse UPDATE/DELETE of events.

-- Work orders (工单) as the town holds them: the hotline's fields, where in the town it belongs,
-- and the order's state as the hotline's events and the town's answers left it.
CREATE TABLE orders (
  order_no text PRIMARY KEY,
  -- the hotline adapter instance it came through (its answers go back through it)
  instance text NOT NULL,
  town text NOT NULL,
  -- 12-digit village (or the town itself); NULL: waiting in the town's queue for a person to place it
  division text,
  placed_by text,
  state text NOT NULL CHECK (state IN ('dispatched', 'signed', 'returned', 'replied', 'revisited', 'closed', 'reopened')),
  category text,
  kind text,
  channel text,
  title text,
  content text,
  address text,
  citizen jsonb,
  anonymous boolean NOT NULL DEFAULT false,
  dispatch_time timestamptz,
  sign_deadline timestamptz,
  reply_deadline timestamptz,
  urge_count int NOT NULL DEFAULT 0,
  revisit jsonb,
  -- the order as last received from the hotline
  body jsonb NOT NULL,
  received_at timestamptz NOT NULL,
  signed_at timestamptz,
  replied_at timestamptz,
  version int NOT NULL DEFAULT 1,
  updated_at timestamptz NOT NULL
);
CREATE INDEX orders_town ON orders (town, received_at DESC, order_no DESC);
CREATE INDEX orders_unplaced ON orders (town, received_at) WHERE division IS NULL;

-- Every hotline event and every town answer of an order. A hotline event whose order has not
-- arrived yet (order.urged before order.dispatched) waits here with applied_at NULL.
CREATE TABLE order_events (
  id bigserial PRIMARY KEY,
  order_no text NOT NULL,
  -- the hotline's event id (unique per instance), or NULL for the town's own answers
  instance text NOT NULL,
  event_id text,
  type text NOT NULL,
  at timestamptz NOT NULL,
  actor jsonb NOT NULL,
  data jsonb NOT NULL DEFAULT '{}',
  applied_at timestamptz
);
CREATE UNIQUE INDEX order_events_event ON order_events (instance, event_id) WHERE event_id IS NOT NULL;
CREATE INDEX order_events_order ON order_events (order_no, id);
CREATE INDEX order_events_waiting ON order_events (order_no) WHERE applied_at IS NULL;

-- The town's 配合履职事项清单: matter category -> lead department and co-departments. A new
-- version replaces the whole list; old versions stay for the whistles blown under them.
CREATE TABLE routing_versions (
  town text NOT NULL,
  version int NOT NULL,
  rules jsonb NOT NULL,
  created_by jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (town, version)
);

CREATE TABLE whistles (
  -- 'CS' + town (12) + YYYYMMDD + 4-digit daily sequence
  id text PRIMARY KEY,
  town text NOT NULL,
  division text,
  -- the type as it was when blown: its name and times (a later change of the configuration does not move its clocks)
  type text NOT NULL,
  type_snapshot jsonb NOT NULL,
  source_kind text NOT NULL CHECK (source_kind IN ('order', 'risk', 'direct')),
  source_id text,
  category text,
  title text NOT NULL,
  description text NOT NULL,
  -- awaiting-approval: a window worker asked and a leader has not approved yet
  state text NOT NULL CHECK (state IN ('awaiting-approval', 'open', 'checking', 'closed', 'withdrawn')),
  routing_version int,
  blown_by jsonb NOT NULL,
  blown_at timestamptz NOT NULL,
  opened_at timestamptz,
  closed_at timestamptz,
  -- the closing leader's rating of the departments' work, 1-5
  rating int CHECK (rating BETWEEN 1 AND 5),
  version int NOT NULL DEFAULT 1,
  updated_at timestamptz NOT NULL
);
CREATE INDEX whistles_town ON whistles (town, blown_at DESC, id DESC);
CREATE INDEX whistles_town_state ON whistles (town, state, blown_at DESC, id DESC);
CREATE INDEX whistles_source ON whistles (source_kind, source_id);

CREATE TABLE whistle_numbers (
  town text NOT NULL,
  day text NOT NULL,
  last int NOT NULL,
  PRIMARY KEY (town, day)
);

-- Each department a whistle summons, and where its answer stands.
CREATE TABLE whistle_targets (
  whistle_id text NOT NULL REFERENCES whistles (id),
  department text NOT NULL,
  role text NOT NULL CHECK (role IN ('lead', 'co')),
  state text NOT NULL CHECK (state IN ('whistled', 'responded', 'arrived', 'done-declared', 'returned', 'finished')),
  responded_at timestamptz,
  arrived_at timestamptz,
  done_at timestamptz,
  returned_at timestamptz,
  -- extra working days or hours granted on an extension request, per clock
  extended jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (whistle_id, department)
);
CREATE INDEX whistle_targets_department ON whistle_targets (department, state);

CREATE TABLE whistle_events (
  whistle_id text NOT NULL REFERENCES whistles (id),
  seq int NOT NULL,
  -- the department the event is about (its answer, its clock), or NULL for the whistle as a whole
  department text,
  action text NOT NULL,
  from_state text,
  to_state text NOT NULL,
  actor jsonb NOT NULL,
  at timestamptz NOT NULL,
  data jsonb NOT NULL DEFAULT '{}',
  request_id text,
  PRIMARY KEY (whistle_id, seq)
);
CREATE UNIQUE INDEX whistle_events_request ON whistle_events (whistle_id, request_id) WHERE request_id IS NOT NULL;
CREATE INDEX whistle_events_at ON whistle_events (at);

-- Escalation ladders: for each clock of a subject, the instants at which each rung fires (remind
-- the liaison, the department head, the county's supervision office). The sweeper claims a rung
-- with UPDATE … WHERE fired_at IS NULL, so each fires once however many sweepers run; a clock met
-- in time stops its unfired rungs.
CREATE TABLE deadline_rungs (
  -- 'whistle:<id>'
  subject text NOT NULL,
  -- the department whose clock it is ('' for none)
  party text NOT NULL DEFAULT '',
  clock text NOT NULL,
  rung text NOT NULL,
  due_at timestamptz NOT NULL,
  -- the clock's own deadline, for display
  deadline timestamptz NOT NULL,
  town text NOT NULL,
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'fired', 'stopped')),
  fired_at timestamptz,
  PRIMARY KEY (subject, party, clock, rung)
);
CREATE INDEX deadline_rungs_due ON deadline_rungs (due_at) WHERE state = 'pending';
CREATE INDEX deadline_rungs_town ON deadline_rungs (town, fired_at DESC) WHERE state = 'fired';

-- Risk sources and hidden dangers (风险源/隐患) reported by grid staff. The report is its events:
-- corrections, whistles, verification and closing are new events, never edits.
CREATE TABLE risks (
  id text PRIMARY KEY,
  town text NOT NULL,
  village text,
  category text NOT NULL,
  severity text NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
  state text NOT NULL CHECK (state IN ('reported', 'whistled', 'verified', 'closed')),
  reported_by jsonb NOT NULL,
  reported_at timestamptz NOT NULL,
  closed_at timestamptz,
  version int NOT NULL DEFAULT 1,
  updated_at timestamptz NOT NULL
);
CREATE INDEX risks_town_open ON risks (town, reported_at) WHERE state <> 'closed';

CREATE TABLE risk_events (
  risk_id text NOT NULL REFERENCES risks (id),
  seq int NOT NULL,
  action text NOT NULL,
  actor jsonb NOT NULL,
  at timestamptz NOT NULL,
  data jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (risk_id, seq)
);

-- Photos attached to risk reports and whistle answers, by content: the bytes live in the photo
-- store (data dir or S3) under their SHA-256.
CREATE TABLE photos (
  sha256 text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  content_type text NOT NULL,
  size int NOT NULL,
  width int,
  height int,
  location_kept boolean NOT NULL DEFAULT false,
  uploaded_by jsonb NOT NULL,
  uploaded_at timestamptz NOT NULL
);

CREATE FUNCTION refuse_event_change () RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'append-only: % on % refused; record a new event instead', TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege'; END
$$;
CREATE TRIGGER whistle_events_append_only BEFORE UPDATE OR DELETE ON whistle_events FOR EACH ROW EXECUTE FUNCTION refuse_event_change();
CREATE TRIGGER risk_events_append_only BEFORE UPDATE OR DELETE ON risk_events FOR EACH ROW EXECUTE FUNCTION refuse_event_change();
CREATE TRIGGER risks_no_delete BEFORE DELETE ON risks FOR EACH ROW EXECUTE FUNCTION refuse_event_change();
CREATE TRIGGER whistles_no_delete BEFORE DELETE ON whistles FOR EACH ROW EXECUTE FUNCTION refuse_event_change();
