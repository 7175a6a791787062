// Pull sync against the market-regulation simulator: token expiry, 4290, 503s, HTML error
// pages and timeouts injected; a restart resumes from the stored cursor.
import t from 'tap'
import { startSimulator } from '../adapters/market-regulation/simulator.ts'
import { badCheckIndices } from '../adapters/market-regulation/data.ts'
import { DEMO_SECRET, eventually, freshPostgresUrl, freshRedis, captureLogger, operatorAuth, tempDir } from './helpers.ts'
import { startGateway } from '../src/runtime/gateway.ts'
import { Config } from '../src/config/schema.ts'
import type { Settings } from '../src/runtime/settings.ts'

const ENTERPRISES = 10_000
const PAGE = 500

function marketInstance (baseUrl: string, extra: Record<string, unknown> = {}) {
  return {
    id: 'market-regulation',
    adapter: 'market-regulation',
    baseUrl,
    credentials: { clientId: 'tongban-demo', clientSecret: 'demo-secret' },
    every: '2s',
    pageSize: PAGE,
    timeout: '1s',
    retries: { attempts: 20, backoff: '100ms' },
    breaker: { volumeThreshold: 50, resetTimeout: '500ms' },
    ...extra,
  }
}

for (const store of ['pglite', 'postgres'] as const) {
  t.test(`a full pull sync survives faults and resumes after a restart (${store})`, async (t) => {
    const sim = await startSimulator({ seed: 5, enterprises: ENTERPRISES, tokenTtlSeconds: 300, rateLimitPerSecond: 1000 })
    t.teardown(sim.close)
    const dataDir = await tempDir(t)
    const redisUrl = await freshRedis(t, store === 'pglite' ? 4 : 5)
    const databaseUrl = store === 'postgres' ? await freshPostgresUrl(t) : undefined
    const settings: Settings = { port: 0, host: '127.0.0.1', dataDir, configPath: '(test)', redisUrl, databaseUrl, adminToken: 'test-admin-token-0123456789' }
    const config = Config.parse({ towns: [{ code: '320412120000', name: '湟里镇' }], adapters: [marketInstance(sim.url)] })
    const { logger } = captureLogger()

    // Faults on the first pages: an expired token, rate limiting, a 503, an HTML 502 and a timeout.
    sim.setFaults({ timeoutMs: 3000 })
    sim.failNext('4001', '4290', '503', 'html502', 'timeout')
    const first = await startGateway(settings, { config, logger })
    // Stop once a few pages are stored: the run is open and its cursor has moved.
    await eventually(async () => {
      const { rows } = await first.platform.db.query<{ pages: number }>("SELECT pages FROM adapter_runs WHERE status = 'running'")
      return rows[0] && rows[0].pages >= 3
    })
    await first.stop()
    const { rows: [stopped] } = await (async () => {
      const { openDb } = await import('../src/store/db.ts')
      const db = await openDb({ databaseUrl, dataDir })
      try { return await db.query<{ cursor: { updatedAfter: string }, run_id: number | null }>('SELECT cursor, run_id FROM sync_cursors') } finally { await db.close() }
    })()
    t.ok(stopped!.cursor.updatedAfter > '19700101080000', 'the cursor was persisted mid-run')
    t.ok(stopped!.run_id, 'the run is still open')

    const second = await startGateway(settings, { config, logger })
    t.teardown(second.stop)
    const { db } = second.platform
    await eventually(async () => {
      const { rows } = await db.query<{ e: number, q: number }>("SELECT (SELECT count(*)::int FROM enterprises) AS e, (SELECT count(*)::int FROM quarantine WHERE status = 'open') AS q")
      return rows[0]!.e + rows[0]!.q === ENTERPRISES
    }, 120_000)
    const runs = await db.query<{ status: string, pages: number }>('SELECT status, pages FROM adapter_runs ORDER BY id')
    t.equal(runs.rows[0]!.status, 'succeeded', 'the interrupted run was finished, not restarted')
    // Pages overlap by the rows of one second (3 in the simulator's data); a run restarted from
    // scratch after the restart would have needed at least 3 pages more.
    t.ok(runs.rows[0]!.pages <= Math.ceil(ENTERPRISES / (PAGE - 3)) + 1, `the run took ${runs.rows[0]!.pages} pages: it resumed from the cursor`)
    t.ok((sim.stats().tokenRequests) >= 2, 'the expired token was replaced')

    const badChecks = badCheckIndices(5, 0, ENTERPRISES).length
    const reasons = await db.query<{ reason_code: string, n: number }>('SELECT reason_code, count(*)::int AS n FROM quarantine GROUP BY reason_code')
    const byReason = Object.fromEntries(reasons.rows.map((r) => [r.reason_code, r.n]))
    t.equal(byReason.TB_CREDIT_CODE_CHECKSUM, badChecks, 'every bad check character is quarantined with its reason')
    const res = await fetch(`${second.url}/api/v1/sync/status`, { headers: await operatorAuth(second.url) })
    const status = await res.json() as { adapters: Array<Record<string, unknown>> }
    t.match(status.adapters[0], { adapter: 'market-regulation', mode: 'pull', breaker: { state: 'closed' } })
    const history = await fetch(`${second.url}/api/v1/sync/market-regulation/runs`, { headers: await operatorAuth(second.url) })
    const runsBody = await history.json() as { items: Array<Record<string, unknown>> }
    t.match(runsBody.items[runsBody.items.length - 1], { id: Number, stream: 'enterprises', status: 'succeeded', pages: runs.rows[0]!.pages })
  })
}

t.test('one department down slows only its own adapter', async (t) => {
  const sim = await startSimulator({ seed: 6, enterprises: 200, rateLimitPerSecond: 1000 })
  t.teardown(sim.close)
  sim.setFaults({ down: true })
  const dataDir = await tempDir(t)
  const redisUrl = await freshRedis(t, 6)
  const { logger } = captureLogger()
  const config = Config.parse({
    towns: [{ code: '320412120000', name: '湟里镇' }],
    adapters: [
      marketInstance(sim.url, { breaker: { volumeThreshold: 2, resetTimeout: '60s' }, retries: { attempts: 3, backoff: '50ms' } }),
      { id: 'household-registration', adapter: 'household-registration', webhook: { secrets: [DEMO_SECRET] } },
    ],
    simulators: { 'household-registration': { seed: 3, residents: 500, deliverTo: 'household-registration', secret: DEMO_SECRET, everyMs: '200ms', recordsPerMessage: 5 } },
  })
  const gw = await startGateway({ port: 0, host: '127.0.0.1', dataDir, configPath: '(test)', redisUrl, databaseUrl: undefined, adminToken: 'test-admin-token-0123456789' }, { config, logger })
  t.teardown(gw.stop)
  const auth = await operatorAuth(gw.url)
  const status = async () => {
    const res = await fetch(`${gw.url}/api/v1/sync/status`, { headers: auth })
    const body = await res.json() as { adapters: Array<{ adapter: string, breaker: { state: string }, failures: number }> }
    return Object.fromEntries(body.adapters.map((a) => [a.adapter, a]))
  }
  await eventually(async () => (await status())['market-regulation']!.breaker.state !== 'closed')
  const before = await gw.platform.db.query<{ n: number }>('SELECT count(*)::int AS n FROM persons')
  await eventually(async () => {
    const { rows } = await gw.platform.db.query<{ n: number }>('SELECT count(*)::int AS n FROM persons')
    return rows[0]!.n >= before.rows[0]!.n + 10
  })
  t.pass('household messages keep landing while the market-regulation department is down')
  const enterprises = await gw.platform.db.query<{ n: number }>('SELECT count(*)::int AS n FROM enterprises')
  t.equal(enterprises.rows[0]!.n, 0)

  // Failed pull jobs are kept and can be retried through the API once the department is back.
  await eventually(async () => (await status())['market-regulation']!.failures > 0)
  sim.setFaults({ down: false })
  const failed = await fetch(`${gw.url}/api/v1/jobs/failed?adapter=market-regulation`, { headers: auth })
  const failedBody = await failed.json() as { items: Array<{ jobId: string, queue: string, failedReason: string }> }
  t.ok(failedBody.items.length > 0)
  t.match(failedBody.items[0]!.failedReason, /TB_|unavailable|breaker/i)
  const history = await fetch(`${gw.url}/api/v1/sync/market-regulation/runs`, { headers: auth })
  const runs = (await history.json() as { items: Array<{ status: string, error: string | null }> }).items
  t.match(runs[0], { status: 'failed', error: /unavailable|breaker/i }, 'the run keeps the error that ended it')
  await new Promise((resolve) => setTimeout(resolve, 100))
})
