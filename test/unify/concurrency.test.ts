// Unify writes optimistically (by record version): many writers on the same records at once, on
// real PostgreSQL connections, must end exactly where one writer applying everything would.
import t from 'tap'
import { openPostgres } from '../../src/store/db.ts'
import { unify } from '../../src/unify/unify.ts'
import { defaultSurvivorship } from '../../src/unify/survivorship.ts'
import householdRegistration from '../../adapters/household-registration/adapter.ts'
import { getRecord } from '../../src/store/records.ts'
import type { MappedRecord } from '../../src/model/intake.ts'
import { freshPostgres } from '../helpers.ts'

const RULES = defaultSurvivorship([{ instance: 'household-registration', kind: 'person', fields: householdRegistration.authority }])

const HR = 'household-registration'
const MR = 'market-regulation'
const KEYS = ['320412198001010011', '32041219900202002X'] // only the store sees them: no checks here

function observation (key: string, i: number): { adapter: string, record: MappedRecord } {
  const adapter = i % 2 === 0 ? HR : MR
  const observedAt = new Date(Date.UTC(2026, 0, 1, 0, 0, i))
  return { adapter, record: { kind: 'person', key, sourceId: `${adapter}#${i}`, observedAt, data: { idNumber: key, name: `${adapter === HR ? '户' : '市'}${i}`, phone: `138000000${String(i).padStart(2, '0')}` } } }
}

t.test('concurrent unify transactions on the same records lose nothing (postgres)', async (t) => {
  const { url } = await freshPostgres(t)
  const db = await openPostgres(url, 8)
  t.teardown(async () => { await db.close() })
  const N = 40
  const LAST = N + 9 // the crossed batches below add observations N..N+9
  const work = []
  for (let i = 0; i < N; i++) {
    for (const key of KEYS) {
      const { adapter, record } = observation(key, i)
      work.push(db.transaction(async (tx) => await unify(tx, RULES, adapter, [record])))
    }
  }
  // Batches that share records in opposite orders must not deadlock.
  for (let i = N; i < N + 10; i++) {
    const forward = KEYS.map((key) => observation(key, i))
    work.push(db.transaction(async (tx) => await unify(tx, RULES, forward[0]!.adapter, forward.map((o) => o.record))))
    work.push(db.transaction(async (tx) => await unify(tx, RULES, forward[0]!.adapter, [...forward].reverse().map((o) => ({ ...o.record, sourceId: `${o.record.sourceId}r` })))))
  }
  await Promise.all(work)

  for (const key of KEYS) {
    const person = await getRecord(db, 'person', key)
    // name: household registration is the authority, its newest word wins; phone: the newest of all.
    t.equal(person!.name, `户${LAST - 1}`, `${key}: the authority's newest name`)
    t.equal(person!.phone, `138000000${LAST}`, `${key}: the newest phone`)
    const { rows: history } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM record_history WHERE record_key = $1", [key])
    t.ok(history[0]!.n >= 1 && history[0]!.n <= N + 20, 'history rows written only for applied changes')
  }
  const { rows } = await db.query<{ record_key: string, field: string, candidates: Array<{ sourceId: string }> }>("SELECT record_key, field, candidates FROM conflicts WHERE status = 'open'")
  const open = { items: rows.map((r) => ({ recordKey: r.record_key, field: r.field, candidates: r.candidates })) }
  for (const key of KEYS) {
    const mine = open.items.filter((c) => c.recordKey === key)
    t.same(mine.map((c) => c.field).sort(), ['name', 'phone'], `${key}: one open conflict per field, never two`)
    for (const c of mine) {
      // The crossed batches send each observation twice (sourceIds #i and #ir, one instant): either is the latest.
      t.match(c.candidates.map((x) => x.sourceId).sort(), [new RegExp(`^${HR}#${LAST - 1}r?$`), new RegExp(`^${MR}#${LAST}r?$`)], `${key} ${c.field}: each source's latest word`)
    }
  }
})

t.test('a batch applied again changes nothing, even when it names a record twice at one instant (postgres)', async (t) => {
  const { url } = await freshPostgres(t)
  const db = await openPostgres(url, 2)
  t.teardown(async () => { await db.close() })
  const key = KEYS[0]!
  const observedAt = new Date(Date.UTC(2026, 0, 1))
  // One message naming the resident twice at one instant, the second entry correcting the first.
  const batch: MappedRecord[] = [
    { kind: 'person', key, sourceId: 'msg-1#0', observedAt, data: { idNumber: key, name: '王芳', phone: '13800000001' } },
    { kind: 'person', key, sourceId: 'msg-1#3', observedAt, data: { idNumber: key, name: '王芳', phone: '13800000002' } },
  ]
  const state = async () => {
    const { rows } = await db.query<{ version: number, phone: string, history: number }>(
      'SELECT version, phone, (SELECT count(*)::int FROM record_history WHERE record_key = $1) AS history FROM persons WHERE id_number = $1', [key])
    return rows[0]
  }
  await db.transaction(async (tx) => await unify(tx, RULES, HR, batch))
  const first = await state()
  t.equal(first!.phone, '13800000002', 'the later entry of one instant wins')
  for (let replay = 0; replay < 3; replay++) await db.transaction(async (tx) => await unify(tx, RULES, HR, batch))
  t.same(await state(), first, 'replays write nothing: same version, no history')
})
