// bench/drain: 1,000,000 signed household-registration webhooks (1 to 40 records each) sent as fast
// as the gateway acknowledges them, workers on, PostgreSQL — then the time until every record is
// unified. Prints acknowledged webhooks/s, unified records/s from the first send until the last
// message is done, the backlog over time, peak memory of each process, and in the same run the
// floor: the same records, already mapped, upserted in batches into a plain copy of the tables.
//   npm run bench:drain   (BENCH_WEBHOOKS, BENCH_CONNECTIONS, BENCH_CONCURRENCY, DATABASE_URL, REDIS_URL optional)
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { createDatabase, dropDatabase } from './database.ts'
import { ownPeakRssMb, peakRssMbOf, report } from './report.ts'
import drainBody from './drain-bodies.ts'
import { startGateway } from '../src/runtime/gateway.ts'
import { Config } from '../src/config/schema.ts'
import { createLogger } from '../src/log.ts'
import { openPostgres, type Db } from '../src/store/db.ts'
import { migrate } from '../src/store/migrate.ts'
import { mapBatch } from '../src/pipeline/map.ts'
import { parseWebhookBody } from '../src/pipeline/webhook-body.ts'
import { tables } from '../src/store/columns.ts'
import household from '../adapters/household-registration/adapter.ts'

// A throwaway database: a throwaway master key for the credential vault unless one is given.
process.env.TONGBAN_MASTER_KEY ??= randomBytes(32).toString('base64')

const SECRET = 'whsec_dG9uZ2Jhbi1kZW1vLWhvdXNlaG9sZC1zZWNyZXQ='
const WEBHOOKS = Number(process.env.BENCH_WEBHOOKS ?? 1_000_000)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64)
/** The adapter instance's `concurrency` (the ingest worker's transactions in flight); the config's default unless given. */
const CONCURRENCY = process.env.BENCH_CONCURRENCY === undefined ? undefined : Number(process.env.BENCH_CONCURRENCY)
const FLOOR_RECORDS = 200_000
/** Messages per floor batch: about what one group of the ingest worker commits. */
const FLOOR_MESSAGES = 32
/** Give up when nothing is finished for this long (the report says the drain did not end). */
const STUCK_MS = 120_000
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/9'

console.log(`drain: ${WEBHOOKS.toLocaleString()} signed webhooks of 1–40 records, ${CONNECTIONS} connections, workers on, PostgreSQL, node ${process.version}`)

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

/** A column chart of `values` (at most `width` columns, each the largest value it covers), `height` rows. */
function asciiChart (values: readonly number[], width = 60, height = 8): string[] {
  const per = Math.max(1, Math.ceil(values.length / width))
  const columns: number[] = []
  for (let i = 0; i < values.length; i += per) columns.push(Math.max(...values.slice(i, i + per)))
  const top = Math.max(1, ...columns)
  const label = (v: number): string => Math.round(v).toLocaleString().padStart(10)
  const lines: string[] = []
  for (let row = height; row >= 1; row--) {
    const bar = columns.map((v) => v >= (top * (row - 0.5)) / height ? '█' : v > 0 && row === 1 ? '▁' : ' ').join('')
    lines.push(`${row === height ? label(top) : row === 1 ? label(0) : ' '.repeat(10)} │${bar}`)
  }
  lines.push(`${' '.repeat(10)} └${'─'.repeat(columns.length)}`)
  lines.push(`${' '.repeat(12)}0 s${' '.repeat(Math.max(1, columns.length - 8))}${values.length} s   (one column = ${per} s)`)
  return lines
}

// The run: a fresh database, the gateway with its workers in this process, load in its own.
const dbName = `tb_bench_drain_${Date.now()}`
const databaseUrl = await createDatabase(dbName)
const redis = new Redis(REDIS_URL)
await redis.flushdb()
const config = Config.parse({
  towns: [{ code: '320412120000', name: '湟里镇' }],
  adapters: [{ id: 'household-registration', adapter: 'household-registration', webhook: { secrets: [SECRET] }, ...(CONCURRENCY === undefined ? {} : { concurrency: CONCURRENCY }) }],
})
const gateway = await startGateway({
  port: 0, host: '127.0.0.1', dataDir: await mkdtemp(join(tmpdir(), 'tongban-bench-')), configPath: '(bench)',
  redisUrl: REDIS_URL, databaseUrl, adminToken: 'bench-admin-token-0123456789',
}, { config, logger: createLogger({ level: 'warn' }) })
const { db } = gateway.platform

const started = Date.now()
const loader = spawn(process.execPath, ['--import', 'tsx', new URL('./load.ts', import.meta.url).pathname, JSON.stringify({
  url: `${gateway.url}/webhooks/household-registration`, connections: CONNECTIONS, amount: WEBHOOKS, secret: SECRET,
  bodyModule: new URL('./drain-bodies.ts', import.meta.url).href,
})], { stdio: ['ignore', 'pipe', 'inherit'] })
let loadOutput = ''
loader.stdout.on('data', (chunk: Buffer) => { loadOutput += chunk.toString() })
const loaded = once(loader, 'exit')
let loadDone = false
void loaded.then(() => { loadDone = true })

// Each second: messages received and messages waiting (inbox rows not yet done); once all are
// sent, every tenth of a second, to see the last one done.
const backlog: number[] = []
let lastProgress = Date.now()
let lastWaiting = -1
let stuck = false
let finished = 0
/** Redis's own peak counts since the server started (other runs too): sampled here instead. */
let redisPeakBytes = 0
for (;;) {
  await sleep(100)
  // A sample per second of the run, whatever the queries' own time.
  const second = Date.now() - started >= (backlog.length + 1) * 1000
  if (!second && !loadDone) continue
  const { rows: [s] } = await db.query<{ waiting: number, received: number }>(
    "SELECT (SELECT count(*)::int FROM inbox WHERE status = 'received') AS waiting, (SELECT coalesce(max(id), 0)::int FROM inbox) AS received")
  if (second) {
    backlog.push(s!.waiting)
    redisPeakBytes = Math.max(redisPeakBytes, Number(/^used_memory:(\d+)/m.exec(await redis.info('memory'))?.[1] ?? 0))
  }
  if (second && backlog.length % 30 === 0) console.log(`  … ${backlog.length} s: ${s!.received.toLocaleString()} received, ${s!.waiting.toLocaleString()} waiting`)
  if (s!.waiting !== lastWaiting) { lastWaiting = s!.waiting; lastProgress = Date.now() }
  if (loadDone && s!.waiting === 0) { finished = Date.now(); break }
  if (Date.now() - lastProgress > STUCK_MS) { stuck = true; finished = Date.now(); break }
}
await loaded
const load = JSON.parse(loadOutput.trim().split('\n').pop()!) as { requestsPerSecond: number, total: number, non2xx: number, errors: number, timeouts: number, seconds: number, p99: number, peakRssMb: number }
const { rows: [done] } = await db.query<{ messages: number, ok: number, quarantined: number, failed: number }>(
  `SELECT count(*)::int AS messages, coalesce(sum(records_ok), 0)::int AS ok, coalesce(sum(records_quarantined), 0)::int AS quarantined,
     count(*) FILTER (WHERE status = 'failed')::int AS failed FROM inbox`)
// A transaction's rows share its now(): how many messages each transaction committed.
const { rows: [groups] } = await db.query<{ transactions: number, largest: number }>(
  'SELECT count(*)::int AS transactions, coalesce(max(n), 0)::int AS largest FROM (SELECT count(*) AS n FROM inbox WHERE processed_at IS NOT NULL GROUP BY processed_at) AS t')
const seconds = (finished - started) / 1000
const gatewayRssMb = ownPeakRssMb()
const memory = await serverMemory(db, dbName, redis)
await gateway.stop()
await redis.flushdb()
redis.disconnect()
await dropDatabase(dbName)

const unifiedRate = done!.ok / seconds
const floorRate = await floorRecordsPerSecond()

console.log(`acknowledged   ${Math.round(load.total / load.seconds).toLocaleString()} webhooks/s  (${load.total.toLocaleString()} in ${load.seconds.toFixed(1)} s, p99 ${load.p99} ms; non-2xx ${load.non2xx}, errors ${load.errors}, timeouts ${load.timeouts})`)
console.log(`floor  (INSERT ... ON CONFLICT, pre-mapped)   ${Math.round(floorRate).toLocaleString()} records/s`)
console.log(`drain  (ingest + map + unify, end to end)     ${Math.round(unifiedRate).toLocaleString()} records/s  (${done!.ok.toLocaleString()} records, ${done!.quarantined.toLocaleString()} quarantined, ${done!.messages.toLocaleString()} messages (${done!.failed} unreadable) in ${seconds.toFixed(1)} s${stuck ? '; STOPPED: the backlog did not move for 2 minutes' : ''})`)
console.log(`messages per transaction: ${(done!.messages / Math.max(1, groups!.transactions)).toFixed(1)} on average, ${groups!.largest} at most (${groups!.transactions.toLocaleString()} transactions)`)
console.log('waiting webhooks (inbox rows not yet done), each second:')
for (const line of asciiChart(backlog)) console.log(line)
console.log(`peak memory: gateway (this process) ${gatewayRssMb} MB, load generator ${load.peakRssMb} MB, PostgreSQL ${memory.postgres}, Redis ${memory.redis}`)
console.log(`ratio to floor: ${(unifiedRate / floorRate).toFixed(2)}  (goal ≥ 15,000 records/s)`)
report({ bench: 'drain', figure: 'acknowledged', unit: 'webhooks/s', goal: '—', now: Math.round(load.total / load.seconds), rssMb: gatewayRssMb })
report({ bench: 'drain', figure: 'unified, PostgreSQL', unit: 'records/s', goal: '≥ 15,000', now: Math.round(unifiedRate), floor: Math.round(floorRate), ratio: Number((unifiedRate / floorRate).toFixed(2)), met: !stuck && unifiedRate >= 15_000, rssMb: gatewayRssMb })

/** Peak memory of the database backends serving the gateway and of the Redis server, as far as this host shows them. */
async function serverMemory (pg: Db, database: string, r: Redis): Promise<{ postgres: string, redis: string }> {
  const { rows } = await pg.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [database])
  const backends = rows.map((row) => peakRssMbOf(row.pid)).filter((mb): mb is number => mb !== undefined)
  const redisPid = Number(/^process_id:(\d+)/m.exec(await r.info('server'))?.[1])
  const redisRss = Number.isFinite(redisPid) ? peakRssMbOf(redisPid) : undefined
  return {
    postgres: backends.length > 0 ? `${backends.length} backends, largest ${Math.max(...backends)} MB (shared buffers included)` : 'not readable here',
    redis: `${Math.round(redisPeakBytes / 2 ** 20)} MB of data at most (sampled each second)${redisRss === undefined ? '' : `, its process ${redisRss} MB at its peak ever`}`,
  }
}

/** The same records, mapped beforehand, upserted FLOOR_MESSAGES messages at a time into a plain copy of the tables. */
async function floorRecordsPerSecond (): Promise<number> {
  const name = `tb_bench_drain_floor_${Date.now()}`
  const floor = await openPostgres(await createDatabase(name))
  await migrate(floor)
  const { table, key, columns } = tables.person
  const cols = Object.values(columns)
  const names = cols.map((c) => c.name)
  const keyColumn = columns[key]!.name
  const sql = `INSERT INTO ${table} (${names.join(', ')}) SELECT ${names.join(', ')} FROM jsonb_to_recordset($1::jsonb) AS r(${cols.map((c) => `${c.name} ${c.type}`).join(', ')})
    ON CONFLICT (${keyColumn}) DO UPDATE SET ${names.filter((n) => n !== keyColumn).map((n) => `${n} = EXCLUDED.${n}`).join(', ')}`
  const batches: string[] = []
  let records = 0
  for (let n = 0; records < FLOOR_RECORDS && n < WEBHOOKS;) {
    // A key once per batch (ON CONFLICT touches a row once per statement): the latest wins.
    const rows = new Map<string, Record<string, unknown>>()
    for (const end = n + FLOOR_MESSAGES; n < end && n < WEBHOOKS; n++) {
      const raws = parseWebhookBody(household, Buffer.from(drainBody(n)), { webhookId: `floor_${n}`, receivedAt: new Date() })
      for (const r of mapBatch(household, raws).records) {
        rows.set(r.key, Object.fromEntries(Object.entries(columns).map(([f, c]) => [c.name, r.data[f] ?? null])))
        records++
      }
    }
    batches.push(JSON.stringify([...rows.values()]))
  }
  const t0 = performance.now()
  for (const batch of batches) await floor.query(sql, [batch])
  const floorSeconds = (performance.now() - t0) / 1000
  await floor.close()
  await dropDatabase(name)
  return records / floorSeconds
}
