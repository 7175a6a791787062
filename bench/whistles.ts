// bench/whistles: the whistle loop's figures on PostgreSQL (issue 14).
//   1. Evaluation: a county of 20 towns and a year of whistles and hotline orders, about 1,000,000
//      whistle + order events (BENCH_WHISTLES whistles of 9 events, BENCH_ORDERS orders of 4),
//      made by set-based INSERT … SELECT generate_series; the evaluation of the county for the
//      year recomputed (departments per month and the hotline's 三率: src/store/evaluation.ts).
//      Goal < 10 s. Floor: a bare count(*) … GROUP BY over the same events (whistle events per
//      department, order events per type), the least any figure of them needs.
//   2. Ladders: BENCH_LADDER_WHISTLES (10,000) open whistles, one department each with 3 clocks × 3
//      rungs, every rung due; the sweep (src/deadlines/ladder.ts: lock, claim, escalate event,
//      reminder outbox rows), called again and again as the sweeper's ticks call it until nothing
//      is due, fires them all. Goal ≥ 1,000 rung firings/s. Floor: a bare
//      UPDATE … RETURNING claiming the same rows.
//   3. List: BENCH_LIST_WHISTLES (50,000) whistles of one town (a tenth open, with their ladders),
//      p95 of GET /api/v1/whistles pages (newest, open, later pages) through a gateway, as a town
//      leader. Goal p95 ≤ 50 ms. Floor: p95 of GET /healthz.
//   node --import tsx bench/whistles.ts   (DATABASE_URL, REDIS_URL optional; default: local servers; BENCH_KEEP_DB=1 keeps the data for EXPLAIN)
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
import { randomBytes } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startGateway } from '../src/runtime/gateway.ts'
import { Config } from '../src/config/schema.ts'

process.env.TONGBAN_MASTER_KEY ??= randomBytes(32).toString('base64')

const WHISTLES = Number(process.env.BENCH_WHISTLES ?? 60_000)
const ORDERS = Number(process.env.BENCH_ORDERS ?? 115_000)
const LADDER_WHISTLES = Number(process.env.BENCH_LADDER_WHISTLES ?? 10_000)
const LIST_WHISTLES = Number(process.env.BENCH_LIST_WHISTLES ?? 50_000)
const LIST_REQUESTS = Number(process.env.BENCH_REQUESTS ?? 300)
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/11'
const LIST_TOWN = '320412120000'
const ADMIN_TOKEN = 'bench-admin-token-0123456789'
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
  // Sweeps follow one another as the deadline sweeper's ticks do, until one finds nothing due.
  const deps = { db, config: () => config, logger: createLogger({ level: 'error' }), metrics: createMetrics() }
  let sweeps = 0
  const [fired, sweepMs] = await timed(async () => {
    const all = []
    for (let batch = await sweepLadders(deps, dueBy.getTime()); batch.length > 0; batch = await sweepLadders(deps, dueBy.getTime())) {
      sweeps++
      all.push(...batch)
    }
    return all
  })
  const { rows: [check] } = await db.query<{ events: number, pending: number }>(
    `SELECT (SELECT count(*) FROM whistle_events WHERE action = 'escalate')::int AS events, (SELECT count(*) FROM deadline_rungs WHERE state = 'pending')::int AS pending`)
  const rate = fired.length / (sweepMs / 1000)
  const floorRate = claimed / (floorMs / 1000)
  console.log(`  sweep: ${fired.length.toLocaleString('en-US')} of ${rungs.toLocaleString('en-US')} rungs fired in ${seconds(sweepMs)} s by ${sweeps} sweep(s) (${check!.events.toLocaleString('en-US')} escalate events, ${check!.pending} left pending); floor (bare UPDATE … RETURNING): ${claimed.toLocaleString('en-US')} in ${seconds(floorMs)} s`)
  report({
    bench: 'whistles', figure: `ladder sweep, ${LADDER_WHISTLES.toLocaleString('en-US')} open whistles, all ${rungs.toLocaleString('en-US')} rungs due`, unit: 'firings/s',
    goal: `≥ ${FIRINGS_GOAL.toLocaleString('en-US')}`, now: Math.round(rate), floor: Math.round(floorRate), ratio: Math.round(rate / floorRate * 1000) / 1000,
    met: rate >= FIRINGS_GOAL && fired.length === rungs && check!.events === rungs, rssMb: ownPeakRssMb(),
  })
}

// ---------------------------------------------------------------------------------------------

const quantiles = (xs: number[]): { p50: number, p95: number } => {
  const sorted = [...xs].sort((a, b) => a - b)
  const at = (q: number): number => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 10) / 10
  return { p50: at(0.5), p95: at(0.95) }
}

async function list (db: Db, url: string): Promise<void> {
  console.log(`whistle list: ${LIST_WHISTLES.toLocaleString('en-US')} whistles of town ${LIST_TOWN}, ${LIST_REQUESTS} sequential requests per figure`)
  await db.query(
    `INSERT INTO whistles (id, town, type, type_snapshot, source_kind, title, description, state, blown_by, blown_at, opened_at, closed_at, rating, updated_at)
     SELECT 'CS${LIST_TOWN}' || to_char(t0, 'YYYYMMDD') || lpad((g % 10000)::text, 4, '0'), '${LIST_TOWN}', 'routine', $2::jsonb, 'direct', '压测哨 ' || g, 'bench',
       CASE WHEN g % 10 = 0 THEN 'open' ELSE 'closed' END, $3::jsonb, t0, t0, CASE WHEN g % 10 <> 0 THEN t0 + interval '5 days' END, CASE WHEN g % 10 <> 0 THEN 1 + g % 5 END, t0
     FROM (SELECT g, now() - g * interval '10 minutes' AS t0 FROM generate_series(1, $1::int) g) s`,
    [LIST_WHISTLES, TYPE, ACTOR])
  await db.query(
    `INSERT INTO whistle_targets (whistle_id, department, role, state)
     SELECT w.id, CASE r.role WHEN 'lead' THEN ${DEPT_SQL('w.n')} ELSE ${DEPT_SQL('w.n + 5')} END, r.role, CASE WHEN w.state = 'open' THEN 'responded' ELSE 'finished' END
     FROM (SELECT id, state, right(id, 4)::int AS n FROM whistles WHERE town = $1) w CROSS JOIN (VALUES ('lead'), ('co')) r(role)`, [LIST_TOWN])
  await db.query(
    `INSERT INTO deadline_rungs (subject, party, clock, rung, due_at, deadline, town, state)
     SELECT 'whistle:' || t.whistle_id, t.department, c.clock, r.rung, w.blown_at + c.n * interval '1 day' + r.n * interval '1 hour', w.blown_at + c.n * interval '1 day', w.town,
       CASE WHEN c.clock = 'respond' THEN 'stopped' ELSE 'pending' END
     FROM whistle_targets t JOIN whistles w ON w.id = t.whistle_id
     CROSS JOIN unnest($2::text[]) WITH ORDINALITY c(clock, n) CROSS JOIN unnest($3::text[]) WITH ORDINALITY r(rung, n)
     WHERE w.town = $1 AND w.state = 'open'`, [LIST_TOWN, CLOCKS, RUNGS])
  await db.query('ANALYZE')

  const dataDir = await mkdtemp(join(tmpdir(), 'tongban-bench-whistles-'))
  const gateway = await startGateway({ port: 0, host: '127.0.0.1', dataDir, configPath: join(dataDir, 'bench.yaml'), redisUrl: REDIS_URL, databaseUrl: url, adminToken: ADMIN_TOKEN },
    { config: Config.parse({ towns: [{ code: LIST_TOWN, name: '武进区湟里镇' }], adapters: [] }), logger: createLogger({ level: 'warn' }), workers: false })
  try {
    const get = async (path: string, headers: Record<string, string>): Promise<{ status: number, json: any, ms: number }> => {
      const t0 = performance.now()
      const res = await fetch(`${gateway.url}${path}`, { headers })
      const json = await res.json().catch(() => ({}))
      return { status: res.status, json, ms: performance.now() - t0 }
    }
    let clients = 0
    // a client of its own per figure: the API allows one client 1,200 requests a minute
    const leader = async (): Promise<Record<string, string>> => {
      const res = await fetch(`${gateway.url}/api/v1/tokens`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: `bench-leader-${++clients}`, roles: ['town-leader'], town: LIST_TOWN }) })
      if (res.status !== 201) throw new Error(`creating a token: ${res.status} ${await res.text()}`)
      return { authorization: `Bearer ${(await res.json() as { token: string }).token}` }
    }
    const timedList = async (paths: readonly string[]): Promise<{ p50: number, p95: number }> => {
      const auth = await leader()
      for (const p of paths.slice(0, 20)) await get(p, auth)
      const times: number[] = []
      for (let i = 0; i < LIST_REQUESTS; i++) {
        const r = await get(paths[i % paths.length]!, auth)
        if (r.status !== 200) throw new Error(`${paths[i % paths.length]}: ${r.status} ${JSON.stringify(r.json)}`)
        times.push(r.ms)
      }
      return quantiles(times)
    }
    const auth = await leader()
    const nextPages: string[] = []
    let next = (await get('/api/v1/whistles?limit=50', auth)).json.next as string | null
    for (let i = 0; i < 20 && next; i++) {
      nextPages.push(`/api/v1/whistles?limit=50&cursor=${encodeURIComponent(next)}`)
      next = (await get(nextPages[i]!, auth)).json.next as string | null
    }
    const figures = {
      'newest 50': await timedList(['/api/v1/whistles?limit=50']),
      'open': await timedList(['/api/v1/whistles?limit=50&state=open']),
      'later pages': await timedList(nextPages.length ? nextPages : ['/api/v1/whistles?limit=50']),
    }
    const healthz = await timedList(['/healthz'])
    for (const [name, r] of Object.entries(figures)) console.log(`  ${name.padEnd(12)} p50 ${String(r.p50).padStart(6)} ms  p95 ${String(r.p95).padStart(6)} ms`)
    console.log(`  floor (GET /healthz) p95 ${healthz.p95} ms; goal: p95 ≤ 50 ms`)
    for (const [name, r] of Object.entries(figures)) {
      report({ bench: 'whistles', figure: `whistle list, ${name}, p95, ${LIST_WHISTLES.toLocaleString('en-US')} whistles`, unit: 'ms', goal: '≤ 50', now: r.p95, floor: healthz.p95, ratio: Math.round(healthz.p95 / r.p95 * 100) / 100, met: r.p95 <= 50, rssMb: ownPeakRssMb() })
    }
  } finally {
    await gateway.stop()
  }
}

// ---------------------------------------------------------------------------------------------

const dbName = `tb_bench_whistles_${Date.now()}`
const databaseUrl = await createDatabase(dbName)
const db: Db = await openPostgres(databaseUrl)
try {
  await migrate(db)
  await evaluation(db)
  await ladders(db)
  await list(db, databaseUrl)
} finally {
  await db.close()
  if (process.env.BENCH_KEEP_DB === '1') console.log(`kept database ${dbName}`)
  else await dropDatabase(dbName)
}
