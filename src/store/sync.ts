// Pull-stream cursors and run history.
import type { Queryable } from './db.ts'

export async function loadCursor (db: Queryable, adapter: string, stream: string): Promise<{ cursor: unknown, runId: number | null } | undefined> {
  const { rows } = await db.query<{ cursor: unknown, run_id: number | null }>('SELECT cursor, run_id FROM sync_cursors WHERE adapter = $1 AND stream = $2', [adapter, stream])
  return rows[0] && { cursor: rows[0].cursor, runId: rows[0].run_id }
}

export async function saveCursor (db: Queryable, adapter: string, stream: string, cursor: unknown, runId: number | null): Promise<void> {
  await db.query(
    `INSERT INTO sync_cursors (adapter, stream, cursor, run_id) VALUES ($1, $2, $3::jsonb, $4)
     ON CONFLICT (adapter, stream) DO UPDATE SET cursor = EXCLUDED.cursor, run_id = EXCLUDED.run_id, updated_at = now()`,
    [adapter, stream, JSON.stringify(cursor), runId])
}

export async function startRun (db: Queryable, adapter: string, stream: string): Promise<number> {
  const { rows } = await db.query<{ id: number }>('INSERT INTO adapter_runs (adapter, stream) VALUES ($1, $2) RETURNING id', [adapter, stream])
  return rows[0]!.id
}

/**
 * For the rest of the transaction, its commit does not wait for the disk: for data that can be
 * fetched again. WAL order still keeps a cursor saved in it from ever getting ahead of the
 * records it covers.
 */
export async function commitWithoutWaitingForDisk (tx: Queryable): Promise<void> {
  await tx.query('SET LOCAL synchronous_commit TO OFF')
}

export async function recordPage (db: Queryable, runId: number, records: number, quarantined: number, finished: boolean): Promise<void> {
  await db.query(
    `UPDATE adapter_runs SET pages = pages + 1, records = records + $2, quarantined = quarantined + $3,
       status = CASE WHEN $4 THEN 'succeeded' ELSE status END, finished_at = CASE WHEN $4 THEN now() ELSE finished_at END, error = NULL
     WHERE id = $1`, [runId, records, quarantined, finished])
}

export async function failRun (db: Queryable, runId: number, error: string, final: boolean): Promise<void> {
  await db.query(
    `UPDATE adapter_runs SET error = $2, status = CASE WHEN $3 THEN 'failed' ELSE status END, finished_at = CASE WHEN $3 THEN now() ELSE finished_at END WHERE id = $1`,
    [runId, error, final])
}

export interface RunSummary {
  id: number
  stream: string
  startedAt: string
  finishedAt: string | null
  status: 'running' | 'succeeded' | 'failed'
  pages: number
  records: number
  quarantined: number
  error: string | null
}

export async function recentRuns (db: Queryable, adapter: string, limit = 10): Promise<RunSummary[]> {
  const { rows } = await db.query<{ id: number, stream: string, started_at: Date, finished_at: Date | null, status: RunSummary['status'], pages: number, records: number, quarantined: number, error: string | null }>(
    'SELECT * FROM adapter_runs WHERE adapter = $1 ORDER BY started_at DESC, id DESC LIMIT $2', [adapter, limit])
  return rows.map((r) => ({ id: r.id, stream: r.stream, startedAt: r.started_at.toISOString(), finishedAt: r.finished_at?.toISOString() ?? null, status: r.status, pages: r.pages, records: r.records, quarantined: r.quarantined, error: r.error }))
}

/** Per adapter: last successful processing and the newest observation stored from it. */
export async function lastSuccess (db: Queryable): Promise<Record<string, string>> {
  const { rows } = await db.query<{ adapter: string, at: Date }>(
    `SELECT adapter, max(at) AS at FROM (
       SELECT adapter, max(processed_at) AS at FROM inbox WHERE status = 'done' GROUP BY adapter
       UNION ALL
       SELECT adapter, max(finished_at) FROM adapter_runs WHERE status = 'succeeded' GROUP BY adapter
       UNION ALL
       SELECT adapter, max(finished_at) FROM file_inbox WHERE status = 'done' GROUP BY adapter
     ) s GROUP BY adapter`)
  return Object.fromEntries(rows.filter((r) => r.at).map((r) => [r.adapter, r.at.toISOString()]))
}
