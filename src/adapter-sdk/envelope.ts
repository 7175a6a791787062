// Canonical values the envelope of a message decides rather than a field of each record (the
// resident's status from a message's event type): a code table typed against the canonical model.
import type { ErrorCode } from '../errors.ts'
import type { EntityFields, EntityKind } from '../model/index.ts'
import { fail } from '../normalize/result.ts'
import { isRecordField, type RecordField } from './fields.ts'

export type EnvelopeValue<K extends EntityKind, F extends RecordField<K>> =
  | { set: { [P in F]: EntityFields<K>[P] } }
  | { reject: { code: ErrorCode, message: string } }

/**
 * An envelope code -> the canonical field's value from `table` (`set` for the raw records), or a
 * rejection with `unknown` (the catalogue code for a code not in the table) so the records go to
 * quarantine. Codes are matched exactly: an envelope is machine-written.
 */
export function envelopeValue<K extends EntityKind, F extends RecordField<K>> (
  kind: K, field: F, table: Readonly<Record<string, EntityFields<K>[F]>>, unknown: ErrorCode = 'TB_CODE_UNKNOWN',
): (code: unknown) => EnvelopeValue<K, F> {
  if (!isRecordField(kind, field)) throw new TypeError(`envelope value: ${kind} has no field ${field}`)
  return (code) => {
    if (typeof code === 'string' && Object.hasOwn(table, code)) return { set: { [field]: table[code] } as { [P in F]: EntityFields<K>[P] } }
    return { reject: fail(unknown, code ?? null).error }
  }
}
