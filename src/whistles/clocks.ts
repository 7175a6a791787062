// A whistle's clocks (respond, arrive, finish) and the rungs of their escalation ladders, from a
// start instant and a span. Pure: no I/O, no clock of its own.
// - `30m`, `24h`: clock time from the start.
// - `3wd`: working days on the PRC calendar: the same time of day (Beijing) on the 3rd working
//   day after the start's day. A start on a day off counts from the next working day's start,
//   taken as 09:00 Beijing (office hours begin), so a whistle blown on Saturday with `1wd` is due
//   Tuesday 09:00.
// - A rung fires at a share of the span from the start (liaison 0.75, head 1 = the deadline,
//   supervision 1.5 by default). In working days the share is counted in working days and
//   interpolated between the two working-day instants around it, so a rung does not land in the
//   middle of a long holiday's first day by accident of elapsed time.
// Days the calendar does not cover throw TB_CALENDAR_NOT_COVERED: the caller marks the clock
// uncomputable rather than guessing.
import { notCovered, type WorkingCalendar } from '../calendar/calendar.ts'
import { isTongbanError } from '../errors.ts'
import { RUNGS, type ClockName, type ClockSpan, type Ladder, type Rung, type WhistleType } from '../model/whistle.ts'

const MINUTE = 60_000
const DAY = 86_400_000
const BEIJING = 8 * 3_600_000
/** Where a working-day clock starts when the whistle is blown on a day off: 09:00 Beijing. */
export const OFFICE_OPENS_MS = 9 * 3_600_000

export interface ParsedSpan { amount: number, unit: 'm' | 'h' | 'wd' }

export function parseSpan (span: ClockSpan): ParsedSpan {
  const m = /^(\d{1,4})(m|h|wd)$/.exec(span)
  if (!m) throw new Error(`not a clock span: ${span}`)
  return { amount: Number(m[1]), unit: m[2] as ParsedSpan['unit'] }
}

/**
 * The instant `k` working days after the start (k = 0: the start itself, moved to 09:00 of the next
 * working day when the start is on a day off).
 */
function workingInstant (calendar: WorkingCalendar, startMs: number, k: number): number {
  const { index } = calendar
  const local = startMs + BEIJING
  const day = Math.floor(local / DAY)
  let tod = local - day * DAY
  const i = day - index.base
  const year = (n: number): number => new Date(n * DAY).getUTCFullYear()
  if (i < 0 || i >= index.length || index.reasons[i] === undefined) throw notCovered(calendar.years, year(day))
  // working days up to and including the start's day
  let before = index.workingBefore[i + 1]!
  const startWorks = before > index.workingBefore[i]!
  if (!startWorks) {
    before += 1 // the next working day is day 0
    tod = OFFICE_OPENS_MS
  }
  const target = before - 1 + k
  const pos = index.working[target]
  // past the last covered day of the run the start is in: the year after it is not known
  if (pos === undefined || pos > index.runEnd[i]!) throw notCovered(calendar.years, year(index.base + index.runEnd[i]! + 1))
  return (index.base + pos) * DAY + tod - BEIJING
}

/** The instant a share `f` of `span` after `startMs` (f = 1: the deadline). */
export function spanPoint (calendar: WorkingCalendar, startMs: number, span: ClockSpan, f: number): number {
  const { amount, unit } = parseSpan(span)
  if (unit !== 'wd') return startMs + Math.round(f * amount * (unit === 'h' ? 60 : 1) * MINUTE)
  const x = f * amount
  const whole = Math.floor(x)
  const from = workingInstant(calendar, startMs, whole)
  if (x === whole) return from
  const to = workingInstant(calendar, startMs, whole + 1)
  return from + Math.round((x - whole) * (to - from))
}

export interface ClockRung { rung: Rung, dueAt: string }

export type ClockWindow =
  /** `problem`: a rung past the calendar's last covered day is left out (it is armed by nobody), and why. */
  | { clock: ClockName, ok: true, deadline: string, rungs: ClockRung[], problem?: string }
  /** The calendar does not cover the days this clock runs into: no deadline, no rungs. */
  | { clock: ClockName, ok: false, problem: string }

const notCoveredMessage = (err: unknown): string => {
  if (!isTongbanError(err) || err.code !== 'TB_CALENDAR_NOT_COVERED') throw err
  return err.message
}

/** A clock's deadline and its rungs: the span measured from `start`. */
export function clockWindow (calendar: WorkingCalendar, clock: ClockName, start: string, span: ClockSpan, ladder: Ladder): ClockWindow {
  const startMs = Date.parse(start)
  let deadline: string
  try {
    deadline = new Date(spanPoint(calendar, startMs, span, 1)).toISOString()
  } catch (err) {
    return { clock, ok: false, problem: notCoveredMessage(err) }
  }
  const rungs: ClockRung[] = []
  let problem: string | undefined
  for (const rung of RUNGS) {
    try {
      rungs.push({ rung, dueAt: new Date(spanPoint(calendar, startMs, span, ladder[rung])).toISOString() })
    } catch (err) {
      problem = notCoveredMessage(err)
    }
  }
  return problem === undefined ? { clock, ok: true, deadline, rungs } : { clock, ok: true, deadline, rungs, problem }
}

/** A department's three clocks, all started at `start` (when the whistle opened or summoned it). */
export function targetClocks (calendar: WorkingCalendar, type: Pick<WhistleType, ClockName>, start: string, ladder: Ladder, clocks: readonly ClockName[] = ['respond', 'arrive', 'finish']): ClockWindow[] {
  return clocks.map((c) => clockWindow(calendar, c, start, type[c], ladder))
}

/** The deadlines in force as events carry them (`data.deadlines[dept]`): an uncomputable clock is null. */
export function deadlinesOf (windows: readonly ClockWindow[]): Partial<Record<ClockName, string | null>> {
  return Object.fromEntries(windows.map((w) => [w.clock, w.ok ? w.deadline : null]))
}
