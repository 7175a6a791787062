-- Deadline alerts (due soon, overdue) as staff see them: one row per alert the sweeper claimed
-- on case_deadlines (alerted_soon_at / alerted_overdue_at), written in the same statement, so an
-- alert is recorded exactly once however many sweepers run.
CREATE TABLE deadline_alerts (
  id bigserial PRIMARY KEY,
  project_no text NOT NULL REFERENCES cases (project_no),
  -- The clock: supplement-notice, legal, promised or delivery.
  kind text NOT NULL,
  alert text NOT NULL CHECK (alert IN ('due-soon', 'overdue')),
  due text NOT NULL,
  town text NOT NULL,
  at timestamptz NOT NULL
);
CREATE INDEX deadline_alerts_town ON deadline_alerts (town, at DESC);
CREATE INDEX deadline_alerts_case ON deadline_alerts (project_no);
