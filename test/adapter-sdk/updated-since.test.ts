// The updatedSince cursor, written once: where a page leaves the stream, and that every cursor it
// gives round-trips its schema (cursors are persisted as JSON and read back after restarts).
import t, { type Test } from 'tap'
import { timeFormat, updatedSince, type UpdatedSinceCursor } from '../../src/adapter-sdk/index.ts'
import type { RawRecord } from '../../src/model/intake.ts'

const GXSJ = timeFormat('YYYYMMDDHHmmss', '+08:00')
const cursor = updatedSince({
  time: GXSJ,
  lookbackSeconds: 1,
  params: { since: 'updatedAfter', page: 'pageNo', pageSize: 'pageSize' },
  maxSeen: 'maxGxsj',
  maxPageSize: 500,
})
type Cursor = UpdatedSinceCursor<'updatedAfter', 'pageNo', 'maxGxsj'>

const at = (gxsj: string): RawRecord => ({ sourceId: gxsj, observedAt: GXSJ.parse(gxsj)!, fields: {} })
const rejected = (gxsj: string): RawRecord => ({ ...at(gxsj), reject: { code: 'TB_DATE_INVALID', message: 'x' } })

/** Every cursor the helper gives must come back whole from its JSON through the schema. */
function roundTrips (t: Test, c: Cursor): void {
  t.same(cursor.schema.parse(JSON.parse(JSON.stringify(c))), c, 'round-trips its schema')
}

t.test('the first cursor and the request', async (t) => {
  const first = cursor.initial()
  t.same(first, { updatedAfter: '19700101080000', pageNo: 1, maxGxsj: null })
  roundTrips(t, first)
  t.same(cursor.request(first, 2000), { query: { updatedAfter: '19700101080000', pageNo: 1, pageSize: 500 }, pageSize: 500 }, 'clamped to the department maximum')
  t.same(cursor.request(first, 0.5).pageSize, 1)
})

t.test('the schema', async (t) => {
  t.same(cursor.schema.parse({ updatedAfter: '20261120000000', pageNo: 3 }), { updatedAfter: '20261120000000', pageNo: 3, maxGxsj: null }, 'maxSeen defaults to null')
  t.throws(() => cursor.schema.parse({ updatedAfter: '2026-11-20', pageNo: 1 }))
  t.throws(() => cursor.schema.parse({ updatedAfter: '20261120000000', pageNo: 0 }))
  t.throws(() => cursor.schema.parse({ updatedAfter: '20261131000000', pageNo: 1 }), 'not a real time')
  t.throws(() => cursor.schema.parse({ updatedAfter: '20261120000000', pageNo: 1, maxGxsj: 'soon' }))
})

t.test('a full page continues from one second before its last time, first page again', async (t) => {
  const c0 = cursor.initial()
  const p1 = cursor.next(c0, { records: [at('20260101000000'), at('20260101000005')], pageSize: 2 })
  t.same(p1, { cursor: { updatedAfter: '20260101000004', pageNo: 1, maxGxsj: '20260101000005' }, done: false })
  roundTrips(t, p1.cursor)
  // the same second again: a page entirely at the second after updatedAfter steps the page number
  const p2 = cursor.next(p1.cursor, { records: [at('20260101000005'), at('20260101000005')], pageSize: 2 })
  t.same(p2, { cursor: { updatedAfter: '20260101000004', pageNo: 2, maxGxsj: '20260101000005' }, done: false })
  roundTrips(t, p2.cursor)
  // a short page ends the run one second before the largest time seen
  const p3 = cursor.next(p2.cursor, { records: [at('20260101000003')], pageSize: 2 })
  t.same(p3, { cursor: { updatedAfter: '20260101000004', pageNo: 1, maxGxsj: null }, done: true })
  roundTrips(t, p3.cursor)
})

t.test('nothing new, rejected rows, a department that pages by less', async (t) => {
  const c = { updatedAfter: '20260101000000', pageNo: 1, maxGxsj: null }
  t.same(cursor.next(c, { records: [], pageSize: 500 }), { cursor: c, done: true }, 'nothing new: the cursor stays')
  t.same(cursor.next(c, { records: [rejected('20270101000000'), at('20260101000009')], pageSize: 500 }).cursor,
    { updatedAfter: '20260101000008', pageNo: 1, maxGxsj: null }, 'a rejected row does not move the cursor')
  const rows = Array.from({ length: 100 }, () => at('20260101000009'))
  t.equal(cursor.next(c, { records: rows, pageSize: 500, appliedPageSize: 100 }).done, false, 'the page size the department applied is a full page')
  t.equal(cursor.next(c, { records: rows, pageSize: 500, appliedPageSize: '100' }).done, true, 'only a whole number counts')
  const resumed = cursor.next({ updatedAfter: '20260101000010', pageNo: 1, maxGxsj: '20260101000005' }, { records: [], pageSize: 500 })
  t.same(resumed.cursor, { updatedAfter: '20260101000010', pageNo: 1, maxGxsj: null }, 'never resumes before updatedAfter')
})

t.test('other formats, zones, lookbacks and offset paging', async (t) => {
  const iso = timeFormat('YYYY-MM-DD HH:mm:ss', 'Z')
  const offsets = updatedSince({
    time: iso,
    lookbackSeconds: 60,
    params: { since: 'since', page: 'offset', pageSize: 'limit' },
    maxSeen: 'latest',
    page: { first: 0, increment: 'pageSize' },
    maxPageSize: 100,
  })
  const first = offsets.initial()
  t.same(first, { since: '1970-01-01 00:00:00', offset: 0, latest: null })
  t.same(offsets.request(first, 50).query, { since: '1970-01-01 00:00:00', offset: 0, limit: 50 })
  const same = (s: string): RawRecord => ({ sourceId: s, observedAt: iso.parse(s)!, fields: {} })
  const p1 = offsets.next(first, { records: [same('2026-01-01 00:00:00'), same('2026-01-01 00:10:00')], pageSize: 2 })
  t.same(p1.cursor, { since: '2026-01-01 00:09:00', offset: 0, latest: '2026-01-01 00:10:00' }, 'a minute back')
  const p2 = offsets.next(p1.cursor, { records: [same('2026-01-01 00:10:00'), same('2026-01-01 00:10:00')], pageSize: 2 })
  t.same(p2.cursor, { since: '2026-01-01 00:09:00', offset: 2, latest: '2026-01-01 00:10:00' }, 'offsets step by the page size')
  t.same(offsets.schema.parse(JSON.parse(JSON.stringify(p2.cursor))), p2.cursor)
  t.throws(() => offsets.schema.parse({ since: '1970-01-01 00:00:00', offset: -1 }))
})
