// bench/pull-sync: records per second from a 1,000,000-record market-regulation simulator through
// fetch, map, normalise and unify into PostgreSQL — and in the same run the floor: batched
// INSERT ... ON CONFLICT of the same rows, already mapped, into a plain table.
//   npm run bench:pull-sync   (BENCH_RECORDS, DATABASE_URL, REDIS_URL optional)
//   BENCH_DB=pglite: the same into PGlite, the embedded default (gateway without a database URL,
//   floor into a PGlite data dir).
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { createDatabase, dropDatabase } from './database.ts'
import { Redis } from 'ioredis'
import { startGateway } from '../src/runtime/gateway.ts'
import { Config } from '../src/config/schema.ts'
import { createLogger } from '../src/log.ts'
import { openPglite, openPostgres } from '../src/store/db.ts'
import { ownPeakRssMb, report } from './report.ts'
import { formatCpu, measureCpu, pidsMatching } from './cpu-usage.ts'
import { migrate } from '../src/store/migrate.ts'
import { mapBatch } from '../src/pipeline/map.ts'
import { prepareUnify } from '../src/unify/unify.ts'
import { tables } from '../src/store/columns.ts'
import market, { toRawRecord } from '../adapters/market-regulation/adapter.ts'
import { enterprisesBetween } from '../adapters/market-regulation/data.ts'

// A throwaway database: a throwaway master key for the credential vault unless one is given.
process.env.TONGBAN_MASTER_KEY ??= randomBytes(32).toString('base64')

const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000_000)
const FLOOR_RECORDS = Math.min(RECORDS, 200_000)
const PAGE = 500
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/9'
const PGLITE = process.env.BENCH_DB === 'pglite'
const ON = PGLITE ? 'PGlite ' : '' // labels PGlite's figures apart from PostgreSQL's

console.log(`pull-sync: ${RECORDS.toLocaleString()} records, pages of ${PAGE}, node ${process.version}`)

// The real thing: simulator in its own process, gateway with the pull worker, fresh database.
const simulator = spawn(process.execPath, ['--import', 'tsx', new URL('./market-simulator.ts', import.meta.url).pathname,
  JSON.stringify({ seed: 1, enterprises: RECORDS, rateLimitPerSecond: 0 })], { stdio: ['ignore', 'pipe', 'inherit'] })
const [simUrl] = await once(createInterface({ input: simulator.stdout! }), 'line') as [string]
const dbName = `tb_bench_pull_${Date.now()}`
const databaseUrl = PGLITE ? undefined : await createDatabase(dbName)
const dataDir = await mkdtemp(join(tmpdir(), 'tongban-bench-'))
const flush = new Redis(REDIS_URL)
await flush.flushdb()
const config = Config.parse({
  towns: [{ code: '320412120000', name: '湟里镇' }],
  adapters: [{
    id: 'market-regulation', adapter: 'market-regulation', baseUrl: simUrl,
    credentials: { clientId: 'tongban-demo', clientSecret: 'demo-secret' },
    every: '1h', pageSize: PAGE, timeout: '10s', concurrency: 1,
  }],
})
const started = performance.now()
const cpuBefore = process.cpuUsage()
const gateway = await startGateway({
  port: 0, host: '127.0.0.1', dataDir, configPath: '(bench)',
  redisUrl: REDIS_URL, databaseUrl, adminToken: 'bench-admin-token-0123456789',
}, { config, logger: createLogger({ level: 'warn' }) })
const { db, survivorship } = gateway.platform
// Where the CPU goes while the run pages: PostgreSQL's backends carry the database's name.
const redisPort = new URL(REDIS_URL).port || '6379'
const cpuUse = measureCpu({
  gateway: () => [process.pid],
  simulator: () => [simulator.pid!],
  ...(databaseUrl ? { postgres: () => pidsMatching(` ${dbName} `) } : {}),
  redis: () => pidsMatching(`redis-server`).filter((pid) => pidsMatching(`:${redisPort}`).includes(pid)),
})
let last = 0
for (;;) {
  await new Promise((resolve) => setTimeout(resolve, 1000))
  const { rows } = await db.query<{ status: string, records: number, quarantined: number, pages: number }>('SELECT status, records, quarantined, pages FROM adapter_runs ORDER BY id LIMIT 1')
  const run = rows[0]
  if (!run) continue
  const seen = run.records + run.quarantined
  if (Math.floor(seen / 100_000) > Math.floor(last / 100_000)) console.log(`  … ${seen.toLocaleString()} records after ${((performance.now() - started) / 1000).toFixed(1)} s`)
  last = seen
  if (run.status !== 'running') break
}
// The run's own start and finish, as the database recorded them (start-up not counted).
const { rows: [run] } = await db.query<{ status: string, records: number, quarantined: number, pages: number, seconds: number }>(
  'SELECT status, records, quarantined, pages, extract(epoch FROM finished_at - started_at)::float8 AS seconds FROM adapter_runs ORDER BY id LIMIT 1')
const seconds = run!.seconds
const { rows: [count] } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM enterprises')
const cpu = process.cpuUsage(cpuBefore)
const cpuRun = cpuUse.stop()
const rssMb = ownPeakRssMb()
await gateway.stop()
simulator.kill('SIGTERM')
await flush.flushdb()
flush.disconnect()
if (databaseUrl) await dropDatabase(dbName)
await rm(dataDir, { recursive: true, force: true })

// Floor: the same rows, mapped beforehand, upserted 500 at a time into a plain copy of the table,
// and again with the persons the pull links — measured after the run, so that making its rows is
// not in the gateway's peak memory.
const floorDb = `tb_bench_floor_${Date.now()}`
const floorDir = PGLITE ? await mkdtemp(join(tmpdir(), 'tongban-bench-floor-')) : undefined
const floor = floorDir ? await openPglite(floorDir) : await openPostgres(await createDatabase(floorDb))
await migrate(floor)
// An upsert of pre-mapped rows into a kind's table, columns from the store's column table.
const upsertSql = (kind: 'person' | 'enterprise'): string => {
  const { table, key, columns } = tables[kind]
  const cols = Object.values(columns)
  const names = cols.map((c) => c.name)
  return `INSERT INTO ${table} (${names.join(', ')}) SELECT ${names.join(', ')} FROM jsonb_to_recordset($1::jsonb) AS r(${cols.map((c) => `${c.name} ${c.type}`).join(', ')})
  ON CONFLICT (${columns[key]!.name}) DO UPDATE SET ${names.filter((n) => n !== columns[key]!.name).map((n) => `${n} = EXCLUDED.${n}`).join(', ')}`
}
const rowsOf = (kind: 'person' | 'enterprise', data: Array<Record<string, unknown>>): string =>
  JSON.stringify(data.map((d) => Object.fromEntries(Object.entries(tables[kind].columns).map(([f, c]) => [c.name, d[f] ?? null]))))
const enterpriseBatches: string[] = []
const personBatches: string[] = []
// The gateway's own work on a page, with no I/O: mapping and normalising, and preparing unify
// (merging, the rows as JSON), by this process's CPU.
let gatewayWork = 0
for (let from = 0; from < FLOOR_RECORDS; from += PAGE) {
  const raws = enterprisesBetween(1, from, Math.min(from + PAGE, FLOOR_RECORDS)).map((row) => toRawRecord(row, new Date()))
  const before = process.cpuUsage()
  const mapped = mapBatch(market, raws).records
  await prepareUnify(survivorship, 'market-regulation', mapped)
  const used = process.cpuUsage(before)
  gatewayWork += used.user + used.system
  const data = mapped.map((r) => r.data)
  enterpriseBatches.push(rowsOf('enterprise', data))
  // As the pull links them: representatives with an ID number, one row per person.
  const persons = new Map(data.flatMap((d) => {
    const rep = d.legalRepresentative as Record<string, unknown> | undefined
    return rep?.idNumber ? [[rep.idNumber, rep] as const] : []
  }))
  personBatches.push(rowsOf('person', [...persons.values()]))
}
async function floorSeconds (linked: boolean): Promise<number> {
  await floor.exec('TRUNCATE enterprises, persons')
  const started = performance.now()
  for (let i = 0; i < enterpriseBatches.length; i++) {
    if (linked) await floor.query(upsertSql('person'), [personBatches[i]])
    await floor.query(upsertSql('enterprise'), [enterpriseBatches[i]])
  }
  return (performance.now() - started) / 1000
}
const plainSeconds = await floorSeconds(false)
const floorRate = FLOOR_RECORDS / plainSeconds
// The pull writes each enterprise's legal representative as a person too: the least work for the
// same rows is both upserts. PostgreSQL's CPU for them is the database's least share of a record.
const floorCpu = measureCpu(floorDir ? {} : { postgres: () => pidsMatching(` ${floorDb} `) })
const linkedRate = FLOOR_RECORDS / await floorSeconds(true)
const floorUse = floorCpu.stop()
await floor.close()
if (floorDir) await rm(floorDir, { recursive: true, force: true })
else await dropDatabase(floorDb)
console.log(`floor  ${ON}(INSERT ... ON CONFLICT, pre-mapped)   ${Math.round(floorRate).toLocaleString()} records/s  (${FLOOR_RECORDS.toLocaleString()} rows in ${plainSeconds.toFixed(1)} s)`)
console.log(`floor  ${ON}with each legal representative's person row   ${Math.round(linkedRate).toLocaleString()} records/s`)

const total = run!.records + run!.quarantined
console.log(`pull   ${ON}(fetch + map + normalise + unify)     ${Math.round(total / seconds).toLocaleString()} records/s  (${total.toLocaleString()} records, ${run!.pages} pages in ${seconds.toFixed(1)} s, run ${run!.status})`)
console.log(`stored: ${count!.n.toLocaleString()} enterprises, ${run!.quarantined.toLocaleString()} quarantined`)
console.log(`gateway process CPU: ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s over ${((performance.now() - started) / 1000).toFixed(1)} s wall (${Math.round((cpu.user + cpu.system) / 1e3 / run!.pages)} ms per page)`)
const rate = total / seconds
const goal = PGLITE ? 12_000 : 20_000
const perPage = Object.entries(cpuRun.cores).map(([name, cores]) => `${name} ${(cores * cpuRun.seconds * 1000 / run!.pages).toFixed(1)}`).join(', ')
console.log(`cores busy: ${formatCpu(cpuRun)}; CPU ms per page: ${perPage}`)
console.log(`gateway peak RSS: ${rssMb} MB (goal for 1,000,000 records < 500 MB)`)
console.log(`ratio to floor: ${ON}${(rate / floorRate).toFixed(2)}  (goal ≥ ${goal.toLocaleString()} records/s); to the floor with persons: ${(rate / linkedRate).toFixed(2)}`)
// The most records per second the machine's cores allow for this work, from the least CPU each
// party spends on a record, all measured above: the department's simulator (in the run), the
// gateway's mapping and unify with no I/O, PostgreSQL's write of pre-mapped rows (the floor).
// Each is below what the real run spends, so the bound is generous.
if (!PGLITE) {
  const perRecord = {
    simulator: (cpuRun.cores.simulator ?? 0) * cpuRun.seconds * 1e6 / total,
    gateway: gatewayWork / FLOOR_RECORDS,
    postgres: (floorUse.cores.postgres ?? 0) * floorUse.seconds * 1e6 / FLOOR_RECORDS,
  }
  const sum = perRecord.simulator + perRecord.gateway + perRecord.postgres
  const bound = availableParallelism() * 1e6 / sum
  console.log(`least CPU per record: simulator ${perRecord.simulator.toFixed(0)} µs + gateway's mapping and unify ${perRecord.gateway.toFixed(0)} µs + PostgreSQL's write ${perRecord.postgres.toFixed(0)} µs = ${sum.toFixed(0)} µs`)
  console.log(`CPU bound: at most ${Math.round(bound).toLocaleString()} records/s on ${availableParallelism()} cores, with every core busy and nothing else running`)
  report({ bench: 'pull-sync', figure: `pull ${RECORDS >= 1_000_000 ? `${RECORDS / 1_000_000}M` : `${RECORDS / 1000}k`} records, CPU bound (${availableParallelism()} cores)`, unit: 'records/s', goal: `≥ ${goal.toLocaleString()}`, now: Math.round(bound), met: bound >= goal })
}
const size = `${RECORDS >= 1_000_000 ? `${RECORDS / 1_000_000}M` : `${RECORDS / 1000}k`} records`
report({ bench: 'pull-sync', figure: `pull ${size}, ${PGLITE ? 'PGlite' : 'PostgreSQL'}`, unit: 'records/s', goal: `≥ ${goal.toLocaleString()}`, now: Math.round(rate), floor: Math.round(linkedRate), ratio: rate / linkedRate, met: rate >= goal, rssMb })
report({ bench: 'pull-sync', figure: `pull ${size}, ${PGLITE ? 'PGlite' : 'PostgreSQL'}, gateway peak RSS`, unit: 'MB', goal: '< 500 (1M records)', now: rssMb, met: rssMb < 500 })
