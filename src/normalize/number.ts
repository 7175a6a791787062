// Numbers as departments write them in text: a count (`3`) and an amount of money in yuan with
// at most two decimals (`765.00`, `1,230.5`). Amounts come out in integer fen, so sums and
// comparisons are exact and no binary fraction ever stands for a payment.
import { toHalfWidth, trimSpace } from './chars.ts'
import { failNote } from './fail-note.ts'
import { ok, type Normalized } from './result.ts'

const COUNT = /^\d{1,9}$/
const YUAN = /^(\d{1,3}(?:,\d{3})+|\d{1,12})(?:\.(\d{1,2}))?$/

/** A count of things (people in a household): a non-negative integer, full-width digits accepted. */
export function count (input: string): Normalized<number> {
  const s = trimSpace(toHalfWidth(input))
  if (!COUNT.test(s)) return failNote('TB_NUMBER_INVALID', 'expected a whole number', input)
  return ok(Number(s))
}

/** An amount in yuan (`765.00`, `765`, `1,230.5`, optionally ending in 元) -> integer fen (76500). Negative amounts are refused. */
export function yuan (input: string): Normalized<number> {
  const s = trimSpace(toHalfWidth(input)).replace(/元$/, '')
  const m = YUAN.exec(s)
  if (m === null) return failNote('TB_NUMBER_INVALID', 'expected yuan with at most two decimals', input)
  return ok(Number(m[1]!.replaceAll(',', '')) * 100 + Number((m[2] ?? '').padEnd(2, '0')))
}
