// A department row -> a raw record, described: the sourceId as a template over the row's fields
// (`{TYSHXYDM}@{GXSJ}`) and observedAt as a field in the department's time format and zone.
import type { ErrorCode } from '../errors.ts'
import type { RawRecord } from '../model/intake.ts'
import { fail } from '../normalize/result.ts'
import type { TimeFormat } from './time.ts'

type Fields = Readonly<Record<string, unknown>>

/** A field's value as text: strings trimmed, other values as String gives them, absent as ''. */
function textOf (value: unknown): string {
  return typeof value === 'string' ? value.trim() : String(value ?? '')
}

/** `{NAME}@{OTHER}` -> a function of the fields: each `{NAME}` is that field's value as text. */
export function textTemplate (template: string): (fields: Fields) => string {
  const parts = template.split(/\{([^{}]+)\}/) // odd indices are field names
  return (fields) => {
    let out = parts[0]!
    for (let i = 1; i < parts.length; i += 2) out += textOf(fields[parts[i]!]) + parts[i + 1]!
    return out
  }
}

export interface ObservedAtSpec {
  /** The field holding the department's time of the change. */
  field: string
  time: TimeFormat
}

export type Instant = { at: Date } | { error: { code: ErrorCode, message: string } }

/** The instant a row's time field names, or TB_DATE_INVALID naming the field. */
export function instantOf (spec: ObservedAtSpec): (fields: Fields) => Instant {
  const { field, time } = spec
  return (fields) => {
    const text = textOf(fields[field])
    const at = time.parse(text)
    if (at !== undefined) return { at }
    const { error } = fail('TB_DATE_INVALID', text)
    return { error: { code: error.code, message: `${field}: ${error.message} (expected ${time.pattern})` } }
  }
}

export interface RecordTemplate {
  sourceId: string
  observedAt: ObservedAtSpec
}

/**
 * One row -> a raw record with its fields as sent (the mapper skips empty and "null" values). A row
 * whose time is unreadable, or that is not an object, keeps the time it was received and is
 * rejected with the reason, so it goes to quarantine rather than being dropped.
 */
export function recordTemplate (spec: RecordTemplate): (row: unknown, receivedAt: Date) => RawRecord {
  const sourceIdOf = textTemplate(spec.sourceId)
  const observed = instantOf(spec.observedAt)
  const { field, time } = spec.observedAt
  return (row, receivedAt) => {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      return { sourceId: `row@${time.format(receivedAt)}`, observedAt: receivedAt, fields: { row }, reject: fail('TB_RECORD_INVALID', 'a list entry is not an object').error }
    }
    const fields = row as Record<string, unknown>
    // The time parsed directly on the hot path; instantOf is asked only to word the reason.
    const at = time.parse(textOf(fields[field]))
    const record: RawRecord = { sourceId: sourceIdOf(fields), observedAt: at ?? receivedAt, fields }
    if (at === undefined) record.reject = (observed(fields) as { error: RawRecord['reject'] & object }).error
    return record
  }
}
