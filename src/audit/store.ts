// Appending to and reading the audit log. Appends are serialised by a transaction-scoped advisory
// lock, taken before the last hash is read, so the chain stays linear with any number of
// processes writing; AuditWriter batches the entries of one process into few transactions.
import type { Db, Queryable } from '../store/db.ts'
import { whereClause } from '../store/filters.ts'
import { chainHash, fieldsOfRow, GENESIS_HASH, prepareEntry, type AuditEntry, type AuditFields, type AuditOutcome } from './entry.ts'

const APPEND_LOCK = 7_242_016 // migrate.ts holds 7_242_015

/** Appends entries, in order, in one transaction; resolves to their ids. */
export async function appendAudit (db: Db, entries: AuditEntry | readonly AuditEntry[]): Promise<number[]> {
  const list = Array.isArray(entries) ? entries : [entries as AuditEntry]
  return await appendPrepared(db, list.map(prepareEntry))
}

async function appendPrepared (db: Db, fields: readonly AuditFields[]): Promise<number[]> {
  if (fields.length === 0) return []
  return await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [APPEND_LOCK])
    // A statement after the lock sees every append committed before it (read committed).
    const { rows: [last] } = await tx.query<{ id: number, hash: string }>('SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1')
    let id = last?.id ?? 0
    let prevHash = last?.hash ?? GENESIS_HASH
    const rows = fields.map((f) => {
      id += 1
      const hash = chainHash(prevHash, id, f)
      const row = {
        id, at: f.at, actor: f.actor, actor_kind: f.actorKind, roles: f.roles, town: f.town, action: f.action,
        subject_kind: f.subjectKind, subject: f.subject, purpose: f.purpose, client_ip: f.clientIp, outcome: f.outcome,
        details: f.details, prev_hash: prevHash, hash,
      }
      prevHash = hash
      return row
    })
    await tx.query(
      `INSERT INTO audit_log (id, at, actor, actor_kind, roles, town, action, subject_kind, subject, purpose, client_ip, outcome, details, prev_hash, hash)
       SELECT id, at, actor, actor_kind, roles, town, action, subject_kind, subject, purpose, client_ip, outcome, details, prev_hash, hash
       FROM jsonb_to_recordset($1::jsonb) AS r(id bigint, at timestamptz, actor text, actor_kind text, roles text[], town text, action text,
         subject_kind text, subject text, purpose text, client_ip text, outcome text, details jsonb, prev_hash text, hash text)`,
      [JSON.stringify(rows)])
    return rows.map((r) => r.id)
  })
}

interface Pending { fields: AuditFields, resolve: (id: number) => void, reject: (err: unknown) => void }

/**
 * One per process. Entries that arrive while a transaction is in flight go together in the next
 * one (up to `maxBatch`), so a burst costs a few transactions rather than one per entry, and a
 * lone entry is written at once. `append` resolves once the entry is committed.
 */
export class AuditWriter {
  readonly #db: Db
  readonly #maxBatch: number
  #queue: Pending[] = []
  #draining: Promise<void> | undefined

  constructor (db: Db, opts: { maxBatch?: number } = {}) {
    this.#db = db
    this.#maxBatch = opts.maxBatch ?? 500
  }

  async append (entry: AuditEntry): Promise<number> {
    const fields = prepareEntry(entry)
    return await new Promise<number>((resolve, reject) => {
      this.#queue.push({ fields, resolve, reject })
      this.#kick()
    })
  }

  /** Waits until everything appended so far is written (or has failed). */
  async flush (): Promise<void> {
    while (this.#draining) await this.#draining
  }

  #kick (): void {
    if (this.#draining) return
    // Entries queued between the end of the loop and this callback (callers appending again as
    // soon as theirs resolved) start the next drain.
    this.#draining = this.#drain().finally(() => {
      this.#draining = undefined
      if (this.#queue.length > 0) this.#kick()
    })
  }

  async #drain (): Promise<void> {
    // Let the rest of this turn of the event loop queue its entries too.
    await new Promise((resolve) => setImmediate(resolve))
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#maxBatch)
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
    outcome: r.outcome as AuditOutcome,
    prevHash: r.prev_hash as string,
    hash: r.hash as string,
  }))
  return { items, next: rows.length > f.limit ? items[items.length - 1]!.id : null }
}
