// A calendar month as departments write periods (the first and last month of a benefit):
// 202401, 2024-01, 2024/1, 2024.01, 2024年1月 -> 'YYYY-MM'.
import { toHalfWidth, trimSpace } from './chars.ts'
import { failNote } from './fail-note.ts'
import { ok, type Normalized } from './result.ts'

const COMPACT = /^(\d{4})(\d{2})$/
const SEPARATED = /^(\d{4})(?:[-/.]|\s*年\s*)(\d{1,2})\s*月?$/

export function yearMonth (input: string): Normalized<string> {
  const s = trimSpace(toHalfWidth(input))
  const m = COMPACT.exec(s) ?? SEPARATED.exec(s)
  if (m === null) return failNote('TB_DATE_INVALID', 'expected a month such as 202401 or 2024-01', input)
  const year = Number(m[1])
  const month = Number(m[2])
  if (year < 1000 || month < 1 || month > 12) return failNote('TB_DATE_INVALID', 'not a real month', input)
  return ok(`${m[1]}-${String(month).padStart(2, '0')}`)
}
