-- Risk reports (migration 016) get their daily numbers, the reporter's request ids (a phone that
-- retries a report on a flaky network makes one report) and their events' request ids; the
-- county's list of open risks by age reads (state, reported_at) across towns.
CREATE TABLE risk_numbers (
  town text NOT NULL,
  day text NOT NULL,
  last int NOT NULL,
  PRIMARY KEY (town, day)
);

ALTER TABLE risks ADD COLUMN reported_by_id text;
ALTER TABLE risks ADD COLUMN request_id text;
CREATE UNIQUE INDEX risks_request ON risks (reported_by_id, request_id) WHERE request_id IS NOT NULL;
CREATE INDEX risks_open_age ON risks (reported_at) WHERE state <> 'closed';

ALTER TABLE risk_events ADD COLUMN request_id text;
CREATE UNIQUE INDEX risk_events_request ON risk_events (risk_id, request_id) WHERE request_id IS NOT NULL;
