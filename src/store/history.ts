// Reads of the record history that unify and conflict resolution write.
import type { Queryable } from './db.ts'
import type { EntityKind } from '../model/index.ts'
import type { Change, Provenance } from '../unify/merge.ts'

export interface HistoryItem {
  id: number
  changedAt: string
  source: Provenance
  /** Who chose the value, for changes made by resolving a conflict. */
  changedBy: string | null
  changes: Array<{ field: string } & Change>
}

/** Newest first; `beforeId` pages on. */
export async function recordHistory (db: Queryable, kind: EntityKind, key: string, beforeId: number | undefined, limit: number): Promise<{ items: HistoryItem[], next: number | null }> {
  const params: unknown[] = [kind, key, limit + 1]
  if (beforeId !== undefined) params.push(beforeId)
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT id, adapter, source_id, observed_at, changed_at, changed_by, changes FROM record_history
     WHERE kind = $1 AND record_key = $2${beforeId !== undefined ? ' AND id < $4' : ''} ORDER BY id DESC LIMIT $3`, params)
  const items = rows.slice(0, limit).map((r) => ({
    id: r.id as number,
    changedAt: (r.changed_at as Date).toISOString(),
    source: { adapter: r.adapter as string, sourceId: r.source_id as string, observedAt: (r.observed_at as Date).toISOString() },
    changedBy: (r.changed_by as string | null) ?? null,
    changes: Object.entries(r.changes as Record<string, Change>).map(([field, c]) => ({ field, old: c.old, new: c.new })),
  }))
  return { items, next: rows.length > limit ? items[items.length - 1]!.id : null }
}
