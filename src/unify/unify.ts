// Upserts a batch of canonical records in one statement per kind. Per field, a value replaces
// the stored one only if its observation is as new or newer (departments deliver out of order);
// per field, the record keeps which observation — adapter, source record, time — said it.
// Observations are stored once per record and fields refer to them by a short key (see the
// persons table in the first migration).
import type { Queryable } from '../store/db.ts'
import type { EntityKind } from '../model/index.ts'
import type { MappedRecord } from '../pipeline/map.ts'
import { tables } from './columns.ts'

export interface Provenance { adapter: string, sourceId: string, observedAt: string }

// The observation time of field `f` as stored in row `x` (t: the stored row, EXCLUDED: the
// incoming one). ISO-8601 UTC strings of one fixed shape compare correctly as bytes.
const observedAt = (x: string, f: string): string => `(${x}.sources -> (${x}.provenance ->> ${f}) ->> 'observedAt') COLLATE "C"`
const quoted = (field: string): string => `'${field}'`

function buildUpsert (kind: EntityKind): string {
  const { table, key, columns } = tables[kind]
  const cols = Object.entries(columns)
  const keyCol = columns[key]!.name
  const names = cols.map(([, c]) => c.name)
  const recordset = [...cols.map(([, c]) => `${c.name} ${c.type}`), 'provenance jsonb', 'sources jsonb'].join(', ')
  const updates = cols.filter(([f]) => f !== key).map(([f, c]) =>
    `${c.name} = CASE WHEN (EXCLUDED.provenance ? ${quoted(f)}) AND COALESCE(${observedAt('t', quoted(f))} <= ${observedAt('EXCLUDED', quoted(f))}, true) THEN EXCLUDED.${c.name} ELSE t.${c.name} END`)
  // The stored field map with every field the incoming observation wins.
  const provenance = `t.provenance || COALESCE((SELECT jsonb_object_agg(e.key, e.value) FROM jsonb_each(EXCLUDED.provenance) AS e
      WHERE COALESCE(${observedAt('t', 'e.key')} <= (EXCLUDED.sources -> (e.value #>> '{}') ->> 'observedAt') COLLATE "C", true)), '{}'::jsonb)`
  return `INSERT INTO ${table} AS t (${names.join(', ')}, provenance, sources)
SELECT ${names.map((n) => `r.${n}`).join(', ')}, r.provenance, r.sources FROM jsonb_to_recordset($1::jsonb) AS r(${recordset})
ON CONFLICT (${keyCol}) DO UPDATE SET
  ${updates.join(',\n  ')},
  provenance = ${provenance},
  sources = (SELECT COALESCE(jsonb_object_agg(u.k, COALESCE(EXCLUDED.sources -> u.k, t.sources -> u.k)), '{}'::jsonb)
    FROM (SELECT DISTINCT value AS k FROM jsonb_each_text(${provenance})) AS u),
  updated_at = now()`
}

const upserts: Record<EntityKind, string> = { person: buildUpsert('person'), enterprise: buildUpsert('enterprise') }

/** A short key for an observation, unique among the few observations one record keeps (FNV-1a). */
function sourceKey (p: Provenance): string {
  const text = `${p.adapter}\u0000${p.sourceId}\u0000${p.observedAt}`
  let h1 = 0x811c9dc5
  let h2 = 0x01000193
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    h1 = Math.imul(h1 ^ c, 0x01000193)
    h2 = Math.imul(h2 ^ c, 0x811c9dc5)
  }
  return (h1 >>> 0).toString(36) + (h2 >>> 0).toString(36)
}

/** Merges records of one batch that share a key (one statement may touch a row only once). */
function mergeByKey (adapter: string, kind: EntityKind, records: readonly MappedRecord[]): Record<string, unknown>[] {
  const { key, columns } = tables[kind]
  interface Entry { row: Record<string, unknown>, provenance: Record<string, string>, sources: Record<string, Provenance> }
  const merged = new Map<string, Entry>()
  for (const record of records) {
    const source: Provenance = { adapter, sourceId: record.sourceId, observedAt: record.observedAt.toISOString() }
    const k = sourceKey(source)
    let entry = merged.get(record.key)
    if (!entry) {
      entry = { row: { [columns[key]!.name]: record.key }, provenance: {}, sources: {} }
      merged.set(record.key, entry)
    }
    let used = false
    for (const field in record.data) {
      if (field === key) continue
      const column = columns[field]
      if (!column) continue
      const previous = entry.provenance[field]
      if (previous !== undefined && entry.sources[previous]!.observedAt > source.observedAt) continue
      entry.row[column.name] = record.data[field]
      entry.provenance[field] = k
      used = true
    }
    if (used) entry.sources[k] = source
  }
  return [...merged.values()].map(({ row, provenance, sources }) => {
    // Drop observations that lost every field to a newer one in the same batch.
    const referenced = new Set(Object.values(provenance))
    for (const k of Object.keys(sources)) if (!referenced.has(k)) delete sources[k]
    row.provenance = provenance
    row.sources = sources
    return row
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

/** Per field, the observation its stored value came from (the API's `provenance`). */
export function expandProvenance (provenance: Record<string, string>, sources: Record<string, Provenance>): Record<string, Provenance> {
  const out: Record<string, Provenance> = {}
  for (const [field, k] of Object.entries(provenance)) {
    const source = sources[k]
    if (source) out[field] = source
  }
  return out
}
