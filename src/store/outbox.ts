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
     SELECT c->>'subject', c->>'instance', c->>'operation', c->'input', CASE WHEN c->>'heldReason' IS NULL THEN 'pending' ELSE 'held' END, c->>'heldReason', $2, $2
     FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(c, n)
     ORDER BY n`,
    [JSON.stringify(calls), at])
}

export type OutboxState = 'pending' | 'held' | 'sent' | 'dead'

export interface OutboxRow {
  id: number
  subject: string
  instance: string
  operation: string
  input: Record<string, unknown>
  state: OutboxState
  heldReason: string | null
  attempts: number
  nextAt: string
  lastError: string | null
  createdAt: string
  sentAt: string | null
  output: unknown
}

const COLUMNS = 'id, subject, instance, operation, input, state, held_reason, attempts, next_at, last_error, created_at, sent_at, output'
const iso = (v: unknown): string => (v instanceof Date ? v : new Date(String(v))).toISOString()

function toRow (r: Record<string, unknown>): OutboxRow {
  return {
    id: Number(r.id),
    subject: r.subject as string,
    instance: r.instance as string,
    operation: r.operation as string,
    input: r.input as Record<string, unknown>,
    state: r.state as OutboxState,
    heldReason: (r.held_reason ?? null) as string | null,
    attempts: r.attempts as number,
    nextAt: iso(r.next_at),
    lastError: (r.last_error ?? null) as string | null,
    createdAt: iso(r.created_at),
    sentAt: r.sent_at === null || r.sent_at === undefined ? null : iso(r.sent_at),
    output: r.output ?? null,
  }
}

/**
 * Claims up to `limit` due rows, each the first unsent row of its subject (an earlier row that is
 * held, waiting or dead blocks the later ones of the same subject). A claim counts an attempt and
 * moves `next_at` to `leaseUntil`: concurrent claimers skip locked rows and re-check `next_at`, so
 * a row is sent by one claimer at a time, and one whose sender died is claimed again once the
 * lease is over.
 */
export async function claimDueOutbox (db: Queryable, opts: { now: string, leaseUntil: string, limit: number }): Promise<OutboxRow[]> {
  const { rows } = await db.query(
    `WITH heads AS (
       SELECT DISTINCT ON (subject) id, state, next_at FROM outbox WHERE state <> 'sent' ORDER BY subject, id
     ), due AS (
       SELECT o.id FROM outbox o JOIN heads h ON h.id = o.id
       WHERE h.state = 'pending' AND h.next_at <= $1
       ORDER BY o.next_at, o.id LIMIT $3
       FOR UPDATE OF o SKIP LOCKED
     )
     UPDATE outbox o SET attempts = o.attempts + 1, next_at = $2
     FROM due WHERE o.id = due.id AND o.state = 'pending' AND o.next_at <= $1
     RETURNING ${COLUMNS.split(', ').map((c) => `o.${c}`).join(', ')}`,
    [opts.now, opts.leaseUntil, opts.limit])
  return rows.map(toRow).sort((a, b) => a.id - b.id)
}

export async function markOutboxSent (db: Queryable, id: number, output: unknown, at: string): Promise<void> {
  await db.query(`UPDATE outbox SET state = 'sent', sent_at = $2, output = $3, last_error = NULL WHERE id = $1`, [id, at, JSON.stringify(output ?? null)])
}

/** Another try at `nextAt`, keeping why this one failed. */
export async function retryOutbox (db: Queryable, id: number, error: string, nextAt: string): Promise<void> {
  await db.query(`UPDATE outbox SET last_error = $2, next_at = $3 WHERE id = $1 AND state = 'pending'`, [id, error, nextAt])
}

/** No more tries: a person looks at `error` and re-sends. */
export async function killOutbox (db: Queryable, id: number, error: string): Promise<void> {
  await db.query(`UPDATE outbox SET state = 'dead', last_error = $2 WHERE id = $1 AND state = 'pending'`, [id, error])
}

/** A dead row back to pending with fresh attempts; undefined when there is no dead row `id`. */
export async function resendOutbox (db: Queryable, id: number, at: string): Promise<OutboxRow | undefined> {
  const { rows } = await db.query(
    `UPDATE outbox SET state = 'pending', attempts = 0, next_at = $2 WHERE id = $1 AND state = 'dead' RETURNING ${COLUMNS}`, [id, at])
  return rows[0] ? toRow(rows[0]) : undefined
}

export interface OutboxFilter {
  state?: OutboxState
  subject?: string
  /** Only the reports of cases of towns under this division prefix ('' for all). */
  townPrefix?: string
  after?: number
  limit: number
}

// A case's reports, the whistles sent to departments' systems and the answers to work orders belong to the town of their case, whistle or order.
const IN_TOWNS = `($TOWN::text = '' OR EXISTS (SELECT 1 FROM cases c WHERE 'case:' || c.project_no = outbox.subject AND c.town LIKE $TOWN || '%')
  OR EXISTS (SELECT 1 FROM whistles w WHERE 'whistle:' || w.id = outbox.subject AND w.town LIKE $TOWN || '%')
  OR EXISTS (SELECT 1 FROM orders o WHERE 'order:' || o.order_no = outbox.subject AND o.town LIKE $TOWN || '%'))`

/** Rows in id order, keyset-paged by `after`. */
export async function listOutbox (db: Queryable, f: OutboxFilter): Promise<OutboxRow[]> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM outbox
     WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR subject = $2) AND id > $3 AND ${IN_TOWNS.replaceAll('$TOWN', '$5')}
     ORDER BY id LIMIT $4`,
    [f.state ?? null, f.subject ?? null, f.after ?? 0, f.limit, f.townPrefix ?? ''])
  return rows.map(toRow)
}

/** One row, if it concerns a case of a town under `townPrefix`. */
export async function outboxRowIn (db: Queryable, id: number, townPrefix: string): Promise<OutboxRow | undefined> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM outbox WHERE id = $1 AND ${IN_TOWNS.replaceAll('$TOWN', '$2')}`, [id, townPrefix])
  return rows[0] ? toRow(rows[0]) : undefined
}

/** Rows per state and the age of the oldest pending row (seconds, 0 without one), for the metrics. */
export async function outboxStats (db: Queryable, now: string): Promise<{ byState: Record<OutboxState, number>, oldestPendingSeconds: number }> {
  const { rows } = await db.query<{ state: OutboxState, n: string, oldest: unknown }>(
    `SELECT state, count(*) AS n, min(created_at) FILTER (WHERE state = 'pending') AS oldest FROM outbox GROUP BY state`)
  const byState: Record<OutboxState, number> = { pending: 0, held: 0, sent: 0, dead: 0 }
  let oldestPendingSeconds = 0
  for (const r of rows) {
    byState[r.state] = Number(r.n)
    if (r.oldest !== null && r.oldest !== undefined) oldestPendingSeconds = Math.max(0, (Date.parse(now) - Date.parse(iso(r.oldest))) / 1000)
  }
  return { byState, oldestPendingSeconds }
}

/**
 * Releases held acceptance reports whose case now has a promised due day (the calendar covers
 * its year since): the day goes into the input as `promiseDate` and the row is sent in its turn.
 * Returns the released rows' subjects.
 */
export async function releaseHeldAccepts (db: Queryable, at: string): Promise<string[]> {
  const { rows } = await db.query<{ subject: string }>(
    `UPDATE outbox o SET state = 'pending', held_reason = NULL, next_at = $1, input = o.input || jsonb_build_object('promiseDate', d.due)
     FROM case_deadlines d
     WHERE o.state = 'held' AND o.operation = 'accept' AND d.project_no = substr(o.subject, 6) AND d.kind = 'promised' AND d.due IS NOT NULL
     RETURNING o.subject`, [at])
  return rows.map((r) => r.subject)
}
