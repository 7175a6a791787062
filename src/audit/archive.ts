// Export before detach: a month of the audit log leaves the database only after it was written
// out (JSON lines with the hashes, the file's SM3 and row count recorded in audit_exports) and is
// older than the retention. Detaching drops the month's partition; each chain's last row of that
// month, kept with the export, is where `tongban audit verify` then starts the chain.
import { createWriteStream } from 'node:fs'
import { once } from 'node:events'
import { createHash } from 'node:crypto'
import type { Db, Queryable } from '../store/db.ts'
import { TongbanError } from '../errors.ts'
import type { ChainHead } from './roots.ts'
import { dropMonth } from '../store/partitions.ts'

/** Three years, as the log's promise says (migration 004); TONGBAN_AUDIT_RETENTION_MONTHS may say more or less. */
export const AUDIT_RETENTION_MONTHS = 36

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/

/** The month's first instant and the next month's, UTC; throws on anything but YYYY-MM. */
export function monthRange (month: string): { from: Date, to: Date } {
  const m = MONTH.exec(month)
  if (!m) throw new TypeError(`${month} is not a month (YYYY-MM)`)
  const y = Number(m[1])
  const mo = Number(m[2]) - 1
  return { from: new Date(Date.UTC(y, mo, 1)), to: new Date(Date.UTC(y, mo + 1, 1)) }
}

export interface AuditExport { month: string, file: string, rows: number, sm3: string, lasts: ChainHead[] }

const PAGE = 2000
const COLUMNS = `id, chain, seq, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at, actor, actor_kind, roles, town,
  action, subject_kind, subject, purpose, client_ip, outcome, details, prev_hash, hash`

/** Writes the month's rows to `file`, one JSON object a line in chain and seq order, and records the export. */
export async function exportAuditMonth (db: Db, month: string, file: string): Promise<AuditExport> {
  const { from, to } = monthRange(month)
  const out = createWriteStream(file, { flags: 'wx', mode: 0o600 })
  await once(out, 'open')
  const digest = createHash('sm3')
  const lasts = new Map<string, ChainHead>()
  let rows = 0
  let after = { chain: '', seq: 0 }
  try {
    for (;;) {
      const { rows: page } = await db.query<Record<string, unknown> & ChainHead>(
        `SELECT ${COLUMNS} FROM audit_log WHERE at >= $1 AND at < $2 AND (chain, seq) > ($3, $4) ORDER BY chain, seq LIMIT $5`,
        [from, to, after.chain, after.seq, PAGE])
      for (const r of page) {
        const line = `${JSON.stringify(r)}\n`
        digest.update(line, 'utf8')
        if (!out.write(line)) await once(out, 'drain')
        lasts.set(r.chain, { chain: r.chain, seq: r.seq, hash: r.hash })
        rows++
      }
      if (page.length < PAGE) break
      after = page[page.length - 1]!
    }
  } finally {
    out.end()
    await once(out, 'close')
  }
  const sm3 = digest.digest('hex')
  const record = { month, file, rows, sm3, lasts: [...lasts.values()] }
  await db.query('INSERT INTO audit_exports (month, file, file_sm3, rows, lasts) VALUES ($1, $2, $3, $4, $5)',
    [`${month}-01`, file, sm3, rows, JSON.stringify(record.lasts)])
  return record
}

export interface AuditDetach { month: string, rows: number, exportId: number, partition: string }

const refuse = (month: string, why: string): TongbanError => new TongbanError('TB_AUDIT_DETACH_REFUSED', [month, why])

async function count (db: Queryable, where: string, params: unknown[]): Promise<number> {
  const { rows: [row] } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE ${where}`, params)
  return row?.n ?? 0
}

/** Throws unless the month may go: exported with the rows it has now, oldest in the log, no later row before it in a chain. */
async function checkDetachable (tx: Queryable, month: string, from: Date, to: Date): Promise<{ exportId: number, rows: number }> {
  const { rows: [exported] } = await tx.query<{ id: number, rows: number, lasts: ChainHead[] }>(
    'SELECT id, rows, lasts FROM audit_exports WHERE month = $1 AND detached_at IS NULL ORDER BY id DESC LIMIT 1 FOR UPDATE', [`${month}-01`])
  if (!exported) throw refuse(month, 'it was never exported: run tongban audit export --month first')
  const rows = await count(tx, 'at >= $1 AND at < $2', [from, to])
  if (rows !== exported.rows) throw refuse(month, `the export holds ${exported.rows} rows but the log has ${rows} for the month: export it again`)
  if (await count(tx, 'at < $1', [from]) > 0) throw refuse(month, 'older months are still in the log: detach the oldest month first')
  // A row dated later but earlier in its chain (an entry given an old time) would be cut off from verification.
  const before = 'at >= $1 AND (chain, seq) IN (SELECT l.chain, s FROM jsonb_to_recordset($2::jsonb) AS l(chain text, seq bigint), generate_series(1, l.seq) AS s)'
  if (await count(tx, before, [to, JSON.stringify(exported.lasts)]) > 0) {
    throw refuse(month, 'rows of later months come before the month\'s last row in their chain (entries given an earlier time); they would be cut off')
  }
  return { exportId: exported.id, rows }
}

/**
 * Drops the month's partition, if the month is past retention, was exported with the row count it
 * has now, and no older month is still in the log (a chain is cut from its start only). The
 * checks run in the transaction that drops, with the table locked (store/partitions.ts).
 */
export async function detachAuditMonth (db: Db, month: string, opts: { retentionMonths?: number, now?: Date } = {}): Promise<AuditDetach> {
  const { from, to } = monthRange(month)
  const retention = opts.retentionMonths ?? AUDIT_RETENTION_MONTHS
  const now = opts.now ?? new Date()
  const cutoff = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - retention, now.getUTCDate()))
  if (to > cutoff) throw refuse(month, `it is within the retention of ${retention} months (months ending before ${cutoff.toISOString().slice(0, 10)} may go)`)
  let detached: AuditDetach | undefined
  await dropMonth(db.direct ?? db, 'audit_log', from, async (tx, partition) => {
    const { exportId, rows } = await checkDetachable(tx, month, from, to)
    await tx.query('UPDATE audit_exports SET detached_at = now() WHERE id = $1', [exportId])
    detached = { month, rows, exportId, partition }
    return true
  })
  if (detached) return detached
  const rows = await count(db, 'at >= $1 AND at < $2', [from, to])
  throw refuse(month, rows > 0 ? 'its rows are in the default partition, not in a partition of their month; they cannot be detached by month' : 'it has no partition of its own: nothing to detach')
}
