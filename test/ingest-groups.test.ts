// Group commit of webhook messages: the messages of jobs running at the same time are committed
// in one transaction; an unreadable message is quarantined whole inside the group, a message that
// makes the group fail is committed alone (failing alone), and a row however often queued — in
// one group or in two at once — is processed once. Against PGlite and PostgreSQL alike.
import t from 'tap'
import { Config } from '../src/config/schema.ts'
import { createPlatform, type Instance, type Platform } from '../src/platform.ts'
import type { Db } from '../src/store/db.ts'
import { commitWebhooks } from '../src/store/inbox.ts'
import { processInboxRows } from '../src/pipeline/ingest.ts'
import { ingestGroups } from '../src/runtime/ingest-groups.ts'
import { startWorkers } from '../src/runtime/workers.ts'
import { inboxJobId } from '../src/queues/queues.ts'
import { buildMessage, isQuirky, residentAt } from '../adapters/household-registration/data.ts'
import { DEMO_SECRET, captureLogger, eventually, freshRedis, stores } from './helpers.ts'

const HR = 'household-registration'
const SEED = 7
const REDIS_INDEX = 27

async function setUp (t: { teardown: (fn: () => unknown) => void }, store: keyof typeof stores): Promise<{ db: Db, platform: Platform, instance: Instance }> {
  const { db } = await stores[store](t)
  const config = Config.parse({ towns: [{ code: '320412120000', name: '湟里镇' }], adapters: [{ id: HR, adapter: HR, webhook: { secrets: [DEMO_SECRET] } }] })
  const platform = createPlatform({ config, db, redisUrl: await freshRedis(t, REDIS_INDEX), logger: captureLogger().logger })
  t.teardown(platform.close)
  return { db, platform, instance: platform.instances.get(HR)! }
}

/** Stores messages in the inbox as the webhook route does; their inbox ids. */
async function receive (db: Db, bodies: readonly string[], tag: string): Promise<number[]> {
  const receipts = await commitWebhooks(db, bodies.map((body, i) => ({ adapter: HR, webhookId: `${tag}-${i}`, receivedAt: new Date(), body: Buffer.from(body) })))
  return receipts.map((r) => r.inboxId)
}

/** Message n: three residents of its own, none of them one the data sends to quarantine. */
function goodMessage (n: number): string {
  const residents: number[] = []
  for (let i = 100 + n * 10; residents.length < 3; i++) if (!isQuirky(SEED, i)) residents.push(i)
  return JSON.stringify(buildMessage(SEED, n, { records: residents.map((i) => residentAt(SEED, i)), eventType: 'QR' }))
}

async function inboxRows (db: Db, ids: readonly number[]): Promise<Array<{ id: number, status: string, records_ok: number | null, records_quarantined: number | null }>> {
  const { rows } = await db.query<{ id: number, status: string, records_ok: number | null, records_quarantined: number | null }>(
    'SELECT id, status, records_ok, records_quarantined FROM inbox WHERE id = ANY($1::bigint[]) ORDER BY id', [ids])
  return rows
}

async function personCount (db: Db): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM persons')
  return rows[0]!.n
}

for (const store of ['pglite', 'postgres'] as const) {
  t.test(`${store}: one group, an unreadable message among readable ones`, async (t) => {
    const { db, platform, instance } = await setUp(t, store)
    const ids = await receive(db, [goodMessage(0), 'not json {', goodMessage(1), goodMessage(2)], 'unreadable')
    const outcomes = await processInboxRows(platform, instance, ids)
    t.same(ids.map((id) => outcomes.get(id)), [
      { status: 'done', ok: 3, quarantined: 0 },
      { status: 'failed', ok: 0, quarantined: 1 },
      { status: 'done', ok: 3, quarantined: 0 },
      { status: 'done', ok: 3, quarantined: 0 },
    ], 'each message has its own outcome')
    t.equal(await personCount(db), 9, 'the readable messages are unified')
    const { rows: quarantined } = await db.query<{ inbox_id: number, reason_code: string }>('SELECT inbox_id, reason_code FROM quarantine')
    t.same(quarantined, [{ inbox_id: ids[1], reason_code: 'TB_WEBHOOK_BODY_INVALID' }], 'the unreadable one is kept whole, with its own inbox id')
    t.same((await inboxRows(db, ids)).map((r) => r.status), ['done', 'failed', 'done', 'done'])
    const again = await processInboxRows(platform, instance, ids)
    t.ok([...again.values()].every((o) => o.status === 'already-processed'), 'a group run again finds every row finished')
  })

  t.test(`${store}: records each message rejects keep that message's inbox id`, async (t) => {
    const { db, platform, instance } = await setUp(t, store)
    const bad = (n: number): string => JSON.stringify({ ...buildMessage(SEED, n, { records: 2, residentFrom: 500 + n * 2, residents: 100_000 }), eventType: 'XX' })
    const ids = await receive(db, [bad(0), goodMessage(1), bad(2)], 'rejects')
    await processInboxRows(platform, instance, ids)
    const { rows } = await db.query<{ inbox_id: number, n: number }>('SELECT inbox_id, count(*)::int AS n FROM quarantine GROUP BY inbox_id ORDER BY inbox_id')
    t.same(rows, [{ inbox_id: ids[0], n: 2 }, { inbox_id: ids[2], n: 2 }])
    t.same((await inboxRows(db, ids)).map((r) => [r.records_ok, r.records_quarantined]), [[0, 2], [3, 0], [0, 2]])
  })

  t.test(`${store}: a message that fails the group fails alone`, async (t) => {
    const { db, platform, instance } = await setUp(t, store)
    // An adapter bug (not a catalogued error) for one body: the group rolls back, then each
    // message is committed alone and only the bad one's job fails.
    const parse = instance.adapter.receive!.parse
    const buggy: Instance = { ...instance, adapter: { ...instance.adapter, receive: { ...instance.adapter.receive!, parse: (body, meta) => {
      if (body.toString().includes('"boom"')) throw new TypeError('adapter bug')
      return parse(body, meta)
    } } } }
    const ids = await receive(db, [goodMessage(0), '{"boom": true}', goodMessage(1), goodMessage(2)], 'boom')
    const commit = ingestGroups(platform, buggy, 1, 10)
    const results = await Promise.allSettled(ids.map(async (id) => { await commit([id]) }))
    t.same(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled'])
    t.match((results[1] as PromiseRejectedResult).reason, { message: 'adapter bug' })
    t.same((await inboxRows(db, ids)).map((r) => r.status), ['done', 'received', 'done', 'done'], 'the bad row stays for its retries')
    t.equal(await personCount(db), 9)
  })

  t.test(`${store}: a row in two jobs is processed once`, async (t) => {
    const { db, platform, instance } = await setUp(t, store)
    const ids = await receive(db, [goodMessage(0), goodMessage(1), goodMessage(2)], 'twice')
    const counted = async (): Promise<number> => (await platform.metrics.records.get()).values.find((v) => v.labels.outcome === 'unified')?.value ?? 0
    // The same row in one group (twice), and in two groups committed at once.
    const commit = ingestGroups(platform, instance, 2, 2)
    await Promise.all([commit([ids[0]!]), commit([ids[0]!]), commit([ids[1]!, ids[2]!]), commit([ids[1]!]), commit([ids[2]!])])
    t.same((await inboxRows(db, ids)).map((r) => [r.status, r.records_ok]), [['done', 3], ['done', 3], ['done', 3]])
    t.equal(await counted(), 9, 'every record counted once')
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM record_history')
    const before = rows[0]!.n
    await Promise.all(ids.map(async (id) => { await commit([id]) }))
    t.equal((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM record_history')).rows[0]!.n, before, 'running them again writes nothing')
    t.equal(await counted(), 9)
  })
}

t.test('the ingest worker commits queued messages in groups, a repeat job included', async (t) => {
  const { db, platform, instance } = await setUp(t, 'postgres')
  const ids = await receive(db, Array.from({ length: 12 }, (_, n) => goodMessage(n)), 'worker')
  const queue = instance.queues.ingest!
  await queue.addBulk(ids.map((id) => ({ name: 'inbox', data: { inboxIds: [id] }, opts: { jobId: inboxJobId({ id, generation: 0 }) } })))
  // A job of the old kind (several rows) naming rows that have their own jobs too.
  await queue.add('inbox', { inboxIds: [ids[0]!, ids[5]!] }, { jobId: 'old-style' })
  const workers = await startWorkers(platform, [HR])
  t.teardown(async () => { await workers.close() })
  await eventually(async () => (await inboxRows(db, ids)).every((r) => r.status === 'done'))
  await eventually(async () => (await queue.getCompletedCount()) === 13)
  t.equal(await personCount(db), 36)
  const { rows } = await db.query<{ transactions: number }>('SELECT count(DISTINCT processed_at)::int AS transactions FROM inbox')
  t.ok(rows[0]!.transactions < 12, `12 messages in ${rows[0]!.transactions} transactions`)
})
