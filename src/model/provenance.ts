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

/** A short key for an observation, unique among the few observations one record keeps (FNV-1a). */
export function sourceKey (p: Provenance): string {
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
