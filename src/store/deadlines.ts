// The deadline sweeper's store (migrations 013, 014): clocks computed with another calendar,
// alerts claimed once on case_deadlines and recorded in deadline_alerts, and the clocks the
// calendar cannot compute. A claim is one UPDATE … WHERE alerted_… IS NULL: concurrent sweepers
// wait on the row and re-check, so only one of them records the alert.
import type { Queryable } from './db.ts'
import type { DeadlineKind } from '../model/case.ts'

export type AlertKind = 'due-soon' | 'overdue'

export interface DeadlineAlertRow {
  id: number
  projectNo: string
  kind: DeadlineKind
  alert: AlertKind
  due: string
  town: string
  at: string
}

const iso = (v: unknown): string => (v instanceof Date ? v : new Date(String(v))).toISOString()
const toAlert = (r: Record<string, unknown>): DeadlineAlertRow => ({
  id: Number(r.id), projectNo: r.project_no as string, kind: r.kind as DeadlineKind, alert: r.alert as AlertKind, due: r.due as string, town: r.town as string, at: iso(r.at),
})
const ALERT_COLUMNS = 'id, project_no, kind, alert, due, town, at'

/** Cases with a clock computed with a calendar other than `fingerprint`: to compute again. */
export async function casesOnOtherCalendar (db: Queryable, fingerprint: string, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ project_no: string }>(
    'SELECT DISTINCT project_no FROM case_deadlines WHERE calendar <> $1 ORDER BY project_no LIMIT $2', [fingerprint, limit])
  return rows.map((r) => r.project_no)
}

/**
 * Claims the alerts of running clocks: `due-soon` for those due from `today` up to `soonUntil`
 * (none when it is undefined), `overdue` for those due before `today`. Each is recorded in
 * deadline_alerts and returned, once.
 */
export async function claimDeadlineAlerts (db: Queryable, opts: { at: string, today: string, soonUntil: string | undefined }): Promise<DeadlineAlertRow[]> {
  const { rows: overdue } = await db.query(
    `WITH claimed AS (
       UPDATE case_deadlines SET alerted_overdue_at = $1
       WHERE state = 'running' AND alerted_overdue_at IS NULL AND due < $2
       RETURNING project_no, kind, due, town
     )
     INSERT INTO deadline_alerts (project_no, kind, alert, due, town, at)
     SELECT project_no, kind, 'overdue', due, town, $1 FROM claimed
     RETURNING ${ALERT_COLUMNS}`, [opts.at, opts.today])
  if (opts.soonUntil === undefined) return overdue.map(toAlert)
  const { rows: soon } = await db.query(
    `WITH claimed AS (
       UPDATE case_deadlines SET alerted_soon_at = $1
       WHERE state = 'running' AND alerted_soon_at IS NULL AND due >= $2 AND due <= $3
       RETURNING project_no, kind, due, town
     )
     INSERT INTO deadline_alerts (project_no, kind, alert, due, town, at)
     SELECT project_no, kind, 'due-soon', due, town, $1 FROM claimed
     RETURNING ${ALERT_COLUMNS}`, [opts.at, opts.today, opts.soonUntil])
  return [...overdue, ...soon].map(toAlert)
}

/** The alerts of the towns under `townPrefix` recorded since `since`, newest first. */
export async function alertsFor (db: Queryable, f: { townPrefix: string, since: string, limit?: number }): Promise<DeadlineAlertRow[]> {
  const { rows } = await db.query(
    `SELECT ${ALERT_COLUMNS} FROM deadline_alerts WHERE town LIKE $1 || '%' AND at >= $2 ORDER BY at DESC, id DESC LIMIT $3`,
    [f.townPrefix, f.since, f.limit ?? 500])
  return rows.map(toAlert)
}

/** Clocks without a date because the calendar does not cover their year: how many, and each distinct reason. */
export async function uncomputableClocks (db: Queryable): Promise<{ count: number, problems: string[] }> {
  const { rows } = await db.query<{ n: string, problems: string[] | null }>(
    `SELECT count(*) AS n, array_agg(DISTINCT problem) FILTER (WHERE problem IS NOT NULL) AS problems FROM case_deadlines WHERE state = 'uncomputable'`)
  return { count: Number(rows[0]?.n ?? 0), problems: rows[0]?.problems ?? [] }
}
