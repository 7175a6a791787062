// An ordered source written through lanes (src/pipeline/lanes.ts), on the real market-register
// rows: a batch's records split by key into lanes that share no record, lanes committing side by
// side on PostgreSQL (one at a time on PGlite), checkpoints in batch order after their records,
// and a crash between the two that loses nothing and repeats nothing when the batch comes again.
import t from 'tap'
import { AdapterInstance } from '../src/config/schema.ts'
import { prepareLanes, type MappedBatch } from '../src/pipeline/commit.ts'
import { laneWriter } from '../src/pipeline/lanes.ts'
import { mapBatch } from '../src/pipeline/map.ts'
import type { Db } from '../src/store/db.ts'
import { laneOf } from '../src/unify/lane.ts'
import { withLinkedRecords } from '../src/unify/link.ts'
import { defaultSurvivorship } from '../src/unify/survivorship.ts'
import market, { toRawRecord } from '../adapters/market-regulation/adapter.ts'
import { enterprisesBetween } from '../adapters/market-regulation/data.ts'
import { stores } from './helpers.ts'

const SEED = 31
const BATCH = 200
const platformOf = (db: Db): { db: Db, survivorship: ReturnType<typeof defaultSurvivorship> } => ({ db, survivorship: defaultSurvivorship([]) })
const instance = { config: AdapterInstance.parse({ id: 'market-regulation', adapter: 'market-regulation' }), adapter: market }

/** The register's rows `from`…`to` mapped as a pull maps them (some rejected for a bad check character). */
const batchOf = (from: number, to: number): MappedBatch => mapBatch(market, enterprisesBetween(SEED, from, to).map((row) => toRawRecord(row, new Date('2026-11-02T08:00:00Z'))))

/**
 * The database, telling whether its second transaction began while the first was in flight: the
 * first batch's lanes can; with one lane, whatever comes second (the next part in that lane, the
 * batch's checkpoint) waits for the first.
 */
function watched (db: Db): { db: Db, firstTwoOverlap: () => boolean } {
  let started = 0
  let firstDone = false
  let overlap = false
  return {
    db: {
      ...db,
      async transaction (fn) {
        const n = ++started
        if (n === 2 && !firstDone) overlap = true
        try { return await db.transaction(fn) } finally { if (n === 1) firstDone = true }
      },
    },
    firstTwoOverlap: () => overlap,
  }
}

async function count (db: Db, sql: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(sql)
  return rows[0]!.n
}

t.test('laneOf: stable, and spread evenly', async (t) => {
  const keys = withLinkedRecords(batchOf(0, 2000).records).map((r) => r.key)
  t.same(keys.map((k) => laneOf(k, 2)), keys.map((k) => laneOf(k, 2)), 'a key is always in the same lane')
  t.ok(keys.every((k) => laneOf(k, 1) === 0), 'one lane takes everything')
  const share = keys.filter((k) => laneOf(k, 2) === 0).length / keys.length
  t.ok(share > 0.4 && share < 0.6, `about half the keys in each of two lanes (${share.toFixed(2)})`)
})

t.test('prepareLanes: every record, linked persons included, in exactly the lane of its key', async (t) => {
  const batch = batchOf(0, 500)
  const parts = await prepareLanes(platformOf({} as Db), instance, batch.records, 2)
  t.equal(parts.length, 2)
  const seen = new Map<string, number>()
  const twice: string[] = []
  parts.forEach((part, lane) => {
    for (const { kind, observations } of part.unify.kinds) {
      for (const key of observations.keys()) {
        if (seen.has(`${kind}/${key}`)) twice.push(key)
        seen.set(`${kind}/${key}`, lane)
      }
    }
    t.ok(part.records.every((r) => laneOf(r.key, 2) === lane), `lane ${lane} carries the records of its keys`)
    t.same(part.rejections, [], 'rejections stay with the batch, not a lane')
  })
  t.same(twice, [], 'no record in two lanes')
  const all = withLinkedRecords(batch.records)
  t.equal(seen.size, new Set(all.map((r) => `${r.kind}/${r.key}`)).size, 'no key left out')
  t.ok(all.every((r) => seen.get(`${r.kind}/${r.key}`) === laneOf(r.key, 2)), 'each in the lane laneOf names')
  t.ok(all.some((r) => r.kind === 'person'), 'the legal representatives are split too')
})

for (const [name, open] of Object.entries(stores)) {
  t.test(`laneWriter: lanes side by side, checkpoints in order (${name})`, async (t) => {
    const { db: real } = await open(t)
    const { db, firstTwoOverlap } = watched(real)
    const writer = laneWriter(platformOf(db), instance, 2)
    const order: number[] = []
    let rejected = 0
    for (let i = 0; i < 10; i++) {
      const batch = batchOf(i * BATCH, (i + 1) * BATCH)
      rejected += batch.rejections.length
      await writer.write(batch, async (tx) => {
        // Every record of the batch is committed before its checkpoint.
        const { rows } = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM enterprises WHERE credit_code = ANY($1::text[])', [batch.records.map((r) => r.key)])
        t.equal(rows[0]!.n, batch.records.length, `batch ${i}: its records are stored when its checkpoint commits`)
        order.push(i)
      }, () => {})
    }
    await writer.settled()
    t.same(order, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'checkpoints in batch order')
    t.ok(rejected > 0, 'the rows hold rejections')
    t.equal(await count(real, 'SELECT count(*)::int AS n FROM quarantine'), rejected, 'each rejection quarantined once')
    if (name === 'postgres') t.ok(firstTwoOverlap(), 'the first batch\'s two lanes commit side by side')
    else t.notOk(firstTwoOverlap(), 'one lane on PGlite (one connection)')
  })
}

t.test('laneWriter: a crash between the lanes and the checkpoint repeats nothing when the batch comes again (postgres)', async (t) => {
  const { db } = await stores.postgres(t)
  const platform = platformOf(db)
  const first = batchOf(0, BATCH)
  const second = batchOf(BATCH, 2 * BATCH)
  const crashed = laneWriter(platform, instance, 2)
  await crashed.write(first, async () => {}, () => {})
  let committed = false
  await crashed.write(second, async () => { throw new Error('the process died here') }, () => { committed = true })
  await t.rejects(crashed.settled(), /the process died here/, 'the failure reaches the caller')
  t.notOk(committed, 'a batch whose checkpoint failed is not counted')
  const stored = (): Promise<number> => count(db, 'SELECT count(*)::int AS n FROM enterprises')
  const state = (): Promise<number> => count(db, 'SELECT coalesce(sum(version), 0)::int + (SELECT count(*)::int FROM record_history) + (SELECT count(*)::int FROM conflicts) AS n FROM persons')
  t.equal(await stored(), first.records.length + second.records.length, 'the lanes had committed the second batch\'s records')
  t.equal(await count(db, 'SELECT count(*)::int AS n FROM quarantine'), first.rejections.length, 'but not its rejections')
  const before = { enterprises: await stored(), state: await state(), versions: await count(db, 'SELECT sum(version)::int AS n FROM enterprises') }

  // The restart reads the checkpoint, so the second batch comes again.
  const resumed = laneWriter(platform, instance, 2)
  await resumed.write(second, async () => {}, () => {})
  await resumed.settled()
  t.equal(await stored(), before.enterprises, 'no record added')
  t.equal(await count(db, 'SELECT sum(version)::int AS n FROM enterprises'), before.versions, 'no enterprise written again')
  t.equal(await state(), before.state, 'no person, history or conflict written again')
  t.equal(await count(db, 'SELECT count(*)::int AS n FROM quarantine'), first.rejections.length + second.rejections.length, 'its rejections quarantined once')
})
