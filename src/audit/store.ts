// Appending to and reading the audit log. The log is one chain per county (chainOf): an append
// locks its chains' heads (rows of audit_chains, FOR UPDATE, held to commit: a transaction-level
// lock, fine behind PgBouncer) before continuing them, so each chain stays linear with any number
// of processes writing while counties do not wait for each other. AuditWriter batches the entries
// of one process per chain into few transactions.
import type { Db, Queryable } from '../store/db.ts'
import { whereClause } from '../store/filters.ts'
import { chainHash, chainOf, fieldsOfRow, GENESIS_HASH, prepareEntry, type AuditEntry, type AuditFields, type AuditOutcome } from './entry.ts'

/** Appends entries, in order within each chain, in one transaction; resolves to their ids. */
export async function appendAudit (db: Db, entries: AuditEntry | readonly AuditEntry[]): Promise<number[]> {
  const list = Array.isArray(entries) ? entries : [entries as AuditEntry]
  return await appendPrepared(db, list.map(prepareEntry))
}

interface Head { chain: string, seq: number, hash: string }

async function appendPrepared (db: Db, fields: readonly AuditFields[]): Promise<number[]> {
  if (fields.length === 0) return []
  // Sorted: heads are created and locked in key order, so batches of several chains cannot deadlock.
  const chains = [...new Set(fields.map((f) => chainOf(f.town)))].sort()
  return await db.transaction(async (tx) => {
    await tx.query('INSERT INTO audit_chains (chain, seq, hash) SELECT unnest($1::text[]), 0, $2 ON CONFLICT DO NOTHING', [chains, GENESIS_HASH])
    const { rows: locked } = await tx.query<Head>('SELECT chain, seq, hash FROM audit_chains WHERE chain = ANY($1::text[]) ORDER BY chain FOR UPDATE', [chains])
    const heads = new Map(locked.map((h) => [h.chain, { ...h }]))
    const { rows: ids } = await tx.query<{ id: number }>("SELECT nextval('audit_log_id_seq') AS id FROM generate_series(1, $1::int) ORDER BY 1", [fields.length])
    const rows = fields.map((f, i) => {
      const head = heads.get(chainOf(f.town))!
      const seq = head.seq + 1
      const hash = chainHash(head.hash, seq, f)
      const row = {
        id: ids[i]!.id, chain: head.chain, seq, at: f.at, actor: f.actor, actor_kind: f.actorKind, roles: f.roles, town: f.town, action: f.action,
        subject_kind: f.subjectKind, subject: f.subject, purpose: f.purpose, client_ip: f.clientIp, outcome: f.outcome,
        details: f.details, prev_hash: head.hash, hash,
      }
      head.seq = seq
      head.hash = hash
      return row
    })
    await tx.query(
      `INSERT INTO audit_log (id, chain, seq, at, actor, actor_kind, roles, town, action, subject_kind, subject, purpose, client_ip, outcome, details, prev_hash, hash)
       SELECT id, chain, seq, at, actor, actor_kind, roles, town, action, subject_kind, subject, purpose, client_ip, outcome, details, prev_hash, hash
       FROM jsonb_to_recordset($1::jsonb) AS r(id bigint, chain text, seq bigint, at timestamptz, actor text, actor_kind text, roles text[], town text, action text,
         subject_kind text, subject text, purpose text, client_ip text, outcome text, details jsonb, prev_hash text, hash text)`,
      [JSON.stringify(rows)])
    await tx.query(
      `UPDATE audit_chains c SET seq = h.seq, hash = h.hash FROM jsonb_to_recordset($1::jsonb) AS h(chain text, seq bigint, hash text) WHERE c.chain = h.chain`,
      [JSON.stringify([...heads.values()])])
    return rows.map((r) => r.id)
  })
}

interface Pending { fields: AuditFields, resolve: (id: number) => void, reject: (err: unknown) => void }

/** The entries of one chain waiting in a writer, and the drain writing them, if one runs. */
interface ChainQueue { pending: Pending[], draining: Promise<void> | undefined }

/**
 * One per process. Per chain, entries that arrive while a transaction is in flight go together in
 * the next one (up to `maxBatch`), so a burst costs a few transactions rather than one per entry,
 * and a lone entry is written at once; chains drain side by side. `append` resolves once the entry
 * is committed.
 */
export class AuditWriter {
  readonly #db: Db
  readonly #maxBatch: number
  readonly #chains = new Map<string, ChainQueue>()

  constructor (db: Db, opts: { maxBatch?: number } = {}) {
    this.#db = db
    this.#maxBatch = opts.maxBatch ?? 500
  }

  async append (entry: AuditEntry): Promise<number> {
    const fields = prepareEntry(entry)
    const chain = chainOf(fields.town)
    let queue = this.#chains.get(chain)
    if (!queue) this.#chains.set(chain, queue = { pending: [], draining: undefined })
    const q = queue
    return await new Promise<number>((resolve, reject) => {
      q.pending.push({ fields, resolve, reject })
      this.#kick(q)
    })
  }

  /** Waits until everything appended so far is written (or has failed). */
  async flush (): Promise<void> {
    for (;;) {
      const draining = [...this.#chains.values()].map((q) => q.draining).filter((d) => d !== undefined)
      if (draining.length === 0) return
      await Promise.all(draining)
    }
  }

  #kick (q: ChainQueue): void {
    if (q.draining) return
    // Entries queued between the end of the loop and this callback (callers appending again as
    // soon as theirs resolved) start the next drain.
    q.draining = this.#drain(q).finally(() => {
      q.draining = undefined
      if (q.pending.length > 0) this.#kick(q)
    })
  }

  async #drain (q: ChainQueue): Promise<void> {
    // Let the rest of this turn of the event loop queue its entries too.
    await new Promise((resolve) => setImmediate(resolve))
    while (q.pending.length > 0) {
      const batch = q.pending.splice(0, this.#maxBatch)
      try {
        const ids = await appendPrepared(this.#db, batch.map((p) => p.fields))
        batch.forEach((p, i) => { p.resolve(ids[i]!) })
      } catch (err) {
        for (const p of batch) p.reject(err)
      }
    }
  }
}

export interface AuditRow extends AuditFields {
  id: number
  chain: string
  seq: number
  outcome: AuditOutcome
  prevHash: string
  hash: string
}

export interface AuditFilter {
  actor?: string | undefined
  /** An action, or a family of them ending in a dot: 'auth.' */
  action?: string | undefined
  /** Masked forms a subject may be stored under (see maskSubject). */
  subjects?: string[] | undefined
  outcome?: AuditOutcome | undefined
  from?: Date | undefined
  to?: Date | undefined
  /** The last id of the previous page. */
  beforeId?: number | undefined
  limit: number
}

/** Newest first. */
export async function listAudit (db: Queryable, f: AuditFilter): Promise<{ items: AuditRow[], next: number | null }> {
  const family = f.action?.endsWith('.')
  const { where, params } = whereClause([
    ['actor = ?', f.actor],
    [family ? 'action LIKE ?' : 'action = ?', family ? `${f.action!}%` : f.action],
    ['subject = ANY(?::text[])', f.subjects],
    ['outcome = ?', f.outcome],
    ['at >= ?', f.from],
    ['at < ?', f.to],
    ['id < ?', f.beforeId],
  ])
  params.push(f.limit + 1)
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT * FROM audit_log ${where} ORDER BY id DESC LIMIT $${params.length}`, params)
  const items = rows.slice(0, f.limit).map((r): AuditRow => ({
    ...fieldsOfRow(r, (r.at as Date).toISOString()),
    id: r.id as number,
    chain: r.chain as string,
    seq: r.seq as number,
    outcome: r.outcome as AuditOutcome,
    prevHash: r.prev_hash as string,
    hash: r.hash as string,
  }))
  return { items, next: rows.length > f.limit ? items[items.length - 1]!.id : null }
}
