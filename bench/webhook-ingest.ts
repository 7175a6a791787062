// bench/webhook-ingest: signed 1 KB webhooks per second accepted (202, committed to the inbox in
// PostgreSQL, job queued in Redis) at 64 connections, against the floor — a bare Fastify route
// doing one Redis XADD of the same signed requests — measured in the same run, in two modes:
//   workers off   the gateway alone (`tongban start --no-workers`);
//   full system   the demo configuration as `npm start` runs it: every adapter worker (the ingest
//                 workers unify what the bench sends), the sweeper and the department simulators;
//                 its floor is measured while that system runs, so both see the same background.
// The gateway runs in this process: its peak RSS is this process's, taken per mode.
//   npm run bench:webhook-ingest   (DATABASE_URL, REDIS_URL optional; defaults: local servers)
//   BENCH_MODES=off|full, BENCH_SECONDS, BENCH_CONNECTIONS, BENCH_WARMUP_SECONDS, BENCH_LOG optional
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { promisify } from 'node:util'
import { mkdtemp, readFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import { Redis } from 'ioredis'
import pg from 'pg'
import { pino } from 'pino'
import { startGateway, type Gateway } from '../src/runtime/gateway.ts'
import { Config } from '../src/config/schema.ts'
import { loadConfig } from '../src/config/load.ts'
import { createLogger } from '../src/log.ts'
import { fromRoot } from '../src/paths.ts'
import { buildMessage } from '../adapters/household-registration/data.ts'
import { ADMIN_URL, createDatabase, dropDatabase } from './database.ts'
import { ownPeakRssMb, peakRssMbOf, report, resetPeakRss } from './report.ts'
import { formatCpu, measureCpu, type CpuUsage } from './cpu-usage.ts'

// The demo's household secret: the full system's household instance accepts it too.
const SECRET = 'whsec_dG9uZ2Jhbi1kZW1vLWhvdXNlaG9sZC1zZWNyZXQ='
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64)
const DURATION = Number(process.env.BENCH_SECONDS ?? 10)
// Lets the full system's first pulls and pushes start before anything is measured.
const WARMUP_MS = Number(process.env.BENCH_WARMUP_SECONDS ?? 5) * 1000
const MODES = (process.env.BENCH_MODES ?? 'off,full').split(',')
const GOAL = { ratio: 0.6, p99Ms: 50 }
// A throwaway database: a throwaway master key for the credential vault unless one is given.
process.env.TONGBAN_MASTER_KEY ??= randomBytes(32).toString('base64')
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/9'
const run = promisify(execFile)

interface LoadResult { requestsPerSecond: number, p50: number, p99: number, total: number, non2xx: number, errors: number, timeouts: number }

/**
 * Runs the load generator against `url`; with it, where the machine's CPU went in the middle of
 * the run (from a second in until a second before the end: the steady state).
 */
async function load (url: string, body: string, secret?: string): Promise<LoadResult & { cpu: CpuUsage }> {
  const running = run(process.execPath, ['--import', 'tsx', new URL('./load.ts', import.meta.url).pathname, JSON.stringify({ url, connections: CONNECTIONS, duration: DURATION, body, secret })], { maxBuffer: 1 << 20 })
  const loadPid = running.child.pid!
  const postgres = await postgresPids()
  const redis = await redisPid()
  const groups = { 'bench process': () => [process.pid], 'load generator': () => [loadPid], PostgreSQL: () => postgres, Redis: () => redis }
  const cpu = new Promise<CpuUsage>((resolve) => {
    setTimeout(() => {
      const window = measureCpu(groups)
      setTimeout(() => { resolve(window.stop()) }, Math.max(1, DURATION - 2) * 1000)
    }, 1500)
  })
  const { stdout } = await running
  return { ...JSON.parse(stdout.trim().split('\n').pop()!) as LoadResult, cpu: await cpu }
}

/** The bench database's backends and PostgreSQL's own writers (shared with whatever else runs). */
async function postgresPids (): Promise<number[]> {
  const { rows } = await admin.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = $1 OR backend_type IN ('walwriter', 'checkpointer', 'background writer')", [databaseName])
  return rows.map((r) => r.pid)
}

async function redisPid (): Promise<number[]> {
  const pid = /process_id:(\d+)/.exec(await flush.info('server'))?.[1]
  return pid ? [Number(pid)] : []
}

function oneKilobyteBody (): string {
  const msg = buildMessage(1, 1, { records: 2, eventType: 'QR' })
  const body = JSON.stringify(msg)
  // Pad to 1 KB with a field the adapter ignores, keeping the message valid.
  return JSON.stringify({ ...msg, pad: 'x'.repeat(Math.max(0, 1024 - body.length - 10)) })
}

/** The least a webhook endpoint can do — one Redis XADD of the body — under the same signed requests. */
async function measureFloor (body: string): Promise<LoadResult & { cpu: CpuUsage }> {
  const floor = Fastify()
  floor.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, b, done) => { done(null, b) })
  const xadd = new Redis(REDIS_URL)
  floor.post('/floor', async (req, reply) => { await xadd.xadd('bench:floor', 'MAXLEN', '~', '100000', '*', 'body', req.body as Buffer); return reply.code(202).send({ ok: true }) })
  const url = await floor.listen({ port: 0, host: '127.0.0.1' })
  try {
    return await load(`${url}/floor`, body, SECRET)
  } finally {
    await floor.close()
    xadd.disconnect()
  }
}

// Each mode resets the peak (resetPeakRss) so it gets its own.
const peakRssMb = (): number => peakRssMbOf(process.pid) ?? ownPeakRssMb()

// Ports below the kernel's ephemeral range (32768 and up): a port found free there stays free
// until its server listens, where an ephemeral one may meanwhile become some connection's own end.
const taken = new Set<number>()
async function freePort (): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000)
    if (taken.has(port)) continue
    const server = createServer()
    const free = await new Promise<boolean>((resolve) => {
      server.once('error', () => { resolve(false) })
      server.listen(port, '127.0.0.1', () => { resolve(true) })
    })
    if (!free) continue
    await new Promise((resolve) => server.close(resolve))
    taken.add(port)
    return port
  }
}

async function startMode (mode: string, databaseUrl: string): Promise<Gateway> {
  const settings = {
    port: 0, host: '127.0.0.1', dataDir: await mkdtemp(join(tmpdir(), 'tongban-bench-')), configPath: '(bench)',
    redisUrl: REDIS_URL, databaseUrl, adminToken: 'bench-admin-token-0123456789',
  }
  if (mode === 'off') {
    const config = Config.parse({
      towns: [{ code: '320412120000', name: '湟里镇' }],
      adapters: [{ id: 'household-registration', adapter: 'household-registration', webhook: { secrets: [SECRET] } }],
    })
    return await startGateway(settings, { config, logger: createLogger({ level: 'warn' }), workers: false })
  }
  // The demo configuration on free ports (another gateway may hold the demo's), logging at info
  // as `npm start` does, into /dev/null or the file BENCH_LOG names.
  const configPath = fromRoot('config', 'demo.yaml')
  // Every port the demo configuration reads from the environment, as it names them today.
  const demoPorts = new Set((await readFile(configPath, 'utf8')).match(/TONGBAN_DEMO_[A-Z]+_PORT/g))
  for (const name of demoPorts) process.env[name] = String(await freePort())
  const config = await loadConfig(configPath)
  const gateway = await startGateway({ ...settings, configPath }, { config, logger: createLogger({ level: 'info' }, pino.destination({ dest: process.env.BENCH_LOG ?? '/dev/null', sync: false })) })
  await new Promise((resolve) => setTimeout(resolve, WARMUP_MS))
  return gateway
}

const MODE_NAMES: Record<string, string> = { off: 'workers off', full: 'full system' }
const body = oneKilobyteBody()
const flush = new Redis(REDIS_URL)
const admin = new pg.Client({ connectionString: ADMIN_URL })
await admin.connect()
let databaseName = ''
const fmt = (r: LoadResult): string => `${Math.round(r.requestsPerSecond)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms  (non-2xx ${r.non2xx}, errors ${r.errors}, timeouts ${r.timeouts})`
// Cores busy per process, and CPU µs per request: what a request costs each process, whatever else runs.
const fmtCpu = (r: LoadResult & { cpu: CpuUsage }): string => `cores busy: ${formatCpu(r.cpu)}; µs per request: ${
  Object.entries(r.cpu.cores).filter(([name]) => name !== 'other').map(([name, cores]) => `${name} ${Math.round(cores * 1e6 / r.requestsPerSecond)}`).join(', ')}`

console.log(`webhook-ingest: ${Buffer.byteLength(body)} byte signed bodies, ${CONNECTIONS} connections, ${DURATION} s per run, node ${process.version}`)

for (const mode of MODES) {
  const name = MODE_NAMES[mode]
  if (!name) throw new Error(`BENCH_MODES: unknown mode ${mode} (off, full)`)
  await flush.flushdb()
  const dbName = databaseName = `tb_bench_${Date.now()}`
  const databaseUrl = await createDatabase(dbName)
  try {
    resetPeakRss()
    // Workers off: the floor on a quiet machine. Full system: the floor beside the running system.
    const floorFirst = mode === 'off' ? await measureFloor(body) : undefined
    const gateway = await startMode(mode, databaseUrl)
    const floor = floorFirst ?? await measureFloor(body)
    const ingest = await load(`${gateway.url}/webhooks/household-registration`, body, SECRET)
    const { rows } = await gateway.platform.db.query<{ n: number, processed: number }>("SELECT count(*)::int AS n, (count(*) FILTER (WHERE status <> 'received'))::int AS processed FROM inbox WHERE webhook_id LIKE 'bench\\_%'")
    const rssMb = peakRssMb()
    await gateway.stop()

    const ratio = ingest.requestsPerSecond / floor.requestsPerSecond
    console.log(`\n${name}:`)
    console.log(`floor  (fastify + XADD)         ${fmt(floor)}`)
    console.log(`ingest (verify + commit + queue) ${fmt(ingest)}`)
    console.log(`  floor  ${fmtCpu(floor)}`)
    console.log(`  ingest ${fmtCpu(ingest)}`)
    console.log(`inbox rows committed: ${rows[0]!.n} of ${ingest.total} requests (${rows[0]!.processed} of them processed by the workers by the end)`)
    console.log(`peak RSS of the bench process (gateway, floor server and all): ${rssMb} MB`)
    console.log(`ratio to floor: ${ratio.toFixed(2)}  (${name}; goal ≥ ${GOAL.ratio}× floor, p99 ≤ ${GOAL.p99Ms} ms)`)
    report({
      bench: 'webhook-ingest',
      figure: `ingest, ${name}`,
      unit: 'req/s',
      goal: `≥ ${GOAL.ratio}× floor, p99 ≤ ${GOAL.p99Ms} ms`,
      now: Math.round(ingest.requestsPerSecond),
      floor: Math.round(floor.requestsPerSecond),
      ratio: Number(ratio.toFixed(2)),
      met: ratio >= GOAL.ratio && ingest.p99 <= GOAL.p99Ms,
      rssMb,
    })
  } finally {
    await dropDatabase(dbName)
  }
}

await flush.flushdb()
flush.disconnect()
await admin.end()
