// Where a unified record's values came from: the observation behind each value, the candidates of
// a conflict, and the changes its history keeps.

export interface Provenance { adapter: string, sourceId: string, observedAt: string }

export interface Candidate extends Provenance { value: unknown }

/** [old value, new value] (stored like this: history rows stay small). */
export type Change = [old: unknown, new: unknown]

export interface HistoryEntry extends Provenance {
  changedBy: string | null
  changes: Record<string, Change>
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
