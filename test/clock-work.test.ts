// The clock work (runtime/clock-work.ts), shared by the all-in-one gateway and the scheduler role:
// the gateway's rounds are claimed and counted like the scheduler's, and neither start waits for
// its first partition maintenance, though its shutdown does.
import t from 'tap'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import pg from 'pg'
import { startSchedulerProcess } from '../src/runtime/scheduler.ts'
import { captureLogger, eventually, freshPostgres, freshRedis, startTestGateway, tempDir } from './helpers.ts'

t.setTimeout(60_000)

const REDIS_INDEX = 53

t.test("the gateway's inbox sweep runs in rounds, counted in the rounds metric", async (t) => {
  const { gateway } = await startTestGateway(t, { store: 'pglite', redisIndex: REDIS_INDEX, sweepEveryMs: 200 })
  const ran = await eventually(async () => {
    const text = await gateway.platform.metrics.registry.getSingleMetricAsString('tongban_scheduler_rounds_total')
    return /\{work="inbox-sweep",outcome="ran"\} [1-9]/.test(text) ? text : undefined
  }, 10_000)
  t.ok(ran, 'a sweep round ran')
})

t.test('the scheduler is started while its first partition maintenance waits on a lock; its shutdown waits for it', async (t) => {
  const dir = await tempDir(t)
  const configPath = join(dir, 'tongban.yaml')
  await writeFile(configPath, 'towns:\n  - { code: "320412120000", name: 武进区湟里镇 }\nadapters: []\n')
  const { url: databaseUrl } = await freshPostgres(t)
  const redisUrl = await freshRedis(t, REDIS_INDEX)

  // The lock partition maintenance takes per table (store/partitions.ts), held by someone else.
  const holder = new pg.Client({ connectionString: databaseUrl })
  await holder.connect()
  t.teardown(async () => { await holder.end() })
  await holder.query("SELECT pg_advisory_lock(hashtext('tongban partitions inbox'))")

  const { logger, lines } = captureLogger()
  const scheduler = await startSchedulerProcess({ port: 0, host: '127.0.0.1', dataDir: dir, configPath, redisUrl, databaseUrl, adminToken: undefined }, logger)
  t.teardown(scheduler.stop)
  // Awaited in the start, the maintenance would have given up on the lock (its lock_timeout) before this.
  await eventually(async () => (await holder.query("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")).rowCount === 1, 5000, 50)
  t.pass('started while the first maintenance still waits')

  let stopped = false
  const stopping = scheduler.stop().then(() => { stopped = true })
  await new Promise((resolve) => setTimeout(resolve, 500))
  t.notOk(stopped, 'shutdown waits for the first maintenance')
  await holder.query("SELECT pg_advisory_unlock(hashtext('tongban partitions inbox'))")
  await stopping
  const logged = lines.map((l) => JSON.parse(l) as { msg: string })
  t.notOk(logged.some((l) => /partition maintenance failed|shutdown step/.test(l.msg)), 'the maintenance finished, and so did every shutdown step')
})
