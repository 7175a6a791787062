// Upserts a batch of canonical records in one statement per kind. Per field, a value replaces
// the stored one only if its observation is as new or newer (departments deliver out of order);
// the record's provenance keeps, per field, which adapter and source record said it and when.
import type { Queryable } from '../store/db.ts'
import type { EntityKind } from '../model/index.ts'
import type { MappedRecord } from '../pipeline/map.ts'
import { tables } from './columns.ts'

export interface Provenance { adapter: string, sourceId: string, observedAt: string }

// ISO-8601 UTC strings of one fixed shape compare correctly as bytes (COLLATE "C").
function newerOrEqual (field: string): string {
  return `(EXCLUDED.provenance ? '${field}') AND COALESCE((t.provenance->'${field}'->>'observedAt') COLLATE "C" <= (EXCLUDED.provenance->'${field}'->>'observedAt') COLLATE "C", true)`
}

function buildUpsert (kind: EntityKind): string {
  const { table, key, columns } = tables[kind]
  const cols = Object.entries(columns)
  const keyCol = columns[key]!.name
  const names = cols.map(([, c]) => c.name)
  const recordset = [...cols.map(([, c]) => `${c.name} ${c.type}`), 'src jsonb', 'fields text[]', 'provenance jsonb'].join(', ')
  const updates = cols.filter(([f]) => f !== key).map(([f, c]) =>
    `${c.name} = CASE WHEN ${newerOrEqual(f)} THEN EXCLUDED.${c.name} ELSE t.${c.name} END`)
  return `INSERT INTO ${table} AS t (${names.join(', ')}, provenance)
SELECT ${names.map((n) => `r.${n}`).join(', ')}, COALESCE(r.provenance, (SELECT jsonb_object_agg(f, r.src) FROM unnest(r.fields) AS f))
FROM jsonb_to_recordset($1::jsonb) AS r(${recordset})
ON CONFLICT (${keyCol}) DO UPDATE SET
  ${updates.join(',\n  ')},
  provenance = t.provenance || COALESCE((SELECT jsonb_object_agg(e.key, e.value) FROM jsonb_each(EXCLUDED.provenance) AS e
    WHERE COALESCE((t.provenance->e.key->>'observedAt') COLLATE "C" <= (e.value->>'observedAt') COLLATE "C", true)), '{}'::jsonb),
  updated_at = now()`
}

const upserts: Record<EntityKind, string> = { person: buildUpsert('person'), enterprise: buildUpsert('enterprise') }

/**
 * Merges records of one batch that share a key (one statement may touch a row only once). A row
 * whose fields all come from one observation is sent as that source and its field names; the
 * database expands them into per-field provenance (half the bytes on the wire, twice the rows/s).
 */
function mergeByKey (adapter: string, kind: EntityKind, records: readonly MappedRecord[]): Record<string, unknown>[] {
  const { key, columns } = tables[kind]
  const merged = new Map<string, { row: Record<string, unknown>, provenance: Record<string, Provenance> }>()
  for (const record of records) {
    const observedAt = record.observedAt.toISOString()
    let entry = merged.get(record.key)
    if (!entry) {
      entry = { row: { [columns[key]!.name]: record.key }, provenance: {} }
      merged.set(record.key, entry)
    }
    for (const field in record.data) {
      if (field === key) continue
      const column = columns[field]
      if (!column) continue
      const previous = entry.provenance[field]
      if (previous && previous.observedAt > observedAt) continue
      entry.row[column.name] = record.data[field]
      entry.provenance[field] = { adapter, sourceId: record.sourceId, observedAt }
    }
  }
  return [...merged.values()].map(({ row, provenance }) => {
    const entries = Object.values(provenance)
    const first = entries[0]
    const oneSource = first !== undefined && entries.every((p) => p.sourceId === first.sourceId && p.observedAt === first.observedAt)
    return oneSource ? { ...row, src: first, fields: Object.keys(provenance) } : { ...row, provenance }
  })
}

/** Unifies the batch; returns the number of distinct records written. */
export async function unify (db: Queryable, adapter: string, records: readonly MappedRecord[]): Promise<number> {
  let written = 0
  for (const kind of Object.keys(tables) as EntityKind[]) {
    const ofKind = records.filter((r) => r.kind === kind)
    if (ofKind.length === 0) continue
    const rows = mergeByKey(adapter, kind, ofKind)
    await db.query(upserts[kind], [JSON.stringify(rows)])
    written += rows.length
  }
  return written
}
