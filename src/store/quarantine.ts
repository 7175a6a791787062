// Records that failed normalisation, kept with the reason and the raw record as received.
import type { Queryable } from './db.ts'
import { whereClause } from './filters.ts'
import { TongbanError } from '../errors.ts'
import type { RawRecord, Rejection } from '../model/intake.ts'

/** `inboxId`: the webhook message the rejections came in — one for all, or one per rejection (a group of messages). */
export async function quarantine (db: Queryable, adapter: string, kind: string, rejections: readonly Rejection[], inboxId?: number | readonly number[]): Promise<void> {
  if (rejections.length === 0) return
  const rows = rejections.map((r, i) => ({
    adapter,
    kind,
    source_id: r.sourceId,
    inbox_id: (typeof inboxId === 'number' ? inboxId : inboxId?.[i]) ?? null,
    reason_code: r.code,
    reason: r.message,
    field: r.field ?? null,
    raw_value: r.rawValue ?? null,
    raw: r.raw,
  }))
  await db.query(
    `INSERT INTO quarantine (adapter, kind, source_id, inbox_id, reason_code, reason, field, raw_value, raw)
     SELECT adapter, kind, source_id, inbox_id, reason_code, reason, field, raw_value, raw
     FROM jsonb_to_recordset($1::jsonb) AS r(adapter text, kind text, source_id text, inbox_id bigint, reason_code text, reason text, field text, raw_value text, raw jsonb)
     ON CONFLICT (adapter, source_id) WHERE status = 'open' DO NOTHING`,
    [JSON.stringify(rows)])
}

/** A raw record as stored (JSON): its observation time is an ISO string. */
export type StoredRawRecord = Omit<RawRecord, 'observedAt'> & { observedAt: string }

export const QUARANTINE_STATUSES = ['open', 'resolved', 'dismissed'] as const
export type QuarantineStatus = (typeof QUARANTINE_STATUSES)[number]

export interface QuarantineItem {
  id: number
  adapter: string
  kind: string
  sourceId: string
  inboxId: number | null
  reasonCode: string
  reason: string
  field: string | null
  rawValue: string | null
  raw: StoredRawRecord
  status: QuarantineStatus
  createdAt: string
  updatedAt: string
  /** The latest handling (a retry or a dismissal): its note, who and when. */
  note: string | null
  handledBy: string | null
  handledAt: string | null
}

interface QuarantineRow {
  id: number, adapter: string, kind: string, source_id: string, inbox_id: number | null, reason_code: string, reason: string,
  field: string | null, raw_value: string | null, raw: StoredRawRecord, status: QuarantineStatus, created_at: Date, updated_at: Date,
  note: string | null, handled_by: string | null, handled_at: Date | null
}

function toItem (r: QuarantineRow): QuarantineItem {
  return {
    id: r.id,
    adapter: r.adapter,
    kind: r.kind,
    sourceId: r.source_id,
    inboxId: r.inbox_id,
    reasonCode: r.reason_code,
    reason: r.reason,
    field: r.field,
    rawValue: r.raw_value,
    raw: r.raw,
    status: r.status,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    note: r.note,
    handledBy: r.handled_by,
    handledAt: r.handled_at?.toISOString() ?? null,
  }
}

export async function listQuarantine (db: Queryable, filter: { adapter?: string | undefined, status?: string | undefined, reasonCode?: string | undefined, beforeId?: number | undefined, limit: number }): Promise<QuarantineItem[]> {
  const { where, params } = whereClause([
    ['adapter = ?', filter.adapter],
    ['status = ?', filter.status],
    ['reason_code = ?', filter.reasonCode],
    ['id < ?', filter.beforeId],
  ])
  params.push(filter.limit)
  const { rows } = await db.query<QuarantineRow>(`SELECT * FROM quarantine ${where} ORDER BY id DESC LIMIT $${params.length}`, params)
  return rows.map(toItem)
}

export async function getQuarantineItem (db: Queryable, id: number, lock = false): Promise<QuarantineItem | undefined> {
  const { rows } = await db.query<QuarantineRow>(`SELECT * FROM quarantine WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id])
  return rows[0] && toItem(rows[0])
}

/** How long a handling's note may be (the API's schema and the portal's form). */
export const NOTE_MAX = 500

/** Who handles an item and why; a handling replaces the previous one's note. */
export interface Handling { by: string, note?: string | null }

export async function updateQuarantineItem (db: Queryable, id: number, change: { status: 'open' | 'resolved', reasonCode?: string, reason?: string, field?: string | null, rawValue?: string | null, handling?: Handling }): Promise<void> {
  await db.query(
    `UPDATE quarantine SET status = $2, reason_code = COALESCE($3, reason_code), reason = COALESCE($4, reason),
       field = CASE WHEN $3::text IS NULL THEN field ELSE $5 END, raw_value = CASE WHEN $3::text IS NULL THEN raw_value ELSE $6 END,
       handled_by = COALESCE($7, handled_by), handled_at = CASE WHEN $7::text IS NULL THEN handled_at ELSE now() END,
       note = CASE WHEN $7::text IS NULL THEN note ELSE $8 END, updated_at = now()
     WHERE id = $1`,
    [id, change.status, change.reasonCode ?? null, change.reason ?? null, change.field ?? null, change.rawValue ?? null, change.handling?.by ?? null, change.handling?.note ?? null])
}

/** Closes an open item without unifying it (the department will resend it, or it is junk); a closed one is TB_QUARANTINE_CLOSED. */
export async function dismissQuarantined (db: Queryable, id: number, handling: { note: string, by: string }): Promise<QuarantineItem> {
  const { rows } = await db.query<QuarantineRow>(
    `UPDATE quarantine SET status = 'dismissed', note = $2, handled_by = $3, handled_at = now(), updated_at = now()
     WHERE id = $1 AND status = 'open' RETURNING *`,
    [id, handling.note, handling.by])
  if (rows[0]) return toItem(rows[0])
  const item = await getQuarantineItem(db, id)
  if (!item) throw new TongbanError('TB_QUARANTINE_NOT_FOUND', [id])
  throw new TongbanError('TB_QUARANTINE_CLOSED', [id, item.status])
}

/** The reason codes items carry, for filtering. */
export async function quarantineReasonCodes (db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ reason_code: string }>('SELECT DISTINCT reason_code FROM quarantine ORDER BY reason_code')
  return rows.map((r) => r.reason_code)
}

/** Closes open items whose records have since been unified (e.g. by a replay). */
export async function resolveQuarantined (db: Queryable, adapter: string, sourceIds: readonly string[]): Promise<void> {
  if (sourceIds.length === 0) return
  await db.query("UPDATE quarantine SET status = 'resolved', updated_at = now() WHERE adapter = $1 AND status = 'open' AND source_id = ANY($2::text[])", [adapter, sourceIds])
}

export async function countOpenQuarantine (db: Queryable): Promise<Record<string, number>> {
  const { rows } = await db.query<{ adapter: string, n: number }>("SELECT adapter, count(*)::int AS n FROM quarantine WHERE status = 'open' GROUP BY adapter")
  return Object.fromEntries(rows.map((r) => [r.adapter, r.n]))
}
