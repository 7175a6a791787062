// The webhook inbox: raw bodies committed before a webhook is answered, and their outcome.
import { createHash } from 'node:crypto'
import type { Db, Queryable } from './db.ts'
import { whereClause } from './filters.ts'
import { dropMonth, listMonthPartitions, monthStart } from './partitions.ts'

export interface IncomingWebhook {
  adapter: string
  webhookId: string
  receivedAt: Date
  body: Buffer
}

export interface Receipt {
  inboxId: number
  generation: number
  /** False when this webhook-id was already in the inbox (a repeat delivery). */
  fresh: boolean
  /** A repeat whose body differs from the stored one: the sender reuses ids, and this body is not stored. */
  reused: boolean
}

/**
 * Commits many webhooks in one statement. Repeats of an id already stored (or repeated within
 * the batch) come back with the stored row's id and `fresh: false`.
 */
export async function commitWebhooks (db: Queryable, batch: readonly IncomingWebhook[]): Promise<Receipt[]> {
  // DO UPDATE on a no-op column (instead of DO NOTHING) makes RETURNING include repeats, but
  // may not touch one row twice, hence the de-duplication of the batch first.
  const firstIndex = new Map<string, number>()
  const unique: number[] = []
  batch.forEach((w, i) => {
    const k = `${w.adapter}\u0000${w.webhookId}`
    if (!firstIndex.has(k)) { firstIndex.set(k, i); unique.push(i) }
  })
  // Parameters for the unique webhooks only: every parameter sent must appear in the statement.
  const params: unknown[] = []
  const uniqueValues = unique.map((i, j) => {
    const w = batch[i]!
    params.push(w.adapter, w.webhookId, w.receivedAt, w.body)
    return `($${j * 4 + 1}::text, $${j * 4 + 2}::text, $${j * 4 + 3}::timestamptz, $${j * 4 + 4}::bytea)`
  }).join(', ')
  // The inbox is partitioned by month, so its unique key cannot be (adapter, webhook_id) alone:
  // inbox_dedupe holds that key and hands out the row's id; only ids it claims fresh get a row.
  const { rows } = await db.query<{ id: number, adapter: string, webhook_id: string, generation: number | null, fresh: boolean }>(
    `WITH incoming (adapter, webhook_id, received_at, body) AS (VALUES ${uniqueValues}),
     claimed AS (
       INSERT INTO inbox_dedupe (adapter, webhook_id, inbox_id, received_at)
       SELECT adapter, webhook_id, nextval('inbox_id_seq'), received_at FROM incoming
       ON CONFLICT (adapter, webhook_id) DO UPDATE SET adapter = EXCLUDED.adapter
       RETURNING adapter, webhook_id, inbox_id, received_at, (xmax = 0) AS fresh),
     stored AS (
       INSERT INTO inbox (id, adapter, webhook_id, received_at, body)
       SELECT c.inbox_id, c.adapter, c.webhook_id, c.received_at, i.body FROM claimed c JOIN incoming i USING (adapter, webhook_id) WHERE c.fresh
       RETURNING id, generation)
     SELECT c.inbox_id AS id, c.adapter, c.webhook_id, s.generation, c.fresh FROM claimed c LEFT JOIN stored s ON s.id = c.inbox_id`, params)
  const byKey = new Map(rows.map((r) => [`${r.adapter}\u0000${r.webhook_id}`, r]))
  // Repeats are compared with the stored body by digest, so a big body does not travel back.
  // Read in a statement of its own: the stored row may come from a transaction that committed
  // after the insert above began (its generation too).
  const repeated = rows.filter((r) => !r.fresh).map((r) => r.id)
  const stored = new Map<number, { digest: string, generation: number }>()
  if (repeated.length > 0) {
    const { rows: digests } = await db.query<{ id: number, digest: string, generation: number }>("SELECT id, encode(sha256(body), 'hex') AS digest, generation FROM inbox WHERE id = ANY($1::bigint[])", [repeated])
    for (const d of digests) stored.set(d.id, d)
  }
  return batch.map((w, i) => {
    const k = `${w.adapter}\u0000${w.webhookId}`
    const row = byKey.get(k)!
    const fresh = row.fresh && firstIndex.get(k) === i
    const body = row.fresh ? batch[firstIndex.get(k)!]!.body : undefined
    const reused = !fresh && (body ? !body.equals(w.body) : stored.get(row.id)?.digest !== createHash('sha256').update(w.body).digest('hex'))
    return { inboxId: row.id, generation: row.generation ?? stored.get(row.id)?.generation ?? 0, fresh, reused }
  })
}

export interface InboxRow {
  id: number
  adapter: string
  webhook_id: string
  received_at: Date
  body: Buffer
  status: 'received' | 'done' | 'failed'
  generation: number
}

/** The unfinished rows among `ids`, in id order, without locking them (to prepare their processing ahead). */
export async function unfinishedInboxRows (db: Queryable, ids: readonly number[]): Promise<InboxRow[]> {
  const { rows } = await db.query<InboxRow>(
    "SELECT id, adapter, webhook_id, received_at, body, status, generation FROM inbox WHERE id = ANY($1::bigint[]) AND status = 'received' ORDER BY id", [ids])
  for (const row of rows) row.body = Buffer.from(row.body)
  return rows
}

/** Locks the unfinished rows among `ids` in id order (so two claimers never deadlock): their ids and generations; finished ones are left out. */
export async function claimInboxRows (tx: Queryable, ids: readonly number[]): Promise<Array<Pick<InboxRow, 'id' | 'generation'>>> {
  const { rows } = await tx.query<Pick<InboxRow, 'id' | 'generation'>>(
    "SELECT id, generation FROM inbox WHERE id = ANY($1::bigint[]) AND status = 'received' ORDER BY id FOR UPDATE", [ids])
  return rows
}

export interface InboxOutcome { status: 'done' | 'failed', ok: number, quarantined: number, error?: string }

/** Finishes many rows in one statement. */
export async function finishInboxRows (tx: Queryable, outcomes: ReadonlyArray<{ id: number } & InboxOutcome>): Promise<void> {
  if (outcomes.length === 0) return
  await tx.query(
    `UPDATE inbox SET status = o.status, processed_at = now(), records_ok = o.ok, records_quarantined = o.quarantined, error = o.error
     FROM unnest($1::bigint[], $2::text[], $3::int[], $4::int[], $5::text[]) AS o(id, status, ok, quarantined, error) WHERE inbox.id = o.id`,
    [outcomes.map((o) => o.id), outcomes.map((o) => o.status), outcomes.map((o) => o.ok), outcomes.map((o) => o.quarantined), outcomes.map((o) => o.error ?? null)])
}

/** A stored message as received, whatever its status; undefined when there is no such row. */
export async function storedMessage (db: Queryable, id: number): Promise<Pick<InboxRow, 'body' | 'webhook_id' | 'received_at'> | undefined> {
  const { rows } = await db.query<{ body: Uint8Array, webhook_id: string, received_at: Date }>('SELECT body, webhook_id, received_at FROM inbox WHERE id = $1', [id])
  const row = rows[0]
  return row && { ...row, body: Buffer.from(row.body) }
}

/** Marks one message to run again through the queue (its body now reads). */
export async function requeueMessage (db: Queryable, id: number): Promise<void> {
  await db.query("UPDATE inbox SET status = 'received', generation = generation + 1 WHERE id = $1", [id])
}

/** Rows answered 2xx but never finished, e.g. because Redis lost their job: `limit` of them in id order after `afterId`. */
export async function unfinishedInbox (db: Queryable, olderThan: Date, limit: number, afterId = 0): Promise<Array<{ id: number, adapter: string, generation: number }>> {
  const { rows } = await db.query<{ id: number, adapter: string, generation: number }>(
    "SELECT id, adapter, generation FROM inbox WHERE status = 'received' AND received_at < $1 AND id > $3 ORDER BY id LIMIT $2", [olderThan, limit, afterId])
  return rows
}

/** Marks an adapter's stored messages from a time range to run again through the current mapping. */
export async function markForReplay (db: Db, adapter: string, from: Date, to: Date): Promise<Array<{ id: number, adapter: string, generation: number }>> {
  const { rows } = await db.query<{ id: number, adapter: string, generation: number }>(
    `UPDATE inbox SET status = 'received', generation = generation + 1, processed_at = NULL, error = NULL
     WHERE adapter = $1 AND received_at >= $2 AND received_at < $3 RETURNING id, adapter, generation`, [adapter, from, to])
  return rows
}

export interface InboxListItem {
  id: number
  adapter: string
  webhookId: string
  receivedAt: string
  status: string
  processedAt: string | null
  recordsOk: number | null
  recordsQuarantined: number | null
  error: string | null
  bytes: number
}

export async function listInbox (db: Queryable, filter: { adapter?: string | undefined, status?: string | undefined, from?: Date | undefined, to?: Date | undefined, beforeId?: number | undefined, limit: number }): Promise<InboxListItem[]> {
  const { where, params } = whereClause([
    ['adapter = ?', filter.adapter],
    ['status = ?', filter.status],
    ['received_at >= ?', filter.from],
    ['received_at < ?', filter.to],
    ['id < ?', filter.beforeId],
  ])
  params.push(filter.limit)
  const { rows } = await db.query<{ id: number, adapter: string, webhook_id: string, received_at: Date, status: string, processed_at: Date | null, records_ok: number | null, records_quarantined: number | null, error: string | null, bytes: number }>(
    `SELECT id, adapter, webhook_id, received_at, status, processed_at, records_ok, records_quarantined, error, octet_length(body) AS bytes
     FROM inbox ${where} ORDER BY id DESC LIMIT $${params.length}`, params)
  return rows.map((r) => ({
    id: r.id,
    adapter: r.adapter,
    webhookId: r.webhook_id,
    receivedAt: r.received_at.toISOString(),
    status: r.status,
    processedAt: r.processed_at?.toISOString() ?? null,
    recordsOk: r.records_ok,
    recordsQuarantined: r.records_quarantined,
    error: r.error,
    bytes: r.bytes,
  }))
}

/** The inbox's months (store/partitions.ts). */
export const INBOX_PARTITIONS = { table: 'inbox', column: 'received_at' } as const

export interface InboxRetention {
  /** The months dropped, with their rows and deduplication keys. */
  dropped: string[]
  /** Months past retention kept because rows in them are still unfinished. */
  kept: Array<{ partition: string, unfinished: number }>
}

/**
 * Drops the inbox months that ended before the current month's `months` predecessors began (so
 * a row is kept at least `months` whole months), each only when none of its rows is unfinished.
 * Their deduplication keys go with them: a webhook id older than retention is taken as new again.
 */
export async function dropExpiredInboxMonths (db: Db, months: number, now = new Date()): Promise<InboxRetention> {
  const result: InboxRetention = { dropped: [], kept: [] }
  const oldestKept = monthStart(now, -months)
  for (const { name, month } of await listMonthPartitions(db, INBOX_PARTITIONS.table)) {
    if (month >= oldestKept) continue
    const dropped = await dropMonth(db, INBOX_PARTITIONS.table, month, async (tx, partition) => {
      const { rows } = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${partition}" WHERE status = 'received'`)
      if (rows[0]!.n > 0) {
        result.kept.push({ partition, unfinished: rows[0]!.n })
        return false
      }
      await tx.query(`DELETE FROM inbox_dedupe d USING "${partition}" p WHERE d.adapter = p.adapter AND d.webhook_id = p.webhook_id`)
      return true
    })
    if (dropped) result.dropped.push(name)
  }
  return result
}
