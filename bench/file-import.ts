// bench/file-import: a 200,000-row GB18030 CSV (≈ 40 MB, CRLF, quoted line breaks) dropped in a
// directory and imported into PostgreSQL the real way — scheduler, file job, stored in the file
// inbox, checked against its SM3 manifest, read as it streams, mapped, normalised and unified in
// batches — with the peak RSS of the process (goal: under 300 MB); and in the same run the floor:
// the same file decoded and parsed as it streams and its rows INSERTed, unmapped, 1,000 at a time
// into a plain table. Goal (issue 15): ≥ 20,000 rows/s with peak RSS < 300 MB.
//   npm run bench:file-import   (BENCH_ROWS, DATABASE_URL, REDIS_URL optional)
// The npm script caps V8's old space at 128 MB, as a gateway taking large drops should be run
// (NODE_OPTIONS=--max-old-space-size=128): the import's live heap stays near 65 MB, but uncapped
// on a big machine V8 lets garbage pile up to well past 300 MB before it collects.
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { getHeapStatistics } from 'node:v8'
import { createDatabase, dropDatabase } from './database.ts'
import { floorSeconds, waitForFile } from './file-inbox.ts'
import { report } from './report.ts'
import { Redis } from 'ioredis'
import { AdapterInstance, Config } from '../src/config/schema.ts'
import { createLogger } from '../src/log.ts'
import { createPlatform } from '../src/platform.ts'
import { openQueues } from '../src/queues/queues.ts'
import { startWorkers } from '../src/runtime/workers.ts'
import { openPostgres } from '../src/store/db.ts'
import { migrate } from '../src/store/migrate.ts'
import { personsDrop } from '../test/files/persons-drop.ts'
import type { WrittenDrop } from '../test/files/drop-data.ts'

// A throwaway database: a throwaway master key for the credential vault unless one is given.
process.env.TONGBAN_MASTER_KEY ??= randomBytes(32).toString('base64')

const ROWS = Number(process.env.BENCH_ROWS ?? 200_000)
const GOAL_ROWS_PER_SECOND = 20_000
const GOAL_RSS_MB = 300
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/9'
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`
const peakRss = (): number => process.resourceUsage().maxRSS * 1024

const work = await mkdtemp(join(tmpdir(), 'tongban-bench-files-'))
const dropDir = join(work, 'drop')
await mkdir(dropDir)
let started = performance.now()
const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', new URL('./drop-file.ts', import.meta.url).pathname, JSON.stringify({ dir: dropDir, rows: ROWS })])
const file = JSON.parse(stdout) as WrittenDrop
console.log(`file-import: ${ROWS.toLocaleString()} rows, ${mb(file.bytes)} GB18030 with an SM3 manifest (written in ${((performance.now() - started) / 1000).toFixed(1)} s), node ${process.version}`)
const rssBefore = peakRss()

// The real thing: a platform on a fresh database, the file-drop worker started as the runtime does.
const dbName = `tb_bench_files_${Date.now()}`
const db = await openPostgres(await createDatabase(dbName))
await migrate(db)
const flush = new Redis(REDIS_URL)
await flush.flushdb()
const platform = createPlatform({ config: Config.parse({ towns: [{ code: '320412120000', name: '湟里镇' }], adapters: [] }), db, redisUrl: REDIS_URL, logger: createLogger({ level: 'warn' }), dataDir: join(work, 'data') })
const config = AdapterInstance.parse({ id: 'persons-drop', adapter: 'persons-drop', every: '1s', files: { dir: dropDir } })
platform.instances.set(config.id, { config, adapter: personsDrop, queues: openQueues(platform.redis, config, false, true) })
const cpuBefore = process.cpuUsage()
started = performance.now()
const workers = await startWorkers(platform, [config.id])
const status = await waitForFile(db, (rows) => {
  const m = process.memoryUsage()
  console.log(`  … ${rows.toLocaleString()} rows after ${((performance.now() - started) / 1000).toFixed(1)} s (peak RSS ${mb(peakRss())}, heap ${mb(m.heapUsed)} of ${mb(m.heapTotal)}, external ${mb(m.external)})`)
})
const wall = (performance.now() - started) / 1000
const cpu = process.cpuUsage(cpuBefore)
const rssReal = peakRss()
const { rows: [counts] } = await db.query<{ rows_ok: number, rows_quarantined: number, persons: number }>(
  'SELECT rows_ok, rows_quarantined, (SELECT count(*)::int FROM persons) AS persons FROM file_inbox ORDER BY id LIMIT 1')
await workers.close()
await platform.close()
await db.close()
await dropDatabase(dbName)
await flush.flushdb()
flush.disconnect()
// From the file's record in the inbox (stored) to its last batch (done): fetch and check included.
const seconds = status.seconds!
const realRate = ROWS / seconds

const floorRate = ROWS / await floorSeconds(personsDrop.files!, file.path, { name: 'RK_20261201.csv', size: file.bytes, modifiedAt: new Date() })
await rm(work, { recursive: true, force: true })

console.log(`floor  (stream decode + csv-parse + INSERT, unmapped)              ${Math.round(floorRate).toLocaleString()} rows/s  (${(ROWS / floorRate).toFixed(1)} s)`)
console.log(`import (store + SM3/rows check + parse + map + normalise + unify)  ${Math.round(realRate).toLocaleString()} rows/s  (${seconds.toFixed(1)} s in the file inbox, ${wall.toFixed(1)} s wall; status ${status.status})`)
console.log(`stored: ${counts!.persons.toLocaleString()} persons, ${counts!.rows_ok.toLocaleString()} rows unified, ${counts!.rows_quarantined.toLocaleString()} quarantined`)
console.log(`process CPU during the import: ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s`)
console.log(`peak RSS: ${mb(rssReal)} (${mb(rssBefore)} before the import; V8 heap limit ${mb(getHeapStatistics().heap_size_limit)}; goal < 300 MB)  ${rssReal < GOAL_RSS_MB * 1024 * 1024 ? 'ok' : 'OVER'}`)
console.log(`ratio to floor: ${(realRate / floorRate).toFixed(2)}`)
const rssMb = Math.round(rssReal / 1024 / 1024)
const size = `${ROWS.toLocaleString('en-US')} rows`
report({
  bench: 'file-import', figure: `import, ${size}, PostgreSQL`, unit: 'rows/s', goal: `≥ ${GOAL_ROWS_PER_SECOND.toLocaleString('en-US')}`,
  now: Math.round(realRate), floor: Math.round(floorRate), ratio: realRate / floorRate, met: status.status === 'done' && realRate >= GOAL_ROWS_PER_SECOND, rssMb,
})
report({ bench: 'file-import', figure: `peak RSS, import of ${size}`, unit: 'MB', goal: `< ${GOAL_RSS_MB}`, now: rssMb, met: rssMb < GOAL_RSS_MB, rssMb })
