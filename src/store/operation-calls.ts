// The calls of idempotent adapter operations (migration 010): claimed before the department is
// called, answered from the stored output within the replay window, deleted when they fail.
import { createHash, randomBytes } from 'node:crypto'
import type { Queryable } from './db.ts'

export interface CallKey {
  instance: string
  operation: string
  /** The operation's idempotency key as the adapter made it; stored only as its hash. */
  key: string
  /** Principal kind and id: `staff:12`. */
  caller: string
}

export type Claim =
  | { state: 'claimed', token: string }
  | { state: 'done', output: unknown }
  | { state: 'running' }

function params (k: CallKey): [string, string, string, string] {
  return [k.instance, k.operation, createHash('sha256').update(k.key).digest('hex'), k.caller]
}

const WHERE_KEY = 'instance = $1 AND operation = $2 AND key_hash = $3 AND caller = $4'

/**
 * Claims the call, or says what holds it: a stored output younger than `replayMs`, or a claim
 * younger than `leaseMs` (a claimant that died lets go when its lease ends). Expired calls of any
 * operation are removed on the way.
 */
export async function claimCall (db: Queryable, k: CallKey, opts: { replayMs: number, leaseMs: number }): Promise<Claim> {
  await pruneCalls(db, opts.replayMs)
  const token = randomBytes(16).toString('hex')
  const { rows } = await db.query<{ claim: string }>(
    `INSERT INTO operation_calls AS c (instance, operation, key_hash, caller, claim, started_at) VALUES ($1, $2, $3, $4, $5, now())
     ON CONFLICT (instance, operation, key_hash, caller) DO UPDATE SET claim = excluded.claim, started_at = excluded.started_at, output = NULL, done_at = NULL
       WHERE c.done_at < now() - $6::int * interval '1 millisecond'
          OR (c.done_at IS NULL AND c.started_at < now() - $7::int * interval '1 millisecond')
     RETURNING claim`, [...params(k), token, opts.replayMs, opts.leaseMs])
  if (rows[0]?.claim === token) return { state: 'claimed', token }
  const { rows: held } = await db.query<{ output: unknown, done_at: Date | null }>(`SELECT output, done_at FROM operation_calls WHERE ${WHERE_KEY}`, params(k))
  const row = held[0]
  // Gone in between (its claimant failed and let go): the caller claims again.
  if (!row) return await claimCall(db, k, opts)
  return row.done_at ? { state: 'done', output: row.output } : { state: 'running' }
}

export async function finishCall (db: Queryable, k: CallKey, token: string, output: unknown): Promise<void> {
  await db.query(`UPDATE operation_calls SET output = $6::jsonb, done_at = now(), claim = NULL WHERE ${WHERE_KEY} AND claim = $5`,
    [...params(k), token, JSON.stringify(output ?? null)])
}

/** The call failed: forget it, so the same key may be tried again. */
export async function releaseCall (db: Queryable, k: CallKey, token: string): Promise<void> {
  await db.query(`DELETE FROM operation_calls WHERE ${WHERE_KEY} AND claim = $5`, [...params(k), token])
}

/** Removes the calls whose replay window has passed (their outputs may hold personal data); how many. */
export async function pruneCalls (db: Queryable, replayMs: number): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    'WITH gone AS (DELETE FROM operation_calls WHERE done_at < now() - $1::int * interval \'1 millisecond\' RETURNING 1) SELECT count(*)::int AS n FROM gone', [replayMs])
  return rows[0]!.n
}
