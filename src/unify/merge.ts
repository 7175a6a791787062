// Applying one observation to one unified record, in memory: per field the survivorship rule
// decides whether the value changes; changed values are returned for the record history; two
// sources that disagree open a conflict (or update the one open on that field), which closes by
// itself once every source's latest value agrees. Pure: unify.ts loads and stores the state.
import { sourceKey, type Candidate, type Change, type HistoryEntry, type Provenance } from '../model/provenance.ts'
import type { ConflictState, RecordState } from '../model/record-state.ts'
import { outranks, type FieldRule } from './survivorship.ts'

export interface Observation extends Provenance {
  data: Record<string, unknown>
}

/** Values from JSON or from the store: equal when their JSON with sorted keys is. */
export function sameValue (a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false
  return stableJson(a) === stableJson(b)
}

function stableJson (v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v)
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`
  const o = v as Record<string, unknown>
  return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`).join(',')}}`
}

function provenanceOf (o: Observation): Provenance {
  return { adapter: o.adapter, sourceId: o.sourceId, observedAt: o.observedAt }
}

/** Records `candidate` as its source's latest word on the field; an older word is ignored. */
function offer (conflict: ConflictState, candidate: Candidate): void {
  const i = conflict.candidates.findIndex((c) => c.adapter === candidate.adapter)
  if (i >= 0) {
    const known = conflict.candidates[i]!
    if (known.observedAt > candidate.observedAt) return
    if (known.sourceId === candidate.sourceId && known.observedAt === candidate.observedAt && sameValue(known.value, candidate.value)) return
    conflict.candidates[i] = candidate
  } else {
    conflict.candidates.push(candidate)
  }
  conflict.changed = true
  const first = conflict.candidates[0]!.value
  if (conflict.candidates.every((c) => sameValue(c.value, first))) conflict.status = 'agreed'
}

/**
 * Applies `o` to `record` under `rules`; returns the history entry when a value changed.
 * `keyField` is never treated as a value (it is the record's identity).
 */
export function applyObservation (record: RecordState, o: Observation, rules: Partial<Record<string, FieldRule>>, keyField: string): HistoryEntry | undefined {
  const source = provenanceOf(o)
  const k = sourceKey(source)
  const changes: Record<string, Change> = {}
  let used = false
  let replaced = false
  for (const field in o.data) {
    if (field === keyField) continue
    const value = o.data[field]
    if (value === undefined) continue
    const current = record.values[field] ?? null
    const currentKey = record.provenance[field]
    const currentSource = currentKey === undefined ? undefined : record.sources[currentKey]
    // Two observations that outrank each other (one rank, one instant) saying the same: the value
    // stays with the one it has, so a message applied again — or another naming the same linked
    // record at that instant — moves nothing.
    const wins = currentSource === undefined || (outranks(rules[field], source, currentSource) &&
      !(outranks(rules[field], currentSource, source) && sameValue(current, value)))
    if (wins) {
      if (!sameValue(current, value)) {
        changes[field] = [current, value]
        record.values[field] = value
      }
      if (currentKey !== k) {
        record.changed = true
        if (currentKey !== undefined) replaced = true
      }
      record.provenance[field] = k
      used = true
    }
    const open = record.conflicts.get(field)
    if (open) {
      offer(open, { ...source, value })
      if (open.status === 'agreed') {
        record.conflicts.delete(field)
        record.agreed.push(open)
      }
    } else if (currentSource !== undefined && currentSource.adapter !== o.adapter && !sameValue(current, value)) {
      record.conflicts.set(field, {
        field,
        candidates: [{ ...currentSource, value: current }, { ...source, value }],
        status: 'open',
        changed: true,
      })
    }
  }
  if (used) keepSource(record, k, source, replaced)
  if (Object.keys(changes).length === 0) return undefined
  record.changed = true
  return { ...source, changedBy: null, changes }
}

/**
 * Applies the first observation of a record not stored yet: what `applyObservation` does to an
 * empty record (every value given wins, nothing to compare, no conflict), without building the
 * changes a creation does not keep. Returns whether it gave a value, i.e. created the record.
 */
export function createFrom (record: RecordState, o: Observation, keyField: string): boolean {
  const source = provenanceOf(o)
  const k = sourceKey(source)
  let used = false
  let given = false
  for (const field in o.data) {
    if (field === keyField) continue
    const value = o.data[field]
    if (value === undefined) continue
    used = true
    record.provenance[field] = k
    if (value !== null) {
      record.values[field] = value
      given = true
    }
  }
  if (!used) return false
  record.sources[k] = source
  record.changed = true
  return given
}

/** Sets a field to a value a person chose (resolving a conflict); returns the history entry when the value changed. */
export function chooseValue (record: RecordState, field: string, value: unknown, source: Provenance, changedBy: string): HistoryEntry | undefined {
  const k = sourceKey(source)
  const old = record.values[field] ?? null
  record.values[field] = value
  record.provenance[field] = k
  keepSource(record, k, source, true)
  record.changed = true
  return sameValue(old, value) ? undefined : { ...source, changedBy, changes: { [field]: [old, value] } }
}

/** Adds the observation; after fields moved away from others, drops those no field refers to any more. */
function keepSource (record: RecordState, k: string, source: Provenance, replaced: boolean): void {
  record.sources[k] = source
  if (!replaced) return
  const referenced = new Set(Object.values(record.provenance))
  for (const key of Object.keys(record.sources)) if (!referenced.has(key)) delete record.sources[key]
}
