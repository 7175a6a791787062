// Calendar dates as day numbers (days since 1970-01-01), by arithmetic: no Date objects, no time
// zones. A date here is always a Beijing calendar date 'YYYY-MM-DD'.

/** Day number of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function dayNumber (year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
}

/** 'YYYY-MM-DD' of a day number. */
export function dateOf (n: number): string {
  const z = n + 719468
  const era = Math.floor(z / 146097)
  const doe = z - era * 146097
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1
  const m = mp < 10 ? mp + 3 : mp - 9
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0)
  return `${String(y).padStart(4, '0')}-${m < 10 ? '0' : ''}${m}-${d < 10 ? '0' : ''}${d}`
}

/** The day number of 'YYYY-MM-DD', or undefined when it is not a real date. */
export const parseDate = (date: string): number | undefined => date.length === 10 ? leadingDate(date) : undefined

/** The day number of the real date 'YYYY-MM-DD' a string begins with, or undefined. */
function leadingDate (s: string): number | undefined {
  // By character codes: deadlines read several dates each, and a regular expression costs more.
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return undefined
  const year = digits(s, 0, 4)
  const month = digits(s, 5, 7)
  const day = digits(s, 8, 10)
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined
  return dayNumber(year, month, day)
}

/** The decimal number in date[from, to), or −1 when a character is not a digit. */
function digits (date: string, from: number, to: number): number {
  let n = 0
  for (let i = from; i < to; i++) {
    const c = date.charCodeAt(i) - 48
    if (c < 0 || c > 9) return -1
    n = n * 10 + c
  }
  return n
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
const daysInMonth = (year: number, month: number): number =>
  month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : MONTH_DAYS[month - 1]!

/** The year of a day number. */
export const yearOf = (n: number): number => Number(dateOf(n).slice(0, 4))

/** Saturday or Sunday (day 0, 1970-01-01, was a Thursday). */
export const isWeekend = (n: number): boolean => {
  const w = ((n % 7) + 7 + 4) % 7 // 0 = Sunday
  return w === 0 || w === 6
}

const BEIJING_OFFSET_MS = 8 * 3_600_000
const INSTANT = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/

/**
 * The Beijing day number of an ISO instant with its offset ('2026-03-02T09:30:00Z',
 * '…+08:00'), or of a bare 'YYYY-MM-DD' taken as that Beijing date; undefined for anything
 * else (an instant without an offset would depend on this machine's time zone).
 */
export function beijingDay (instant: string): number | undefined {
  if (!INSTANT.test(instant)) return undefined
  const date = leadingDate(instant)
  if (date === undefined || instant.length === 10) return date
  // Date.parse rolls 30 February over into March: the date part was checked above.
  const ms = Date.parse(instant)
  return Number.isNaN(ms) ? undefined : Math.floor((ms + BEIJING_OFFSET_MS) / 86_400_000)
}

/** Today's Beijing date, 'YYYY-MM-DD'. */
export const beijingToday = (nowMs: number = Date.now()): string => dateOf(Math.floor((nowMs + BEIJING_OFFSET_MS) / 86_400_000))
