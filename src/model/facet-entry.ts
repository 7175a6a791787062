// A facet entry as unify works on it (src/unify/facets.ts applies observations, src/store/facets.ts
// loads and writes it): which subject and facet it belongs to, its data, and where that came from.
import type { EntityKind } from './index.ts'
import type { Change, Provenance } from './provenance.ts'

/** Which entry: the subject, the facet and the entry key within them. */
export interface FacetEntryId {
  kind: EntityKind
  /** The subject's ID number or credit code. */
  key: string
  facet: string
  entryKey: string
}

export interface FacetEntryState extends FacetEntryId {
  data: Record<string, unknown>
  /** The observation the data came from. */
  source: Provenance
  /** The observation that created the entry. */
  createdFrom: Provenance
  /** 0 for an entry not stored yet. */
  version: number
}

/** A change to an entry's data: per top-level field, [old, new]; kept with the observation that made it. */
export interface FacetChange extends Provenance {
  changes: Record<string, Change>
}

/** One string per entry, for maps and for the order rows are locked in. */
export function facetEntryRef (id: FacetEntryId): string {
  return `${id.kind}\u0000${id.key}\u0000${id.facet}\u0000${id.entryKey}`
}
