-- Department liaisons (报到 through the portal) and department systems' API tokens answer the
-- town's whistles for one department: its code (config.whistles.departments) on the account or
-- token. Only the department-liaison role carries one, and it always does.
ALTER TABLE staff ADD COLUMN department text;
ALTER TABLE staff ADD CONSTRAINT staff_department_liaison CHECK ((department IS NOT NULL) = ('department-liaison' = ANY (roles)));
ALTER TABLE api_tokens ADD COLUMN department text;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_department_liaison CHECK ((department IS NOT NULL) = ('department-liaison' = ANY (roles)));

-- Every try at delivering an outbox row to a department's system (outbound webhooks): when, how
-- it went (an HTTP status or the error), how long it took and the start of the answer, so the
-- portal and the API can show why a whistle is not delivered yet.
CREATE TABLE outbox_attempts (
  id bigserial PRIMARY KEY,
  outbox_id bigint NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
  attempt int NOT NULL,
  at timestamptz NOT NULL,
  status int,
  error text,
  duration_ms int NOT NULL,
  response_excerpt text
);
CREATE INDEX outbox_attempts_row ON outbox_attempts (outbox_id, id);
