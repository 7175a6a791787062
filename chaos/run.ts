// The chaos suite: `npm run chaos`. Starts, on private ports (7300–7399), a Redis master +
// replica + 3 Sentinels, a PostgreSQL 15 primary + streaming standby + PgBouncer (transaction
// mode), the market-regulation simulator, and tongban as three real processes (api, worker,
// scheduler); then, under a steady load of signed webhooks, makes each fault of scenarios.ts and
// judges it: acknowledged vs unified (every acknowledged webhook once in the inbox, done, and its
// resident once in persons), time to recover, jobs left in the queues. The last scenario runs the
// processes again on a 6-node Redis Cluster. Prints a Markdown table (README, "Chaos suite").
//   npm run chaos
//   npm run chaos -- throughput   (the issue's figure instead: chaos/throughput.ts)
//   CHAOS_ONLY=api,pg-promote (scenario keys), CHAOS_RATE (webhooks/s, default 20),
//   CHAOS_HOLD_MS (keep every server up that long after the table, to look around)
import { randomBytes } from 'node:crypto'
import { loadavg } from 'node:os'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { startCluster, startSentinel } from '../test/helpers/redis-topologies.ts'
import { startPgCluster } from '../test/helpers/pg-cluster.ts'
import { startMarketSimulator, tongbanProcess } from './processes.ts'
import { steadyLoad, type Load } from './load.ts'
import { drain, measure, type Outcome } from './measure.ts'
import { SCENARIOS, type Scenario, type Stage } from './scenarios.ts'
import { pinPoolerDatabase } from './servers.ts'
import { PORTS, Teardowns, scratchDir, seconds, sleep } from './support.ts'
import { fromRoot } from '../src/paths.ts'

const RATE = Number(process.env.CHAOS_RATE ?? 20)
const ONLY = process.env.CHAOS_ONLY?.split(',').filter(Boolean)
/** Load before the fault (a steady state to break) and after the operator's part is done. */
const BEFORE_MS = 5000
const AFTER_MS = 10_000
/** …and until the webhooks have been acknowledged for this long without a refusal, up to RECOVER_MS. */
const STEADY_MS = 5000
const RECOVER_MS = 120_000
/** How long the system may take to finish what was acknowledged once the load stops (the sweeper's grace is 15 s). */
const DRAIN_MS = 90_000
const DATABASE = 'tongban_chaos'

const t = new Teardowns()
let stopping = false
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    if (stopping) return
    stopping = true
    console.error(`chaos: ${sig}, stopping every server and process`)
    void t.run().finally(() => process.exit(130))
  })
}

const log = (line: string): void => { console.error(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}`) }

interface Row { scenario: Scenario, outcome: Outcome, note?: string | undefined }

/** Starts the servers and the processes, and runs the scenarios asked for, Sentinel's then the Cluster's. */
async function runScenarios (): Promise<Row[]> {
  const scenarios = SCENARIOS.filter((s) => !ONLY || ONLY.includes(s.key))
  const scratch = await scratchDir('run')
  const logDir = join(scratch, 'logs')
  await mkdir(logDir)
  log(`logs in ${logDir}`)

  log('PostgreSQL primary + standby + PgBouncer')
  const pg = await startPgCluster(t, { basePort: PORTS.postgres })
  await pg.createDatabase(DATABASE)
  await pinPoolerDatabase(pg, DATABASE, pg.primary.port)
  log('the market-regulation simulator')
  const market = await startMarketSimulator(t, PORTS.market, logDir)

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TONGBAN_CONFIG: fromRoot('chaos', 'config.yaml'),
    CHAOS_MARKET_PORT: String(PORTS.market),
    DATABASE_URL: pg.pooler!.url(DATABASE),
    DATABASE_DIRECT_URL: pg.primary.url(DATABASE),
    TONGBAN_MASTER_KEY: randomBytes(32).toString('base64'),
    // Unfinished rows offered again every 2 s (after the sweeper's 15 s grace) rather than every 10 s.
    TONGBAN_SWEEP_EVERY_MS: '2000',
    LOG_LEVEL: 'info',
  }
  const processes = async (redis: Stage['redis']): Promise<Stage> => {
    env.REDIS_URL = redis.url
    const own = (name: string, role: 'api' | 'worker' | 'scheduler', port: number) =>
      tongbanProcess(t, { name: `${name}-${redis.kind}`, role, port, logDir, env: () => ({ ...env, TONGBAN_DATA_DIR: join(scratch, `${name}-${redis.kind}`) }) })
    const stage: Stage = {
      t, redis, pg, database: DATABASE, env, market, scratch, struck: () => {},
      api: own('api', 'api', PORTS.api[0]),
      worker: own('worker', 'worker', PORTS.worker[0]),
      scheduler: own('scheduler', 'scheduler', PORTS.scheduler),
    }
    // The api first: it migrates the database the others then find ready.
    log(`tongban api, worker and scheduler on ${redis.kind}`)
    await stage.api.start()
    await Promise.all([stage.worker.start(), stage.scheduler.start()])
    return stage
  }

  const rows: Row[] = []
  for (const kind of ['sentinel', 'cluster'] as const) {
    const mine = scenarios.filter((s) => s.topology === kind)
    if (mine.length === 0) continue
    log(kind === 'sentinel' ? 'Redis master + replica + 3 Sentinels' : 'Redis Cluster of 6 nodes')
    const redis = kind === 'sentinel'
      ? { ...await startSentinel(t, PORTS.sentinel), kind, nodes: [PORTS.sentinel.master, PORTS.sentinel.replica] }
      : { ...await startCluster(t, PORTS.cluster), kind, nodes: [...PORTS.cluster] }
    const stage = await processes(redis)
    const load = steadyLoad({ urls: () => [stage.api.url], perSecond: RATE })
    for (const scenario of mine) rows.push(await runScenario(scenario, stage, load))
    for (const p of [stage.api, stage.worker, stage.scheduler]) await p.stop()
  }
  return rows
}

/** One scenario under the load: strike, recover, stop the load, drain, measure. */
async function runScenario (scenario: Scenario, stage: Stage, load: Load): Promise<Row> {
  log(`${scenario.name}: load ${RATE}/s`)
  load.start()
  await sleep(BEFORE_MS)
  let faultAt = Date.now()
  const note = await scenario.fault({ ...stage, struck: () => { faultAt = Date.now() } })
  log(`${scenario.name}: operator done after ${seconds(Date.now() - faultAt)} s`)
  const operatorDone = Date.now()
  while (Date.now() < operatorDone + RECOVER_MS) {
    if (Date.now() >= operatorDone + AFTER_MS && Date.now() - load.lastRefusal() >= STEADY_MS) break
    await sleep(500)
  }
  const sent = await load.stop()
  const byStatus = new Map<number, number>()
  for (const s of sent) if (s.ackAt === undefined) byStatus.set(s.status ?? 0, (byStatus.get(s.status ?? 0) ?? 0) + 1)
  const refusals = [...byStatus].map(([status, n]) => `${n}× ${status === 0 ? 'no answer' : status}`)
  log(`${scenario.name}: ${sent.length} sent${refusals.length > 0 ? `, refused: ${refusals.join(', ')}` : ''}; draining`)
  const databaseUrl = (): string => stage.env.DATABASE_URL!
  await drain(databaseUrl, sent, DRAIN_MS)
  const outcome = await measure({ databaseUrl, redisUrl: stage.redis.url, sent, faultAt })
  log(`${scenario.name}: ${JSON.stringify(outcome)}`)
  return { scenario, outcome, note: note ?? undefined }
}

function table (rows: Row[]): string {
  const lines = [
    '| scenario | Redis | sent | acknowledged (2xx) | refused | unified | lost | duplicates | first 2xx after the fault (s) | first unified after the fault (s) | jobs left: waiting / active / delayed / failed |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|',
  ]
  for (const { scenario, outcome: o, note } of rows) {
    const s = o.stuck
    lines.push(`| ${scenario.name}${note ? ` (${note})` : ''} | ${scenario.topology} | ${o.sent} | ${o.acked} | ${o.refused} | ${o.unified} | ${o.acked - o.unified} | ${o.duplicates} | ${seconds(o.ackRecoveredMs)} | ${seconds(o.unifiedRecoveredMs)} | ${s.waiting} / ${s.active} / ${s.delayed} / ${s.failed} |`)
  }
  return lines.join('\n')
}

let failed = false
try {
  if (process.argv[2] === 'throughput') {
    const { throughput } = await import('./throughput.ts')
    const figure = await throughput(t)
    // The rest of the machine is in the table (`other`); the load average says how busy it was.
    console.log(`\nThroughput, node ${process.version}, ${new Date().toISOString().slice(0, 10)}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n\n${figure}`)
  } else {
    failed = !(await scenarios())
  }
} catch (err) {
  failed = true
  console.error(`chaos: ${(err as Error).stack ?? String(err)}`)
} finally {
  if (process.env.CHAOS_HOLD_MS) await sleep(Number(process.env.CHAOS_HOLD_MS))
  if (!stopping) await t.run()
}
process.exit(failed ? 1 : 0)

/** Runs the scenarios and prints their table; whether every acknowledged webhook was unified once. */
async function scenarios (): Promise<boolean> {
  const rows = await runScenarios()
  console.log(`\nChaos suite, ${RATE} webhooks/s, node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n`)
  console.log(table(rows))
  const lost = rows.filter((r) => r.outcome.acked !== r.outcome.unified || r.outcome.duplicates > 0)
  if (lost.length > 0) {
    console.log(`\nFAILED: acknowledged ≠ unified (or duplicates) in: ${lost.map((r) => r.scenario.key).join(', ')}`)
    return false
  }
  console.log('\nEvery acknowledged webhook unified exactly once in every scenario.')
  return true
}
