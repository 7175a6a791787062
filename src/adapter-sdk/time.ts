// How a department writes an instant: a pattern and the time zone its local times are in. Chinese
// departments send Beijing local times without a zone; China keeps no daylight saving (none since
// 1991), so a fixed offset is exact, and parsing stays a regex and a Date.UTC per value — cheap
// enough for every record of a pull.
import { isRealDate } from '../normalize/calendar.ts'
import { escapeRegExp } from './regexp.ts'

/** Beijing time, UTC+8: what departments mean by a time without a zone. */
export const BEIJING = '+08:00'

export interface TimeFormat {
  readonly pattern: string
  readonly timeZone: string
  /** The instant `text` names, or undefined unless it has exactly the pattern's shape and is a real time. */
  parse: (text: string) => Date | undefined
  /** The instant as the department writes it, in its time zone. */
  format: (at: Date) => string
}

const TOKENS = { YYYY: 4, MM: 2, DD: 2, HH: 2, mm: 2, ss: 2, SSS: 3 } as const
type Token = keyof typeof TOKENS
const TOKEN = /YYYY|SSS|MM|DD|HH|mm|ss/g

function offsetMs (timeZone: string): number {
  if (timeZone === 'Z' || timeZone === 'UTC') return 0
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(timeZone)
  if (m === null || Number(m[2]) > 23 || Number(m[3]) > 59) {
    throw new TypeError(`time zone ${timeZone}: give a fixed offset such as +08:00, or Z`)
  }
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60_000
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0')

/**
 * A pattern of YYYY, MM, DD, HH, mm, ss, SSS and literal characters (`YYYYMMDDHHmmss`,
 * `YYYY-MM-DD HH:mm:ss`) in a fixed-offset time zone (`+08:00`, `Z`). Parsing is strict: no
 * trimming, no other shapes, every field present.
 */
export function timeFormat (pattern: string, timeZone: string = BEIJING): TimeFormat {
  const offset = offsetMs(timeZone)
  const order: Token[] = []
  let source = '^'
  let last = 0
  for (const m of pattern.matchAll(TOKEN)) {
    source += escapeRegExp(pattern.slice(last, m.index)) + `(\\d{${TOKENS[m[0] as Token]}})`
    order.push(m[0] as Token)
    last = m.index + m[0].length
  }
  source += escapeRegExp(pattern.slice(last)) + '$'
  for (const required of ['YYYY', 'MM', 'DD'] as const) {
    if (!order.includes(required)) throw new TypeError(`time pattern ${pattern} has no ${required}`)
  }
  const shape = new RegExp(source)
  const at = (token: Token): number => order.indexOf(token) + 1 // 0: absent, read as 0

  const [y, mo, d, h, mi, s, ms] = (['YYYY', 'MM', 'DD', 'HH', 'mm', 'ss', 'SSS'] as const).map(at) as [number, number, number, number, number, number, number]
  const num = (groups: RegExpExecArray, i: number): number => (i === 0 ? 0 : Number(groups[i]))

  return {
    pattern,
    timeZone,
    parse (text) {
      const g = shape.exec(text)
      if (g === null) return undefined
      const year = num(g, y)
      const month = num(g, mo)
      const day = num(g, d)
      const hour = num(g, h)
      const minute = num(g, mi)
      const second = num(g, s)
      if (year < 1000 || !isRealDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return undefined
      return new Date(Date.UTC(year, month - 1, day, hour, minute, second, num(g, ms)) - offset)
    },
    format (instant) {
      const t = new Date(instant.getTime() + offset)
      const values: Record<Token, number> = {
        YYYY: t.getUTCFullYear(), MM: t.getUTCMonth() + 1, DD: t.getUTCDate(),
        HH: t.getUTCHours(), mm: t.getUTCMinutes(), ss: t.getUTCSeconds(), SSS: t.getUTCMilliseconds(),
      }
      return pattern.replace(TOKEN, (token) => pad(values[token as Token], TOKENS[token as Token]))
    },
  }
}
