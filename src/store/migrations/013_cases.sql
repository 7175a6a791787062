-- Cases (办件) and what drives them: the append-only events that are each case's history and
-- audit trail, the daily number sequences, the legal clocks (deadlines) swept for alerts, and
-- the outbox of reports to the provincial platform. A transition writes its event, the case's
-- new state, its recomputed deadlines and its outbox rows in one transaction.

CREATE TABLE cases (
  -- 43 characters: the taskCode (31), the date it was received YYYYMMDD, a 4-digit daily sequence.
  project_no text PRIMARY KEY CHECK (length(project_no) = 43),
  -- 12-digit division code of the town whose window received it.
  town text NOT NULL,
  task_handle_item text NOT NULL,
  task_version int NOT NULL,
  matter_name text NOT NULL,
  state text NOT NULL,
  applicant_kind text NOT NULL CHECK (applicant_kind IN ('person', 'enterprise')),
  applicant_key text NOT NULL,
  applicant_name text NOT NULL,
  contact jsonb,
  form_data jsonb NOT NULL,
  corrections jsonb NOT NULL DEFAULT '[]',
  materials jsonb NOT NULL DEFAULT '[]',
  result text,
  -- The staff member (or client) who received it: {kind, id, name}.
  received_by jsonb NOT NULL,
  received_by_id text NOT NULL,
  received_at timestamptz NOT NULL,
  accepted_at timestamptz,
  concluded_at timestamptz,
  -- Bumped by every transition: two transitions on one case cannot both see the same state.
  version int NOT NULL DEFAULT 1,
  updated_at timestamptz NOT NULL
);
CREATE INDEX cases_town_received ON cases (town, received_at DESC, project_no DESC);
CREATE INDEX cases_town_state ON cases (town, state, received_at DESC, project_no DESC);
CREATE INDEX cases_receiver ON cases (received_by_id, received_at DESC);
CREATE INDEX cases_applicant ON cases (applicant_kind, applicant_key);

CREATE TABLE case_events (
  project_no text NOT NULL REFERENCES cases (project_no),
  seq int NOT NULL,
  action text NOT NULL,
  from_state text,
  to_state text NOT NULL,
  actor jsonb NOT NULL,
  at timestamptz NOT NULL,
  reason text,
  data jsonb NOT NULL DEFAULT '{}',
  -- The client's id for the intended action: a repeat is answered from this event.
  request_id text,
  PRIMARY KEY (project_no, seq)
);
CREATE UNIQUE INDEX case_events_request ON case_events (project_no, request_id) WHERE request_id IS NOT NULL;

-- Opening requests are deduplicated before a case exists: the id maps to the case it opened.
CREATE TABLE case_open_requests (
  received_by_id text NOT NULL,
  request_id text NOT NULL,
  project_no text NOT NULL REFERENCES cases (project_no),
  PRIMARY KEY (received_by_id, request_id)
);

-- The last sequence number given per matter (taskCode) and day: taken in the transaction that
-- inserts the case, so a rolled-back case gives its number back and two cases never share one.
CREATE TABLE case_numbers (
  task_code text NOT NULL,
  day text NOT NULL,
  last int NOT NULL,
  PRIMARY KEY (task_code, day)
);

-- The legal clocks of each case, recomputed from its events by every transition and whenever
-- the working-day calendar changes. The sweeper claims each alert once.
CREATE TABLE case_deadlines (
  project_no text NOT NULL REFERENCES cases (project_no),
  kind text NOT NULL,
  state text NOT NULL CHECK (state IN ('running', 'stopped', 'met', 'uncomputable')),
  due text,
  met_at timestamptz,
  explanation jsonb,
  problem text,
  -- The calendar the date was computed with: a different one means recompute.
  calendar text NOT NULL,
  town text NOT NULL,
  alerted_soon_at timestamptz,
  alerted_overdue_at timestamptz,
  PRIMARY KEY (project_no, kind)
);
CREATE INDEX case_deadlines_open ON case_deadlines (due) WHERE state = 'running';
CREATE INDEX case_deadlines_town ON case_deadlines (town, state, due);

-- Calls to department systems that a committed step owes: sent in order per subject by a worker,
-- retried with backoff, `held` while they cannot be made complete (a date past the calendar),
-- `dead` after the last try, visible until someone re-sends or dismisses them.
CREATE TABLE outbox (
  id bigserial PRIMARY KEY,
  -- What the call is about ('case:<projectNo>'): one subject's calls go out in id order.
  subject text NOT NULL,
  instance text NOT NULL,
  operation text NOT NULL,
  input jsonb NOT NULL,
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'held', 'sent', 'dead')),
  held_reason text,
  attempts int NOT NULL DEFAULT 0,
  next_at timestamptz NOT NULL,
  last_error text,
  created_at timestamptz NOT NULL,
  sent_at timestamptz,
  output jsonb
);
CREATE INDEX outbox_due ON outbox (next_at) WHERE state = 'pending';
CREATE INDEX outbox_subject ON outbox (subject, id) WHERE state <> 'sent';
