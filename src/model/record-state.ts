// A unified record as unify works on it: the store loads and writes this state, merge changes it
// in memory.
import type { Candidate, Provenance } from './provenance.ts'

export interface ConflictState {
  /** Undefined until the conflict is stored. */
  id?: number
  field: string
  candidates: Candidate[]
  status: 'open' | 'agreed'
  changed: boolean
}

export interface RecordState {
  key: string
  /** 0 for a record not stored yet. */
  version: number
  /** For a new record: the observation that creates it. */
  createdFrom?: Provenance
  values: Record<string, unknown>
  /** Field -> key into `sources` of the observation its value came from. */
  provenance: Record<string, string>
  sources: Record<string, Provenance>
  /** Open conflicts by field. */
  conflicts: Map<string, ConflictState>
  /** Conflicts that closed by agreement while applying (still to be stored). */
  agreed: ConflictState[]
  changed: boolean
}

export function emptyRecord (key: string): RecordState {
  return { key, version: 0, values: {}, provenance: {}, sources: {}, conflicts: new Map(), agreed: [], changed: false }
}
