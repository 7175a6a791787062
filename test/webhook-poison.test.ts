// Signed messages PostgreSQL cannot store as JSON — a NUL, a lone surrogate, bytes that are not
// UTF-8 (raw garbage, or a name in GBK), nesting thousands deep — are answered 202 like any other,
// then quarantined whole with their bytes; none of them holds up another message, not after the
// gateway is killed and Redis comes back empty. Runs its own redis-server (to wipe it) and the
// gateway as a process (to kill -9 it).
import t from 'tap'
import { join } from 'node:path'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { freePort } from '../src/runtime/redis-child.ts'
import { Config } from '../src/config/schema.ts'
import { createPlatform } from '../src/platform.ts'
import { openPostgres } from '../src/store/db.ts'
import { commitWebhooks } from '../src/store/inbox.ts'
import { inboxJobId, queueName, QUEUE_PREFIX } from '../src/queues/queues.ts'
import { inboxSweep } from '../src/webhooks/sweeper.ts'
import { sign } from '../src/crypto/webhook-signature.ts'
import { buildMessage, isQuirky, residentAt, residentFacts } from '../adapters/household-registration/data.ts'
import { DEMO_SECRET, captureLogger, eventually, freshPglite, freshPostgresUrl, tempDir } from './helpers.ts'
import { householdProcessSetup, startGatewayProcess, startRedisServer } from './processes.ts'

t.setTimeout(600_000)

const HR = 'household-registration'
// A secret of this test's own: a configuration file may not use the demo's published one.
const SECRET = 'whsec_cG9pc29uLXRlc3Qtc2VjcmV0LW9mLWl0cy1vd24='
const SEED = 61

async function postSigned (url: string, id: string, body: Buffer): Promise<number> {
  const ts = Math.floor(Date.now() / 1000)
  const res = await fetch(`${url}/webhooks/${HR}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': sign(SECRET, id, ts, body) },
    body: new Uint8Array(body),
  })
  await res.arrayBuffer()
  return res.status
}

/** A spec message for resident `index` alone, its JSON text with `XM` replaced by `name` (bytes or text). */
function messageWithName (index: number, msgId: string, name: string | Buffer): Buffer {
  const text = JSON.stringify({ ...buildMessage(SEED, index, { records: [residentAt(SEED, index)], eventType: 'QR' }), msgId })
  const [before, after] = text.split(JSON.stringify(residentAt(SEED, index).XM))
  return Buffer.concat([Buffer.from(before!), typeof name === 'string' ? Buffer.from(JSON.stringify(name)) : Buffer.concat([Buffer.from('"'), name, Buffer.from('"')]), Buffer.from(after!)])
}

t.test('the sweeper queues every unfinished row whose job is gone, whatever else the queue holds', async (t) => {
  const dir = await tempDir(t)
  const port = await freePort()
  const redis = await startRedisServer(port, join(dir, 'redis'))
  t.teardown(() => { redis.kill('SIGKILL') })
  const db = await freshPglite(t)
  const config = Config.parse({ towns: [{ code: '320412120000', name: '湟里镇' }], adapters: [{ id: HR, adapter: HR, webhook: { secrets: [DEMO_SECRET] } }] })
  const platform = createPlatform({ config, db, redisUrl: `redis://127.0.0.1:${port}`, logger: captureLogger().logger })
  t.teardown(platform.close)
  const queue = platform.instances.get(HR)!.queues.ingest!

  const receipts = await commitWebhooks(db, ['a', 'b', 'c'].map((id) => ({ adapter: HR, webhookId: `sweep-${id}`, receivedAt: new Date(Date.now() - 60_000), body: Buffer.from('{}') })))
  const rows = receipts.map((r) => ({ id: r.inboxId, generation: r.generation }))
  // The first row's job waits in a backoff, as a poison message's did; the others' were lost.
  await queue.add('inbox', { inboxIds: [rows[0]!.id] }, { jobId: inboxJobId(rows[0]!), delay: 600_000 })

  const sweep = inboxSweep(platform, 0)
  t.equal(await sweep(), 3, 'every unfinished row is offered')
  for (const row of rows.slice(1)) t.ok(await queue.getJob(inboxJobId(row)), `row ${row.id} is queued again although a job of the queue is delayed`)
  t.equal(await (await queue.getJob(inboxJobId(rows[0]!)))!.getState(), 'delayed', 'the delayed job is left as it is')
  t.equal(await queue.count(), 3, 'one job per row, none twice')
  await sweep()
  t.equal(await queue.count(), 3, 'sweeping again adds nothing')
})

t.test('poison messages between good ones, a kill -9 and an empty Redis', async (t) => {
  const { dir, configPath, redis, redisPort, redisUrl } = await householdProcessSetup(t, SECRET)
  const databaseUrl = await freshPostgresUrl(t)
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const env = { TONGBAN_DATA_DIR: join(dir, 'data'), TONGBAN_CONFIG: configPath, DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, PORT: String(port), HOST: '127.0.0.1', TONGBAN_ADMIN_TOKEN: 'test-admin-token-0123456789' }
  const first = await startGatewayProcess(t, url, env)

  // Nothing runs before the crash: every answered message is a row whose job dies with Redis.
  const paused = new Queue(queueName('ingest', HR), { connection: { host: '127.0.0.1', port: redisPort }, prefix: QUEUE_PREFIX })
  await paused.pause()
  await paused.close()

  const goodIndices = Array.from({ length: 40 }, (_, i) => i).filter((i) => !isQuirky(SEED, i)).slice(0, 12)
  const depth = 5000
  const poisons: Array<{ id: string, body: Buffer, code: string, reason: RegExp, index?: number }> = [
    { id: 'poison-nul', body: messageWithName(30, 'poison-nul', '王\u0000芳'), code: 'TB_WEBHOOK_BODY_INVALID', reason: /\\u0000 \(NUL\)/, index: 30 },
    { id: 'poison-surrogate', body: messageWithName(31, 'poison-surrogate', '\ud800x'), code: 'TB_WEBHOOK_BODY_INVALID', reason: /lone surrogate \\ud800/, index: 31 },
    { id: 'poison-bytes', body: Buffer.from([0x00, 0x01, 0x02, 0xff]), code: 'TB_ENCODING_INVALID', reason: /bytes ff at byte 3/ },
    { id: 'poison-deep', body: Buffer.from(`{"msgId":"poison-deep","eventType":"QR","occurTime":"2026-01-01 08:00:00","records":[${'['.repeat(depth)}${']'.repeat(depth)}]}`), code: 'TB_WEBHOOK_BODY_INVALID', reason: /nested deeper than 64 levels/ },
    // 王芳 in GBK (cd f5 b7 bc): once unified as ����, now a data error.
    { id: 'poison-gbk', body: messageWithName(32, 'poison-gbk', Buffer.from([0xcd, 0xf5, 0xb7, 0xbc])), code: 'TB_ENCODING_INVALID', reason: /UTF-8 text: bytes cd f5 b7 bc at byte \d+/, index: 32 },
  ]
  t.ok(poisons.every((p) => p.index === undefined || !goodIndices.includes(p.index)), 'poison residents are not among the good ones')
  for (let i = 0; i < goodIndices.length; i++) {
    const index = goodIndices[i]!
    const id = `good-${index}`
    t.equal(await postSigned(url, id, Buffer.from(JSON.stringify({ ...buildMessage(SEED, index, { records: [residentAt(SEED, index)], eventType: 'QR' }), msgId: id }))), 202, id)
    const poison = poisons[i]
    if (poison) t.equal(await postSigned(url, poison.id, poison.body), 202, `${poison.id} is answered 202: its bytes are committed`)
  }

  first.child.kill('SIGKILL')
  await first.exited
  const wipe = new Redis(redisUrl)
  await wipe.flushall()
  wipe.disconnect()

  await startGatewayProcess(t, url, env)
  const db = await openPostgres(databaseUrl)
  t.teardown(db.close)
  const expected = goodIndices.map((i) => residentFacts(SEED, i).idNumber)
  // The gateway's sweeper waits 15 s before it takes a row for lost and sweeps every 10 s.
  await eventually(async () => {
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM persons WHERE id_number = ANY($1)', [expected])
    return rows[0]!.n === expected.length
  }, 180_000, 500)
  t.pass('every good message is unified')

  const inbox = await eventually(async () => {
    const { rows } = await db.query<{ id: number, webhook_id: string, status: string, body: Uint8Array, error: string | null }>('SELECT id, webhook_id, status, body, error FROM inbox')
    return rows.every((r) => r.status !== 'received') ? rows : undefined
  }, 60_000, 500)
  t.equal(inbox.length, goodIndices.length + poisons.length)
  for (const p of poisons) {
    const row = inbox.find((r) => r.webhook_id === p.id)!
    t.match(row, { status: 'failed', error: p.reason }, `${p.id}: the inbox row is finished`)
    t.ok(Buffer.from(row.body).equals(p.body), `${p.id}: the inbox keeps the bytes as sent`)
    const { rows: items } = await db.query<{ reason_code: string, reason: string, status: string, raw: { fields: { body?: string, bodyBase64?: string } } }>(
      'SELECT reason_code, reason, status, raw FROM quarantine WHERE inbox_id = $1', [row.id])
    t.equal(items.length, 1, `${p.id}: one quarantine item for the message`)
    t.match(items[0], { reason_code: p.code, reason: p.reason, status: 'open' }, `${p.id}: quarantined with a clear reason`)
    const { fields } = items[0]!.raw
    const kept = fields.bodyBase64 !== undefined ? Buffer.from(fields.bodyBase64, 'base64') : Buffer.from(fields.body!)
    t.ok(kept.equals(p.body), `${p.id}: the quarantine item keeps the bytes as sent`)
    if (p.index !== undefined) {
      const { rows } = await db.query('SELECT 1 FROM persons WHERE id_number = $1', [residentFacts(SEED, p.index).idNumber])
      t.equal(rows.length, 0, `${p.id}: its resident is not unified`)
    }
  }
  const queue = new Queue(queueName('ingest', HR), { connection: { host: '127.0.0.1', port: redisPort }, prefix: QUEUE_PREFIX })
  t.teardown(async () => { await queue.close() })
  t.equal(await queue.getFailedCount(), 0, 'no job failed: poison is quarantined on the first attempt')
})
