// A case's legal clocks, computed from its events alone (so they can be recomputed at any time,
// for instance when the working-day calendar changes):
// - the 补正 notice: within 5 working days of receipt the window accepts, refuses or sends the one
//   notice listing every missing item (行政许可法 §32);
// - the legal and the promised time limit, from acceptance, stopped while the case waits for a
//   supplement or is in a special procedure (§45), extended once (§42);
// - delivery of the decision within 10 working days of concluding (§44).
// Pure: no I/O, no clock — `met` and due days come from the events.
import { isTongbanError } from '../errors.ts'
import type { CaseDeadline, CaseEvent, DeadlineKind } from '../model/case.ts'
import type { Matter, TimeLimit } from '../model/matter.ts'
import type { WorkingCalendar } from '../calendar/calendar.ts'
import { computeDeadline, type Pause } from '../calendar/deadline.ts'

export const SUPPLEMENT_NOTICE: TimeLimit = { amount: 5, unit: 'working-days' }
export const DELIVERY: TimeLimit = { amount: 10, unit: 'working-days' }

/** Which clock an action stops for good. */
const MET_BY: Record<DeadlineKind, ReadonlySet<string>> = {
  'supplement-notice': new Set(['accept', 'not-accept', 'request-supplement']),
  legal: new Set(['conclude']),
  promised: new Set(['conclude']),
  delivery: new Set(['deliver']),
}

/** The intervals in which the clock stood still: a supplement after acceptance, a special procedure. */
function pausesOf (events: readonly CaseEvent[]): Pause[] {
  const pauses: Pause[] = []
  let open: Pause | undefined
  for (const e of events) {
    const stops = (e.action === 'request-supplement' && e.from === 'processing') || e.action === 'start-special'
    if (stops && !open) {
      open = { from: e.at, to: null, reason: e.action === 'start-special' ? `特别程序 ${String(e.data.specialType ?? '')}`.trim() : '补正' }
      pauses.push(open)
    } else if (open && (e.action === 'supplement-done' || e.action === 'end-special' || e.action === 'conclude')) {
      open.to = e.at
      open = undefined
    }
  }
  return pauses
}

function clock (calendar: WorkingCalendar, kind: DeadlineKind, start: string, limit: TimeLimit, events: readonly CaseEvent[], pauses: Pause[] = [], extension?: TimeLimit): CaseDeadline {
  const met = events.find((e) => MET_BY[kind].has(e.action) && e.at >= start)
  const metAt = met?.at ?? null
  // A matter done on the spot (即办件, limit 0) is due the day it starts.
  if (limit.amount === 0) return { kind, state: met ? 'met' : 'running', due: start.slice(0, 10), metAt, explanation: null, problem: null }
  try {
    const d = computeDeadline(calendar, { start, limit, pauses, ...(extension ? { extension } : {}) })
    const explanation = d.explain as unknown as Record<string, unknown>
    if (met) return { kind, state: 'met', due: d.state === 'running' ? d.due : null, metAt, explanation, problem: null }
    return d.state === 'running'
      ? { kind, state: 'running', due: d.due, metAt: null, explanation, problem: null }
      : { kind, state: 'stopped', due: null, metAt: null, explanation, problem: null }
  } catch (err) {
    if (!isTongbanError(err) || err.code !== 'TB_CALENDAR_NOT_COVERED') throw err
    return { kind, state: met ? 'met' : 'uncomputable', due: null, metAt, explanation: null, problem: err.message }
  }
}

export interface ClockedCase {
  receivedAt: string
  acceptedAt: string | null
  concludedAt: string | null
}

/** Every clock the case has so far, in the order a case meets them. */
export function caseClocks (calendar: WorkingCalendar, c: ClockedCase, matter: Pick<Matter, 'legalLimit' | 'promisedLimit'>, events: readonly CaseEvent[]): CaseDeadline[] {
  const clocks = [clock(calendar, 'supplement-notice', c.receivedAt, SUPPLEMENT_NOTICE, events)]
  if (c.acceptedAt) {
    const pauses = pausesOf(events)
    const extend = events.find((e) => e.action === 'extend')
    const extension = extend?.data.extension as TimeLimit | undefined
    clocks.push(clock(calendar, 'legal', c.acceptedAt, matter.legalLimit, events, pauses, extension))
    clocks.push(clock(calendar, 'promised', c.acceptedAt, matter.promisedLimit, events, pauses, extension))
  }
  if (c.concludedAt) clocks.push(clock(calendar, 'delivery', c.concludedAt, DELIVERY, events))
  return clocks
}
