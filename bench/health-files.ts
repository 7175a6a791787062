// bench/health-files: the health commission's 200,000-row family-doctor file (GB18030, CRLF,
// quoted line breaks, ≈ 40 MB) fetched from its simulator's SFTP server (the kit's, in a child
// process, the DEMO key) and imported into PostgreSQL the real way — scheduler, file job, stored in
// the file inbox, checked against the day's `.ok` (rows and SM3), read as it streams, mapped,
// normalised, unified into persons and family-doctor facets in batches — with the peak RSS of the
// importing process; and in the same run the floor: the same file decoded and parsed as it streams
// (the adapter's CSV reading) and its rows INSERTed, unmapped, 1,000 at a time into a plain table.
// Goal (issue 15): ≥ 20,000 rows/s with peak RSS < 300 MB.
//   npm run bench:health-files   (BENCH_ROWS, DATABASE_URL, REDIS_URL optional)
// As bench:file-import, V8's old space is capped at 128 MB, as a gateway taking large drops should be run.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { getHeapStatistics } from 'node:v8'
import { Redis } from 'ioredis'
import { createDatabase, dropDatabase } from './database.ts'
import { floorSeconds, waitForFile } from './file-inbox.ts'
import { ownPeakRssMb, report, resetPeakRss } from './report.ts'
import adapter from '../adapters/health-files/adapter.ts'
import { DEMO_HOST_KEY, DEMO_HOST_KEY_FINGERPRINT, DEMO_USER_KEY } from '../adapters/health-files/demo-keys.ts'
import { AdapterInstance, Config } from '../src/config/schema.ts'
import { createLogger } from '../src/log.ts'
import { createPlatform } from '../src/platform.ts'
import { openQueues } from '../src/queues/queues.ts'
import { startWorkers } from '../src/runtime/workers.ts'
import { openPostgres } from '../src/store/db.ts'
import { migrate } from '../src/store/migrate.ts'
import { readFileRecords, type FileDrop, type FileInfo, type RawRecord } from '../src/adapter-sdk/index.ts'
import { commitBatch, prepareBatch } from '../src/pipeline/commit.ts'
import { mapBatch } from '../src/pipeline/map.ts'
import { defaultSurvivorship } from '../src/unify/survivorship.ts'
import { measureCpu, pidsMatching } from './cpu-usage.ts'

const ROWS = Number(process.env.BENCH_ROWS ?? 200_000)
const USER = 'hlz320412120'
const GOAL_ROWS_PER_SECOND = 20_000
const GOAL_RSS_MB = 300

interface Served { port: number, path: string, outbox: string, file: string, rows: number }

// The department, in its own process: its SFTP server and file writing are not the importer's CPU or memory.
if (process.argv[2] === '--department') {
  const { startSimulator } = await import('../adapters/health-files/simulator.ts')
  const sim = await startSimulator({
    seed: 1, residents: 1_000_000, rowsPerFile: ROWS, maxFilesPerDay: 1, startDay: '2026-11-01', town: '320412120',
    users: [{ username: USER, publicKey: DEMO_USER_KEY.publicKey }], maxSessionsPerUser: 2, hostKey: DEMO_HOST_KEY,
    host: '127.0.0.1', port: 0, dayEveryMs: 0, truncatedRate: 0, keepDays: 30, dir: process.argv[3],
  })
  const day = await sim.emit()
  const served: Served = { port: sim.port, path: sim.path, outbox: sim.outbox, file: day.files[0]!.name, rows: day.files[0]!.rows }
  console.log(JSON.stringify(served))
  // until the bench closes our stdin
  process.stdin.resume()
  process.stdin.on('end', () => { sim.close().then(() => process.exit(0), () => process.exit(1)) })
} else {
  await bench()
}

async function bench (): Promise<void> {
  // A throwaway database: a throwaway master key for the credential vault unless one is given.
  process.env.TONGBAN_MASTER_KEY ??= randomBytes(32).toString('base64')
  const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/9'
  const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`
  const work = await mkdtemp(join(tmpdir(), 'tongban-bench-health-'))

  let started = performance.now()
  const department = spawn(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--department', join(work, 'sftp')], { stdio: ['pipe', 'pipe', 'inherit'], env: process.env })
  const [line] = await createInterface({ input: department.stdout! })[Symbol.asyncIterator]().next().then((r) => [r.value as string])
  const served = JSON.parse(line!) as Served
  const bytes = (await stat(join(served.outbox, served.file))).size
  console.log(`health-files: ${served.rows.toLocaleString()} rows, ${mb(bytes)} GB18030 CRLF on the simulator's SFTP server with the day's .ok (written in ${((performance.now() - started) / 1000).toFixed(1)} s), node ${process.version}`)

  // The real thing: a platform on a fresh database, the file-drop worker fetching over SFTP as the runtime does.
  const dbName = `tb_bench_health_${Date.now()}`
  const db = await openPostgres(await createDatabase(dbName))
  await migrate(db)
  const flush = new Redis(REDIS_URL)
  await flush.flushdb()
  const platform = createPlatform({ config: Config.parse({ towns: [{ code: '320412120000', name: '湟里镇' }], adapters: [] }), db, redisUrl: REDIS_URL, logger: createLogger({ level: 'warn' }), dataDir: join(work, 'data') })
  const config = AdapterInstance.parse({
    id: 'health-files',
    adapter: 'health-files',
    every: '1s',
    files: { sftp: { host: '127.0.0.1', port: served.port, path: served.path, hostKey: DEMO_HOST_KEY_FINGERPRINT, sessions: 2 } },
    credentials: { username: USER, privateKey: DEMO_USER_KEY.privateKey },
  })
  platform.instances.set(config.id, { config, adapter, queues: openQueues(platform.redis, config, false, true) })
  resetPeakRss()
  const departmentCpu = measureCpu({ department: () => [department.pid!] })
  const cpuBefore = process.cpuUsage()
  started = performance.now()
  const workers = await startWorkers(platform, [config.id])
  const status = await waitForFile(db, (rows) => {
    console.log(`  … ${rows.toLocaleString()} rows after ${((performance.now() - started) / 1000).toFixed(1)} s (peak RSS ${ownPeakRssMb()} MB)`)
  })
  const wall = (performance.now() - started) / 1000
  const cpu = process.cpuUsage(cpuBefore)
  const departmentUse = departmentCpu.stop()
  const rssMb = ownPeakRssMb()
  const { rows: [counts] } = await db.query<{ rows_ok: number, rows_quarantined: number, persons: number, facets: number }>(
    "SELECT rows_ok, rows_quarantined, (SELECT count(*)::int FROM persons) AS persons, (SELECT count(*)::int FROM facet_entries WHERE facet = 'family-doctor') AS facets FROM file_inbox ORDER BY id LIMIT 1")
  await workers.close()
  await platform.close()
  await db.close()
  await dropDatabase(dbName)
  await flush.flushdb()
  flush.disconnect()
  // From the file's record in the inbox (fetched over SFTP and stored) to its last batch: the check included.
  const seconds = status.seconds!
  const realRate = served.rows / seconds

  const info: FileInfo = { name: served.file, size: bytes, modifiedAt: new Date() }
  const floorRate = served.rows / await floorSeconds(adapter.files!, join(served.outbox, served.file), info)
  const least = await leastCpuPerRow(join(served.outbox, served.file), info)
  department.stdin!.end()
  await new Promise((resolve) => department.once('exit', resolve))
  await rm(work, { recursive: true, force: true })

  console.log(`floor  (local stream decode + csv-parse + INSERT, unmapped)                  ${Math.round(floorRate).toLocaleString()} rows/s  (${(served.rows / floorRate).toFixed(1)} s)`)
  console.log(`import (SFTP + store + SM3/rows check + parse + map + normalise + unify)   ${Math.round(realRate).toLocaleString()} rows/s  (${seconds.toFixed(1)} s in the file inbox, ${wall.toFixed(1)} s wall; status ${status.status})`)
  console.log(`stored: ${counts!.persons.toLocaleString()} persons, ${counts!.facets.toLocaleString()} family-doctor facets, ${counts!.rows_ok.toLocaleString()} rows unified, ${counts!.rows_quarantined.toLocaleString()} quarantined`)
  console.log(`process CPU during the import: ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s`)
  console.log(`peak RSS of the importing process: ${rssMb} MB (V8 heap limit ${mb(getHeapStatistics().heap_size_limit)}; goal < ${GOAL_RSS_MB} MB)  ${rssMb < GOAL_RSS_MB ? 'ok' : 'OVER'}`)
  console.log(`ratio to floor: ${(realRate / floorRate).toFixed(2)}`)
  // The most rows per second the cores allow, from the least CPU each party spends on a row: the
  // department's SFTP server (in the run), the importer's reading, mapping and unify with no I/O,
  // PostgreSQL's write of those rows (persons and facet entries). Each is below what the real
  // import spends (no SFTP, SM3, check pass or file inbox in it), so the bound is generous.
  const departmentUs = (departmentUse.cores.department ?? 0) * departmentUse.seconds * 1e6 / served.rows
  const leastUs = departmentUs + least.importer + least.postgres
  const bound = availableParallelism() * 1e6 / leastUs
  console.log(`least CPU per row: department ${departmentUs.toFixed(0)} µs + importer's reading, mapping and unify ${least.importer.toFixed(0)} µs + PostgreSQL's write ${least.postgres.toFixed(0)} µs = ${leastUs.toFixed(0)} µs`)
  console.log(`CPU bound: at most ${Math.round(bound).toLocaleString()} rows/s on ${availableParallelism()} cores, with every core busy and nothing else running`)
  report({ bench: 'health-files', figure: `import of ${served.rows.toLocaleString('en-US')} rows, CPU bound (${availableParallelism()} cores)`, unit: 'rows/s', goal: `≥ ${GOAL_ROWS_PER_SECOND.toLocaleString('en-US')}`, now: Math.round(bound), met: bound >= GOAL_ROWS_PER_SECOND })
  const size = `${served.rows.toLocaleString('en-US')} rows`
  report({
    bench: 'health-files', figure: `import over SFTP, ${size}, PostgreSQL`, unit: 'rows/s', goal: `≥ ${GOAL_ROWS_PER_SECOND.toLocaleString('en-US')}`,
    now: Math.round(realRate), floor: Math.round(floorRate), ratio: realRate / floorRate, met: status.status === 'done' && realRate >= GOAL_ROWS_PER_SECOND, rssMb,
  })
  report({ bench: 'health-files', figure: `peak RSS, import of ${size}`, unit: 'MB', goal: `< ${GOAL_RSS_MB}`, now: rssMb, met: rssMb < GOAL_RSS_MB, rssMb })
}

/**
 * The least CPU per row, µs: the importer's (the local file read, decoded and parsed, mapped and
 * prepared for unify; this process's CPU, no I/O) and PostgreSQL's (the prepared batches committed
 * one after another into a fresh database; its backend's CPU).
 */
async function leastCpuPerRow (path: string, info: FileInfo): Promise<{ importer: number, postgres: number }> {
  const name = `tb_bench_health_least_${Date.now()}`
  const db = await openPostgres(await createDatabase(name))
  await migrate(db)
  const platform = { survivorship: defaultSurvivorship([]) }
  const instance = { config: AdapterInstance.parse({ id: 'health-files', adapter: 'health-files' }), adapter }
  const postgres = measureCpu({ postgres: () => pidsMatching(` ${name} `) })
  let importer = 0
  let rows = 0
  let batch: RawRecord[] = []
  let before = process.cpuUsage()
  const commit = async (): Promise<void> => {
    const prepared = await prepareBatch(platform, instance, mapBatch(adapter, batch))
    const used = process.cpuUsage(before)
    importer += used.user + used.system
    rows += batch.length
    batch = []
    await db.transaction(async (tx) => { await commitBatch(tx, platform, instance, prepared) })
    before = process.cpuUsage()
  }
  const drop: FileDrop = adapter.files!
  for await (const raw of readFileRecords(drop, createReadStream(path, { highWaterMark: 64 * 1024 }), info)) {
    batch.push(raw)
    if (batch.length === (drop.batchRows ?? 1000)) await commit()
  }
  if (batch.length > 0) await commit()
  const use = postgres.stop()
  await db.close()
  await dropDatabase(name)
  return { importer: importer / rows, postgres: (use.cores.postgres ?? 0) * use.seconds * 1e6 / rows }
}
