// The delivery log of outbox rows sent to department systems as webhooks (migration 017): one row
// per try, kept beside the outbox row so a person can see why a whistle is not delivered yet.
import type { Queryable } from './db.ts'

export interface OutboxAttempt {
  outboxId: number
  /** The outbox row's try number (1 for the first; a re-send starts again at 1). */
  attempt: number
  at: string
  /** The department's HTTP status; null when no answer came (refused, timed out, no endpoint). */
  status: number | null
  error: string | null
  durationMs: number
  /** The start of the department's answer (its body), for a person reading why it failed. */
  responseExcerpt: string | null
}

export async function addOutboxAttempt (db: Queryable, a: OutboxAttempt): Promise<void> {
  await db.query(
    'INSERT INTO outbox_attempts (outbox_id, attempt, at, status, error, duration_ms, response_excerpt) VALUES ($1, $2, $3, $4, $5, $6, $7)',
    [a.outboxId, a.attempt, a.at, a.status, a.error, Math.round(a.durationMs), a.responseExcerpt])
}

/** Every try at one row, oldest first. */
export async function listOutboxAttempts (db: Queryable, outboxId: number): Promise<OutboxAttempt[]> {
  const { rows } = await db.query<{ outbox_id: string | number, attempt: number, at: Date, status: number | null, error: string | null, duration_ms: number, response_excerpt: string | null }>(
    'SELECT outbox_id, attempt, at, status, error, duration_ms, response_excerpt FROM outbox_attempts WHERE outbox_id = $1 ORDER BY id', [outboxId])
  return rows.map((r) => ({
    outboxId: Number(r.outbox_id),
    attempt: r.attempt,
    at: (r.at instanceof Date ? r.at : new Date(String(r.at))).toISOString(),
    status: r.status,
    error: r.error,
    durationMs: r.duration_ms,
    responseExcerpt: r.response_excerpt,
  }))
}
