// What changed in the unified records since a time, per source and kind, within a scope: records
// created (their first observation's source) and history rows (changes by a later observation or
// a resolution). The home page shows it for "today".
import type { Queryable } from './db.ts'
import type { Scope } from '../model/scope.ts'
import { scopeCondition, scopeParams } from './records.ts'

export interface SourceActivity {
  /** The adapter instance (or `resolution`) the records came from. */
  adapter: string
  kind: 'person' | 'enterprise'
  created: number
  changed: number
}

export async function changesSince (db: Queryable, scope: Scope, since: Date): Promise<SourceActivity[]> {
  const { rows } = await db.query<SourceActivity>(
    `SELECT adapter, kind, sum(created)::int AS created, sum(changed)::int AS changed FROM (
       SELECT created_from ->> 'adapter' AS adapter, 'person' AS kind, count(*) AS created, 0 AS changed
         FROM persons WHERE created_at >= $3 AND ${scopeCondition('person', 1)} GROUP BY 1
       UNION ALL
       SELECT created_from ->> 'adapter', 'enterprise', count(*), 0
         FROM enterprises WHERE created_at >= $3 AND ${scopeCondition('enterprise', 1)} GROUP BY 1
       UNION ALL
       SELECT h.adapter, 'person', 0, count(*) FROM record_history AS h JOIN persons ON persons.id_number = h.record_key
         WHERE h.kind = 'person' AND h.changed_at >= $3 AND ${scopeCondition('person', 1)} GROUP BY 1
       UNION ALL
       SELECT h.adapter, 'enterprise', 0, count(*) FROM record_history AS h JOIN enterprises ON enterprises.credit_code = h.record_key
         WHERE h.kind = 'enterprise' AND h.changed_at >= $3 AND ${scopeCondition('enterprise', 1)} GROUP BY 1
     ) AS x WHERE adapter IS NOT NULL GROUP BY adapter, kind ORDER BY adapter, kind`,
    [...scopeParams(scope), since])
  return rows
}

/** Midnight of today in Beijing time (UTC+8, no daylight saving), as an instant. */
export function beijingMidnight (now = Date.now()): Date {
  const day = 86_400_000
  const offset = 8 * 3_600_000
  return new Date(Math.floor((now + offset) / day) * day - offset)
}
