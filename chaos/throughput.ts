// The throughput figure: signed webhooks acknowledged and unified per second with 1 api +
// 1 worker process, then with 2 + 2, against one PostgreSQL (through PgBouncer) and the 6-node
// Redis Cluster, on the same machine — with where the CPU went in each. On 2 cores a second pair
// of processes is expected to gain nothing: the cores are the bound, and the split shows it.
//   npm run chaos -- throughput   (CHAOS_SECONDS per run, default 20; CHAOS_CONNECTIONS, default 32)
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, readFile } from 'node:fs/promises'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { startCluster } from '../test/helpers/redis-topologies.ts'
import { queryOnce, startPgCluster } from '../test/helpers/pg-cluster.ts'
import { formatCpu, measureCpu, pidsMatching, type CpuUsage } from '../bench/cpu-usage.ts'
import { fromRoot } from '../src/paths.ts'
import { SECRET } from './load.ts'
import { startMarketSimulator, tongbanProcess, type TongbanProcess } from './processes.ts'
import { PORTS, scratchDir, sleep, type Teardowns } from './support.ts'

const run = promisify(execFile)
const SECONDS = Number(process.env.CHAOS_SECONDS ?? 20)
const CONNECTIONS = Number(process.env.CHAOS_CONNECTIONS ?? 32)
const DATABASE = 'tongban_throughput'

/** `root` and every process below it (PostgreSQL's backends are children of the postmaster). */
function tree (root: number): number[] {
  const children = new Map<number, number[]>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)])
    } catch { /* gone */ }
  }
  const out: number[] = []
  const visit = (pid: number): void => { out.push(pid); for (const c of children.get(pid) ?? []) visit(c) }
  visit(root)
  return out
}

interface Figure { apis: number, workers: number, ackedPerSecond: number, unifiedPerSecond: number, p99: number, cpu: CpuUsage }

export async function throughput (t: Teardowns): Promise<string> {
  const scratch = await scratchDir('throughput')
  const logDir = join(scratch, 'logs')
  await mkdir(logDir)
  console.error(`[chaos] throughput: logs in ${logDir}`)
  const pg = await startPgCluster(t, { basePort: PORTS.postgres, standby: false })
  await pg.createDatabase(DATABASE)
  const redis = await startCluster(t, PORTS.cluster)
  await startMarketSimulator(t, PORTS.market, logDir)
  const postmaster = Number((await readFile(join(pg.primary.dir, 'postmaster.pid'), 'utf8')).split('\n')[0])
  const bouncerPid = Number((await readFile(join(dirname(pg.primary.dir), 'pgbouncer', 'pgbouncer.pid'), 'utf8')).trim())
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TONGBAN_CONFIG: fromRoot('chaos', 'config.yaml'),
    CHAOS_MARKET_PORT: String(PORTS.market),
    REDIS_URL: redis.url,
    DATABASE_URL: pg.pooler!.url(DATABASE),
    DATABASE_DIRECT_URL: pg.primary.url(DATABASE),
    TONGBAN_MASTER_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'warn',
  }
  const own = (name: string, role: 'api' | 'worker' | 'scheduler', port: number): TongbanProcess =>
    tongbanProcess(t, { name, role, port, logDir, env: () => ({ ...env, TONGBAN_DATA_DIR: join(scratch, name) }) })
  const apis = PORTS.api.map((port, i) => own(`api-${i + 1}`, 'api', port))
  const workers = PORTS.worker.map((port, i) => own(`worker-${i + 1}`, 'worker', port))
  const scheduler = own('scheduler', 'scheduler', PORTS.scheduler)
  await apis[0]!.start()
  await scheduler.start()

  const figures: Figure[] = []
  for (const n of [1, 2]) {
    const api = apis.slice(0, n)
    const worker = workers.slice(0, n)
    await Promise.all([...api, ...worker].map(async (p) => { await p.start() }))
    await sleep(3000)
    const from = new Date()
    const loads = api.map((a) => run(process.execPath, ['--import', 'tsx', fromRoot('bench', 'load.ts'), JSON.stringify({
      url: `${a.url}/webhooks/household-registration`, connections: Math.ceil(CONNECTIONS / n), duration: SECONDS, secret: SECRET, bodyModule: new URL('./bodies.ts', import.meta.url).href,
    })], { maxBuffer: 1 << 20, cwd: fromRoot() }))
    const loadPids = loads.map((l) => l.child.pid!)
    const groups = {
      [`api ×${n}`]: () => api.map((p) => p.pid()),
      [`worker ×${n}`]: () => worker.map((p) => p.pid()),
      scheduler: () => [scheduler.pid()],
      PostgreSQL: () => tree(postmaster),
      PgBouncer: () => [bouncerPid],
      'Redis Cluster': () => pidsMatching(`redis-server 127.0.0.1:${PORTS.cluster[0].toString().slice(0, 3)}`),
      'load generator': () => loadPids,
    }
    await sleep(2000)
    const window = measureCpu(groups)
    await sleep(Math.max(1, SECONDS - 4) * 1000)
    const cpu = window.stop()
    const results = (await Promise.all(loads)).map(({ stdout }) => JSON.parse(stdout.trim().split('\n').pop()!) as { requestsPerSecond: number, p99: number, total: number, non2xx: number })
    // Unified: rows done from the start of the load until the last of them (the backlog drained).
    const end = Date.now() + 180_000
    let done: { n: number, seconds: number } = { n: 0, seconds: 0 }
    for (;;) {
      const [row] = await queryOnce<{ open: number, n: number, seconds: number }>(pg.primary.url(DATABASE),
        "SELECT count(*) FILTER (WHERE status = 'received')::int AS open, count(*) FILTER (WHERE status = 'done')::int AS n, extract(epoch FROM max(processed_at) - $1::timestamptz)::float AS seconds FROM inbox WHERE received_at >= $1", [from])
      done = { n: row!.n, seconds: row!.seconds }
      if (row!.open === 0 || Date.now() > end) break
      await sleep(1000)
    }
    figures.push({
      apis: n,
      workers: n,
      ackedPerSecond: results.reduce((s, r) => s + r.requestsPerSecond, 0),
      unifiedPerSecond: done.n / done.seconds,
      p99: Math.max(...results.map((r) => r.p99)),
      cpu,
    })
    console.error(`[chaos] throughput ${n}+${n}: ${JSON.stringify(figures.at(-1))}`)
  }
  for (const p of [...apis, ...workers, scheduler]) await p.stop()

  return [
    `| processes | webhooks acknowledged/s | p99 (ms) | unified/s (until the backlog drained) | cores busy (2 cores) |`,
    '|---|--:|--:|--:|---|',
    ...figures.map((f) => `| ${f.apis} api + ${f.workers} worker (+ 1 scheduler) | ${Math.round(f.ackedPerSecond)} | ${f.p99} | ${Math.round(f.unifiedPerSecond)} | ${formatCpu(f.cpu)} |`),
  ].join('\n')
}
