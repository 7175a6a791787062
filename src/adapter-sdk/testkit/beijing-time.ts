// `YYYYMMDDHHmmss` in Beijing time (UTC+8, no daylight saving): how most department systems write
// an instant (update times, signature timestamps). Simulators write and read it as the department
// does, without the platform's time formats, so a fault in those cannot hide in both sides.
import { pad } from './random.ts'

const BEIJING_MS = 8 * 3_600_000
const COMPACT = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/

/** The instant `epochMs` as `YYYYMMDDHHmmss`, Beijing time. */
export function formatBeijingCompact (epochMs: number): string {
  const d = new Date(epochMs + BEIJING_MS)
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1, 2)}${pad(d.getUTCDate(), 2)}` +
    `${pad(d.getUTCHours(), 2)}${pad(d.getUTCMinutes(), 2)}${pad(d.getUTCSeconds(), 2)}`
}

/** `YYYYMMDDHHmmss` Beijing time -> epoch milliseconds; undefined unless a real time of that shape. */
export function parseBeijingCompact (text: string): number | undefined {
  const m = COMPACT.exec(text)
  if (!m) return undefined
  const y = +m[1]!; const mo = +m[2]!; const d = +m[3]!; const h = +m[4]!; const mi = +m[5]!; const s = +m[6]!
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined
  if (d > new Date(Date.UTC(y, mo, 0)).getUTCDate()) return undefined
  return Date.UTC(y, mo - 1, d, h, mi, s) - BEIJING_MS
}
