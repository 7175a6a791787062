// The deadline sweep, run every minute: (a) clocks computed with another working-day calendar are
// computed again (and held reports whose promised day is now known are released), (b) each due-soon
// and overdue alert is claimed once and recorded where staff see it, (c) clocks the calendar
// cannot compute are counted and named to the operator. The deadline table is the truth; several
// sweepers may run at once.
import type { WorkingCalendar } from '../calendar/calendar.ts'
import { beijingToday, dateOf, parseDate } from '../calendar/days.ts'
import { isTongbanError } from '../errors.ts'
import type { Logger } from '../log.ts'
import type { Metrics } from '../metrics.ts'
import type { Queryable } from '../store/db.ts'
import { casesOnOtherCalendar, claimDeadlineAlerts, uncomputableClocks, type DeadlineAlertRow } from '../store/deadlines.ts'
import { releaseHeldAccepts } from '../store/outbox.ts'

export interface SweepDeps {
  db: Queryable
  calendar: () => WorkingCalendar
  /** Computes a case's clocks again with the current calendar (the case service's recompute). */
  recompute: (projectNo: string) => Promise<void>
  logger: Logger
  metrics: Pick<Metrics, 'deadlineAlerts' | 'deadlinesUncomputable'>
  /** A running clock is due soon this many working days ahead. */
  dueSoonWorkingDays: number
  /** Fires the whistles' escalation ladders due now (deadlines/ladder.ts); the ladders share the sweep's schedule. */
  ladders?: (nowMs: number) => Promise<unknown>
  /** True once the process shuts down: recomputing stops between cases (the next sweep goes on). */
  stopping?: () => boolean
}

export interface SweepResult { recomputed: number, released: number, alerts: DeadlineAlertRow[], uncomputable: number }

const RECOMPUTE_BATCH = 200

/**
 * The last day still "due soon" seen from `today`: the day before the (n+1)-th working day after
 * it. Undefined when the calendar does not cover the days it needs (then only overdue alerts go).
 */
export function dueSoonUntil (calendar: WorkingCalendar, today: string, n: number): string | undefined {
  let day = parseDate(today)!
  let working = 0
  try {
    for (;;) {
      day++
      if (calendar.dayOf(dateOf(day)).working && ++working > n) return dateOf(day - 1)
    }
  } catch (err) {
    if (isTongbanError(err) && err.code === 'TB_CALENDAR_NOT_COVERED') return undefined
    throw err
  }
}

export async function sweepDeadlines (deps: SweepDeps, nowMs: number = Date.now()): Promise<SweepResult> {
  const { db, logger } = deps
  const calendar = deps.calendar()
  let recomputed = 0
  // First: a rung is due to the minute, a recompute may take long; a failure here spares the case alerts.
  try { await deps.ladders?.(nowMs) } catch (err) { logger.error({ err: (err as Error).message }, 'deadlines: the escalation ladders could not be swept; tried at the next sweep') }
  for (;;) {
    const stale = await casesOnOtherCalendar(db, calendar.fingerprint, RECOMPUTE_BATCH)
    if (stale.length === 0) break
    let done = 0
    for (const projectNo of stale) {
      if (deps.stopping?.()) return { recomputed: recomputed + done, released: 0, alerts: [], uncomputable: 0 }
      try {
        await deps.recompute(projectNo)
        done++
      } catch (err) {
        logger.error({ projectNo, err: (err as Error).message }, 'deadlines: could not compute a case\'s clocks again; tried at the next sweep')
      }
    }
    recomputed += done
    // a batch that failed keeps its old fingerprint: stop rather than meet it again
    if (stale.length < RECOMPUTE_BATCH || done < stale.length) break
  }
  if (recomputed > 0) logger.info({ recomputed, calendar: calendar.fingerprint }, 'deadlines: clocks computed again with the current working-day calendar')
  const at = new Date(nowMs).toISOString()
  const released = await releaseHeldAccepts(db, at)
  if (released.length > 0) logger.info({ released: released.length }, 'outbox: held acceptance reports released with their promised day')

  const today = beijingToday(nowMs)
  const soonUntil = dueSoonUntil(calendar, today, deps.dueSoonWorkingDays)
  const alerts = await claimDeadlineAlerts(db, { at, today, soonUntil })
  for (const a of alerts) {
    deps.metrics.deadlineAlerts.inc({ kind: a.alert })
    logger.warn({ projectNo: a.projectNo, clock: a.kind, alert: a.alert, due: a.due, town: a.town }, a.alert === 'overdue' ? 'deadline: a case clock is overdue' : 'deadline: a case clock is due soon')
  }

  const { count, problems } = await uncomputableClocks(db)
  deps.metrics.deadlinesUncomputable.set(count)
  if (count > 0) {
    logger.error({ clocks: count, problems }, 'deadlines: the working-day calendar does not cover the year these clocks run into; add that year\'s calendar file (calendar.files) and restart — they are recomputed then')
  }
  return { recomputed, released: released.length, alerts, uncomputable: count }
}
