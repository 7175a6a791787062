// The catalogue sync against real HTTP catalogues: a catalogue served page by page by a test
// adapter (paging, the cursor persisted with each page, a restart resuming from it, a version that
// does not fit the model not stored, a version sent twice), then the matters-exchange adapter
// against its simulator.
import t from 'tap'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { z } from 'zod'
import { Queue } from 'bullmq'
import { QUEUE_PREFIX } from '../../src/queues/queues.ts'
import { catalogueQueueName } from '../../src/matters/sync.ts'
import { defineAdapter, type AdapterDefinition } from '../../src/adapter-sdk/index.ts'
import { Config } from '../../src/config/schema.ts'
import { createPlatform, type Platform } from '../../src/platform.ts'
import { startWorkers, type RunningWorkers } from '../../src/runtime/workers.ts'
import { BUILT_IN_ADAPTERS } from '../../src/config/adapters.ts'
import { captureLogger, eventually, freshRedis, stores } from '../helpers.ts'
import { matterOf, mattersInForce, matterVersion } from '../../src/store/matters.ts'
import type { Db } from '../../src/store/db.ts'
import { OTHER_TOWN, TOWN, itemOf, matter } from './fixtures.ts'

/** A catalogue over HTTP: `GET /tasks?town=&offset=&limit=`; from `failFrom` on it answers the maintenance page. */
async function startCatalogue (items: readonly unknown[]): Promise<{ url: string, offsets: number[], towns: Set<string>, failFrom: number | null, close: () => Promise<void> }> {
  const state = { url: '', offsets: [] as number[], towns: new Set<string>(), failFrom: null as number | null, close: async () => {} }
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x')
    const offset = Number(url.searchParams.get('offset'))
    const limit = Number(url.searchParams.get('limit'))
    state.offsets.push(offset)
    state.towns.add(url.searchParams.get('town')!)
    if (state.failFrom !== null && offset >= state.failFrom) {
      res.writeHead(503, { 'content-type': 'text/html' }).end('<html><body>系统维护中</body></html>')
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items: items.slice(offset, offset + limit) }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  state.close = async () => { await new Promise((resolve) => server.close(resolve)) }
  return state
}

const Cursor = z.object({ offset: z.number().int().min(0) })
const testCatalogue = defineAdapter({
  id: 'test-catalogue',
  department: { name: '测试政务服务平台', level: 'provincial' },
  catalogue: {
    cursor: Cursor,
    initialCursor: () => ({ offset: 0 }),
    everyMs: 1000,
    pageSize: 3,
    fetchPage: async ({ http, town, cursor, pageSize }) => {
      const body = await http.json<{ items: unknown[] }>({ path: '/tasks', query: { town, offset: cursor.offset, limit: pageSize } })
      return { matters: body.items, cursor: { offset: cursor.offset + body.items.length }, done: body.items.length < pageSize }
    },
  },
  instance: z.object({}),
})

function configWith (adapter: AdapterDefinition, instance: Record<string, unknown>) {
  const parsed = Config.parse({ towns: [{ code: TOWN, name: '武进区湟里镇' }], adapters: [instance] })
  return { ...parsed, loadedAdapters: new Map([...BUILT_IN_ADAPTERS, [adapter.id, { definition: adapter, source: { kind: 'built-in' as const } }]]) }
}

async function run (t: { teardown: (fn: () => unknown) => void }, db: Db, redisUrl: string, config: ReturnType<typeof configWith>): Promise<{ platform: Platform, workers: RunningWorkers, stop: () => Promise<void> }> {
  const platform = createPlatform({ config, db, redisUrl, logger: captureLogger().logger })
  const workers = await startWorkers(platform, [...platform.instances.keys()])
  let stopped = false
  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    await workers.close()
    await platform.close()
  }
  t.teardown(stop)
  return { platform, workers, stop }
}

const PLACES = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J']
const code = (i: number): string => `0002010${String(i).padStart(2, '0')}000`

for (const store of ['pglite', 'postgres'] as const) {
  t.test(`${store}: a catalogue synced page by page, resumed after a restart`, async (t) => {
    const { db } = await stores[store](t)
    const redisUrl = await freshRedis(t, store === 'pglite' ? 22 : 23)
    const items: unknown[] = PLACES.map((place, i) => matter(code(i), { place, updatedAt: `2026-03-01T00:00:0${i}Z` }))
    // Not the model: a business item code too short. Set aside, the rest of its page stored.
    items[4] = { ...matter(code(4)), taskHandleItem: '123' }
    // The same version again, later: it wins; and once more, earlier than that: it does not.
    items[7] = matter(code(1), { place: 'B2', updatedAt: '2026-03-02T00:00:00Z' })
    items[8] = matter(code(1), { place: 'B0', updatedAt: '2026-02-01T00:00:00Z' })
    const catalogue = await startCatalogue(items)
    t.teardown(catalogue.close)
    const config = configWith(testCatalogue, { id: 'test-catalogue', adapter: 'test-catalogue', baseUrl: catalogue.url, every: '1s', timeout: '2s', retries: { attempts: 2, backoff: '50ms' } })

    // A town configured before, no longer: its scheduler goes, and a job it queued reads nothing.
    const stale = new Queue(catalogueQueueName('test-catalogue'), { connection: { url: redisUrl }, prefix: QUEUE_PREFIX })
    await stale.upsertJobScheduler(`catalogue-${OTHER_TOWN}`, { every: 60_000 }, { name: 'scheduled', data: { town: OTHER_TOWN } })

    // The platform goes into maintenance after two pages: the job fails, the cursor stays after page two.
    catalogue.failFrom = 6
    const first = await run(t, db, redisUrl, config)
    t.same((await stale.getJobSchedulers()).map((s) => s.key), [`catalogue-${TOWN}`], 'one scheduler, of the configured town')
    await stale.close()
    await eventually(async () => (await db.query<{ error: string | null }>('SELECT error FROM adapter_runs')).rows[0]?.error)
    await first.stop()
    const { rows: [stopped] } = await db.query<{ stream: string, cursor: { offset: number }, run_id: number | null }>('SELECT stream, cursor, run_id FROM sync_cursors')
    t.same(stopped?.cursor, { offset: 6 }, 'the cursor is stored with each page')
    t.equal(stopped?.stream, `catalogue:${TOWN}`, 'one stream per town')
    t.ok(stopped?.run_id, 'the run is still open')
    t.same([...catalogue.towns], [TOWN], 'only the configured town is read')
    t.equal((await mattersInForce(db, { town: TOWN, on: '2026-06-01' })).length, 5, 'pages one and two are stored, less the one that does not fit')

    catalogue.failFrom = null
    catalogue.offsets.length = 0
    const second = await run(t, db, redisUrl, config)
    const finished = await eventually(async () => (await db.query<{ status: string, pages: number, records: number, quarantined: number, error: string | null }>("SELECT status, pages, records, quarantined, error FROM adapter_runs WHERE status = 'succeeded'")).rows[0])
    await second.stop()
    t.equal(catalogue.offsets[0], 6, `the restart resumed from the stored cursor (offsets asked: ${catalogue.offsets.join(', ')})`)
    t.notOk(catalogue.offsets.includes(0), 'and read no page twice')
    t.match(finished, { status: 'succeeded', pages: 4, records: 9, quarantined: 1, error: null }, 'one run: four pages, nine versions stored, one rejected')

    const offered = await mattersInForce(db, { town: TOWN, on: '2026-06-01' })
    t.equal(offered.length, 7, 'seven matters: ten versions, less one invalid, less two sent again')
    t.notOk(offered.some((m) => m.matter.catalogCode === code(4)), 'the invalid version is not stored')
    t.equal((await matterVersion(db, itemOf(code(1)), 1))?.matter.place, 'B2', 'the later updatedAt won, the earlier one after it did not')
    t.equal((await matterOf(db, { town: TOWN, taskHandleItem: itemOf(code(1)), on: '2026-06-01' }))?.versions[0]?.source, 'test-catalogue', 'each version names its adapter instance')
    const { rows: [count] } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM matter_versions')
    t.equal(count?.n, 7)
  })
}

t.test('the matters-exchange adapter against its simulator', async (t) => {
  const { startSimulator } = await import('../../adapters/matters-exchange/simulator.ts')
  const { CATALOGUE } = await import('../../adapters/matters-exchange/data.ts')
  const sim = await startSimulator({ maintenanceSeconds: 0 })
  t.teardown(sim.close)
  const db = (await stores.pglite(t)).db
  const redisUrl = await freshRedis(t, 24)
  const config = configWith(testCatalogue, {
    id: 'matters-exchange', adapter: 'matters-exchange', baseUrl: sim.url, every: '1s', retries: { attempts: 5, backoff: '100ms' },
    credentials: { appId: 'T320412120', appSecret: 'matters-demo-secret' },
  })
  const running = await run(t, db, redisUrl, config)
  await eventually(async () => (await db.query("SELECT 1 FROM adapter_runs WHERE status = 'succeeded'")).rows.length > 0)
  await running.stop()
  const { rows: [counts] } = await db.query<{ versions: number, items: number }>('SELECT count(*)::int AS versions, count(DISTINCT task_handle_item)::int AS items FROM matter_versions')
  const distinct = new Set(CATALOGUE.map((c) => `${c.taskHandleItem}/${c.taskVersion}`))
  t.equal(counts?.versions, distinct.size, 'every version of the catalogue, a version sent twice stored once')
  t.equal(counts?.items, new Set(CATALOGUE.map((c) => c.taskHandleItem)).size)
  const { rows: [run1] } = await db.query<{ quarantined: number, records: number }>('SELECT quarantined, records FROM adapter_runs')
  t.equal(run1?.quarantined, 0, 'every item fits the model')
  t.equal(run1?.records, CATALOGUE.length)
  const twice = CATALOGUE.filter((c, i) => CATALOGUE.findIndex((d) => d.taskHandleItem === c.taskHandleItem && d.taskVersion === c.taskVersion) !== i)
  for (const again of twice) {
    const versions = CATALOGUE.filter((c) => c.taskHandleItem === again.taskHandleItem && c.taskVersion === again.taskVersion).sort((a, b) => a.updateTime.localeCompare(b.updateTime))
    const stored = await matterVersion(db, again.taskHandleItem, again.taskVersion, TOWN)
    t.equal(stored?.matter.acceptConditions, versions.at(-1)!.acceptCondition, `${again.taskName}: the later updateTime of version ${again.taskVersion} is kept`)
    t.equal(stored?.matter.promisedLimit.amount, versions.at(-1)!.promiseDay)
  }
  t.ok((await mattersInForce(db, { town: TOWN, on: '2026-12-07' })).length > 20, 'the town offers its matters today')
})
