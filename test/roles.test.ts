// `tongban start --role …` as separate real processes sharing one PostgreSQL and one Redis: a
// webhook the api process answers is unified by the worker process; two scheduler replicas never
// run one sweep round twice; while no worker runs, /metrics shows what waits and for how long; and
// /livez answers while Redis is gone.
import t from 'tap'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { freePort } from '../src/runtime/redis-child.ts'
import { roleOf, startRole } from '../src/runtime/roles.ts'
import { readSettings } from '../src/runtime/settings.ts'
import { newMasterKeyText } from '../src/vault/master-key.ts'
import { buildMessage, isQuirky, residentFacts } from '../adapters/household-registration/data.ts'
import { captureLogger, eventually, freshPostgresUrl, postSignedWebhook, tempDir } from './helpers.ts'
import { householdProcessSetup, startGatewayProcess, type GatewayProcess } from './processes.ts'

t.setTimeout(120_000)

/** The test's own subscriber secret: a configuration other than the demo's may not use the demo's. */
const SECRET = 'whsec_cm9sZXMtdGVzdC1zZWNyZXQtb2YtaXRzLW93bi0wMDAw'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

/** `tongban start <args>` run to its end: exit code and standard error. */
async function startExits (args: string[], env: Record<string, string>): Promise<{ code: number | null, stderr: string }> {
  return await new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'start', ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 }, (err, _stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stderr })
    })
  })
}

/** The value of one sample of a Prometheus text exposition, undefined when absent. */
function sample (text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`))
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1))
}

async function metricsOf (url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`)
  return await res.text()
}

/** The inbox-sweep rounds a scheduler's debug log says it ran. */
function roundsRan (p: GatewayProcess): number[] {
  return p.output.stdout.split('\n').filter(Boolean)
    .map((l) => JSON.parse(l) as { msg?: string, work?: string, round?: number })
    .filter((l) => l.msg === 'scheduler round ran' && l.work === 'inbox-sweep')
    .map((l) => l.round!)
}

t.test('the role comes from --role, else TONGBAN_ROLE, else all; anything else is a usage error naming the roles', async (t) => {
  t.same(roleOf(undefined, {}), { role: 'all' })
  t.same(roleOf(undefined, { TONGBAN_ROLE: 'worker' }), { role: 'worker' })
  t.same(roleOf('api', { TONGBAN_ROLE: 'worker' }), { role: 'api' })
  t.same(roleOf(undefined, { TONGBAN_ROLE: 'workers' }), { usage: 'TONGBAN_ROLE=workers is not a role; use one of all, api, worker, scheduler' })
  const bad = await startExits(['--role', 'gateway'], {})
  t.equal(bad.code, 2, 'tongban start exits 2')
  t.match(bad.stderr, /^tongban: --role gateway is not a role; use one of all, api, worker, scheduler\n/)
})

t.test('a split role refuses to start without DATABASE_URL and REDIS_URL', async (t) => {
  const settings = readSettings({ TONGBAN_DATA_DIR: await tempDir(t) })
  for (const role of ['api', 'worker', 'scheduler'] as const) {
    await t.rejects(startRole(role, settings, captureLogger().logger), { code: 'TB_CONFIG_INVALID', message: /shares the database and Redis with the other processes: set DATABASE_URL .* and REDIS_URL/ }, role)
  }
})

t.test('api, worker and two schedulers as separate processes on one PostgreSQL and one Redis', async (t) => {
  const { dir, configPath, redis, redisUrl } = await householdProcessSetup(t, SECRET)
  const databaseUrl = await freshPostgresUrl(t)
  const shared = {
    TONGBAN_CONFIG: configPath, DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, HOST: '127.0.0.1',
    TONGBAN_ADMIN_TOKEN: 'test-admin-token-0123456789', TONGBAN_MASTER_KEY: newMasterKeyText(),
  }
  const start = async (name: string, env: Record<string, string>): Promise<{ url: string, p: GatewayProcess }> => {
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    const p = await startGatewayProcess(t, url, { ...shared, TONGBAN_DATA_DIR: join(dir, name), PORT: String(port), ...env })
    return { url, p }
  }
  // The schedulers sweep every half second, and log each round they run.
  const scheduler = { TONGBAN_ROLE: 'scheduler', TONGBAN_SWEEP_EVERY_MS: '500', LOG_LEVEL: 'debug' }
  const [api, schedulerA, schedulerB] = await Promise.all([start('api', { TONGBAN_ROLE: 'api' }), start('scheduler-a', scheduler), start('scheduler-b', scheduler)])
  t.match(api.p.output.stderr, /tongban: listening on/)
  t.match(schedulerA.p.output.stderr, /tongban: scheduler answering \/livez, \/readyz and \/metrics on/)

  // No worker yet: the answered webhook waits in its queue, and the api's metrics say so.
  const seed = 51
  const index = [0, 1, 2, 3, 4, 5].find((i) => !isQuirky(seed, i))!
  const message = buildMessage(seed, index + 1, { records: 1, residents: 10_000, residentFrom: index, eventType: 'QR' })
  t.equal((await postSignedWebhook(api.url, 'household-registration', message, SECRET)).status, 202, 'the api process answers the webhook')
  const labels = 'adapter="household-registration",queue="ingest"'
  const waiting = await eventually(async () => {
    const text = await metricsOf(api.url)
    return (sample(text, 'tongban_queue_oldest_waiting_seconds', labels) ?? 0) >= 1 ? text : undefined
  }, 10_000, 250)
  t.equal(sample(waiting, 'tongban_queue_waiting_jobs', labels), 1, 'one job waits')
  t.ok(sample(waiting, 'tongban_queue_oldest_waiting_seconds', labels)! < 30, 'and it is as old as the webhook')
  t.equal(sample(await metricsOf(schedulerA.url), 'tongban_queue_waiting_jobs', labels), 1, 'a scheduler serves the same gauges')

  // The worker process unifies it.
  const worker = await start('worker', { TONGBAN_ROLE: 'worker' })
  const db = new pg.Client({ connectionString: databaseUrl })
  await db.connect()
  t.teardown(async () => { await db.end() })
  const idNumber = residentFacts(seed, index).idNumber
  await eventually(async () => (await db.query('SELECT 1 FROM persons WHERE id_number = $1', [idNumber])).rowCount === 1, 30_000, 250)
  t.same((await db.query('SELECT status FROM inbox')).rows, [{ status: 'done' }], 'the inbox row is finished')
  await eventually(async () => sample(await metricsOf(worker.url), 'tongban_queue_waiting_jobs', labels) === 0, 10_000, 250)
  t.equal(sample(await metricsOf(worker.url), 'tongban_queue_oldest_waiting_seconds', labels), 0, 'nothing waits')

  // Both schedulers ticked all along; every round was run by one of them only.
  const a = roundsRan(schedulerA.p)
  const b = roundsRan(schedulerB.p)
  t.ok(a.length + b.length >= 3, `sweep rounds ran (${a.length} + ${b.length})`)
  t.same([...a, ...b].filter((round, i, all) => all.indexOf(round) !== i), [], 'no round ran twice')
  const skipped = (sample(await metricsOf(schedulerA.url), 'tongban_scheduler_rounds_total', 'work="inbox-sweep",outcome="skipped"') ?? 0) +
    (sample(await metricsOf(schedulerB.url), 'tongban_scheduler_rounds_total', 'work="inbox-sweep",outcome="skipped"') ?? 0)
  t.ok(skipped >= 3, `the replica that came second skipped the round (${skipped} skipped)`)

  // Redis gone: every role is still alive, and not ready.
  redis.kill('SIGKILL')
  await new Promise((resolve) => redis.once('exit', resolve))
  for (const [name, { url }] of Object.entries({ api, worker, scheduler: schedulerA })) {
    const asked = Date.now()
    const res = await fetch(`${url}/livez`)
    t.equal(res.status, 200, `${name}: /livez answers 200 without Redis`)
    t.ok(Date.now() - asked < 1000, `${name}: at once (${Date.now() - asked} ms)`)
  }
  const ready = await fetch(`${api.url}/readyz`)
  t.equal(ready.status, 503, '/readyz says not ready')
  t.match(await ready.json(), { status: 'unavailable', database: 'ok' })
  const scrape = await fetch(`${worker.url}/metrics`)
  t.equal(scrape.status, 200, '/metrics still answers, with the process counters')

  // And each ends on SIGTERM within the shutdown's bound, though its steps wait on Redis.
  await Promise.all(Object.entries({ api, worker, scheduler: schedulerA }).map(async ([name, { p }]) => {
    const sent = Date.now()
    p.child.kill('SIGTERM')
    const exit = await Promise.race([p.exited, new Promise<string>((resolve) => setTimeout(() => { resolve('still running after 20 s') }, 20_000).unref())])
    t.same(exit, { code: 0, signal: null }, `${name}: exits 0 on SIGTERM`, { stderr: p.output.stderr })
    t.ok(Date.now() - sent < 12_000, `${name}: within 12 s (took ${Date.now() - sent} ms)`)
  }))
})
