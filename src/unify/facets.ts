// Facet entries of a batch, after its records are unified: per entry, every observation of the
// batch is applied in time order — an older one than the stored entry's is ignored, a replay
// changes nothing — and changed entries are written with their history (store/facets.ts),
// optimistically by version like records, so concurrent batches need no locks.
import type { Queryable } from '../store/db.ts'
import { loadFacetEntries, storeFacetEntries } from '../store/facets.ts'
import type { MappedRecord } from '../model/intake.ts'
import type { Change, Provenance } from '../model/provenance.ts'
import { facetEntryRef, type FacetChange, type FacetEntryId, type FacetEntryState } from '../model/facet-entry.ts'
import { sameValue } from './merge.ts'

const MAX_ATTEMPTS = 10

export interface FacetObservation extends Provenance {
  data: Record<string, unknown>
}

/**
 * Applies `o` to the entry (undefined: not stored yet); returns the entry as it is then, whether
 * it changed, and the change to its data for the history (none for a creation, whose observation
 * the entry keeps, nor when only the provenance moved on to a newer observation saying the same).
 * Pure.
 */
export function applyFacetObservation (id: FacetEntryId, state: FacetEntryState | undefined, o: FacetObservation): { state: FacetEntryState, changed: boolean, change?: FacetChange } {
  const source: Provenance = { adapter: o.adapter, sourceId: o.sourceId, observedAt: o.observedAt }
  if (!state) return { state: { ...id, data: o.data, source, createdFrom: source, version: 0 }, changed: true }
  // The same rule as records within one rank: the newer observation wins, a tie goes to the later arrival.
  if (o.observedAt < state.source.observedAt) return { state, changed: false }
  const changes: Record<string, Change> = {}
  for (const field of new Set([...Object.keys(state.data), ...Object.keys(o.data)])) {
    const old = state.data[field] ?? null
    const value = o.data[field] ?? null
    if (!sameValue(old, value)) changes[field] = [old, value]
  }
  const sameSource = state.source.adapter === source.adapter && state.source.sourceId === source.sourceId && state.source.observedAt === source.observedAt
  if (Object.keys(changes).length === 0 && sameSource) return { state, changed: false }
  const next = { ...state, data: o.data, source }
  return Object.keys(changes).length === 0 ? { state: next, changed: true } : { state: next, changed: true, change: { ...source, changes } }
}

/** Writes the facet entries of the batch said by `adapter`; returns the number of distinct entries it concerned. */
export async function unifyFacets (db: Queryable, adapter: string, records: readonly MappedRecord[]): Promise<number> {
  const observations = new Map<string, { id: FacetEntryId, list: FacetObservation[] }>()
  for (const r of records) {
    if (!r.facet) continue
    const id: FacetEntryId = { kind: r.kind, key: r.key, facet: r.facet.name, entryKey: r.facet.entryKey }
    const o: FacetObservation = { adapter, sourceId: r.sourceId, observedAt: r.observedAt.toISOString(), data: r.facet.data }
    const ref = facetEntryRef(id)
    const known = observations.get(ref)
    if (known) known.list.push(o)
    else observations.set(ref, { id, list: [o] })
  }
  for (const { list } of observations.values()) if (list.length > 1) list.sort((a, b) => a.observedAt < b.observedAt ? -1 : a.observedAt > b.observedAt ? 1 : 0)

  let pending = [...observations.keys()]
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (attempt > MAX_ATTEMPTS) throw new Error(`facet entries ${pending.slice(0, 3).map((p) => p.replaceAll('\u0000', '/')).join(', ')} kept changing; the job will retry`)
    const stored = await loadFacetEntries(db, pending.map((ref) => observations.get(ref)!.id))
    const dirty: FacetEntryState[] = []
    const history = new Map<string, FacetChange[]>()
    for (const ref of pending) {
      const { id, list } = observations.get(ref)!
      let state = stored.get(ref)
      let changed = false
      const changes: FacetChange[] = []
      for (const o of list) {
        const applied = applyFacetObservation(id, state, o)
        state = applied.state
        changed ||= applied.changed
        if (applied.change) changes.push(applied.change)
      }
      if (!changed || !state) continue
      dirty.push(state)
      if (changes.length > 0) history.set(ref, changes)
    }
    const written = await storeFacetEntries(db, dirty, history)
    pending = dirty.map(facetEntryRef).filter((ref) => !written.has(ref))
  }
  return observations.size
}
