// Reads of the record history. Later changes are rows that unify and conflict resolution write;
// the creation is derived (see the second migration): per field, the oldest `old` value in the
// history, or the current value of a field never changed since.
import type { Queryable } from './db.ts'
import type { EntityKind } from '../model/index.ts'
import type { Change, Provenance } from '../model/provenance.ts'
import { tables } from './columns.ts'

export interface HistoryItem {
  /** 0 for the creation. */
  id: number
  changedAt: string
  source: Provenance
  /** Who chose the value, for changes made by resolving a conflict. */
  changedBy: string | null
  changes: Array<{ field: string, old: unknown, new: unknown }>
}

async function creation (db: Queryable, kind: EntityKind, key: string): Promise<HistoryItem | undefined> {
  const { table, key: keyField, columns } = tables[kind]
  const { rows: [record] } = await db.query<Record<string, unknown>>(
    `SELECT * FROM ${table} WHERE ${columns[keyField]!.name} = $1 AND created_from IS NOT NULL`, [key])
  if (!record) return undefined
  const { rows: oldest } = await db.query<{ field: string, old: unknown }>(
    `SELECT DISTINCT ON (f.key) f.key AS field, f.value -> 0 AS old
     FROM record_history AS h CROSS JOIN LATERAL jsonb_each(h.changes) AS f
     WHERE h.kind = $1 AND h.record_key = $2 ORDER BY f.key, h.id`, [kind, key])
  const firstOld = new Map(oldest.map((r) => [r.field, r.old]))
  const changes = []
  for (const [field, column] of Object.entries(columns)) {
    if (field === keyField) continue
    const value = firstOld.has(field) ? firstOld.get(field) : record[column.name]
    if (value !== null && value !== undefined) changes.push({ field, old: null, new: value })
  }
  return {
    id: 0,
    changedAt: (record.created_at as Date).toISOString(),
    source: record.created_from as Provenance,
    changedBy: null,
    changes,
  }
}

/** Newest first, the creation last; `beforeId` (the last id of the previous page) pages on. */
export async function recordHistory (db: Queryable, kind: EntityKind, key: string, beforeId: number | undefined, limit: number): Promise<{ items: HistoryItem[], next: number | null }> {
  if (beforeId === 0) return { items: [], next: null }
  const params: unknown[] = [kind, key, limit + 1]
  if (beforeId !== undefined) params.push(beforeId)
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT id, adapter, source_id, observed_at, changed_at, changed_by, changes FROM record_history
     WHERE kind = $1 AND record_key = $2${beforeId !== undefined ? ' AND id < $4' : ''} ORDER BY id DESC LIMIT $3`, params)
  const items: HistoryItem[] = rows.slice(0, limit).map((r) => ({
    id: r.id as number,
    changedAt: (r.changed_at as Date).toISOString(),
    source: { adapter: r.adapter as string, sourceId: r.source_id as string, observedAt: (r.observed_at as Date).toISOString() },
    changedBy: (r.changed_by as string | null) ?? null,
    changes: Object.entries(r.changes as Record<string, Change>).map(([field, [old, value]]) => ({ field, old, new: value })),
  }))
  if (rows.length > limit) return { items, next: items[items.length - 1]!.id }
  if (items.length === limit) return { items, next: items[items.length - 1]!.id } // the creation is on the next page
  const created = await creation(db, kind, key)
  if (created) items.push(created)
  return { items, next: null }
}
