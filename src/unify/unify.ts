// Unifies a batch of canonical records: per record, every observation of the batch is applied in
// time order under the survivorship rules (merge.ts); then changed records, their history and
// their conflicts are written with a few statements per kind (store/records.ts). Writes are
// optimistic: a record is written only if its version is still the one read, and records another
// writer changed meanwhile are read and applied again — so unify needs no locks and no serial
// workers.
//
// A bulk load mostly creates records. For those there is nothing to read: `prepareUnify` works
// out, before any transaction, what each record would be if it were new, and `writeUnify` inserts
// them first, leaving only the keys already stored to be read and merged. Whether a kind is
// loaded this way follows what its previous batches found (mostly new, or mostly stored).
import { setImmediate } from 'node:timers/promises'
import type { Queryable } from '../store/db.ts'
import { insertNewRecords, loadRecords, recordRows, storeRecords } from '../store/records.ts'
import { entityKeys, type EntityKind } from '../model/index.ts'
import type { MappedRecord } from '../model/intake.ts'
import type { HistoryEntry } from '../model/provenance.ts'
import { emptyRecord, type RecordState } from '../model/record-state.ts'
import { laneOf } from './lane.ts'
import { withLinkedRecords } from './link.ts'
import { applyObservation, createFrom, type Observation } from './merge.ts'
import type { FieldRule, SurvivorshipRules } from './survivorship.ts'

/** Kinds in the order unify writes them (linked persons before the enterprises naming them). */
const KINDS: readonly EntityKind[] = ['person', 'enterprise']
const MAX_ATTEMPTS = 10

/** Records of one kind that may be new: their state as new records, and those rows as JSON. */
interface NewRecords { states: RecordState[], rows: string, history: Map<string, HistoryEntry[]> }

interface PreparedKind {
  kind: EntityKind
  /** Every observation of the batch per key, in time order. */
  observations: Map<string, Observation[]>
  /** Present when the kind is inserted first. */
  fresh?: NewRecords
}

/** A batch ready to be written: all the work that needs no database done. */
export interface PreparedUnify { adapter: string, kinds: PreparedKind[] }

/** Applies a record's observations in order, from the `from`th; the history entries of every change after its creation. */
function applyAll (state: RecordState, list: readonly Observation[], rules: Partial<Record<string, FieldRule>>, keyField: string, from = 0): HistoryEntry[] {
  const entries: HistoryEntry[] = []
  for (let i = from; i < list.length; i++) {
    const o = list[i]!
    const entry = applyObservation(state, o, rules, keyField)
    if (!entry) continue
    if (state.version === 0 && state.createdFrom === undefined) state.createdFrom = { adapter: entry.adapter, sourceId: entry.sourceId, observedAt: entry.observedAt }
    else entries.push(entry)
  }
  return entries
}

/**
 * The share of new keys in the last batch of each adapter and kind. A batch inserts first when
 * the previous one was mostly new: webhooks updating known residents skip the wasted insert.
 */
const freshShare = new Map<string, number>()
const INSERT_FIRST_ABOVE = 0.5

/** How many keys are worked out between two turns of the event loop while preparing. */
const SLICE = 100

async function newRecords (kind: EntityKind, rules: Partial<Record<string, FieldRule>>, observations: Map<string, Observation[]>): Promise<NewRecords> {
  const keyField = entityKeys[kind]
  const states: RecordState[] = []
  const history = new Map<string, HistoryEntry[]>()
  let done = 0
  for (const [key, list] of observations) {
    if (++done % SLICE === 0) await setImmediate()
    const state = emptyRecord(key)
    const first = list[0]!
    if (createFrom(state, first, keyField)) state.createdFrom = { adapter: first.adapter, sourceId: first.sourceId, observedAt: first.observedAt }
    const entries = applyAll(state, list, rules, keyField, 1)
    // An observation with nothing but the key creates no record (and changes no stored one).
    if (!state.changed) continue
    states.push(state)
    if (entries.length > 0) history.set(key, entries)
  }
  await setImmediate()
  return { states, rows: recordRows(kind, states), history }
}

/**
 * Everything about the batch that needs no database: observations per key, and the new records'
 * rows — a slice at a time, letting I/O in flight (the previous batch's store) through between.
 */
export async function prepareUnify (rules: SurvivorshipRules, adapter: string, records: readonly MappedRecord[]): Promise<PreparedUnify> {
  return (await prepareUnifyLanes(rules, adapter, records, 1))[0]!
}

/**
 * The same, split by key into `lanes` parts (lane.ts) that may be written in transactions side by
 * side: no record is in two of them.
 */
export async function prepareUnifyLanes (rules: SurvivorshipRules, adapter: string, records: readonly MappedRecord[], lanes: number): Promise<PreparedUnify[]> {
  const all = withLinkedRecords(records)
  const parts: PreparedUnify[] = Array.from({ length: lanes }, () => ({ adapter, kinds: [] }))
  for (const kind of KINDS) {
    const observations = Array.from({ length: lanes }, () => new Map<string, Observation[]>())
    for (const r of all) {
      if (r.kind !== kind) continue
      const o: Observation = { adapter, sourceId: r.sourceId, observedAt: r.observedAt.toISOString(), data: r.data }
      const lane = observations[laneOf(r.key, lanes)]!
      const list = lane.get(r.key)
      if (list) list.push(o)
      else lane.set(r.key, [o])
    }
    const insertFirst = (freshShare.get(`${adapter}/${kind}`) ?? 1) > INSERT_FIRST_ABOVE
    for (let lane = 0; lane < lanes; lane++) {
      const byKey = observations[lane]!
      if (byKey.size === 0) continue
      for (const list of byKey.values()) if (list.length > 1) list.sort((a, b) => a.observedAt < b.observedAt ? -1 : a.observedAt > b.observedAt ? 1 : 0)
      parts[lane]!.kinds.push(insertFirst ? { kind, observations: byKey, fresh: await newRecords(kind, rules[kind], byKey) } : { kind, observations: byKey })
    }
  }
  return parts
}

/** Reads, merges and writes the records with these keys, again for those another writer changed meanwhile; the number of them that were stored. */
async function mergeStored (db: Queryable, kind: EntityKind, rules: Partial<Record<string, FieldRule>>, observations: Map<string, Observation[]>, keys: string[]): Promise<number> {
  const keyField = entityKeys[kind]
  let pending = keys
  let stored = 0
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (attempt > MAX_ATTEMPTS) throw new Error(`${kind} records ${pending.slice(0, 3).join(', ')} kept changing under unify; the job will retry`)
    const loaded = await loadRecords(db, kind, pending)
    if (attempt === 1) stored = loaded.size
    const dirty: RecordState[] = []
    const history = new Map<string, HistoryEntry[]>()
    for (const key of pending) {
      const state = loaded.get(key) ?? emptyRecord(key)
      const list = observations.get(key)!
      // Observations of one instant replace each other in the order they come, so a batch applied
      // again may move a stored record away and back; one that ends where it began is not written.
      const before = list.length > 1 && state.version > 0 ? snapshot(state) : undefined
      const entries = applyAll(state, list, rules, keyField)
      const conflictsChanged = state.agreed.length > 0 || [...state.conflicts.values()].some((c) => c.changed)
      if (!state.changed && !conflictsChanged) continue
      if (before !== undefined && !conflictsChanged && snapshot(state) === before) continue
      dirty.push(state)
      if (entries.length > 0) history.set(key, entries)
    }
    const written = await storeRecords(db, kind, dirty, history)
    pending = dirty.filter((s) => !written.has(s.key)).map((s) => s.key)
  }
  return stored
}

/** A record's values and where each came from, as one comparable string. */
function snapshot (state: RecordState): string {
  return JSON.stringify([state.values, state.provenance])
}

/** Writes a prepared batch; returns the number of distinct records it concerned. */
export async function writeUnify (db: Queryable, rules: SurvivorshipRules, prepared: PreparedUnify): Promise<number> {
  let concerned = 0
  for (const { kind, observations, fresh } of prepared.kinds) {
    let keys = [...observations.keys()]
    if (fresh) {
      const inserted = await insertNewRecords(db, kind, fresh.states, fresh.rows, fresh.history)
      keys = keys.filter((k) => !inserted.has(k))
    }
    const stored = await mergeStored(db, kind, rules[kind], observations, keys)
    freshShare.set(`${prepared.adapter}/${kind}`, 1 - stored / observations.size)
    concerned += observations.size
  }
  return concerned
}

/** Unifies the batch said by `adapter`; returns the number of distinct records it concerned. */
export async function unify (db: Queryable, rules: SurvivorshipRules, adapter: string, records: readonly MappedRecord[]): Promise<number> {
  return await writeUnify(db, rules, await prepareUnify(rules, adapter, records))
}
