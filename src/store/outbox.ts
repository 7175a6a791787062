// The outbox (migration 013): calls to department systems that a committed step owes. Rows are
// added in the step's own transaction, so a step and the calls it owes are committed together
// or not at all; a worker sends them.
import type { Queryable } from './db.ts'

export interface OutboxCall {
  /** What the call is about (`case:<projectNo>`): one subject's calls go out in the order they were added. */
  subject: string
  instance: string
  operation: string
  input: Record<string, unknown>
  /** Set when the call cannot be made complete yet (a date the calendar cannot compute): kept, not sent. */
  heldReason?: string
}

export async function addOutbox (tx: Queryable, calls: readonly OutboxCall[], at: string): Promise<void> {
  if (calls.length === 0) return
  await tx.query(
    `INSERT INTO outbox (subject, instance, operation, input, state, held_reason, next_at, created_at)
     SELECT r.subject, r.instance, r.operation, r.input, CASE WHEN r."heldReason" IS NULL THEN 'pending' ELSE 'held' END, r."heldReason", $2, $2
     FROM jsonb_to_recordset($1::jsonb) WITH ORDINALITY AS r(subject text, instance text, operation text, input jsonb, "heldReason" text, n bigint)
     ORDER BY n`,
    [JSON.stringify(calls), at])
}
