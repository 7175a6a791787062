// bench/cases: cases accepted through the API on PostgreSQL while the outbox reports them to the
// provincial platform (the matters-exchange simulator, a real HTTP server in this process), and
// the case list of a town holding many cases.
//   1. Accept: BENCH_CASES_PER_MINUTE (default 1,000) cases offered for BENCH_SECONDS (default 60):
//      each opened (POST /api/v1/cases) and accepted (POST …/transitions {action: accept}) by one
//      of four window clients; reports the rate achieved, accept p95 and the outbox lag (commit to
//      sent) p95 and max. Floor: p95 of a bare Fastify route committing one transaction of three
//      inserts (a case, its event, its outbox row) on the same PostgreSQL at the same rate.
//   2. List: BENCH_LIST_CASES (default 100,000) cases of the town in the store; p95 of
//      GET /api/v1/cases pages (all, by state, overdue, second pages). Floor: p95 of GET /healthz.
// Goals (issue 13): 1,000 cases/minute accepted with the outbox draining behind; list p95 ≤ 50 ms.
//   node --import tsx bench/cases.ts   (DATABASE_URL, REDIS_URL optional; defaults: local servers)
import { randomBytes } from 'node:crypto'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import Fastify from 'fastify'
import pg from 'pg'
import { Redis } from 'ioredis'
import { startGateway } from '../src/runtime/gateway.ts'
import { Config } from '../src/config/schema.ts'
import { createLogger } from '../src/log.ts'
import { mattersInForce } from '../src/store/matters.ts'
import type { Matter } from '../src/model/matter.ts'
import { idCheckChar } from '../adapters/household-registration/data.ts'
import { startSimulator } from '../adapters/matters-exchange/simulator.ts'
import { ownPeakRssMb, peakRssMbOf, report } from './report.ts'

const PER_MINUTE = Number(process.env.BENCH_CASES_PER_MINUTE ?? 1000)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60)
const LIST_CASES = Number(process.env.BENCH_LIST_CASES ?? 100_000)
const LIST_REQUESTS = Number(process.env.BENCH_REQUESTS ?? 300)
const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/6'
const TOWN = '320412120000'
const ADMIN_TOKEN = 'bench-admin-token-0123456789'
const APP = { appId: 'T320412120', appSecret: 'bench-matters-secret' }

process.env.TONGBAN_MASTER_KEY ??= randomBytes(32).toString('base64')

const quantiles = (xs: number[]): { p50: number, p95: number, max: number } => {
  const s = [...xs].sort((a, b) => a - b)
  const at = (q: number): number => Math.round((s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN) * 10) / 10
  return { p50: at(0.5), p95: at(0.95), max: at(1) }
}

const dbName = `tb_bench_cases_${Date.now()}`
const admin = new pg.Client({ connectionString: ADMIN_URL })
await admin.connect()
await admin.query(`CREATE DATABASE ${dbName}`)
const databaseUrl = ADMIN_URL.replace(/\/[^/]*$/, `/${dbName}`)
const flush = new Redis(REDIS_URL)
await flush.flushdb()

// BENCH DATA: a 2027 of weekends only, so clocks running past 2026 compute whatever the day the
// bench runs; it stands in for the State Council's notice, which the repository does not have.
const dataDir = await mkdtemp(join(tmpdir(), 'tongban-bench-cases-'))
const calendarFile = join(dataDir, 'bench-2027.json')
await writeFile(calendarFile, JSON.stringify({ year: 2027, source: { title: 'BENCH DATA: weekends only, not a State Council notice' }, holidays: [] }))

const simulator = await startSimulator({ seed: 7, port: 0, host: '127.0.0.1', apps: [APP], maintenanceSeconds: 0 })
const config = Config.parse({
  towns: [{ code: TOWN, name: '武进区湟里镇', org: { code: '11320412014160209X', name: '常州市武进区湟里镇人民政府' } }],
  calendar: { files: [calendarFile] },
  adapters: [{
    id: 'matters-exchange', adapter: 'matters-exchange', baseUrl: simulator.url, credentials: APP,
    every: '5m', concurrency: 1, rateLimit: { max: 19, duration: '1s' }, timeout: '10s', retries: { attempts: 10, backoff: '1s' },
  }],
})
const gateway = await startGateway({
  port: 0, host: '127.0.0.1', dataDir, configPath: join(dataDir, 'bench.yaml'),
  redisUrl: REDIS_URL, databaseUrl, adminToken: ADMIN_TOKEN,
}, { config, logger: createLogger({ level: 'warn' }), workers: true })
const { db } = gateway.platform

async function call (method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number, json: any, ms: number }> {
  const t0 = performance.now()
  const res = await fetch(`${gateway.url}${path}`, { method, headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
  const json = await res.json().catch(() => ({}))
  return { status: res.status, json, ms: performance.now() - t0 }
}

// Several windows at once, each its own client: the API allows one client 1,200 requests a minute.
const WINDOWS = 4
async function windowClient (name: string): Promise<{ authorization: string }> {
  const token = await call('POST', '/api/v1/tokens', { authorization: `Bearer ${ADMIN_TOKEN}` }, { name, roles: ['window-staff'], town: TOWN })
  if (token.status !== 201) throw new Error(`creating a token: ${token.status} ${JSON.stringify(token.json)}`)
  return { authorization: `Bearer ${token.json.token as string}` }
}
const windows = await Promise.all(Array.from({ length: WINDOWS }, async (_, i) => await windowClient(`bench-window-${i + 1}`)))
const auth = await windowClient('bench-list')

// The catalogue sync fills the matters; wait for the town's list.
let matters: Matter[] = []
for (let i = 0; i < 120 && matters.length === 0; i++) {
  matters = (await mattersInForce(db, { town: TOWN, on: new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10) })).map((m) => m.matter)
  if (matters.length === 0) await sleep(500)
}
const forPersons = matters.filter((m) => m.forms.flatMap((f) => f.fields).every((f) => f.type !== 'creditCode'))
if (forPersons.length === 0) throw new Error('the catalogue gave no matter a person can apply for')

let serial = 0
function idNumber (): string {
  const i = serial++
  const first17 = `320412${1950 + (i % 50)}0${1 + (i % 9)}1${i % 10}${String(Math.floor(i / 10) % 1000).padStart(3, '0')}`
  return first17 + idCheckChar(first17)
}

function formFor (m: Matter, id: string): Record<string, string> {
  const values: Record<string, string> = {}
  for (const f of m.forms.flatMap((form) => form.fields)) {
    values[f.name] = f.type === 'idNumber' ? id
      : f.type === 'phone' ? '13912345678'
        : f.type === 'date' ? '2026-01-05'
          : f.type === 'division' ? '320412120001'
            : f.type === 'number' ? '1'
              : f.type === 'select' ? f.options?.[0] ?? ''
                : f.name === 'name' ? '张三' : '压测'
  }
  return values
}

// ---- 1. accept at the offered rate, the outbox draining behind
const opens: number[] = []
const accepts: number[] = []
const failures = new Map<string, number>()
const intervalMs = 60_000 / PER_MINUTE
const total = Math.round(SECONDS * PER_MINUTE / 60)
const started = performance.now()
const inFlight: Array<Promise<void>> = []
for (let i = 0; i < total; i++) {
  const due = started + i * intervalMs
  const wait = due - performance.now()
  if (wait > 0) await sleep(wait)
  const m = forPersons[i % forPersons.length]!
  const id = idNumber()
  const client = windows[i % WINDOWS]!
  inFlight.push((async () => {
    const opened = await call('POST', '/api/v1/cases', client, { taskHandleItem: m.taskHandleItem, applicant: { kind: 'person', key: id }, formData: formFor(m, id), materials: [] })
    if (opened.status !== 201) { failures.set(`open ${opened.status} ${opened.json.code}`, (failures.get(`open ${opened.status} ${opened.json.code}`) ?? 0) + 1); return }
    opens.push(opened.ms)
    const accepted = await call('POST', `/api/v1/cases/${opened.json.projectNo as string}/transitions`, client, { action: 'accept' })
    if (accepted.status !== 200) { failures.set(`accept ${accepted.status} ${accepted.json.code}`, (failures.get(`accept ${accepted.status} ${accepted.json.code}`) ?? 0) + 1); return }
    accepts.push(accepted.ms)
  })())
}
await Promise.all(inFlight)
const offeredSeconds = (performance.now() - started) / 1000
const achievedPerMinute = accepts.length / offeredSeconds * 60

// The outbox drains behind: wait until every report of these cases is sent (or 5 minutes).
const drainStarted = performance.now()
for (;;) {
  const { rows: [left] } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM outbox WHERE state IN ('pending', 'held')")
  if (left!.n === 0 || performance.now() - drainStarted > 300_000) break
  await sleep(250)
}
const drainSeconds = (performance.now() - drainStarted) / 1000
const { rows: lagRows } = await db.query<{ ms: number, state: string }>("SELECT extract(epoch FROM (sent_at - created_at)) * 1000 AS ms, state FROM outbox WHERE operation = 'accept'")
const lag = quantiles(lagRows.filter((r) => r.state === 'sent').map((r) => Number(r.ms)))
const notSent = lagRows.filter((r) => r.state !== 'sent').length

// Floor: a bare route committing a case, its event and its outbox row in one transaction.
const floorDb = new pg.Pool({ connectionString: databaseUrl, max: 10 })
await floorDb.query('CREATE TABLE floor_cases (id bigserial PRIMARY KEY, data jsonb); CREATE TABLE floor_events (id bigint, seq int, data jsonb); CREATE TABLE floor_outbox (id bigserial PRIMARY KEY, input jsonb)')
const bare = Fastify()
bare.post('/accept', async (req) => {
  const client = await floorDb.connect()
  try {
    await client.query('BEGIN')
    const { rows } = await client.query<{ id: string }>('INSERT INTO floor_cases (data) VALUES ($1) RETURNING id', [req.body])
    await client.query('INSERT INTO floor_events (id, seq, data) VALUES ($1, 1, $2)', [rows[0]!.id, req.body])
    await client.query('INSERT INTO floor_outbox (input) VALUES ($1)', [req.body])
    await client.query('COMMIT')
    return { id: rows[0]!.id }
  } finally { client.release() }
})
const bareUrl = await bare.listen({ port: 0, host: '127.0.0.1' })
const floorTimes: number[] = []
const floorStarted = performance.now()
const floorCalls: Array<Promise<void>> = []
for (let i = 0; i < Math.min(total, 1000); i++) {
  const wait = floorStarted + i * intervalMs - performance.now()
  if (wait > 0) await sleep(wait)
  floorCalls.push((async () => {
    const t0 = performance.now()
    const res = await fetch(`${bareUrl}/accept`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action: 'accept', i }) })
    await res.arrayBuffer()
    floorTimes.push(performance.now() - t0)
  })())
}
await Promise.all(floorCalls)
await bare.close()
await floorDb.end()
const acceptQ = quantiles(accepts)
const openQ = quantiles(opens)
const floorQ = quantiles(floorTimes)
const rssMb = peakRssMbOf(process.pid) ?? ownPeakRssMb()

console.log(`cases: ${PER_MINUTE} cases/minute offered for ${SECONDS} s (${total} cases) through the API on PostgreSQL, outbox sending to the simulator at ≤ 19 requests/s; node ${process.version}`)
console.log(`accepted ${accepts.length} (${achievedPerMinute.toFixed(0)} cases/minute); failures: ${failures.size ? JSON.stringify(Object.fromEntries(failures)) : 'none'}`)
console.log(`open   p50 ${openQ.p50} ms  p95 ${openQ.p95} ms  max ${openQ.max} ms`)
console.log(`accept p50 ${acceptQ.p50} ms  p95 ${acceptQ.p95} ms  max ${acceptQ.max} ms`)
console.log(`floor (bare route, one transaction of three inserts) p50 ${floorQ.p50} ms  p95 ${floorQ.p95} ms; ratio to floor: ${(floorQ.p95 / acceptQ.p95).toFixed(2)}`)
console.log(`outbox lag (accept committed → reported) p50 ${lag.p50} ms  p95 ${lag.p95} ms  max ${lag.max} ms; drained ${drainSeconds.toFixed(1)} s after the last accept; ${notSent} accept reports not sent`)
report({ bench: 'cases', figure: 'cases accepted through the API', unit: 'cases/min', goal: `≥ ${PER_MINUTE.toLocaleString('en-US')}`, now: Math.round(achievedPerMinute), met: achievedPerMinute >= PER_MINUTE * 0.98 && failures.size === 0, rssMb })
report({ bench: 'cases', figure: 'accept p95', unit: 'ms', goal: '—', now: acceptQ.p95, floor: floorQ.p95, ratio: Math.round(floorQ.p95 / acceptQ.p95 * 100) / 100, rssMb })
report({ bench: 'cases', figure: 'outbox lag p95', unit: 'ms', goal: 'drains behind', now: lag.p95, met: notSent === 0, rssMb })

// ---- 2. the case list of a town with many cases
const listStarted = performance.now()
const taskCodes = matters.map((m) => [m.taskCode, m.taskHandleItem, m.name, m.version] as const)
await db.query(
  `INSERT INTO cases (project_no, town, task_handle_item, task_version, matter_name, state, applicant_kind, applicant_key, applicant_name,
     form_data, received_by, received_by_id, received_at, accepted_at, updated_at)
   SELECT m.task_code || to_char(at, 'YYYYMMDD') || lpad((1000 + g % 9000)::text, 4, '0') || '', $2, m.item, m.version, m.name,
     -- a working town: cases of the last six weeks still open, older ones mostly delivered
     CASE WHEN g % 365 < 42 THEN (ARRAY['received','processing','processing','processing','concluded','special-procedure','processing-supplement'])[1 + g % 7]
          ELSE (ARRAY['delivered','delivered','delivered','delivered','delivered','delivered','rejected','concluded','processing'])[1 + g % 9] END,
     'person', '32041219800101' || lpad((g % 10000)::text, 4, '0'), '居民' || g, '{}', '{"kind":"staff","id":"9","name":"窗口"}', 'staff:' || (g % 8), at, at, at
   FROM generate_series(1, $1::int) AS g
   CROSS JOIN LATERAL (SELECT now() - (g % 365) * interval '1 day' - (g % 997) * interval '1 second' AS at) AS t
   JOIN unnest($3::text[], $4::text[], $5::text[], $6::int[]) WITH ORDINALITY AS m(task_code, item, name, version, n) ON m.n = 1 + g % $7
   ON CONFLICT DO NOTHING`,
  [LIST_CASES, TOWN, taskCodes.map((t) => t[0]), taskCodes.map((t) => t[1]), taskCodes.map((t) => t[2]), taskCodes.map((t) => t[3]), taskCodes.length])
await db.query(
  `INSERT INTO case_deadlines (project_no, kind, state, due, calendar, town)
   SELECT project_no, 'legal', 'running', to_char(received_at + interval '28 days', 'YYYY-MM-DD'), $1, town FROM cases WHERE state IN ('processing', 'special-procedure')
   ON CONFLICT DO NOTHING`, [gateway.platform.calendar.fingerprint])
await db.query('ANALYZE cases; ANALYZE case_deadlines')
const stored = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM cases WHERE town = $1', [TOWN])).rows[0]!.n
const loadSeconds = (performance.now() - listStarted) / 1000

let lists = 0
async function timed (paths: readonly string[]): Promise<{ p50: number, p95: number, max: number }> {
  // a client of its own per figure: the API allows one client 1,200 requests a minute
  const reader = await windowClient(`bench-list-${++lists}`)
  for (const p of paths.slice(0, 20)) await call('GET', p, reader)
  const times: number[] = []
  for (const p of paths) {
    const r = await call('GET', p, reader)
    if (r.status !== 200) throw new Error(`${p}: ${r.status} ${JSON.stringify(r.json)}`)
    times.push(r.ms)
  }
  return quantiles(times)
}
const first = await call('GET', '/api/v1/cases?limit=50', auth)
const nextPages: string[] = []
let next = first.json.next as string | null
for (let i = 0; i < 20 && next; i++) {
  nextPages.push(`/api/v1/cases?limit=50&cursor=${encodeURIComponent(next)}`)
  next = (await call('GET', nextPages[i]!, auth)).json.next as string | null
}
const repeat = (paths: readonly string[]): string[] => Array.from({ length: LIST_REQUESTS }, (_, i) => paths[i % paths.length]!)
const figures = {
  'newest 50': await timed(repeat(['/api/v1/cases?limit=50'])),
  'by state (processing)': await timed(repeat(['/api/v1/cases?limit=50&state=processing'])),
  'overdue': await timed(repeat(['/api/v1/cases?limit=50&due=overdue'])),
  'later pages': await timed(repeat(nextPages.length ? nextPages : ['/api/v1/cases?limit=50'])),
}
const healthz = await timed(repeat(['/healthz']))
console.log(`case list: ${stored.toLocaleString('en-US')} cases of the town (loaded in ${loadSeconds.toFixed(0)} s), ${LIST_REQUESTS} sequential requests each`)
for (const [name, r] of Object.entries(figures)) console.log(`${name.padEnd(22)} p50 ${String(r.p50).padStart(6)} ms  p95 ${String(r.p95).padStart(6)} ms  max ${String(r.max).padStart(6)} ms`)
console.log(`floor (GET /healthz) p95 ${healthz.p95} ms; goal: p95 ≤ 50 ms`)
for (const [name, r] of Object.entries(figures)) {
  report({ bench: 'cases', figure: `case list, ${name}, p95, ${stored.toLocaleString('en-US')} cases`, unit: 'ms', goal: '≤ 50', now: r.p95, floor: healthz.p95, ratio: Math.round(healthz.p95 / r.p95 * 100) / 100, met: r.p95 <= 50, rssMb })
}

await gateway.stop()
await simulator.close()
await flush.flushdb()
flush.disconnect()
if (process.env.BENCH_KEEP_DB === '1') console.log(`kept database ${dbName}`)
else await admin.query(`DROP DATABASE ${dbName} WITH (FORCE)`)
await admin.end()
