// Legal deadlines on the working-day calendar, explained day by day.
//
// How days are counted (行政许可法 §82, 民法典 §§200–203):
// - The day the clock starts (e.g. acceptance) is not counted: counting begins the next day.
// - A limit in working days counts only working days: weekends and statutory holidays are
//   skipped, weekend make-up working days (调休) count.
// - A limit in calendar days counts every day; if its last day is not a working day, the last day
//   moves to the next working day (民法典 §203).
// - A pause (补正, 特别程序 …) from day A to day B removes the days after A up to and including
//   B: day A still counts, counting resumes the day after B. An open pause (no end yet) stops the
//   clock: no due date until it ends — unless the limit ran out before the pause began.
// - An extension (延期) adds its amount, in its own unit, after the limit's due date; pauses
//   apply to it too.
// Everything is a Beijing calendar date; instants are turned into their Beijing date first.
// Days a notice does not cover are refused (TB_CALENDAR_NOT_COVERED), never guessed.
import { z } from 'zod'
import { TongbanError } from '../errors.ts'
import { isWorking, notCovered, type DayIndex, type WorkingCalendar } from './calendar.ts'
import { beijingDay, dateOf, parseDate, yearOf } from './days.ts'
import { TimeLimit } from '../model/matter.ts'

export const LimitUnit = TimeLimit.shape.unit
export type LimitUnit = z.infer<typeof LimitUnit>

/** At most ten years of days: no legal limit is longer, and a bigger number is a mistake. */
export const MAX_LIMIT = 3660

/** A matter's time limit (src/model/matter.ts) as a clock counts it: at least one day. */
export const Limit = TimeLimit.extend({ amount: z.number().int().min(1).max(MAX_LIMIT) })
export type Limit = z.infer<typeof Limit>

/** Clock stopped from `from` until `to` (ISO instants); `to: null` = still stopped now. */
export const Pause = z.object({ from: z.string(), to: z.string().nullable(), reason: z.string() })
export type Pause = z.infer<typeof Pause>

export const DeadlineInput = z.object({
  /** ISO instant (with its offset) the clock starts, e.g. acceptance; or a Beijing date YYYY-MM-DD. */
  start: z.string(),
  limit: Limit,
  pauses: z.array(Pause).readonly().optional(),
  /** 延期, added once after the limit's due date. */
  extension: Limit.optional(),
})
export type DeadlineInput = z.infer<typeof DeadlineInput>

export type Part = 'limit' | 'extension'

/** A run of consecutive days treated alike. */
export interface Span {
  from: string
  to: string
  days: number
  /** Whether these days count toward the limit (or the extension). */
  counted: boolean
  /** `moved`: the due day a calendar-day limit's last day moved to (from `movedFrom`, not a working day). */
  why: 'workday' | 'make-up-workday' | 'calendar-day' | 'weekend' | 'holiday' | 'paused' | 'moved'
  /** The holiday, the festival of a make-up working day, or the pause's reason. */
  name?: string
  part: Part
  movedFrom?: string
}

export interface Explanation {
  /** The calendar's fingerprint: recompute when it changes. */
  calendar: string
  /** The Beijing date the clock started (not counted). */
  start: string
  limit: Limit
  extension?: Limit
  /** From the day after `start` to the due day (or to the day the clock stopped), in order. */
  spans: readonly Span[]
  /** With an extension: the limit's own due date, after which the extension counts. */
  limitDue?: string
  due?: string
  /** While an open pause stops the clock: since when (its Beijing date), why, and what is left of which part. */
  stopped?: { since: string, reason: string, remaining: Limit, part: Part }
}

export type Deadline =
  | { state: 'running', due: string /* YYYY-MM-DD Beijing, the last day */, explain: Explanation }
  | { state: 'stopped', since: string, explain: Explanation }

const invalid = (why: string): TongbanError => new TongbanError('TB_DEADLINE_INPUT_INVALID', [why])

function checkLimit (limit: Limit, what: string): void {
  if (!Number.isInteger(limit.amount) || limit.amount < 1 || limit.amount > MAX_LIMIT) throw invalid(`${what}.amount must be a whole number of days from 1 to ${MAX_LIMIT}, not ${limit.amount}`)
  if (limit.unit !== 'working-days' && limit.unit !== 'calendar-days') throw invalid(`${what}.unit must be working-days or calendar-days, not ${String(limit.unit)}`)
}

function dayOfInstant (instant: string, what: string): number {
  const day = typeof instant === 'string' ? beijingDay(instant) : undefined
  if (day === undefined) throw invalid(`${what} ${JSON.stringify(instant)} is not an ISO instant with its offset (2026-03-02T09:30:00+08:00) or a date YYYY-MM-DD`)
  return day
}

/**
 * Paused positions: [first, last] pairs (last = Infinity while open), sorted by first, with the
 * index of the pause each came from; `open`: the first open one, or −1.
 */
interface Pauses { first: number[], last: number[], source: number[], open: number }

function pausesOf (pauses: readonly Pause[], base: number): Pauses {
  const out: Pauses = { first: [], last: [], source: [], open: -1 }
  for (let i = 0; i < pauses.length; i++) {
    const p = pauses[i]!
    const from = dayOfInstant(p.from, `pauses[${i}].from`)
    const to = p.to === null ? Infinity : dayOfInstant(p.to, `pauses[${i}].to`)
    if (to < from) throw invalid(`pauses[${i}] ends (${p.to}) before it starts (${p.from})`)
    if (to === from) continue
    // The pause's first day still counts; its last day does not. Kept sorted by insertion (a case has a few pauses).
    let at = out.first.length
    while (at > 0 && out.first[at - 1]! > from + 1 - base) at--
    out.first.splice(at, 0, from + 1 - base)
    out.last.splice(at, 0, to - base)
    out.source.splice(at, 0, i)
  }
  out.open = out.last.indexOf(Infinity)
  return out
}

const NO_PAUSES: Pauses = { first: [], last: [], source: [], open: -1 }

/** Working days at positions before `i`, with `i` past the end reading as the end. */
const workingBefore = (ix: DayIndex, i: number): number => ix.workingBefore[i < 0 ? 0 : i > ix.length ? ix.length : i]!

/** The `n`-th working day at or after position `i` (n ≥ 1); −1 past the calendar's end. */
function nthWorking (ix: DayIndex, i: number, n: number): number {
  const k = workingBefore(ix, i) + n - 1
  return k < ix.working.length ? ix.working[k]! : -1
}

/**
 * The position of the `amount`-th counted day after position `cursor`, skipping paused days;
 * −(what was left) when an open pause stops the clock first, and Infinity past the calendar's end.
 */
function advance (ix: DayIndex, cursor: number, amount: number, unit: LimitUnit, pauses: Pauses): number {
  let remaining = amount
  const { first, last } = pauses
  for (let r = 0; r < first.length; r++) {
    const a = first[r]!
    const b = last[r]!
    if (b <= cursor) continue
    if (a > cursor + 1) {
      const available = unit === 'working-days' ? workingBefore(ix, a) - workingBefore(ix, cursor + 1) : a - cursor - 1
      if (remaining <= available) return land(ix, cursor, remaining, unit)
      remaining -= available
    }
    if (b === Infinity) return -remaining
    cursor = b
  }
  return land(ix, cursor, remaining, unit)
}

function land (ix: DayIndex, cursor: number, n: number, unit: LimitUnit): number {
  if (unit === 'calendar-days') return cursor + n
  const day = nthWorking(ix, cursor + 1, n)
  return day === -1 ? Infinity : day
}

/** One part's count: where it ends, the last counted day before a move (calendar days), or the stop. */
interface Reach { due: number, lastCounted: number, stoppedWith: number }

function reach (calendar: WorkingCalendar, cursor: number, limit: Limit, pauses: Pauses, covered: number): Reach {
  const ix = calendar.index
  const end = advance(ix, cursor, limit.amount, limit.unit, pauses)
  if (end < 0) return { due: -1, lastCounted: -1, stoppedWith: -end }
  if (end > covered) throw beyond(calendar, covered)
  if (limit.unit === 'working-days' || isWorking(ix.reasons[end]!)) return { due: end, lastCounted: end, stoppedWith: 0 }
  const moved = advance(ix, end, 1, 'working-days', pauses)
  if (moved < 0) return { due: -1, lastCounted: end, stoppedWith: 0 }
  if (moved > covered) throw beyond(calendar, covered)
  return { due: moved, lastCounted: end, stoppedWith: 0 }
}

/** The refusal of a count that runs past `covered`, the last position of its run of covered days. */
const beyond = (calendar: WorkingCalendar, covered: number): TongbanError => notCovered(calendar.years, yearOf(calendar.index.base + covered + 1))

/** The deadline of `input` on `calendar`; throws TB_CALENDAR_NOT_COVERED rather than guess and TB_DEADLINE_INPUT_INVALID for unusable input. */
export function computeDeadline (calendar: WorkingCalendar, input: DeadlineInput): Deadline {
  const ix = calendar.index
  checkLimit(input.limit, 'limit')
  if (input.extension) checkLimit(input.extension, 'extension')
  const startDay = dayOfInstant(input.start, 'start')
  const s = startDay - ix.base
  if (s < 0 || s >= ix.length || ix.reasons[s] === undefined) throw notCovered(calendar.years, yearOf(startDay))
  const pauses = input.pauses && input.pauses.length > 0 ? pausesOf(input.pauses, ix.base) : NO_PAUSES
  const covered = ix.runEnd[s]!

  const limit = reach(calendar, s, input.limit, pauses, covered)
  const ext = input.extension && limit.due >= 0 ? reach(calendar, limit.due, input.extension, pauses, covered) : undefined
  const stoppedPart: Part | undefined = limit.due < 0 ? 'limit' : ext && ext.due < 0 ? 'extension' : undefined
  const explain: Explanation = {
    calendar: calendar.fingerprint,
    start: ix.dates[s]!,
    limit: input.limit,
    ...(input.extension ? { extension: input.extension } : {}),
    spans: [],
  }
  if (stoppedPart === undefined) {
    const due = (ext ?? limit).due
    explain.spans = spans(ix, s, due, limit, ext, input, pauses)
    if (ext) explain.limitDue = ix.dates[limit.due]!
    explain.due = ix.dates[due]!
    return { state: 'running', due: explain.due, explain }
  }
  // An open pause holds the clock: the days before it are explained, and what is left.
  const open = pauses.open
  const stopAt = Math.max(pauses.first[open]! - 1, stoppedPart === 'extension' ? limit.due : s)
  if (stopAt > covered) throw beyond(calendar, covered)
  const part = stoppedPart === 'limit' ? limit : ext!
  const partLimit = stoppedPart === 'limit' ? input.limit : input.extension!
  explain.spans = spans(ix, s, stopAt, limit, ext, input, pauses)
  if (stoppedPart === 'extension') explain.limitDue = ix.dates[limit.due]!
  const pause = input.pauses![pauses.source[open]!]!
  // A calendar-day limit stopped while moving off a holiday has nothing left to count but the move.
  const remaining = part.stoppedWith > 0 ? part.stoppedWith : 0
  explain.stopped = { since: dateOf(pauses.first[open]! - 1 + ix.base), reason: pause.reason, remaining: { amount: remaining, unit: partLimit.unit }, part: stoppedPart }
  return { state: 'stopped', since: pause.from, explain }
}

/** The spans of positions (s, until], each day classified by the part (limit, extension) it falls in. */
function spans (ix: DayIndex, s: number, until: number, limit: Reach, ext: Reach | undefined, input: DeadlineInput, pauses: Pauses): Span[] {
  const unit = input.limit.unit
  const extUnit = input.extension?.unit
  const out: Span[] = []
  let current: Span | undefined
  for (let i = s + 1; i <= until; i++) {
    const inLimit = limit.due < 0 || i <= limit.due
    const part: Part = inLimit ? 'limit' : 'extension'
    const reached = inLimit ? limit : ext!
    const partUnit = inLimit ? unit : extUnit!
    let why: Span['why']
    let name: string | undefined
    let counted = false
    let movedFrom: string | undefined
    const paused = pausedReason(pauses, input.pauses, i)
    const reason = ix.reasons[i]!
    if (paused !== undefined) {
      why = 'paused'
      name = paused
    } else if (partUnit === 'calendar-days' && (reached.lastCounted < 0 || i <= reached.lastCounted)) {
      why = 'calendar-day'
      counted = true
    } else if (partUnit === 'calendar-days' && i === reached.due) {
      why = 'moved'
      movedFrom = ix.dates[reached.lastCounted]!
    } else {
      why = reason
      name = ix.names[i]
      counted = isWorking(reason)
    }
    if (current && current.why === why && current.name === name && current.part === part && why !== 'moved') {
      current.to = ix.dates[i]!
      current.days++
      continue
    }
    current = { from: ix.dates[i]!, to: ix.dates[i]!, days: 1, counted, why, part }
    if (name !== undefined) current.name = name
    if (movedFrom !== undefined) current.movedFrom = movedFrom
    out.push(current)
  }
  return out
}

function pausedReason (pauses: Pauses, given: readonly Pause[] | undefined, i: number): string | undefined {
  for (let r = 0; r < pauses.first.length; r++) {
    if (i >= pauses.first[r]! && i <= pauses.last[r]!) return given![pauses.source[r]!]!.reason
  }
  return undefined
}

/** Working days after `from` up to and including `to` (0 when `to` ≤ `from`); both Beijing dates in covered years. */
export function workingDaysAfter (calendar: WorkingCalendar, from: string, to: string): number {
  const ix = calendar.index
  const f = position(calendar, from)
  const t = position(calendar, to)
  if (t <= f) return 0
  if (ix.runEnd[f]! < t) throw notCovered(calendar.years, yearOf(ix.base + ix.runEnd[f]! + 1))
  return ix.workingBefore[t + 1]! - ix.workingBefore[f + 1]!
}

function position (calendar: WorkingCalendar, date: string): number {
  const n = parseDate(date)
  if (n === undefined) throw new TongbanError('TB_DATE_INVALID', [date])
  const i = n - calendar.index.base
  if (i < 0 || i >= calendar.index.length || calendar.index.reasons[i] === undefined) throw notCovered(calendar.years, yearOf(n))
  return i
}

export type DeadlineAlert = 'overdue' | 'due-soon'

/**
 * For the sweeper: `overdue` when today is past the due day, `due-soon` when at most
 * `withinWorkingDays` working days are left after today (the due day itself is today or one of
 * them), undefined otherwise — and while the clock is stopped.
 */
export function dueSoon (calendar: WorkingCalendar, deadline: Deadline, today: string, withinWorkingDays: number): DeadlineAlert | undefined {
  if (deadline.state !== 'running') return undefined
  if (today > deadline.due) return 'overdue'
  return workingDaysAfter(calendar, today, deadline.due) <= withinWorkingDays ? 'due-soon' : undefined
}
