// Dates and timestamps in the shapes department systems send. Calendar dates come out as
// YYYY-MM-DD, instants as ISO 8601 UTC. A time without a zone is Beijing time (UTC+8).
import { BEIJING_OFFSET_MS, DAY_MS, beijingYmd, isoDate, isRealDate } from './calendar.ts'
import { toHalfWidth, trimSpace } from './chars.ts'
import { failNote } from './fail-note.ts'
import { fail, ok, type Normalized } from './result.ts'

export { formatBeijingCompact } from './calendar.ts'

const SEPARATED = /^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})$/
const CHINESE = /^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$/

/** Excel's day 0 for serials after the fictitious 1900-02-29 (serial 60): 1899-12-30. */
const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30)

function allDigits (s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 48 || c > 57) return false
  }
  return s.length > 0
}

/** True when 'YYYY-MM-DD' has digits everywhere but positions 4 and 7. */
function isoDigits (s: string): boolean {
  for (let i = 0; i < 10; i++) {
    if (i === 4 || i === 7) continue
    const c = s.charCodeAt(i)
    if (c < 48 || c > 57) return false
  }
  return true
}

const num = (s: string, from: number, to: number): number => {
  let v = 0
  for (let i = from; i < to; i++) v = v * 10 + s.charCodeAt(i) - 48
  return v
}

function calendar (input: string, y: number, m: number, d: number): Normalized<string> {
  if (y < 1000) return failNote('TB_DATE_INVALID', 'the year must have four digits, 1000 or later', input)
  if (!isRealDate(y, m, d)) return failNote('TB_DATE_INVALID', `${isoDate(y, m, d)} is not a real date`, input)
  return ok(isoDate(y, m, d))
}

/**
 * A calendar date -> YYYY-MM-DD. Shapes: 2020-09-29, 2020-9-29, 20200929, 2020/9/29,
 * 2020.9.29, 2020年09月29日, 2020年9月29日, epoch milliseconds (13 digits, the Beijing date of
 * that instant) and Excel serial numbers (5 digits, 1900 date system). Full-width digits and
 * padding are accepted. Impossible dates are TB_DATE_INVALID.
 */
export function date (input: string): Normalized<string> {
  const s = trimSpace(toHalfWidth(input))
  const n = s.length
  if (n === 10 && s.charCodeAt(4) === 45 && s.charCodeAt(7) === 45 && isoDigits(s)) {
    const y = num(s, 0, 4)
    const m = num(s, 5, 7)
    const d = num(s, 8, 10)
    return y >= 1000 && isRealDate(y, m, d) ? ok(s) : calendar(input, y, m, d)
  }
  if (allDigits(s)) {
    if (n === 8) {
      const y = num(s, 0, 4)
      const m = num(s, 4, 6)
      const d = num(s, 6, 8)
      return y >= 1000 && isRealDate(y, m, d) ? ok(`${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`) : calendar(input, y, m, d)
    }
    if (n === 13) {
      const [y, m, d] = beijingYmd(Number(s))
      return ok(isoDate(y, m, d))
    }
    if (n === 5) return excelSerial(input, Number(s))
    return failNote('TB_DATE_INVALID', 'digits only: expected YYYYMMDD, 13-digit epoch milliseconds or a 5-digit Excel serial', input)
  }
  const m = SEPARATED.exec(s) ?? CHINESE.exec(s)
  if (m === null) return fail('TB_DATE_INVALID', input)
  const parts = m.length === 5 ? [m[1]!, m[3]!, m[4]!] : [m[1]!, m[2]!, m[3]!]
  return calendar(input, Number(parts[0]), Number(parts[1]), Number(parts[2]))
}

/**
 * Excel 1900 date system: serial 1 is 1900-01-01 and Excel counts a 1900-02-29 that never was
 * (serial 60), so serials from 61 on are days since 1899-12-30 and serials 1-59 days since
 * 1899-12-31. Serial 0 and 60 are not dates.
 */
function excelSerial (input: string, serial: number): Normalized<string> {
  if (serial === 0 || serial === 60) return failNote('TB_DATE_INVALID', `Excel serial ${serial} is not a real date`, input)
  const ms = EXCEL_EPOCH_MS + (serial < 60 ? serial + 1 : serial) * DAY_MS
  const t = new Date(ms)
  return ok(isoDate(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate()))
}

const DATE_TIME = /^(\d{4})([-/])(\d{2})\2(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i

function instant (input: string, y: number, mo: number, d: number, h: number, mi: number, sec: number, ms: number, offsetMs: number): Normalized<string> {
  if (y < 1000 || !isRealDate(y, mo, d) || h > 23 || mi > 59 || sec > 59) {
    return failNote('TB_DATE_INVALID', 'not a real date and time', input)
  }
  const t = Date.UTC(y, mo - 1, d, h, mi, sec, ms) - offsetMs
  return ok(new Date(t).toISOString())
}

/**
 * An instant -> ISO 8601 UTC (2026-11-20T01:31:05.000Z). Shapes: 'YYYY-MM-DD HH:mm:ss',
 * 'YYYY/MM/DD HH:mm:ss', 'YYYYMMDDHHmmss', ISO 8601 with or without zone ('T' or space, optional
 * seconds and fraction, Z or ±HH:MM), and epoch milliseconds (13 digits). Without a zone the time
 * is Beijing time (UTC+8).
 */
export function timestamp (input: string): Normalized<string> {
  const s = trimSpace(toHalfWidth(input))
  if (allDigits(s)) {
    if (s.length === 14) {
      return instant(input, num(s, 0, 4), num(s, 4, 6), num(s, 6, 8), num(s, 8, 10), num(s, 10, 12), num(s, 12, 14), 0, BEIJING_OFFSET_MS)
    }
    if (s.length === 13) return ok(new Date(Number(s)).toISOString())
    return failNote('TB_DATE_INVALID', 'digits only: expected YYYYMMDDHHmmss or 13-digit epoch milliseconds', input)
  }
  const m = DATE_TIME.exec(s)
  if (m === null) return fail('TB_DATE_INVALID', input)
  let offsetMs = BEIJING_OFFSET_MS
  const zone = m[9]
  if (zone !== undefined) {
    if (zone === 'Z' || zone === 'z') offsetMs = 0
    else {
      const digits = zone.replace(':', '')
      const oh = Number(digits.slice(1, 3))
      const om = digits.length > 3 ? Number(digits.slice(3, 5)) : 0
      if (oh > 23 || om > 59) return failNote('TB_DATE_INVALID', `zone offset ${zone}`, input)
      offsetMs = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000
    }
  }
  const fraction = m[8] === undefined ? 0 : Number((m[8] + '00').slice(0, 3))
  return instant(input, Number(m[1]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), m[7] === undefined ? 0 : Number(m[7]), fraction, offsetMs)
}
