// A department record on its way in: as received (what adapters produce), then mapped to the
// canonical model or rejected with the reason it goes to quarantine.
import type { ErrorCode } from '../errors.ts'
import type { EntityKind } from './index.ts'

/** One department record as received, before mapping. */
export interface RawRecord {
  /** The department's id for this record or message part; kept as provenance. */
  sourceId: string
  /** When the department says the change happened; older observations never overwrite newer. */
  observedAt: Date
  /** Department fields exactly as received. */
  fields: Record<string, unknown>
  /** Canonical values decided by the envelope rather than a field (e.g. status from an event type). */
  set?: Record<string, unknown>
  /** Set when parsing found the record unusable as a whole; it goes to quarantine with this reason. */
  reject?: { code: ErrorCode, message: string }
}

export interface MappedRecord {
  kind: EntityKind
  key: string
  sourceId: string
  observedAt: Date
  data: Record<string, unknown>
  /** The facet entry the same raw record gives, for adapters that produce a facet of this record. */
  facet?: MappedFacet
  /** Records of other entities the same raw record describes (the adapter's `links`), unified with it. */
  linked?: readonly MappedRecord[]
}

/** One facet entry, keyed to its record's subject (the MappedRecord's kind and key). */
export interface MappedFacet {
  /** The facet's name as declared (`social-assistance`). */
  name: string
  /** Tells this entry from the subject's others: the declared entry-key fields' values joined by '/', '' when none. */
  entryKey: string
  /** The facet's fields, as its schema parsed them. */
  data: Record<string, unknown>
}

export interface Rejection {
  sourceId: string
  code: ErrorCode
  message: string
  field?: string
  rawValue?: string
  raw: RawRecord
}
