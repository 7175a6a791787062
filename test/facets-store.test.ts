// Facets from mapping to the store, on PostgreSQL and PGlite: a raw record gives its record and a
// facet entry (or goes to quarantine with the reason), entries are written after unify with their
// provenance, later changes keep history, replays change nothing, older observations are ignored,
// and concurrent writers of one entry end where one writer applying everything would.
import t from 'tap'
import { openPostgres, type Queryable } from '../src/store/db.ts'
import { mapBatch, mapRecord } from '../src/pipeline/map.ts'
import { unify } from '../src/unify/unify.ts'
import { unifyFacets } from '../src/unify/facets.ts'
import { defaultSurvivorship } from '../src/unify/survivorship.ts'
import { facetCounts, facetEntries, facetHistory } from '../src/store/facets.ts'
import { getRecord } from '../src/store/records.ts'
import type { RawRecord } from '../src/model/intake.ts'
import { assistanceAdapter } from './facet-adapters.ts'
import { freshPostgres, stores } from './helpers.ts'

const ADAPTER = assistanceAdapter('assistance-test', 'test-assistance', 'sensitive')
const INSTANCE = 'assistance-1'
const RULES = defaultSurvivorship([])
const ZHANG = '320412198001010015'

const raw = (sourceId: string, at: string, fields: Record<string, unknown>): RawRecord => ({ sourceId, observedAt: new Date(at), fields: { SFZH: ZHANG, XM: '张三', ...fields } })

/** The commit step's order (src/pipeline/commit.ts): records, then their facet entries. */
async function commit (db: { transaction: <T>(fn: (tx: Queryable) => Promise<T>) => Promise<T> }, raws: RawRecord[]): Promise<void> {
  const { records, rejections } = mapBatch(ADAPTER, raws)
  if (rejections.length > 0) throw new Error(`unexpected rejection ${rejections[0]!.code}`)
  await db.transaction(async (tx) => {
    await unify(tx, RULES, INSTANCE, records)
    await unifyFacets(tx, INSTANCE, records)
  })
}

t.test('mapping: a raw record gives its record and one facet entry, or a quarantine reason', async (t) => {
  const ok = mapRecord(ADAPTER, raw('m#1', '2026-03-01T00:00:00Z', { JZLB: '01', KSRQ: '2024年1月5日', BZ: '按月/发放' }))
  t.ok(ok.ok)
  if (!ok.ok) return
  t.same(ok.record.data, { idNumber: ZHANG, name: '张三' }, 'the canonical fields come from `fields`')
  t.same(ok.record.facet, { name: 'test-assistance', entryKey: 'dibao', data: { category: 'dibao', since: '2024-01-05', note: '按月/发放' } }, 'the facet entry, normalised and keyed by its entry-key fields')

  const badCode = mapRecord(ADAPTER, raw('m#2', '2026-03-01T00:00:00Z', { JZLB: '09', KSRQ: '20240105' }))
  t.notOk(badCode.ok)
  if (!badCode.ok) t.match(badCode.rejection, { code: 'TB_CODE_UNKNOWN', field: 'JZLB', rawValue: '09' }, 'a normaliser refusal names the department field and value')

  const missing = mapRecord(ADAPTER, raw('m#3', '2026-03-01T00:00:00Z', { JZLB: '01' }))
  t.notOk(missing.ok)
  if (!missing.ok) t.match(missing.rejection, { code: 'TB_VALUE_MISSING', message: /^test-assistance\.since: / }, 'a required facet field that is absent')

  const invalid = mapRecord(ADAPTER, raw('m#4', '2026-03-01T00:00:00Z', { JZLB: '01', KSRQ: '20240105', BZ: '长'.repeat(201) }))
  t.notOk(invalid.ok)
  if (!invalid.ok) t.match(invalid.rejection, { code: 'TB_FACET_INVALID', message: /^test-assistance\.note: / }, 'a value that does not fit the facet schema')
})

for (const [storeName, open] of Object.entries(stores)) {
  t.test(`facet entries: provenance, history, replays and older observations (${storeName})`, async (t) => {
    const { db } = await open(t)
    const first = [
      raw('msg-1#0', '2026-03-01T08:00:00Z', { JZLB: '01', KSRQ: '20240105' }),
      raw('msg-1#1', '2026-03-01T08:00:00Z', { JZLB: '02', KSRQ: '20230601', BZ: '分散供养' }),
    ]
    await commit(db, first)
    t.equal((await getRecord(db, 'person', ZHANG))?.name, '张三', 'the subject record is unified in the same step')
    t.same(await facetCounts(db, 'person', ZHANG), [{ facet: 'test-assistance', entries: 2 }])
    const entries = await facetEntries(db, 'person', ZHANG, 'test-assistance')
    t.same(entries.map((e) => [e.entryKey, e.data, e.source]), [
      ['dibao', { category: 'dibao', since: '2024-01-05' }, { adapter: INSTANCE, sourceId: 'msg-1#0', observedAt: '2026-03-01T08:00:00.000Z' }],
      ['tekun', { category: 'tekun', since: '2023-06-01', note: '分散供养' }, { adapter: INSTANCE, sourceId: 'msg-1#1', observedAt: '2026-03-01T08:00:00.000Z' }],
    ], 'each entry with the observation it came from')
    const created = await facetHistory(db, 'person', ZHANG, 'test-assistance', undefined, 50)
    t.same(created.items.map((h) => [h.id, h.entryKey]).sort(), [[0, 'dibao'], [0, 'tekun']], 'creation only: no history rows')

    // A later change keeps history; the replay of the first message changes nothing.
    await commit(db, [raw('msg-2#0', '2026-03-05T08:00:00Z', { JZLB: '01', KSRQ: '20240201', BZ: '调整' })])
    const snapshot = async (): Promise<unknown> => (await db.query('SELECT subject_key, facet, entry_key, data, source_id, observed_at, version FROM facet_entries ORDER BY entry_key')).rows
    const historyRows = async (): Promise<number> => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM facet_history')).rows[0]!.n
    const before = await snapshot()
    t.equal(await historyRows(), 1)
    await commit(db, first)
    await commit(db, [raw('msg-2#0', '2026-03-05T08:00:00Z', { JZLB: '01', KSRQ: '20240201', BZ: '调整' })])
    t.same(await snapshot(), before, 'replays change no entry, not even its version')
    t.equal(await historyRows(), 1, 'and add no history')

    // An older observation saying something else is ignored.
    await commit(db, [raw('old#0', '2026-02-01T00:00:00Z', { JZLB: '01', KSRQ: '20200101' })])
    t.same(await snapshot(), before, 'an observation older than the stored one never overwrites it')

    // A newer observation saying the same moves the provenance on, without a history row.
    await commit(db, [raw('msg-3#0', '2026-03-09T08:00:00Z', { JZLB: '01', KSRQ: '20240201', BZ: '调整' })])
    const dibao = (await facetEntries(db, 'person', ZHANG, 'test-assistance')).find((e) => e.entryKey === 'dibao')!
    t.same(dibao.source, { adapter: INSTANCE, sourceId: 'msg-3#0', observedAt: '2026-03-09T08:00:00.000Z' })
    t.equal(await historyRows(), 1)

    // One batch with two observations of an entry applies them in time order, whatever their order in the batch.
    await commit(db, [
      raw('msg-5#0', '2026-03-20T00:00:00Z', { JZLB: '02', KSRQ: '20230601', BZ: '集中供养' }),
      raw('msg-4#0', '2026-03-10T00:00:00Z', { JZLB: '02', KSRQ: '20230601', BZ: '分散供养(复核)' }),
    ])
    const history = await facetHistory(db, 'person', ZHANG, 'test-assistance', undefined, 50)
    t.same(history.items.filter((h) => h.id !== 0).map((h) => [h.entryKey, h.source.sourceId, h.changes]), [
      ['tekun', 'msg-5#0', [{ field: 'note', old: '分散供养(复核)', new: '集中供养' }]],
      ['tekun', 'msg-4#0', [{ field: 'note', old: '分散供养', new: '分散供养(复核)' }]],
      ['dibao', 'msg-2#0', [{ field: 'note', old: null, new: '调整' }, { field: 'since', old: '2024-01-05', new: '2024-02-01' }]],
    ], 'newest first, each change with the observation that made it')
    const creations = history.items.filter((h) => h.id === 0)
    t.same(creations.find((h) => h.entryKey === 'dibao')?.changes, [{ field: 'category', old: null, new: 'dibao' }, { field: 'since', old: null, new: '2024-01-05' }], 'the creation shows the data as first observed')
    t.same(creations.find((h) => h.entryKey === 'tekun')?.source.sourceId, 'msg-1#1')

    const paged = await facetHistory(db, 'person', ZHANG, 'test-assistance', undefined, 2)
    t.equal(paged.items.length, 2)
    const rest = await facetHistory(db, 'person', ZHANG, 'test-assistance', paged.next!, 2)
    t.same(rest.items.map((h) => h.id === 0 ? `created ${h.entryKey}` : h.source.sourceId).sort(), ['created dibao', 'created tekun', 'msg-2#0'], 'the last page ends with the creations')
    t.equal(rest.next, null)
  })
}

t.test('concurrent writers of one entry end at the newest observation (postgres)', async (t) => {
  const { url } = await freshPostgres(t)
  const db = await openPostgres(url, 8)
  t.teardown(async () => { await db.close() })
  const N = 30
  const work = []
  for (let i = 0; i < N; i++) {
    const at = new Date(Date.UTC(2026, 2, 1, 0, 0, i)).toISOString()
    work.push(commit(db, [raw(`c#${i}`, at, { JZLB: '01', KSRQ: '20240101', BZ: `第${i}次` })]))
  }
  await Promise.all(work)
  const [entry] = await facetEntries(db, 'person', ZHANG, 'test-assistance')
  t.equal(entry!.data.note, `第${N - 1}次`, 'the newest observation won')
  t.equal(entry!.source.sourceId, `c#${N - 1}`)
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM facet_history')
  t.ok(rows[0]!.n <= N - 1, 'a history row only for changes applied')
})
