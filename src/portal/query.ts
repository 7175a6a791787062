// What the search box's text is: an ID number (18 or 15 digits), the last digits of one, a phone
// number, a credit code, the start of a key, or a name. Decided here once, so the search page
// reads like the hint under the box. Also the one text type of every portal query parameter.
import { z } from 'zod'
import { creditCode, phone, residentId } from '../normalize/index.ts'
import type { RecordMatch } from '../store/records.ts'

export type SearchQuery =
  | { is: 'empty' }
  | { is: 'person', idNumber: string }
  | { is: 'enterprise', creditCode: string }
  /** Shaped like an ID number, but its check character (or date, or division) is wrong. */
  | { is: 'invalid-id' }
  /** Too few digits to search by. */
  | { is: 'too-short' }
  | { is: 'match', persons?: RecordMatch, enterprises?: RecordMatch }

/** C0 control characters (NUL among them): PostgreSQL refuses NUL in text, and no form sends any. */
const NO_CONTROL = /^[^\u0000-\u001f]*$/

/** A textarea's text: line breaks and tabs are text there, other control characters are not. */
const NO_CONTROL_BUT_LINES = /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f]*$/

/** A text field of a portal form (a note, a reason, a name): like `queryText`, but lines may break. */
export const formText = (max: number): z.ZodString => z.string().max(max).regex(NO_CONTROL_BUT_LINES, CONTROL_CHARACTER_MESSAGE)

/** True when `s` holds no control character. */
export const noControl = (s: string): boolean => NO_CONTROL.test(s)

export const CONTROL_CHARACTER_MESSAGE = 'contains a control character (such as NUL)'

/**
 * A text query parameter of a portal page: at most `max` characters and no control character
 * (a 400 page naming the parameter instead of a database error).
 */
export const queryText = (max: number): z.ZodString => z.string().max(max).regex(NO_CONTROL, CONTROL_CHARACTER_MESSAGE)

/**
 * The box's text as the search compares it: NFKC folds what Chinese input methods type in full
 * width (`３２０４…`, `１３８…`, `Ｘ`) into the ASCII the records hold, and compatibility forms of
 * ideographs into the standard ones.
 */
export function searchText (text: string): string {
  return text.normalize('NFKC').trim()
}

export function classifyQuery (text: string): SearchQuery {
  const q = searchText(text)
  if (q === '') return { is: 'empty' }
  const compact = q.replace(/[\s-]/g, '').toUpperCase()
  if (/^(\d{17}[\dX]|\d{15})$/.test(compact)) {
    const id = residentId(compact)
    if (id.ok) return { is: 'person', idNumber: id.value }
    // A credit code may be all digits too.
    const code = compact.length === 18 ? creditCode(compact) : undefined
    return code?.ok ? { is: 'enterprise', creditCode: code.value } : { is: 'invalid-id' }
  }
  if (/^(\+?86)?1[3-9]\d{9}$/.test(compact) || /^0\d{9,11}$/.test(compact)) {
    const number = phone(q)
    if (number.ok) return { is: 'match', persons: { by: 'phone', value: number.value } }
  }
  if (/^(\d{4,8}|\d{3,7}X)$/.test(compact)) return { is: 'match', persons: { by: 'idSuffix', value: compact } }
  if (/^\d{1,3}$/.test(compact)) return { is: 'too-short' }
  if (/^[0-9A-Z]{18}$/.test(compact)) {
    const code = creditCode(compact)
    if (code.ok) return { is: 'enterprise', creditCode: code.value }
  }
  if (/^[0-9A-Z]+$/.test(compact)) {
    const prefix = { by: 'keyPrefix', value: compact } as const
    return { is: 'match', ...(/^\d+X?$/.test(compact) ? { persons: prefix } : {}), enterprises: prefix }
  }
  return { is: 'match', persons: { by: 'name', value: q }, enterprises: { by: 'name', value: q } }
}
