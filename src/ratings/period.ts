// Periods of Beijing days (UTC+8, no daylight saving) as the instants the store compares with.
import { beijingToday } from '../calendar/days.ts'

const DAY_MS = 86_400_000

/** The first instant of a Beijing day. */
export const dayStart = (day: string): string => new Date(`${day}T00:00:00+08:00`).toISOString()

/** `to` inclusive: the period ends where the next Beijing day begins. */
export function beijingPeriod (from: string | undefined, to: string | undefined): { from: string | undefined, to: string | undefined } {
  return { from: from === undefined ? undefined : dayStart(from), to: to === undefined ? undefined : new Date(Date.parse(dayStart(to)) + DAY_MS).toISOString() }
}

/** The Beijing day `n` days after `day` (negative: before). */
export function addDays (day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10)
}

/** The days from `from` to `to`, both included. */
export function daysOf (from: string, to: string): string[] {
  const out: string[] = []
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d)
  return out
}

/** The default period of the leader's view: the last `days` Beijing days, today included. */
export function lastDays (days: number, nowMs: number = Date.now()): { from: string, to: string } {
  const to = beijingToday(nowMs)
  return { from: addDays(to, 1 - days), to }
}
