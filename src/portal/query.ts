// What the search box's text is: an ID number (18 or 15 digits), the last digits of one, a phone
// number, a credit code, the start of a key, or a name. Decided here once, so the search page
// reads like the hint under the box.
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

export function classifyQuery (text: string): SearchQuery {
  const q = text.trim()
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
