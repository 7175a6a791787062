// The evaluation's counts (考评), computed from stored events alone and recomputable for any
// period: whistle events for the departments (src/evaluation/formulas.ts says what each count is
// for), order events for the hotline's 三率. Each is one set-based statement: every event of the
// scope's whistles (or orders) is read once, and GROUPING SETS give the months and the period's
// total together.
// Months are Beijing months (UTC+8, no daylight saving in China).
import type { Queryable } from './db.ts'
import type { DepartmentCounts, HotlineCounts } from '../model/evaluation.ts'

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

// One pass over the events of the scope's whistles, no join between derived tables (their row
// estimates mislead the planner into nested loops): an event that sets deadlines becomes one row
// per department it names (sets = true), answers and the town's close/reopen one row each; window
// functions then carry, per department, the deadlines in force to each answer (g counts the
// deadline rows so far: an answer shares its g with the deadlines then in force) and, per whistle,
// its opening (the first deadlines), its last close, rating and reopening. A whistle closed before
// the period (and not reopened since) opened before it too, so its events are not read.
const DEPARTMENT_SQL = `
WITH stream AS (
  SELECT e.whistle_id, coalesce(d.key, e.department) AS department, e.seq, e.action, d.key IS NOT NULL AS sets,
    CASE WHEN e.action = 'arrive' THEN coalesce((e.data->>'arrivedAt')::timestamptz, e.at) ELSE e.at END AS at,
    (d.value->>'respond')::timestamptz AS respond_by, (d.value->>'arrive')::timestamptz AS arrive_by, (d.value->>'finish')::timestamptz AS finish_by,
    CASE WHEN e.action = 'close' THEN (e.data->>'rating')::int END AS rating
  FROM whistles w
  JOIN whistle_events e ON e.whistle_id = w.id
  LEFT JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(e.data->'deadlines') = 'object' THEN e.data->'deadlines' END) d ON true
  WHERE w.town LIKE $1 AND w.blown_at < $3 AND (w.closed_at IS NULL OR w.closed_at >= $2)
    AND (d.key IS NOT NULL OR e.action IN ('respond', 'arrive', 'declare-done', 'return', 'close', 'reopen'))
), grouped AS (
  SELECT *,
    sum(CASE WHEN sets THEN 1 ELSE 0 END) OVER (PARTITION BY whistle_id, department ORDER BY seq) AS g,
    min(CASE WHEN sets THEN at END) OVER whistle AS opened_at,
    max(CASE WHEN action = 'close' THEN seq END) OVER whistle AS closed_seq,
    max(CASE WHEN action = 'reopen' THEN seq END) OVER whistle AS reopened_seq,
    -- the last close's rating rides with its seq: seq * 10 + rating
    max(CASE WHEN action = 'close' THEN seq * 10 + coalesce(rating, 0) END) OVER whistle AS close_key
  FROM stream WINDOW whistle AS (PARTITION BY whistle_id)
), inforce AS (
  SELECT whistle_id, department, seq, action, sets, at, opened_at, closed_seq, reopened_seq, close_key,
    max(respond_by) OVER k AS respond_by, max(arrive_by) OVER k AS arrive_by, max(finish_by) OVER k AS finish_by
  FROM grouped WINDOW k AS (PARTITION BY whistle_id, department, g)
), target AS (
  SELECT whistle_id, department, max(opened_at) AS opened_at,
    min(at) FILTER (WHERE sets) AS summoned_at,
    coalesce(bool_or(action = 'respond' AND at <= respond_by), false) AS responded_in_time,
    coalesce(bool_or(action = 'arrive' AND at <= arrive_by), false) AS arrived_in_time,
    min(at) FILTER (WHERE action = 'arrive') AS arrived_at,
    coalesce(bool_or(action = 'return'), false) AS returned,
    max(seq) FILTER (WHERE action = 'declare-done') AS done_seq,
    (array_agg(at <= finish_by ORDER BY seq DESC) FILTER (WHERE action = 'declare-done'))[1] AS done_in_time,
    coalesce(max(closed_seq) > coalesce(max(reopened_seq), 0), false) AS closed,
    coalesce(max(reopened_seq), 0) AS reopened_seq,
    max(close_key) % 10 AS rating
  FROM inforce WHERE department IS NOT NULL
  GROUP BY whistle_id, department
), scored AS (
  SELECT department, opened_at, summoned_at, responded_in_time, arrived_in_time, arrived_at, returned, done_in_time,
    closed AND done_seq IS NOT NULL AND done_seq > reopened_seq AS done,
    CASE WHEN closed AND rating BETWEEN 1 AND 5 THEN rating END AS rating
  FROM target
  WHERE summoned_at IS NOT NULL AND opened_at >= $2 AND opened_at < $3
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
