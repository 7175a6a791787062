// The town leader's figures, computed from the case and rating tables for a period: cases
// received per day, per matter and per worker (received, concluded, on time), and the ratings
// that count. Days are Beijing days (UTC+8, no daylight saving in China).
import type { Queryable } from './db.ts'

export interface Period {
  /** Division prefix the caller may see. */
  townPrefix: string
  /** First instant of the period (inclusive). */
  from: string
  /** End of the period (exclusive). */
  to: string
}

const BEIJING_DAY = (column: string): string => `to_char((${column} AT TIME ZONE 'UTC') + interval '8 hours', 'YYYY-MM-DD')`

/**
 * A rating counts unless a re-rating after rectification replaced it or an upheld appeal found
 * it abusive.
 */
const COUNTING = `NOT EXISTS (SELECT 1 FROM ratings n WHERE n.rerating_of = r.id)
  AND NOT EXISTS (SELECT 1 FROM rating_appeals a JOIN rating_appeal_decisions d ON d.appeal_id = a.id WHERE a.rating_id = r.id AND d.decision = 'upheld')`

/** Cases received on each Beijing day of the period that had any. */
export async function casesPerDay (db: Queryable, p: Period): Promise<Array<{ day: string, count: number }>> {
  const { rows } = await db.query<{ day: string, n: number }>(
    `SELECT ${BEIJING_DAY('received_at')} AS day, count(*)::int AS n FROM cases
     WHERE town LIKE $1 AND received_at >= $2 AND received_at < $3 GROUP BY 1 ORDER BY 1`,
    [`${p.townPrefix}%`, p.from, p.to])
  return rows.map((r) => ({ day: r.day, count: r.n }))
}

export interface GroupFigures {
  key: string
  name: string
  /** Cases received in the period. */
  received: number
  /** Cases concluded in the period. */
  concluded: number
  /** Of those, concluded on or before the legal clock's due day. */
  onTime: number
  /** Of those concluded, how many had a computed legal due day (the on-time rate's denominator). */
  withDue: number
  /** Ratings given in the period that count. */
  ratings: number
  /** Sum of their levels (average = levelSum / ratings). */
  levelSum: number
  /** Of those, 差评 (level 1 or 2). */
  bad: number
}

type Grouping = 'matter' | 'worker'
// Per worker: the cases a worker received and the ratings of the steps the worker took.
const CASE_KEY: Record<Grouping, { key: string, name: string }> = {
  matter: { key: 'c.task_handle_item', name: 'c.matter_name' },
  worker: { key: 'c.received_by_id', name: "c.received_by->>'name'" },
}
const RATING_KEY: Record<Grouping, { key: string, name: string }> = {
  matter: { key: 'r.task_handle_item', name: 'r.matter_name' },
  worker: { key: 'r.staff_id', name: "r.staff->>'name'" },
}

/** The period's figures per matter or per worker, busiest first. */
export async function figuresBy (db: Queryable, p: Period, by: Grouping): Promise<GroupFigures[]> {
  const c = CASE_KEY[by]
  const r = RATING_KEY[by]
  const { rows } = await db.query<{ key: string, name: string, received: number, concluded: number, on_time: number, with_due: number, ratings: number, level_sum: number, bad: number }>(
    `SELECT key, max(name) AS name, sum(received)::int AS received, sum(concluded)::int AS concluded, sum(on_time)::int AS on_time,
       sum(with_due)::int AS with_due, sum(ratings)::int AS ratings, sum(level_sum)::int AS level_sum, sum(bad)::int AS bad
     FROM (
       SELECT ${c.key} AS key, ${c.name} AS name, 1 AS received, 0 AS concluded, 0 AS on_time, 0 AS with_due, 0 AS ratings, 0 AS level_sum, 0 AS bad
       FROM cases c WHERE c.town LIKE $1 AND c.received_at >= $2 AND c.received_at < $3
       UNION ALL
       SELECT ${c.key}, ${c.name}, 0, 1,
         CASE WHEN d.due IS NOT NULL AND ${BEIJING_DAY('c.concluded_at')} <= d.due THEN 1 ELSE 0 END,
         CASE WHEN d.due IS NOT NULL THEN 1 ELSE 0 END, 0, 0, 0
       FROM cases c LEFT JOIN case_deadlines d ON d.project_no = c.project_no AND d.kind = 'legal'
       WHERE c.town LIKE $1 AND c.concluded_at >= $2 AND c.concluded_at < $3
       UNION ALL
       SELECT ${r.key}, ${r.name}, 0, 0, 0, 0, 1, r.level, CASE WHEN r.level <= 2 THEN 1 ELSE 0 END
       FROM ratings r WHERE r.town LIKE $1 AND r.rated_at >= $2 AND r.rated_at < $3 AND ${COUNTING}
     ) f GROUP BY key ORDER BY sum(received) DESC, sum(ratings) DESC, key`,
    [`${p.townPrefix}%`, p.from, p.to])
  return rows.map((x) => ({ key: x.key, name: x.name, received: x.received, concluded: x.concluded, onTime: x.on_time, withDue: x.with_due, ratings: x.ratings, levelSum: x.level_sum, bad: x.bad }))
}

/** How many counting ratings of the period gave each level, 1 to 5. */
export async function ratingDistribution (db: Queryable, p: Period): Promise<number[]> {
  const { rows } = await db.query<{ level: number, n: number }>(
    `SELECT r.level, count(*)::int AS n FROM ratings r
     WHERE r.town LIKE $1 AND r.rated_at >= $2 AND r.rated_at < $3 AND ${COUNTING} GROUP BY r.level`,
    [`${p.townPrefix}%`, p.from, p.to])
  const counts = [0, 0, 0, 0, 0]
  for (const row of rows) counts[row.level - 1] = row.n
  return counts
}
