// Inbox first: webhooks answered 202 survive a Redis that is killed and comes back empty.
// This test runs its own redis-server so it can kill it.
import t from 'tap'
import { freePort } from '../src/runtime/redis-child.ts'
import { join } from 'node:path'
import { Config } from '../src/config/schema.ts'
import { createPlatform } from '../src/platform.ts'
import { buildApp } from '../src/runtime/app.ts'
import { startWorkers } from '../src/runtime/workers.ts'
import { inboxSweep } from '../src/webhooks/sweeper.ts'
import { sign } from '../src/crypto/webhook-signature.ts'
import { buildMessage, isQuirky, residentFacts } from '../adapters/household-registration/data.ts'
import { DEMO_SECRET, captureLogger, eventually, stores, tempDir } from './helpers.ts'
import { startRedisServer } from './processes.ts'

for (const store of ['pglite', 'postgres'] as const) {
  t.test(`webhooks answered 202 land after Redis restarts empty (${store})`, async (t) => {
    const dir = await tempDir(t)
    const port = await freePort()
    let redis = await startRedisServer(port, join(dir, 'redis-a'))
    t.teardown(() => { redis.kill('SIGKILL') })
    const { db } = await stores[store](t)
    const config = Config.parse({
      towns: [{ code: '320412120000', name: '湟里镇' }],
      adapters: [{ id: 'household-registration', adapter: 'household-registration', webhook: { secrets: [DEMO_SECRET] } }],
    })
    const { logger } = captureLogger()
    const platform = createPlatform({ config, db, redisUrl: `redis://127.0.0.1:${port}`, logger })
    t.teardown(platform.close)
    const app = await buildApp({ platform, adminToken: 'test-admin-token-0123456789' })
    t.teardown(async () => { await app.close() })
    const url = await app.listen({ port: 0, host: '127.0.0.1' })

    // No workers yet: the answered webhooks exist only as inbox rows and queued jobs.
    const seed = 51
    const messages = Array.from({ length: 40 }, (_, i) => buildMessage(seed, i + 1, { records: 1, residents: 10_000, residentFrom: i, eventType: 'QR' }))
    for (const msg of messages) {
      const body = JSON.stringify(msg)
      const ts = Math.floor(Date.now() / 1000)
      const res = await fetch(`${url}/webhooks/household-registration`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'webhook-id': msg.msgId, 'webhook-timestamp': String(ts), 'webhook-signature': sign(DEMO_SECRET, msg.msgId, ts, body) },
        body,
      })
      t.equal(res.status, 202)
    }
    await eventually(async () => (await platform.instances.get('household-registration')!.queues.ingest!.getWaitingCount()) > 0, 10_000)

    // Kill Redis without a chance to save, and bring up an empty one on the same port.
    redis.kill('SIGKILL')
    await new Promise((resolve) => redis.once('exit', resolve))
    redis = await startRedisServer(port, join(dir, 'redis-b'))
    await eventually(async () => (await platform.redis.dbsize()) === 0 ? true : undefined, 20_000)

    const workers = await startWorkers(platform, ['household-registration'])
    t.teardown(workers.close)
    const sweep = inboxSweep(platform, 0)
    const sweeping = setInterval(() => { void sweep() }, 200)
    t.teardown(() => { clearInterval(sweeping) })

    const expected = messages.map((_, i) => i).filter((i) => !isQuirky(seed, i)).map((i) => residentFacts(seed, i).idNumber)
    await eventually(async () => {
      const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM persons WHERE id_number = ANY($1)', [expected])
      return rows[0]!.n === expected.length
    })
    // Messages whose only record is quarantined add no person: wait for every row, not for persons.
    const rows = await eventually(async () => {
      const { rows } = await db.query<{ status: string, n: number }>('SELECT status, count(*)::int AS n FROM inbox GROUP BY status')
      return rows.length === 1 && rows[0]!.n === 40 ? rows : undefined
    })
    t.same(rows, [{ status: 'done', n: 40 }], 'every inbox row is finished')
  })
}
