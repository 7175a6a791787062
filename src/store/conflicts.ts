// Reads of conflicts between sources (unify opens and closes them; resolve.ts resolves them).
import type { Queryable } from './db.ts'
import { whereClause } from './filters.ts'
import type { Scope } from '../model/scope.ts'
import type { EntityKind } from '../model/index.ts'
import type { Candidate } from '../model/provenance.ts'

export type ConflictStatus = 'open' | 'agreed' | 'resolved'

export interface Resolution { value: unknown, reason: string, resolvedBy: string, resolvedAt: string }

export interface Conflict {
  id: number
  kind: EntityKind
  recordKey: string
  field: string
  divisionCode: string | null
  currentValue: unknown
  candidates: Candidate[]
  status: ConflictStatus
  openedAt: string
  updatedAt: string
  closedAt: string | null
  resolution: Resolution | null
}

export interface ConflictFilter {
  status?: ConflictStatus | undefined
  kind?: EntityKind | undefined
  field?: string | undefined
  /** Conflicts in which this adapter instance is one of the candidates. */
  adapter?: string | undefined
  /** Division code prefix of the record (a town's 9 digits, a county's 6, ...). */
  divisionPrefix?: string | undefined
  /** The caller's scope. */
  scope: Scope
  afterId?: number | undefined
  limit: number
}

const COLUMNS = 'id, kind, record_key, field, division_code, current_value, candidates, status, opened_at, updated_at, closed_at, resolution'

function toConflict (r: Record<string, unknown>): Conflict {
  return {
    id: r.id as number,
    kind: r.kind as EntityKind,
    recordKey: r.record_key as string,
    field: r.field as string,
    divisionCode: r.division_code as string | null,
    currentValue: r.current_value ?? null,
    candidates: r.candidates as Candidate[],
    status: r.status as ConflictStatus,
    openedAt: (r.opened_at as Date).toISOString(),
    updatedAt: (r.updated_at as Date).toISOString(),
    closedAt: r.closed_at ? (r.closed_at as Date).toISOString() : null,
    resolution: (r.resolution as Resolution | null) ?? null,
  }
}

export async function listConflicts (db: Queryable, filter: ConflictFilter): Promise<{ items: Conflict[], next: number | null }> {
  const { where, params } = whereClause([
    ['status = ?', filter.status],
    ['kind = ?', filter.kind],
    ['field = ?', filter.field],
    ['candidates @> ?::jsonb', filter.adapter === undefined ? undefined : JSON.stringify([{ adapter: filter.adapter }])],
    ["division_code LIKE ? || '%'", filter.divisionPrefix],
    ['id > ?', filter.afterId],
  ])
  params.push(filter.scope.prefix, filter.scope.unlocated, filter.limit + 1)
  const n = params.length
  const scoped = `(division_code LIKE $${n - 2} || '%' OR ($${n - 1}::boolean AND division_code IS NULL))`
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM conflicts ${where ? `${where} AND` : 'WHERE'} ${scoped} ORDER BY id LIMIT $${n}`, params)
  const items = rows.slice(0, filter.limit).map(toConflict)
  return { items, next: rows.length > filter.limit ? items[items.length - 1]!.id : null }
}

export async function getConflict (db: Queryable, id: number, opts: { forUpdate?: boolean } = {}): Promise<Conflict | undefined> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM conflicts WHERE id = $1${opts.forUpdate ? ' FOR UPDATE' : ''}`, [id])
  return rows[0] && toConflict(rows[0])
}

export async function openConflictsOf (db: Queryable, kind: EntityKind, key: string): Promise<Conflict[]> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM conflicts WHERE kind = $1 AND record_key = $2 AND status = 'open' ORDER BY id`, [kind, key])
  return rows.map(toConflict)
}

export async function closeAsResolved (db: Queryable, id: number, resolution: Resolution): Promise<void> {
  await db.query(
    "UPDATE conflicts SET status = 'resolved', resolution = $2::jsonb, current_value = $3::jsonb, closed_at = now(), updated_at = now() WHERE id = $1",
    [id, JSON.stringify(resolution), JSON.stringify(resolution.value)])
}
