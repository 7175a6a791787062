// The evaluation's counts (考评), computed from stored events alone and recomputable for any
// period: whistle events for the departments (src/evaluation/formulas.ts says what each count is
// for), order events for the hotline's 三率. Each is one set-based statement: every event of the
// scope's whistles (or orders) is read once, the deadline in force at each answer is carried
// forward by window functions, and GROUPING SETS give the months and the period's total together.
// Months are Beijing months (UTC+8, no daylight saving in China).
import type { Queryable } from './db.ts'
import type { DepartmentCounts, HotlineCounts } from '../evaluation/formulas.ts'

export interface EvaluationPeriod {
  /** Division prefix: a town's ('320412120') or a county's ('320412'). */
  prefix: string
  /** First instant (inclusive). */
  from: string
  /** End (exclusive). */
  to: string
}

const BEIJING_MONTH = (column: string): string => `to_char((${column} AT TIME ZONE 'UTC') + interval '8 hours', 'YYYY-MM')`

export interface DepartmentRow extends DepartmentCounts {
  /** YYYY-MM, or null for the whole period. */
  month: string | null
  department: string
}

// A whistle opens when an event first gives its departments deadlines (blow, or approve after a
// window worker's blow); it can only close after it opened, so a whistle closed before the period
// (and not reopened since) is skipped without reading its events.
const DEPARTMENT_SQL = `
WITH w AS (
  SELECT id FROM whistles WHERE town LIKE $1 AND blown_at < $3 AND (closed_at IS NULL OR closed_at >= $2)
), ev AS (
  SELECT e.whistle_id, e.seq, e.department, e.action, e.at, e.data FROM whistle_events e JOIN w ON w.id = e.whistle_id
), dl AS (
  SELECT ev.whistle_id, d.key AS department, ev.seq, ev.at,
    (d.value->>'respond')::timestamptz AS respond_by, (d.value->>'arrive')::timestamptz AS arrive_by, (d.value->>'finish')::timestamptz AS finish_by
  FROM ev CROSS JOIN LATERAL jsonb_each(ev.data->'deadlines') d
  WHERE jsonb_typeof(ev.data->'deadlines') = 'object'
), opened AS (
  SELECT whistle_id, min(at) AS opened_at FROM dl GROUP BY whistle_id HAVING min(at) >= $2 AND min(at) < $3
), closing AS (
  -- as the last close or reopen left the whistle; the last reopening, after which the department must declare done again
  SELECT whistle_id, (array_agg(action ORDER BY seq DESC))[1] = 'close' AS closed,
    (array_agg((data->>'rating')::int ORDER BY seq DESC))[1] AS rating,
    coalesce(max(seq) FILTER (WHERE action = 'reopen'), 0) AS reopened_seq
  FROM ev WHERE action IN ('close', 'reopen') GROUP BY whistle_id
), stream AS (
  SELECT whistle_id, department, seq, NULL::text AS action, at, respond_by, arrive_by, finish_by FROM dl JOIN opened USING (whistle_id)
  UNION ALL
  SELECT ev.whistle_id, ev.department, ev.seq, ev.action,
    CASE WHEN ev.action = 'arrive' THEN coalesce((ev.data->>'arrivedAt')::timestamptz, ev.at) ELSE ev.at END,
    NULL, NULL, NULL
  FROM ev JOIN opened USING (whistle_id)
  WHERE ev.department IS NOT NULL AND ev.action IN ('respond', 'arrive', 'declare-done', 'return')
), grouped AS (
  -- g counts the deadline events so far: an answer shares its g with the deadlines then in force
  SELECT *, sum(CASE WHEN action IS NULL THEN 1 ELSE 0 END) OVER (PARTITION BY whistle_id, department ORDER BY seq) AS g FROM stream
), inforce AS (
  SELECT whistle_id, department, seq, action, at,
    max(respond_by) OVER k AS respond_by, max(arrive_by) OVER k AS arrive_by, max(finish_by) OVER k AS finish_by
  FROM grouped WINDOW k AS (PARTITION BY whistle_id, department, g)
), target AS (
  SELECT whistle_id, department,
    min(at) FILTER (WHERE action IS NULL) AS summoned_at,
    coalesce(bool_or(action = 'respond' AND at <= respond_by), false) AS responded_in_time,
    coalesce(bool_or(action = 'arrive' AND at <= arrive_by), false) AS arrived_in_time,
    min(at) FILTER (WHERE action = 'arrive') AS arrived_at,
    coalesce(bool_or(action = 'return'), false) AS returned,
    max(seq) FILTER (WHERE action = 'declare-done') AS done_seq,
    (array_agg(at <= finish_by ORDER BY seq DESC) FILTER (WHERE action = 'declare-done'))[1] AS done_in_time
  FROM inforce GROUP BY whistle_id, department
), scored AS (
  SELECT t.*, o.opened_at,
    coalesce(c.closed, false) AND t.done_seq IS NOT NULL AND t.done_seq > c.reopened_seq AS done,
    CASE WHEN c.closed THEN c.rating END AS rating
  FROM target t JOIN opened o USING (whistle_id) LEFT JOIN closing c USING (whistle_id)
  WHERE t.summoned_at IS NOT NULL
)
SELECT ${BEIJING_MONTH('opened_at')} AS month, department, GROUPING(${BEIJING_MONTH('opened_at')}) AS total,
  count(*)::int AS whistled,
  count(*) FILTER (WHERE responded_in_time)::int AS responded_in_time,
  count(*) FILTER (WHERE arrived_in_time)::int AS arrived_in_time,
  count(arrived_at)::int AS arrived,
  coalesce(sum(greatest(0, extract(epoch FROM arrived_at - summoned_at)) / 3600), 0)::float8 AS arrive_hours,
  count(*) FILTER (WHERE done)::int AS done,
  count(*) FILTER (WHERE done AND done_in_time)::int AS done_in_time,
  count(*) FILTER (WHERE returned)::int AS returned,
  count(rating)::int AS rated,
  coalesce(sum(rating), 0)::int AS rating_sum
FROM scored
GROUP BY GROUPING SETS ((${BEIJING_MONTH('opened_at')}, department), (department))
ORDER BY department, total, month`

interface DepartmentSqlRow {
  month: string | null
  department: string
  total: number
  whistled: number
  responded_in_time: number
  arrived_in_time: number
  arrived: number
  arrive_hours: number
  done: number
  done_in_time: number
  returned: number
  rated: number
  rating_sum: number
}

/** Per department: one row per Beijing month of the period with whistles, then the period's total (month null). */
export async function departmentCounts (db: Queryable, p: EvaluationPeriod): Promise<DepartmentRow[]> {
  const { rows } = await db.query<DepartmentSqlRow>(DEPARTMENT_SQL, [`${p.prefix}%`, p.from, p.to])
  return rows.map((r) => ({
    month: Number(r.total) === 1 ? null : r.month,
    department: r.department,
    whistled: r.whistled,
    respondedInTime: r.responded_in_time,
    arrivedInTime: r.arrived_in_time,
    arrived: r.arrived,
    arriveHours: Number(r.arrive_hours),
    done: r.done,
    doneInTime: r.done_in_time,
    returned: r.returned,
    rated: r.rated,
    ratingSum: r.rating_sum,
  }))
}

export interface HotlineRow extends HotlineCounts {
  month: string
  /** The town, or null for all the towns of the scope together. */
  town: string | null
}

// An order counts in the month of its order.dispatched event. Orders are kept from a week either
// side of the period by received_at (when the gateway first held them), so a late delivery of the
// dispatch still finds its month; only the event's own time decides.
const HOTLINE_SQL = `
WITH o AS (
  SELECT order_no, town, sign_deadline FROM orders
  WHERE town LIKE $1 AND received_at >= $2::timestamptz - interval '7 days' AND received_at < $3::timestamptz + interval '7 days'
), per AS (
  SELECT o.order_no, o.town, o.sign_deadline,
    min(e.at) FILTER (WHERE e.type = 'order.dispatched') AS dispatched_at,
    min(e.at) FILTER (WHERE e.type = 'town.sign') AS signed_at,
    (array_agg(e.data->'revisit' ORDER BY e.at DESC, e.id DESC) FILTER (WHERE e.type = 'order.revisited' AND jsonb_typeof(e.data->'revisit') = 'object'))[1] AS revisit
  FROM o JOIN order_events e USING (order_no)
  GROUP BY o.order_no, o.town, o.sign_deadline
)
SELECT ${BEIJING_MONTH('dispatched_at')} AS month, town, GROUPING(town) AS total,
  count(*)::int AS dispatched,
  count(*) FILTER (WHERE signed_at <= sign_deadline)::int AS signed_in_time,
  count(revisit)::int AS revisited,
  count(*) FILTER (WHERE (revisit->>'solved')::boolean)::int AS solved,
  count(*) FILTER (WHERE (revisit->>'satisfied')::int >= 4)::int AS satisfied
FROM per WHERE dispatched_at >= $2 AND dispatched_at < $3
GROUP BY GROUPING SETS ((${BEIJING_MONTH('dispatched_at')}, town), (${BEIJING_MONTH('dispatched_at')}))
ORDER BY month, total, town`

/** The hotline's counts per Beijing month: one row per town with orders, and the scope's towns together (town null). */
export async function hotlineCounts (db: Queryable, p: EvaluationPeriod): Promise<HotlineRow[]> {
  const { rows } = await db.query<{ month: string, town: string | null, total: number, dispatched: number, signed_in_time: number, revisited: number, solved: number, satisfied: number }>(
    HOTLINE_SQL, [`${p.prefix}%`, p.from, p.to])
  return rows.map((r) => ({
    month: r.month,
    town: Number(r.total) === 1 ? null : r.town,
    dispatched: r.dispatched,
    signedInTime: r.signed_in_time,
    revisited: r.revisited,
    solved: r.solved,
    satisfied: r.satisfied,
  }))
}
