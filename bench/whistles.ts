// bench/whistles: the whistle loop's figures on PostgreSQL (issue 14).
//   1. Evaluation: a county of 20 towns and a year of whistles and hotline orders, about 1,000,000
//      whistle + order events (BENCH_WHISTLES whistles of 9 events, BENCH_ORDERS orders of 4),
//      made by set-based INSERT … SELECT generate_series; the evaluation of the county for the
//      year recomputed (departments per month and the hotline's 三率: src/store/evaluation.ts).
//      Goal < 10 s. Floor: a bare count(*) … GROUP BY over the same events (whistle events per
//      department, order events per type), the least any figure of them needs.
//   2. Ladders: BENCH_LADDER_WHISTLES (10,000) open whistles, one department each with 3 clocks × 3
//      rungs, every rung due; the sweep (src/deadlines/ladder.ts: lock, claim, escalate event,
//      reminder outbox rows) fires them all. Goal ≥ 1,000 rung firings/s. Floor: a bare
//      UPDATE … RETURNING claiming the same rows.
//   node --import tsx bench/whistles.ts   (DATABASE_URL optional; default: local server; BENCH_KEEP_DB=1 keeps the data for EXPLAIN)
import { performance } from 'node:perf_hooks'
import { createDatabase, dropDatabase } from './database.ts'
import { ownPeakRssMb, report, resetPeakRss } from './report.ts'
import { openPostgres, type Db } from '../src/store/db.ts'
import { migrate } from '../src/store/migrate.ts'
import { departmentCounts, hotlineCounts } from '../src/store/evaluation.ts'
import { periodOf } from '../src/evaluation/evaluate.ts'
import { sweepLadders } from '../src/deadlines/ladder.ts'
import { WhistlesConfig } from '../src/config/whistles.ts'
import { createLogger } from '../src/log.ts'
import { createMetrics } from '../src/metrics.ts'

const WHISTLES = Number(process.env.BENCH_WHISTLES ?? 60_000)
const ORDERS = Number(process.env.BENCH_ORDERS ?? 115_000)
const LADDER_WHISTLES = Number(process.env.BENCH_LADDER_WHISTLES ?? 10_000)
const COUNTY = '320412'
const TOWNS = 20
const DEPARTMENTS = 12
const EVALUATION_GOAL_S = 10
const FIRINGS_GOAL = 1_000

const seconds = (ms: number): number => Math.round(ms / 10) / 100
async function timed<T> (fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now()
  const value = await fn()
  return [value, performance.now() - t0]
}
/** The fastest of `n` runs (the first warms the cache like the ones after it). */
async function best (n: number, fn: () => Promise<unknown>): Promise<number> {
  let min = Infinity
  for (let i = 0; i < n; i++) min = Math.min(min, (await timed(fn))[1])
  return min
}

// ---------------------------------------------------------------------------------------------

const TYPE = JSON.stringify({ id: 'routine', name: '常规哨', respond: '24h', arrive: '3wd', finish: '10wd' })
const ACTOR = JSON.stringify({ kind: 'system', id: 'bench', name: 'bench' })
/** Town n of the county: 320412100000 … 320412119000. */
const TOWN_SQL = (n: string): string => `'${COUNTY}' || (100 + (${n}) % ${TOWNS})::text || '000'`
const DEPT_SQL = (n: string): string => `'dept-' || lpad(((${n}) % ${DEPARTMENTS})::text, 2, '0')`

async function evaluation (db: Db): Promise<void> {
  console.log(`evaluation: ${TOWNS} towns, ${WHISTLES.toLocaleString('en-US')} whistles and ${ORDERS.toLocaleString('en-US')} orders over 2026, PostgreSQL`)
  const [, setupMs] = await timed(async () => {
    await db.query('SELECT setseed(0.14)')
    // Whistles spread over the year, two departments each (a lead and a co-department).
    await db.query(
      `INSERT INTO whistles (id, town, type, type_snapshot, source_kind, title, description, state, blown_by, blown_at, opened_at, closed_at, rating, updated_at)
       SELECT 'W' || lpad(g::text, 8, '0'), ${TOWN_SQL('g')}, 'routine', $2::jsonb, 'direct', 'bench', 'bench', 'closed', $3::jsonb, t0, t0, t0 + interval '14 days', 1 + g % 5, t0
       FROM (SELECT g, timestamptz '2026-01-01 00:00+08' + (g::float8 / $1) * interval '360 days' AS t0 FROM generate_series(1, $1::int) g) s`,
      [WHISTLES, TYPE, ACTOR])
    // Nine events each: blow with both departments' deadlines, each department's respond, arrive
    // and declare-done (a tenth of the co-departments return it instead), a progress, the close.
    await db.query(
      `INSERT INTO whistle_events (whistle_id, seq, department, action, from_state, to_state, actor, at, data)
       SELECT w.id, e.seq, CASE e.who WHEN 1 THEN w.d1 WHEN 2 THEN w.d2 END,
         CASE WHEN e.who = 2 AND e.action <> 'progress' AND w.n % 10 = 0 THEN 'return' ELSE e.action END,
         NULL, 'open', $1::jsonb, w.blown_at + e.base * interval '1 hour' + random() * e.spread * interval '1 hour',
         CASE e.action
           WHEN 'blow' THEN jsonb_build_object('deadlines', jsonb_build_object(
             w.d1, jsonb_build_object('respond', w.blown_at + interval '24 hours', 'arrive', w.blown_at + interval '72 hours', 'finish', w.blown_at + interval '10 days'),
             w.d2, jsonb_build_object('respond', w.blown_at + interval '24 hours', 'arrive', w.blown_at + interval '72 hours', 'finish', w.blown_at + interval '10 days')))
           WHEN 'arrive' THEN jsonb_build_object('who', '张三', 'arrivedAt', w.blown_at + interval '30 hours')
           WHEN 'close' THEN jsonb_build_object('rating', 1 + w.n % 5, 'check', '已核查')
           ELSE '{}'::jsonb END
       FROM (SELECT id, blown_at, substr(id, 2)::int AS n, ${DEPT_SQL('substr(id, 2)::int')} AS d1, ${DEPT_SQL('substr(id, 2)::int + 5')} AS d2 FROM whistles) w
       CROSS JOIN (VALUES (1, 'blow', 0, 0, 0), (2, 'respond', 1, 0, 36), (3, 'respond', 2, 0, 36), (4, 'arrive', 1, 2, 96), (5, 'arrive', 2, 2, 96),
         (6, 'progress', 1, 24, 48), (7, 'declare-done', 1, 48, 240), (8, 'declare-done', 2, 48, 240), (9, 'close', 0, 300, 24)) e(seq, action, who, base, spread)`,
      [ACTOR])
    await db.query(
      `INSERT INTO orders (order_no, instance, town, division, state, body, received_at, updated_at, dispatch_time, sign_deadline, reply_deadline)
       SELECT 'GD' || lpad(g::text, 10, '0'), 'hotline-12345', ${TOWN_SQL('g')}, NULL, 'closed', '{}'::jsonb, t0, t0, t0, t0 + interval '2 hours', t0 + interval '5 days'
       FROM (SELECT g, timestamptz '2026-01-01 00:00+08' + (g::float8 / $1) * interval '360 days' AS t0 FROM generate_series(1, $1::int) g) s`,
      [ORDERS])
    // Four events each: dispatched, the town's sign (a quarter late), reply, the revisit.
    await db.query(
      `INSERT INTO order_events (order_no, instance, event_id, type, at, actor, data, applied_at)
       SELECT o.order_no, o.instance, CASE WHEN e.type LIKE 'order.%' THEN o.order_no || '-' || e.k END, e.type, o.received_at + e.hours * interval '1 hour' + random() * e.spread * interval '1 hour', $1::jsonb,
         CASE WHEN e.type = 'order.revisited' THEN jsonb_build_object('orderNo', o.order_no, 'revisit', jsonb_build_object('contacted', true, 'solved', random() < 0.85, 'satisfied', 1 + floor(random() * 5)::int, 'comment', ''))
           ELSE jsonb_build_object('orderNo', o.order_no) END,
         o.received_at
       FROM orders o CROSS JOIN (VALUES (1, 'order.dispatched', 0, 0), (2, 'town.sign', 0, 2.6), (3, 'town.reply', 48, 24), (4, 'order.revisited', 96, 24)) e(k, type, hours, spread)`,
      [ACTOR])
    await db.query('ANALYZE')
  })
  const { rows: [counts] } = await db.query<{ w: number, o: number }>('SELECT (SELECT count(*) FROM whistle_events)::int AS w, (SELECT count(*) FROM order_events)::int AS o')
  const events = counts!.w + counts!.o
  console.log(`  ${events.toLocaleString('en-US')} events (${counts!.w.toLocaleString('en-US')} whistle, ${counts!.o.toLocaleString('en-US')} order) made in ${seconds(setupMs)} s`)

  const period = periodOf(COUNTY, '2026-01', '2026-12')
  resetPeakRss()
  let rows = 0
  const recompute = await best(3, async () => {
    const [departments, hotline] = await Promise.all([departmentCounts(db, period), hotlineCounts(db, period)])
    rows = departments.length + hotline.length
  })
  const floor = await best(3, async () => {
    await Promise.all([
      db.query(`SELECT e.department, count(*) FROM whistle_events e JOIN whistles w ON w.id = e.whistle_id WHERE w.town LIKE $1 GROUP BY e.department`, [`${COUNTY}%`]),
      db.query(`SELECT e.type, count(*) FROM order_events e JOIN orders o USING (order_no) WHERE o.town LIKE $1 GROUP BY e.type`, [`${COUNTY}%`]),
    ])
  })
  console.log(`  evaluation recompute, county, 2026: ${seconds(recompute)} s (${rows} rows: departments × months and totals, towns × months); floor (bare count … GROUP BY): ${seconds(floor)} s`)
  report({
    bench: 'whistles', figure: `evaluation recompute, county of ${TOWNS} towns, a year, ${events >= 1e6 ? `${(events / 1e6).toFixed(1)}M` : `${Math.round(events / 1000)}k`} events`, unit: 's',
    goal: `< ${EVALUATION_GOAL_S}`, now: seconds(recompute), floor: seconds(floor), ratio: Math.round(floor / recompute * 100) / 100,
    met: recompute < EVALUATION_GOAL_S * 1000, rssMb: ownPeakRssMb(),
  })
}

// ---------------------------------------------------------------------------------------------

const CLOCKS = ['respond', 'arrive', 'finish']
const RUNGS = ['liaison', 'head', 'supervision']

async function ladders (db: Db): Promise<void> {
  console.log(`ladders: ${LADDER_WHISTLES.toLocaleString('en-US')} open whistles × ${CLOCKS.length} clocks × ${RUNGS.length} rungs, all due`)
  const dueBy = new Date('2026-12-31T00:00:00Z')
  await db.query(
    `INSERT INTO whistles (id, town, type, type_snapshot, source_kind, title, description, state, blown_by, blown_at, opened_at, updated_at)
     SELECT 'L' || lpad(g::text, 8, '0'), ${TOWN_SQL('g')}, 'routine', $2::jsonb, 'direct', 'bench', 'bench', 'open', $3::jsonb, t0, t0, t0
     FROM (SELECT g, timestamptz '2026-12-01 00:00+08' + g * interval '1 second' AS t0 FROM generate_series(1, $1::int) g) s`,
    [LADDER_WHISTLES, TYPE, ACTOR])
  await db.query(
    `INSERT INTO whistle_targets (whistle_id, department, role, state)
     SELECT id, ${DEPT_SQL('substr(id, 2)::int')}, 'lead', 'whistled' FROM whistles WHERE id LIKE 'L%'`)
  await db.query(
    `INSERT INTO whistle_events (whistle_id, seq, department, action, from_state, to_state, actor, at, data)
     SELECT id, 1, NULL, 'blow', NULL, 'open', $1::jsonb, blown_at, '{}' FROM whistles WHERE id LIKE 'L%'`, [ACTOR])
  await db.query(
    `INSERT INTO deadline_rungs (subject, party, clock, rung, due_at, deadline, town, state)
     SELECT 'whistle:' || t.whistle_id, t.department, c.clock, r.rung, w.blown_at + c.n * interval '1 hour' + r.n * interval '10 minutes', w.blown_at + c.n * interval '1 hour', w.town, 'pending'
     FROM whistle_targets t JOIN whistles w ON w.id = t.whistle_id
     CROSS JOIN unnest($1::text[]) WITH ORDINALITY c(clock, n) CROSS JOIN unnest($2::text[]) WITH ORDINALITY r(rung, n)
     WHERE t.whistle_id LIKE 'L%'`, [CLOCKS, RUNGS])
  await db.query('ANALYZE')
  const rungs = LADDER_WHISTLES * CLOCKS.length * RUNGS.length

  // Floor: the bare claim of the same rows, then armed again for the sweep.
  const [claimed, floorMs] = await timed(async () => (await db.query(
    `UPDATE deadline_rungs SET state = 'fired', fired_at = $1 WHERE state = 'pending' AND due_at <= $1 RETURNING subject, party, clock, rung, due_at, deadline, town, fired_at`,
    [dueBy.toISOString()])).rows.length)
  await db.query(`UPDATE deadline_rungs SET state = 'pending', fired_at = NULL`)
  await db.query('VACUUM ANALYZE deadline_rungs')

  // One of the twelve departments has a system: its rungs also write a whistle.reminder outbox row.
  const config = WhistlesConfig.parse({
    departments: Array.from({ length: DEPARTMENTS }, (_, i) => ({ code: `dept-${String(i).padStart(2, '0')}`, name: `部门${i}`, county: COUNTY, ...(i === 0 ? { webhook: { scheme: 'v1' } } : {}) })),
  })
  resetPeakRss()
  const [fired, sweepMs] = await timed(async () => await sweepLadders({ db, config: () => config, logger: createLogger({ level: 'error' }), metrics: createMetrics() }, dueBy.getTime()))
  const { rows: [check] } = await db.query<{ events: number, pending: number }>(
    `SELECT (SELECT count(*) FROM whistle_events WHERE action = 'escalate')::int AS events, (SELECT count(*) FROM deadline_rungs WHERE state = 'pending')::int AS pending`)
  const rate = fired.length / (sweepMs / 1000)
  const floorRate = claimed / (floorMs / 1000)
  console.log(`  sweep: ${fired.length.toLocaleString('en-US')} of ${rungs.toLocaleString('en-US')} rungs fired in ${seconds(sweepMs)} s (${check!.events.toLocaleString('en-US')} escalate events, ${check!.pending} left pending); floor (bare UPDATE … RETURNING): ${claimed.toLocaleString('en-US')} in ${seconds(floorMs)} s`)
  report({
    bench: 'whistles', figure: `ladder sweep, ${LADDER_WHISTLES.toLocaleString('en-US')} open whistles, all ${rungs.toLocaleString('en-US')} rungs due`, unit: 'firings/s',
    goal: `≥ ${FIRINGS_GOAL.toLocaleString('en-US')}`, now: Math.round(rate), floor: Math.round(floorRate), ratio: Math.round(rate / floorRate * 1000) / 1000,
    met: rate >= FIRINGS_GOAL && fired.length === rungs && check!.events === rungs, rssMb: ownPeakRssMb(),
  })
}

// ---------------------------------------------------------------------------------------------

const dbName = `tb_bench_whistles_${Date.now()}`
const db: Db = await openPostgres(await createDatabase(dbName))
try {
  await migrate(db)
  await evaluation(db)
  await ladders(db)
} finally {
  await db.close()
  if (process.env.BENCH_KEEP_DB === '1') console.log(`kept database ${dbName}`)
  else await dropDatabase(dbName)
}
