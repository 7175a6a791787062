-- 好差评: residents' ratings of a case at 受理 (accept) and 办结 (conclude), the one-time links the
-- window tablet rates through, and what a 差评 (level 1 or 2) starts: a rectification (整改) with
-- its follow-up contacts and re-rating, and appeals (申诉) the county decides. Every table here is
-- append-only: a state is read from the rows that exist (a rectification is closed by its
-- re-rating, an appeal by its decision), never written over.

CREATE TABLE ratings (
  id bigserial PRIMARY KEY,
  project_no text NOT NULL REFERENCES cases (project_no),
  stage text NOT NULL CHECK (stage IN ('accept', 'conclude')),
  level int NOT NULL CHECK (level BETWEEN 1 AND 5),
  -- As the platform counts channels: '01' the window's tablet.
  channel text NOT NULL CHECK (channel IN ('01', '02', '03')),
  comment text,
  -- Copied from the case at rating time, so the figures group without joining the case.
  town text NOT NULL,
  task_handle_item text NOT NULL,
  matter_name text NOT NULL,
  -- The staff member who took the rated step (accepted or concluded), {kind, id, name}.
  staff jsonb NOT NULL,
  staff_id text NOT NULL,
  rated_at timestamptz NOT NULL,
  -- A re-rating after rectification names the rating it follows.
  rerating_of bigint REFERENCES ratings (id)
);
-- One first rating per case and stage; one re-rating per rated 差评.
CREATE UNIQUE INDEX ratings_first ON ratings (project_no, stage) WHERE rerating_of IS NULL;
CREATE UNIQUE INDEX ratings_rerating ON ratings (rerating_of) WHERE rerating_of IS NOT NULL;
CREATE INDEX ratings_town_at ON ratings (town, rated_at);
CREATE INDEX ratings_staff_at ON ratings (staff_id, rated_at);

-- One-time links: only the SHA-256 of the token is kept, so the table cannot be replayed from a dump.
CREATE TABLE rating_links (
  id bigserial PRIMARY KEY,
  token_hash text NOT NULL UNIQUE,
  project_no text NOT NULL REFERENCES cases (project_no),
  stage text NOT NULL CHECK (stage IN ('accept', 'conclude')),
  -- Set for a re-rating link: the rating being re-rated.
  rerating_of bigint REFERENCES ratings (id),
  created_by jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  rating_id bigint REFERENCES ratings (id)
);

CREATE TABLE rectifications (
  id bigserial PRIMARY KEY,
  rating_id bigint NOT NULL UNIQUE REFERENCES ratings (id),
  project_no text NOT NULL REFERENCES cases (project_no),
  town text NOT NULL,
  opened_at timestamptz NOT NULL,
  -- Working days from rectifyWithin on the calendar; null with the reason when it cannot be computed.
  due text,
  due_problem text,
  within_days int NOT NULL
);
CREATE INDEX rectifications_town ON rectifications (town, opened_at);

-- Who called the resident, when, and what was done.
CREATE TABLE rectification_follow_ups (
  id bigserial PRIMARY KEY,
  rectification_id bigint NOT NULL REFERENCES rectifications (id),
  contacted_by text NOT NULL,
  contacted_at timestamptz NOT NULL,
  action text NOT NULL,
  recorded_by jsonb NOT NULL,
  recorded_at timestamptz NOT NULL
);
CREATE INDEX rectification_follow_ups_of ON rectification_follow_ups (rectification_id, id);

CREATE TABLE rating_appeals (
  id bigserial PRIMARY KEY,
  rating_id bigint NOT NULL REFERENCES ratings (id),
  town text NOT NULL,
  reason text NOT NULL,
  appealed_by jsonb NOT NULL,
  appealed_at timestamptz NOT NULL
);
-- One appeal per rating: a dismissed appeal is final.
CREATE UNIQUE INDEX rating_appeals_rating ON rating_appeals (rating_id);

CREATE TABLE rating_appeal_decisions (
  appeal_id bigint PRIMARY KEY REFERENCES rating_appeals (id),
  -- upheld: the rating was abusive and no longer counts; dismissed: it stands.
  decision text NOT NULL CHECK (decision IN ('upheld', 'dismissed')),
  reason text NOT NULL,
  decided_by jsonb NOT NULL,
  decided_at timestamptz NOT NULL
);
