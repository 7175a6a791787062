// Unifies a batch of canonical records: per record, every observation of the batch is applied in
// time order under the survivorship rules (merge.ts); then changed records, their history and
// their conflicts are written with a few statements per kind (store/records.ts). Writes are
// optimistic: a record is written only if its version is still the one read, and records another
// writer changed meanwhile are read and applied again — so unify needs no locks and no serial
// workers.
import type { Queryable } from '../store/db.ts'
import { loadRecords, storeRecords } from '../store/records.ts'
import { entityKeys, type EntityKind } from '../model/index.ts'
import type { MappedRecord } from '../model/intake.ts'
import type { HistoryEntry } from '../model/provenance.ts'
import { emptyRecord, type RecordState } from '../model/record-state.ts'
import { withLinkedRecords } from './link.ts'
import { applyObservation, type Observation } from './merge.ts'
import type { FieldRule, SurvivorshipRules } from './survivorship.ts'

/** Kinds in the order unify writes them (linked persons before the enterprises naming them). */
const KINDS: readonly EntityKind[] = ['person', 'enterprise']
const MAX_ATTEMPTS = 10

async function unifyKind (db: Queryable, kind: EntityKind, rules: Partial<Record<string, FieldRule>>, observations: Map<string, Observation[]>): Promise<void> {
  const keyField = entityKeys[kind]
  let pending = [...observations.keys()]
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (attempt > MAX_ATTEMPTS) throw new Error(`${kind} records ${pending.slice(0, 3).join(', ')} kept changing under unify; the job will retry`)
    const stored = await loadRecords(db, kind, pending)
    const dirty: RecordState[] = []
    const history = new Map<string, HistoryEntry[]>()
    for (const key of pending) {
      const state = stored.get(key) ?? emptyRecord(key)
      const entries: HistoryEntry[] = []
      const list = observations.get(key)!
      // Observations of one instant replace each other in the order they come, so a batch applied
      // again may move a stored record away and back; one that ends where it began is not written.
      const before = list.length > 1 && state.version > 0 ? snapshot(state) : undefined
      for (const o of list) {
        const entry = applyObservation(state, o, rules, keyField)
        if (!entry) continue
        if (state.version === 0 && state.createdFrom === undefined) state.createdFrom = { adapter: entry.adapter, sourceId: entry.sourceId, observedAt: entry.observedAt }
        else entries.push(entry)
      }
      const conflictsChanged = state.agreed.length > 0 || [...state.conflicts.values()].some((c) => c.changed)
      if (!state.changed && !conflictsChanged) continue
      if (before !== undefined && !conflictsChanged && snapshot(state) === before) continue
      dirty.push(state)
      if (entries.length > 0) history.set(key, entries)
    }
    const written = await storeRecords(db, kind, dirty, history)
    pending = dirty.filter((s) => !written.has(s.key)).map((s) => s.key)
  }
}

/** A record's values and where each came from, as one comparable string. */
function snapshot (state: RecordState): string {
  return JSON.stringify([state.values, state.provenance])
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
