// Unifies a batch of canonical records: per record, every observation of the batch is applied in
// time order under the survivorship rules (merge.ts); then changed records, their history and
// their conflicts are written with a few statements per kind. Writes are optimistic: a record is
// written only if its version is still the one read, and records another writer changed
// meanwhile are read and applied again — so unify needs no locks and no serial workers.
import type { Queryable } from '../store/db.ts'
import type { EntityKind } from '../model/index.ts'
import type { MappedRecord } from '../pipeline/map.ts'
import { tables } from './columns.ts'
import { withLinkedRecords } from './link.ts'
import { applyObservation, emptyRecord, type Candidate, type HistoryEntry, type Observation, type Provenance, type RecordState } from './merge.ts'
import type { FieldRule, SurvivorshipRules } from './survivorship.ts'

export type { Provenance } from './merge.ts'

/** Kinds in the order unify writes them (linked persons before the enterprises naming them). */
const KINDS: readonly EntityKind[] = ['person', 'enterprise']
const MAX_ATTEMPTS = 10

function buildStatements (kind: EntityKind): { select: string, upsert: string } {
  const { table, key, columns } = tables[kind]
  const cols = Object.values(columns)
  const keyCol = columns[key]!.name
  const names = cols.map((c) => c.name)
  const recordset = [...cols.map((c) => `${c.name} ${c.type}`), 'provenance jsonb', 'sources jsonb', 'version int'].join(', ')
  return {
    select: `SELECT ${names.join(', ')}, provenance, sources, version FROM ${table} WHERE ${keyCol} = ANY($1::text[])`,
    // `version` is the version the row will have: one more than the version the state was read at.
    upsert: `INSERT INTO ${table} AS t (${names.join(', ')}, provenance, sources, version, created_from)
SELECT ${names.map((n) => `r.${n}`).join(', ')}, r.provenance, r.sources, r.version, r.created_from FROM jsonb_to_recordset($1::jsonb) AS r(${recordset}, created_from jsonb)
ON CONFLICT (${keyCol}) DO UPDATE SET
  ${[...names.filter((n) => n !== keyCol), 'provenance', 'sources', 'version'].map((n) => `${n} = EXCLUDED.${n}`).join(',\n  ')},
  updated_at = now()
WHERE t.version = EXCLUDED.version - 1
RETURNING ${keyCol} AS key`,
  }
}

const statements = { person: buildStatements('person'), enterprise: buildStatements('enterprise') }

const INSERT_HISTORY = `INSERT INTO record_history (kind, record_key, adapter, source_id, observed_at, changed_by, changes)
SELECT $1, r.record_key, r.adapter, r.source_id, r.observed_at, r.changed_by, r.changes
FROM jsonb_to_recordset($2::jsonb) AS r(record_key text, adapter text, source_id text, observed_at timestamptz, changed_by text, changes jsonb)`

const INSERT_CONFLICTS = `INSERT INTO conflicts (kind, record_key, field, division_code, current_value, candidates, status, closed_at)
SELECT $1, r.record_key, r.field, r.division_code, r.current_value, r.candidates, r.status, CASE WHEN r.status = 'open' THEN NULL ELSE now() END
FROM jsonb_to_recordset($2::jsonb) AS r(record_key text, field text, division_code text, current_value jsonb, candidates jsonb, status text)`

const UPDATE_CONFLICTS = `UPDATE conflicts AS c SET candidates = u.candidates, current_value = u.current_value, division_code = u.division_code,
  status = u.status, updated_at = now(), closed_at = CASE WHEN u.status = 'open' THEN NULL ELSE now() END
FROM jsonb_to_recordset($1::jsonb) AS u(id bigint, division_code text, current_value jsonb, candidates jsonb, status text)
WHERE c.id = u.id AND c.status = 'open'`

/** The stored state of the records with these keys, with their open conflicts. */
export async function loadRecords (db: Queryable, kind: EntityKind, keys: readonly string[]): Promise<Map<string, RecordState>> {
  const { key: keyField, columns } = tables[kind]
  const { rows } = await db.query(statements[kind].select, [keys])
  const states = new Map<string, RecordState>()
  for (const row of rows) {
    const state = emptyRecord(String(row[columns[keyField]!.name]))
    for (const [field, column] of Object.entries(columns)) {
      if (field !== keyField && row[column.name] !== null) state.values[field] = row[column.name]
    }
    state.provenance = row.provenance as Record<string, string>
    state.sources = row.sources as Record<string, Provenance>
    state.version = Number(row.version)
    states.set(state.key, state)
  }
  if (states.size > 0) {
    const open = await db.query<{ id: number, record_key: string, field: string, candidates: Candidate[] }>(
      "SELECT id, record_key, field, candidates FROM conflicts WHERE kind = $1 AND record_key = ANY($2::text[]) AND status = 'open'",
      [kind, [...states.keys()]])
    for (const c of open.rows) {
      states.get(c.record_key)?.conflicts.set(c.field, { id: c.id, field: c.field, candidates: c.candidates, status: 'open', changed: false })
    }
  }
  return states
}

/**
 * Writes changed records whose version is still the one they were read with; returns the keys
 * written. History and conflicts follow only for those (the row write holds the row's lock).
 */
export async function storeRecords (db: Queryable, kind: EntityKind, states: readonly RecordState[], history: ReadonlyMap<string, HistoryEntry[]>): Promise<Set<string>> {
  if (states.length === 0) return new Set()
  const { key: keyField, columns } = tables[kind]
  // Rows lock in key order in every writer, so two batches sharing records cannot deadlock.
  const rows = [...states].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((s) => {
    const row: Record<string, unknown> = { provenance: s.provenance, sources: s.sources, version: s.version + 1, created_from: s.createdFrom ?? null }
    for (const [field, column] of Object.entries(columns)) row[column.name] = field === keyField ? s.key : s.values[field] ?? null
    return row
  })
  const { rows: done } = await db.query<{ key: string }>(statements[kind].upsert, [JSON.stringify(rows)])
  const written = new Set(done.map((r) => r.key))

  const entries = []
  const inserts = []
  const updates = []
  for (const s of states) {
    if (!written.has(s.key)) continue
    for (const e of history.get(s.key) ?? []) {
      entries.push({ record_key: s.key, adapter: e.adapter, source_id: e.sourceId, observed_at: e.observedAt, changed_by: e.changedBy, changes: e.changes })
    }
    const divisionCode = s.values.divisionCode ?? null
    for (const c of [...s.conflicts.values(), ...s.agreed]) {
      if (!c.changed) continue
      const row = { division_code: divisionCode, current_value: s.values[c.field] ?? null, candidates: c.candidates, status: c.status }
      if (c.id === undefined) inserts.push({ record_key: s.key, field: c.field, ...row })
      else updates.push({ id: c.id, ...row })
    }
  }
  if (entries.length > 0) await db.query(INSERT_HISTORY, [kind, JSON.stringify(entries)])
  if (inserts.length > 0) await db.query(INSERT_CONFLICTS, [kind, JSON.stringify(inserts)])
  if (updates.length > 0) await db.query(UPDATE_CONFLICTS, [JSON.stringify(updates)])
  return written
}

async function unifyKind (db: Queryable, kind: EntityKind, rules: Partial<Record<string, FieldRule>>, observations: Map<string, Observation[]>): Promise<void> {
  const keyField = tables[kind].key
  let pending = [...observations.keys()]
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (attempt > MAX_ATTEMPTS) throw new Error(`${kind} records ${pending.slice(0, 3).join(', ')} kept changing under unify; the job will retry`)
    const stored = await loadRecords(db, kind, pending)
    const dirty: RecordState[] = []
    const history = new Map<string, HistoryEntry[]>()
    for (const key of pending) {
      const state = stored.get(key) ?? emptyRecord(key)
      const entries: HistoryEntry[] = []
      for (const o of observations.get(key)!) {
        const entry = applyObservation(state, o, rules, keyField)
        if (!entry) continue
        if (state.version === 0 && state.createdFrom === undefined) state.createdFrom = { adapter: entry.adapter, sourceId: entry.sourceId, observedAt: entry.observedAt }
        else entries.push(entry)
      }
      const conflictsChanged = state.agreed.length > 0 || [...state.conflicts.values()].some((c) => c.changed)
      if (!state.changed && !conflictsChanged) continue
      dirty.push(state)
      if (entries.length > 0) history.set(key, entries)
    }
    const written = await storeRecords(db, kind, dirty, history)
    pending = dirty.filter((s) => !written.has(s.key)).map((s) => s.key)
  }
}

/** Unifies the batch said by `adapter`; returns the number of distinct records it concerned. */
export async function unify (db: Queryable, rules: SurvivorshipRules, adapter: string, records: readonly MappedRecord[]): Promise<number> {
  const all = withLinkedRecords(records)
  let concerned = 0
  for (const kind of KINDS) {
    const observations = new Map<string, Observation[]>()
    for (const r of all) {
      if (r.kind !== kind) continue
      const o: Observation = { adapter, sourceId: r.sourceId, observedAt: r.observedAt.toISOString(), data: r.data }
      const list = observations.get(r.key)
      if (list) list.push(o)
      else observations.set(r.key, [o])
    }
    if (observations.size === 0) continue
    for (const list of observations.values()) if (list.length > 1) list.sort((a, b) => a.observedAt < b.observedAt ? -1 : a.observedAt > b.observedAt ? 1 : 0)
    await unifyKind(db, kind, rules[kind], observations)
    concerned += observations.size
  }
  return concerned
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
