// Calendar arithmetic shared by the date and ID normalisers: proleptic Gregorian, Beijing time
// (UTC+8, no daylight saving since 1991; the offset is applied as a constant).

export const BEIJING_OFFSET_MS = 8 * 3_600_000
export const DAY_MS = 86_400_000

const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const

export function isLeapYear (y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
}

/** True when (y, m, d) is a real Gregorian date (m 1..12, d within the month). */
export function isRealDate (y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false
  if (d <= DAYS_IN_MONTH[m]!) return true
  return m === 2 && d === 29 && isLeapYear(y)
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n))
const pad4 = (n: number): string => (n < 10 ? `000${n}` : n < 100 ? `00${n}` : n < 1000 ? `0${n}` : String(n))

/** 'YYYY-MM-DD' */
export function isoDate (y: number, m: number, d: number): string {
  return `${pad4(y)}-${pad2(m)}-${pad2(d)}`
}

/** The Beijing calendar date of an instant, as [y, m, d]. */
export function beijingYmd (epochMs: number): [number, number, number] {
  const t = new Date(epochMs + BEIJING_OFFSET_MS)
  return [t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate()]
}

/** 'YYYYMMDDHHmmss' of an instant in Beijing time. */
export function formatBeijingCompact (d: Date): string {
  const t = new Date(d.getTime() + BEIJING_OFFSET_MS)
  return `${pad4(t.getUTCFullYear())}${pad2(t.getUTCMonth() + 1)}${pad2(t.getUTCDate())}` +
    `${pad2(t.getUTCHours())}${pad2(t.getUTCMinutes())}${pad2(t.getUTCSeconds())}`
}

// Today's Beijing date as the integer YYYYMMDD, recomputed only when Beijing midnight passes.
let todayValue = 0
let todayUntil = -Infinity

/** Today's date in Beijing as the integer YYYYMMDD (cached until the next Beijing midnight). */
export function beijingToday (now = Date.now()): number {
  if (now < todayUntil && now >= todayUntil - DAY_MS) return todayValue
  const [y, m, d] = beijingYmd(now)
  todayValue = y * 10000 + m * 100 + d
  const local = now + BEIJING_OFFSET_MS
  todayUntil = local - (((local % DAY_MS) + DAY_MS) % DAY_MS) + DAY_MS - BEIJING_OFFSET_MS
  return todayValue
}

/**
 * True when the date YYYYMMDD (as an integer) is after today in Beijing. Without reading the
 * clock for the common case: a date on or before the last "today" seen cannot be in the future.
 */
export function isAfterBeijingToday (yyyymmdd: number): boolean {
  if (yyyymmdd <= todayValue) return false
  return yyyymmdd > beijingToday()
}
