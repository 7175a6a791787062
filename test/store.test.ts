// The unified store on both PGlite and PostgreSQL: migrations, the webhook inbox, unify with
// per-field newest-wins and provenance, quarantine, record search and the pull-sync bookkeeping.
import t from 'tap'
import { readdir } from 'node:fs/promises'
import { openPglite, openPostgres, type Db } from '../src/store/db.ts'
import { migrate } from '../src/store/migrate.ts'
import { fromRoot } from '../src/paths.ts'
import { claimInboxRows, commitWebhooks, finishInboxRows, listInbox, markForReplay, unfinishedInbox, unfinishedInboxRows, type IncomingWebhook } from '../src/store/inbox.ts'
import { unify } from '../src/unify/unify.ts'
import { defaultSurvivorship } from '../src/unify/survivorship.ts'
import householdRegistration from '../adapters/household-registration/adapter.ts'
import type { MappedRecord, Rejection } from '../src/model/intake.ts'
import { countOpenQuarantine, getQuarantineItem, listQuarantine, quarantine, updateQuarantineItem } from '../src/store/quarantine.ts'
import { countInScope, getRecord, matchOf, recordInScope, searchRecords as searchBy } from '../src/store/records.ts'
import { failRun, lastSuccess, loadCursor, recentRuns, recordPage, saveCursor, startRun } from '../src/store/sync.ts'
import type { EntityKind } from '../src/model/index.ts'
import { freshPostgresUrl, stores } from './helpers.ts'

const RULES = defaultSurvivorship([{ instance: 'household-registration', kind: 'person', fields: householdRegistration.authority }])

// ------------------------------------------------------------------------------------------
// fixtures

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
/** A valid 18-character resident ID from its first 17 digits. */
function id18 (first17: string): string {
  let sum = 0
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i]!
  return first17 + '10X98765432'[sum % 11]!
}

const at = (iso: string): Date => new Date(iso)

function person (key: string, sourceId: string, observedAt: string, data: Record<string, unknown>): MappedRecord {
  return { kind: 'person', key, sourceId, observedAt: at(observedAt), data: { idNumber: key, ...data } }
}

function enterprise (key: string, sourceId: string, observedAt: string, data: Record<string, unknown>): MappedRecord {
  return { kind: 'enterprise', key, sourceId, observedAt: at(observedAt), data: { creditCode: key, ...data } }
}

/** Every record of the tests (they all lie in Jiangsu, 32). */
const ALL = { prefix: '32', unlocated: true }

/** The API's one-box search: a string query classified as the API does. */
const searchRecords = async (db: Db, kind: EntityKind, scope: typeof ALL, q: string | undefined, after: string | undefined, limit: number) =>
  await searchBy(db, kind, scope, matchOf(kind, q), after, limit)

const prov = (adapter: string, sourceId: string, observedAt: string) => ({ adapter, sourceId, observedAt: at(observedAt).toISOString() })

function rejection (sourceId: string, code: Rejection['code'], fields: Record<string, unknown> = {}): Rejection {
  return { sourceId, code, message: `${code} for ${sourceId}`, field: 'GMSFHM', rawValue: String(fields.GMSFHM ?? ''), raw: { sourceId, observedAt: at('2026-03-01T08:00:00Z'), fields } }
}

/** Every page of a search, following `next` until null. */
async function allPages (db: Db, kind: EntityKind, q: string | undefined, limit: number): Promise<{ keys: string[], pages: number }> {
  const keys: string[] = []
  let after: string | undefined
  let pages = 0
  for (;;) {
    const page = await searchRecords(db, kind, ALL, q, after, limit)
    pages++
    if (pages > 1000) throw new Error('paging does not end')
    const keyField = kind === 'person' ? 'idNumber' : 'creditCode'
    keys.push(...page.items.map((i) => String(i[keyField])))
    if (page.items.length > limit) throw new Error('a page holds more than limit items')
    if (page.next === null) return { keys, pages }
    if (page.next !== keys[keys.length - 1]) throw new Error('next is not the key of the last item')
    after = page.next
  }
}

// ------------------------------------------------------------------------------------------

t.test('migrations apply once, also when several processes start together', async (t) => {
  const files = (await readdir(fromRoot('src', 'store', 'migrations'))).filter((f) => f.endsWith('.sql')).sort()
  t.ok(files.length > 0)

  const pglite = await openPglite()
  t.teardown(async () => { await pglite.close() })
  t.same(await migrate(pglite), files, 'pglite: a new database gets every migration')
  t.same(await migrate(pglite), [], 'pglite: a second migrate applies nothing')

  const url = await freshPostgresUrl(t)
  const dbs = await Promise.all([1, 2, 3].map(async () => await openPostgres(url, 2)))
  t.teardown(async () => { for (const db of dbs) await db.close() })
  const results = await Promise.all(dbs.map(async (db) => await migrate(db)))
  t.same(results.flat().sort(), files, 'postgres: three concurrent migrates apply each file exactly once')
  t.same(await migrate(dbs[0]!), [], 'postgres: a later migrate applies nothing')

  for (const db of [pglite, dbs[0]!]) {
    const { rows } = await db.query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version')
    t.same(rows.map((r) => r.version), files, `${db.kind}: each file is recorded once`)
  }
})

for (const store of ['pglite', 'postgres'] as const) {
  t.test(`store on ${store}`, async (t) => {
    const { db } = await stores[store](t)

    t.test('migrate on a migrated database applies nothing', async (t) => {
      t.same(await migrate(db), [])
    })

    t.test('commitWebhooks: fresh rows, repeats across and inside batches, raw bytes kept', async (t) => {
      const receivedAt = new Date()
      // Not UTF-8: a lone continuation byte, 0xff/0xfe, a NUL and a truncated sequence.
      const binary = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x41, 0xe4, 0xb8, 0x0a, 0xc3])
      const utf8 = Buffer.from('{"msgId":"甲","records":[]}\n', 'utf8')
      const w = (webhookId: string, body: Buffer, adapter = 'hr'): IncomingWebhook => ({ adapter, webhookId, receivedAt, body })

      const first = await commitWebhooks(db, [w('a', binary), w('b', utf8)])
      t.equal(first.length, 2)
      t.ok(first.every((r) => r.fresh), 'new rows are fresh')
      t.not(first[0]!.inboxId, first[1]!.inboxId)
      t.same(first.map((r) => r.generation), [0, 0])

      const again = await commitWebhooks(db, [w('b', Buffer.from('a different body')), w('c', utf8), w('a', utf8)])
      t.same(again.map((r) => r.fresh), [false, true, false], 'repeats of stored ids are not fresh')
      t.equal(again[0]!.inboxId, first[1]!.inboxId, 'a repeat answers the stored row')
      t.equal(again[2]!.inboxId, first[0]!.inboxId)

      // Repeats inside one batch (the department sends twice within a second): one row, the
      // first occurrence fresh, later ones not; other webhooks of the batch are unaffected.
      const inside = await commitWebhooks(db, [w('d', utf8), w('d', utf8), w('e', utf8), w('d', binary), w('c', utf8), w('c', utf8)])
      t.same(inside.map((r) => r.fresh), [true, false, true, false, false, false])
      t.equal(inside[1]!.inboxId, inside[0]!.inboxId)
      t.equal(inside[3]!.inboxId, inside[0]!.inboxId)
      t.equal(inside[4]!.inboxId, again[1]!.inboxId)
      t.equal(inside[5]!.inboxId, again[1]!.inboxId)
      const onlyRepeats = await commitWebhooks(db, [w('a', utf8), w('a', utf8)])
      t.same(onlyRepeats.map((r) => [r.inboxId, r.fresh]), [[first[0]!.inboxId, false], [first[0]!.inboxId, false]])

      // The same webhook id from another adapter instance is another message.
      const other = await commitWebhooks(db, [w('a', utf8, 'other')])
      t.ok(other[0]!.fresh)
      t.not(other[0]!.inboxId, first[0]!.inboxId)

      const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM inbox WHERE adapter = 'hr'")
      t.equal(rows[0]!.n, 5, 'a, b, c, d and e: one row each')

      const [rowA] = await unfinishedInboxRows(db, [first[0]!.inboxId])
      t.ok(rowA)
      t.ok(Buffer.isBuffer(rowA!.body))
      t.ok(rowA!.body.equals(binary), 'the non-UTF-8 body is kept byte for byte; repeats never replace it')
      t.match(rowA, { adapter: 'hr', webhook_id: 'a', status: 'received', generation: 0 })
      t.equal(rowA!.received_at.getTime(), receivedAt.getTime())
      const [rowB] = await unfinishedInboxRows(db, [first[1]!.inboxId])
      t.ok(rowB!.body.equals(utf8))
      const listed = await listInbox(db, { adapter: 'hr', limit: 10 })
      t.equal(listed.find((i) => i.webhookId === 'a')!.bytes, binary.length)
    })

    t.test('claimInboxRows: nothing for a finished row; replay makes it claimable again', async (t) => {
      const [receipt] = await commitWebhooks(db, [{ adapter: 'claim', webhookId: 'm1', receivedAt: new Date(Date.now() - 60_000), body: Buffer.from('{}') }])
      const id = receipt!.inboxId
      t.same((await unfinishedInbox(db, new Date(), 100)).filter((r) => r.adapter === 'claim').map((r) => r.id), [id])
      await db.transaction(async (tx) => {
        t.same(await claimInboxRows(tx, [id]), [{ id, generation: 0 }], 'a received row is claimed')
        await finishInboxRows(tx, [{ id, status: 'done', ok: 2, quarantined: 1 }])
      })
      t.same(await db.transaction(async (tx) => await claimInboxRows(tx, [id])), [], 'a done row is not claimed again')
      t.same((await unfinishedInbox(db, new Date(), 100)).filter((r) => r.adapter === 'claim'), [])
      const [item] = await listInbox(db, { adapter: 'claim', limit: 10 })
      t.match(item, { id, status: 'done', recordsOk: 2, recordsQuarantined: 1, error: null, processedAt: String })

      const [failed] = await commitWebhooks(db, [{ adapter: 'claim', webhookId: 'm2', receivedAt: new Date(), body: Buffer.from('x') }])
      await finishInboxRows(db, [{ id: failed!.inboxId, status: 'failed', ok: 0, quarantined: 1, error: 'not JSON' }])
      t.same(await db.transaction(async (tx) => await claimInboxRows(tx, [failed!.inboxId])), [], 'a failed row is finished too')
      t.same((await listInbox(db, { adapter: 'claim', status: 'failed', limit: 10 })).map((i) => [i.webhookId, i.error]), [['m2', 'not JSON']])

      const replayed = await markForReplay(db, 'claim', new Date(Date.now() - 120_000), new Date(Date.now() + 1000))
      t.same(replayed.map((r) => [r.id, r.generation]).sort(), [[id, 1], [failed!.inboxId, 1]].sort())
      t.same(await db.transaction(async (tx) => await claimInboxRows(tx, [id])), [{ id, generation: 1 }], 'claimed again, in its new generation')
      t.match(await unfinishedInboxRows(db, [id]), [{ id, status: 'received', generation: 1 }])
    })

    t.test('unify: insert, provenance, newest wins per field, batch merge, partial records', async (t) => {
      const A = id18('32041219800101001')
      const B = id18('32041219900202002')
      const HR = 'household-registration'

      t.equal(await unify(db, RULES, HR, [
        person(A, 'msg1#0', '2026-01-10T00:00:00Z', { name: '张伟', gender: 'male', birthDate: '1980-01-01', phone: '13800000001', address: '湟里镇村前村1号', status: 'registered' }),
        person(B, 'msg1#1', '2026-01-10T00:00:00Z', { name: '李娜', gender: 'female' }),
      ]), 2)
      const a1 = await getRecord(db, 'person', A)
      t.same(a1, {
        idNumber: A,
        name: '张伟',
        gender: 'male',
        birthDate: '1980-01-01',
        ethnicityCode: null,
        phone: '13800000001',
        address: '湟里镇村前村1号',
        divisionCode: null,
        status: 'registered',
        provenance: Object.fromEntries(['name', 'gender', 'birthDate', 'phone', 'address', 'status'].map((f) => [f, prov(HR, 'msg1#0', '2026-01-10T00:00:00Z')])),
      }, 'every field and its provenance {adapter, sourceId, observedAt}')

      // A newer phone only: the stored name and the fields the record does not carry stay.
      await unify(db, RULES, HR, [person(A, 'msg2#0', '2026-01-20T00:00:00Z', { phone: '13800000002' })])
      const a2 = await getRecord(db, 'person', A)
      t.match(a2, { name: '张伟', phone: '13800000002', address: '湟里镇村前村1号', status: 'registered' })
      t.same(a2!.provenance.phone, prov(HR, 'msg2#0', '2026-01-20T00:00:00Z'))
      t.same(a2!.provenance.name, prov(HR, 'msg1#0', '2026-01-10T00:00:00Z'), 'absent fields keep their provenance')

      // Stored: name @01-10, phone @01-20. A record observed @01-15 is newer for the name and
      // older for the phone: the name changes, the phone does not.
      await unify(db, RULES, HR, [person(A, 'msg3#0', '2026-01-15T00:00:00Z', { name: '张　伟X', phone: '13800000003' })])
      const a3 = await getRecord(db, 'person', A)
      t.equal(a3!.name, '张　伟X')
      t.equal(a3!.phone, '13800000002', 'an older observation never overwrites a newer one')
      t.same(a3!.provenance.name, prov(HR, 'msg3#0', '2026-01-15T00:00:00Z'))
      t.same(a3!.provenance.phone, prov(HR, 'msg2#0', '2026-01-20T00:00:00Z'))

      // Entirely older: nothing changes, not even provenance.
      await unify(db, RULES, HR, [person(A, 'old#0', '2025-12-31T23:59:59Z', { name: '旧名', phone: '13900000000', status: 'deceased', divisionCode: '320412120000' })])
      const a4 = await getRecord(db, 'person', A)
      t.match(a4, { name: '张　伟X', phone: '13800000002', status: 'registered' })
      t.equal(a4!.divisionCode, '320412120000', 'a field never stored before is taken from any observation')
      t.same(a4!.provenance.divisionCode, prov(HR, 'old#0', '2025-12-31T23:59:59Z'))
      t.same(a4!.provenance.status, prov(HR, 'msg1#0', '2026-01-10T00:00:00Z'))

      // As new (the same instant) replaces: a corrected re-send of the same observation.
      await unify(db, RULES, 'other-dept', [person(A, 'same#0', '2026-01-20T00:00:00Z', { phone: '13800000004' })])
      const a5 = await getRecord(db, 'person', A)
      t.equal(a5!.phone, '13800000004')
      t.same(a5!.provenance.phone, prov('other-dept', 'same#0', '2026-01-20T00:00:00Z'), 'provenance names the adapter that said it')

      // Within one batch, records with the same key are merged: per field the newest wins,
      // whatever the order in the batch.
      const C = id18('32041219700303003')
      const D = id18('32041219700404004')
      const written = await unify(db, RULES, HR, [
        person(C, 'b#0', '2026-02-02T00:00:00Z', { name: '王芳', address: '新址' }),
        person(C, 'b#1', '2026-02-01T00:00:00Z', { name: '王旧', address: '旧址', phone: '13700000001' }),
        person(D, 'b#2', '2026-02-01T00:00:00Z', { name: '赵一', address: '旧址' }),
        person(D, 'b#3', '2026-02-02T00:00:00Z', { name: '赵二' }),
        person(C, 'b#4', '2026-02-03T00:00:00Z', { status: 'moved-out' }),
      ])
      t.equal(written, 2, 'two distinct records written')
      const c = await getRecord(db, 'person', C)
      t.match(c, { name: '王芳', address: '新址', phone: '13700000001', status: 'moved-out' })
      t.same(c!.provenance, {
        name: prov(HR, 'b#0', '2026-02-02T00:00:00Z'),
        address: prov(HR, 'b#0', '2026-02-02T00:00:00Z'),
        phone: prov(HR, 'b#1', '2026-02-01T00:00:00Z'),
        status: prov(HR, 'b#4', '2026-02-03T00:00:00Z'),
      })
      const d = await getRecord(db, 'person', D)
      t.match(d, { name: '赵二', address: '旧址' })
      t.same(d!.provenance.name, prov(HR, 'b#3', '2026-02-02T00:00:00Z'))
      t.same(d!.provenance.address, prov(HR, 'b#2', '2026-02-01T00:00:00Z'))

      // A batch merged for an existing row is still compared field by field with the store.
      await unify(db, RULES, HR, [
        person(C, 'c#0', '2026-02-02T12:00:00Z', { name: '王新' }), // newer than stored name
        person(C, 'c#1', '2026-02-01T12:00:00Z', { address: '更旧址', status: 'registered' }), // older than stored
      ])
      const c2 = await getRecord(db, 'person', C)
      t.match(c2, { name: '王新', address: '新址', status: 'moved-out' })
      t.same(c2!.provenance.name, prov(HR, 'c#0', '2026-02-02T12:00:00Z'))
      t.same(c2!.provenance.address, prov(HR, 'b#0', '2026-02-02T00:00:00Z'))

      // Enterprises, with their nested JSON fields.
      const E = '91320412MA1XXXXX0Y'
      t.equal(await unify(db, RULES, 'market-regulation', [
        enterprise(E, `${E}@20260101080000`, '2026-01-01T00:00:00Z', {
          name: '常州某某机械有限公司', type: '1100', legalRepresentative: { name: '张三', idNumber: A }, status: 'in-business',
          establishedOn: '2020-09-29', registeredCapital: { amount: 1_000_000, currency: 'CNY', text: '100万元人民币' },
        }),
      ]), 2, 'the enterprise and its legal representative (a linked person)')
      await unify(db, RULES, 'market-regulation', [enterprise(E, `${E}@20260201080000`, '2026-02-01T00:00:00Z', { status: 'revoked', registeredCapital: { amount: 500_000, currency: 'USD', text: '50万美元' } })])
      const e = await getRecord(db, 'enterprise', E)
      t.same(e, {
        creditCode: E,
        name: '常州某某机械有限公司',
        type: '1100',
        legalRepresentative: { name: '张三', idNumber: A },
        address: null,
        divisionCode: null,
        status: 'revoked',
        establishedOn: '2020-09-29',
        industryCode: null,
        registeredCapital: { amount: 500_000, currency: 'USD', text: '50万美元' },
        provenance: {
          ...Object.fromEntries(['name', 'type', 'legalRepresentative', 'establishedOn'].map((f) => [f, prov('market-regulation', `${E}@20260101080000`, '2026-01-01T00:00:00Z')])),
          status: prov('market-regulation', `${E}@20260201080000`, '2026-02-01T00:00:00Z'),
          registeredCapital: prov('market-regulation', `${E}@20260201080000`, '2026-02-01T00:00:00Z'),
        },
      })
      t.same((await db.query('SELECT (SELECT count(*)::int FROM persons) AS persons, (SELECT count(*)::int FROM enterprises) AS enterprises')).rows[0], { persons: 4, enterprises: 1 })
      t.equal(await unify(db, RULES, HR, []), 0, 'an empty batch writes nothing')
    })

    t.test('quarantine: one open item per (adapter, source id)', async (t) => {
      const bad = '320412198001010010'
      await quarantine(db, 'hr', 'person', [rejection('q1#0', 'TB_ID_CHECKSUM', { GMSFHM: bad }), rejection('q1#1', 'TB_PHONE_INVALID', { LXDH: '123' })])
      // Seen again (a replay), also twice within one batch: no second open item.
      await quarantine(db, 'hr', 'person', [rejection('q1#0', 'TB_ID_CHECKSUM', { GMSFHM: bad }), rejection('q1#0', 'TB_ID_CHECKSUM', { GMSFHM: bad }), rejection('q2#0', 'TB_ID_BIRTHDATE')])
      // The same source id from another adapter is another item.
      await quarantine(db, 'other', 'person', [rejection('q1#0', 'TB_ID_CHECKSUM')])
      await quarantine(db, 'hr', 'person', [])

      const open = await listQuarantine(db, { adapter: 'hr', status: 'open', limit: 100 })
      t.same(open.map((i) => i.sourceId).sort(), ['q1#0', 'q1#1', 'q2#0'])
      t.same(await countOpenQuarantine(db), { hr: 3, other: 1 })
      const item = open.find((i) => i.sourceId === 'q1#0')!
      t.match(item, { adapter: 'hr', kind: 'person', inboxId: null, reasonCode: 'TB_ID_CHECKSUM', field: 'GMSFHM', rawValue: bad, status: 'open' })
      t.same(item.raw, { sourceId: 'q1#0', observedAt: '2026-03-01T08:00:00.000Z', fields: { GMSFHM: bad } }, 'the raw record is kept as received')
      t.same(await getQuarantineItem(db, item.id), item)
      t.same((await listQuarantine(db, { reasonCode: 'TB_ID_BIRTHDATE', limit: 100 })).map((i) => i.sourceId), ['q2#0'])

      // Newest first, paged by id.
      const page1 = await listQuarantine(db, { adapter: 'hr', limit: 2 })
      const page2 = await listQuarantine(db, { adapter: 'hr', beforeId: page1[1]!.id, limit: 2 })
      t.ok(page1[0]!.id > page1[1]!.id)
      t.same([...page1, ...page2].map((i) => i.sourceId), open.map((i) => i.sourceId))

      // Once resolved, the record may be quarantined again (a new open item).
      await updateQuarantineItem(db, item.id, { status: 'resolved' })
      t.match(await getQuarantineItem(db, item.id), { status: 'resolved', reasonCode: 'TB_ID_CHECKSUM', field: 'GMSFHM' })
      await quarantine(db, 'hr', 'person', [rejection('q1#0', 'TB_ID_CHECKSUM', { GMSFHM: bad })])
      const after = await listQuarantine(db, { adapter: 'hr', limit: 100 })
      t.equal(after.filter((i) => i.sourceId === 'q1#0').length, 2)
      t.equal(after.filter((i) => i.sourceId === 'q1#0' && i.status === 'open').length, 1)

      // A retry that fails for another reason updates the reason and the field.
      const other = after.find((i) => i.sourceId === 'q1#1')!
      await updateQuarantineItem(db, other.id, { status: 'open', reasonCode: 'TB_VALUE_MISSING', reason: 'name: missing', field: null, rawValue: null })
      t.match(await getQuarantineItem(db, other.id), { status: 'open', reasonCode: 'TB_VALUE_MISSING', reason: 'name: missing', field: null, rawValue: null })
      t.equal(await getQuarantineItem(db, 999_999), undefined)
    })

    t.test('records: paging with next keys, name prefix, ID prefix, LIKE wildcards', async (t) => {
      await db.exec('DELETE FROM persons; DELETE FROM enterprises')
      const SRC = 'search'
      const ids: string[] = []
      const records: MappedRecord[] = []
      // 25 residents: 王 x10 (one named 王%), 李 x8 (one named 李_四), 50%折 x1, others.
      const names = ['王一', '王二', '王三', '王四', '王五', '王六', '王七', '王八', '王九', '王%', '李一', '李二', '李三', '李四', '李五', '李六', '李七', '李_四', '50%折', '张一', '张二', '赵一', '钱一', '孙一', '周一']
      names.forEach((name, i) => {
        const id = id18(`${i < 12 ? '320412' : '320481'}19800101${100 + i}`)
        ids.push(id)
        records.push(person(id, `s#${i}`, '2026-01-01T00:00:00Z', { name, divisionCode: i < 12 ? '320412120000' : '320481100000' }))
      })
      t.equal(new Set(ids).size, names.length)
      await unify(db, RULES, SRC, records)
      const byName = new Map(names.map((n, i) => [n, ids[i]!]))
      const sorted = (list: string[]) => [...list].sort()

      const all = await allPages(db, 'person', undefined, 7)
      t.same(all.keys, sorted(ids), 'without q: every record once, in key order')
      t.equal(all.pages, 4)
      const exact = await allPages(db, 'person', undefined, 25)
      t.equal(exact.pages, 1, 'a last page that is exactly full has no next')

      const wang = await allPages(db, 'person', '王', 3)
      // Name matches come in (name, ID number) order under the "C" collation (code point order).
      const byNameThenKey = (list: string[]) => list.map((n) => [n, byName.get(n)!] as const).sort((a, b) => a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : 1).map((p) => p[1])
      t.same(wang.keys, byNameThenKey(names.filter((n) => n.startsWith('王'))), 'name prefix, in name order')
      t.equal(wang.pages, 4)
      t.same((await searchRecords(db, 'person', ALL, '二', undefined, 50)).items, [], 'persons match by name prefix, not substring')

      const first = await searchRecords(db, 'person', ALL, '李', undefined, 5)
      t.equal(first.items.length, 5)
      t.equal(first.next, first.items[4]!.idNumber)
      t.match(first.items[0], { idNumber: String, name: /^李/, provenance: { name: { adapter: SRC, sourceId: String, observedAt: '2026-01-01T00:00:00.000Z' } } })
      const second = await searchRecords(db, 'person', ALL, '李', first.next!, 5)
      t.equal(second.items.length, 3)
      t.equal(second.next, null)

      // ID prefix: the county part, a longer prefix, the whole number.
      t.same((await allPages(db, 'person', '320481', 4)).keys, sorted(ids.slice(12)))
      t.same((await allPages(db, 'person', '320412', 4)).keys, sorted(ids.slice(0, 12)))
      const one = ids[7]!
      t.same((await searchRecords(db, 'person', ALL, one, undefined, 10)).items.map((i) => i.idNumber), [one])
      t.same((await searchRecords(db, 'person', ALL, one.slice(0, 16), undefined, 10)).items.map((i) => i.idNumber), ids.filter((id) => id.startsWith(one.slice(0, 16))).sort())
      t.same((await searchRecords(db, 'person', ALL, '11', undefined, 10)).items, [], 'an ID prefix nobody has')
      // The last digits of an ID number (the check character included), and a phone number.
      const tail = one.slice(-4)
      const reversed = (id: string): string => [...id].reverse().join('')
      const last = [...'0123456789X'].sort((a, b) => ids.filter((id) => id.endsWith(b)).length - ids.filter((id) => id.endsWith(a)).length)[0]!
      const endingSo = ids.filter((id) => id.endsWith(last)).sort((a, b) => reversed(a) < reversed(b) ? -1 : 1)
      t.ok(endingSo.length > 2, `${endingSo.length} end in ${last}`)
      t.same((await searchBy(db, 'person', ALL, { by: 'idSuffix', value: tail }, undefined, 10)).items.map((i) => i.idNumber), ids.filter((id) => id.endsWith(tail)))
      const firstPage = await searchBy(db, 'person', ALL, { by: 'idSuffix', value: last }, undefined, 2)
      const secondPage = await searchBy(db, 'person', ALL, { by: 'idSuffix', value: last }, firstPage.next!, 100)
      t.same([...firstPage.items, ...secondPage.items].map((i) => i.idNumber), endingSo, 'last digits page in the order of the reversed number')
      t.same((await searchBy(db, 'person', ALL, { by: 'idSuffix', value: '%' }, undefined, 10)).items, [], 'a wildcard is no last digit')
      t.same((await searchBy(db, 'enterprise', ALL, { by: 'idSuffix', value: tail }, undefined, 10)).items, [], 'enterprises have no ID number')
      await db.query('UPDATE persons SET phone = $1 WHERE id_number = $2', ['13812348000', one])
      t.same((await searchBy(db, 'person', ALL, { by: 'phone', value: '13812348000' }, undefined, 10)).items.map((i) => i.idNumber), [one], 'by phone number')

      // LIKE wildcards in q are literal characters.
      t.same((await searchRecords(db, 'person', ALL, '%', undefined, 100)).items, [], "'%' matches no name (none starts with %)")
      t.same((await searchRecords(db, 'person', ALL, '_', undefined, 100)).items, [], "'_' matches no name")
      t.same((await searchRecords(db, 'person', ALL, '王%', undefined, 100)).items.map((i) => i.name), ['王%'], "'王%' is the name 王%, not every 王")
      t.same((await searchRecords(db, 'person', ALL, '李_', undefined, 100)).items.map((i) => i.name), ['李_四'], "'李_' is not 李 plus any character")
      t.same((await searchRecords(db, 'person', ALL, '50%', undefined, 100)).items.map((i) => i.name), ['50%折'])
      t.same((await searchRecords(db, 'person', ALL, '\\', undefined, 100)).items, [], 'a backslash is literal too')
      t.same((await searchRecords(db, 'person', ALL, '3204%', undefined, 100)).items, [], 'not an ID prefix with a wildcard')

      // Enterprises: name substring and credit-code prefix.
      const codes = ['91320412MA1AAAAA01', '91320412MA1AAAAA02', '91320481MA1BBBBB03', '92320412MA1CCCCC04']
      const enames = ['常州华达机械有限公司', '江苏华达机械股份有限公司', '溧阳市100%纯净水厂', '湟里镇某某经营部']
      await unify(db, RULES, 'market-regulation', codes.map((code, i) => enterprise(code, `${code}@x`, '2026-01-01T00:00:00Z', { name: enames[i], divisionCode: code.slice(2, 8) + '100000' })))
      t.same((await allPages(db, 'enterprise', '机械', 1)).keys, codes.slice(0, 2), 'enterprise names match by substring')
      t.same((await allPages(db, 'enterprise', '9132', 2)).keys, codes.slice(0, 3), 'credit-code prefix')
      t.same((await allPages(db, 'enterprise', '91320412', 10)).keys, codes.slice(0, 2))
      t.same((await searchRecords(db, 'enterprise', ALL, '%', undefined, 100)).items.map((i) => i.creditCode), [codes[2]], "'%' matches only the name with a %")
      t.same((await searchRecords(db, 'enterprise', ALL, '_', undefined, 100)).items, [])
      t.same((await searchRecords(db, 'enterprise', ALL, '华达%', undefined, 100)).items, [])
      t.same((await allPages(db, 'enterprise', undefined, 3)).keys, [...codes].sort())

      // Scope: a division-code prefix; a person outside it is in scope as the legal representative of an enterprise inside.
      t.same((await searchRecords(db, 'person', { prefix: '320481', unlocated: false }, undefined, undefined, 100)).items.map((i) => i.idNumber), sorted(ids.slice(12)))
      t.same((await searchRecords(db, 'enterprise', { prefix: '320481', unlocated: false }, undefined, undefined, 100)).items.map((i) => i.creditCode), [codes[2]])
      t.equal(await recordInScope(db, 'person', ids[0]!, { prefix: '320481', unlocated: false }), false)
      t.equal(await recordInScope(db, 'person', ids[0]!, { prefix: '320412120', unlocated: false }), true)
      await unify(db, RULES, 'market-regulation', [enterprise(codes[2]!, `${codes[2]}@y`, '2026-01-02T00:00:00Z', { legalRepresentative: { name: '王一', idNumber: ids[0]! } })])
      t.equal(await recordInScope(db, 'person', ids[0]!, { prefix: '320481', unlocated: false }), true, 'represents an enterprise in scope')
      t.ok((await searchRecords(db, 'person', { prefix: '320481', unlocated: false }, undefined, undefined, 100)).items.some((i) => i.idNumber === ids[0]))
      t.equal(await recordInScope(db, 'enterprise', codes[0]!, { prefix: '320481', unlocated: false }), false)

      // Counting agrees with listing, for every kind of scope (representatives from elsewhere, records without a division).
      await db.query('UPDATE persons SET division_code = NULL WHERE id_number = $1', [ids[24]!])
      await unify(db, RULES, 'market-regulation', [enterprise(codes[1]!, `${codes[1]}@y`, '2026-01-02T00:00:00Z', { legalRepresentative: { name: '周一', idNumber: ids[24]! } })])
      for (const scope of [{ prefix: '320481', unlocated: false }, { prefix: '320412', unlocated: false }, { prefix: '320412', unlocated: true }, { prefix: '32', unlocated: true }, { prefix: '11', unlocated: false }]) {
        for (const kind of ['person', 'enterprise'] as const) {
          const listed = (await searchBy(db, kind, scope, undefined, undefined, 1000)).items.length
          t.equal(await countInScope(db, kind, scope), listed, `${kind}s in ${scope.prefix}${scope.unlocated ? ' and unplaced' : ''}: ${listed}`)
        }
      }

      // getRecord: a key, not a prefix.
      t.equal(await getRecord(db, 'person', ids[0]!.slice(0, 17)), undefined)
      t.equal(await getRecord(db, 'enterprise', '91320412MA1AAAAA0'), undefined)
      t.equal((await getRecord(db, 'enterprise', codes[0]!))!.name, enames[0])
    })

    t.test('sync: cursors and runs round-trip', async (t) => {
      t.equal(await loadCursor(db, 'mr', 'enterprises'), undefined)
      const runId = await startRun(db, 'mr', 'enterprises')
      const cursor = { updatedAfter: '20260101080000', pageNo: 2, maxGxsj: null, note: '中文' }
      await saveCursor(db, 'mr', 'enterprises', cursor, runId)
      t.same(await loadCursor(db, 'mr', 'enterprises'), { cursor, runId })
      t.equal(await loadCursor(db, 'mr', 'other-stream'), undefined)
      t.equal(await loadCursor(db, 'other', 'enterprises'), undefined)

      await recordPage(db, runId, 500, 3, false)
      await recordPage(db, runId, 120, 1, false)
      t.match((await recentRuns(db, 'mr'))[0], { id: runId, stream: 'enterprises', status: 'running', pages: 2, records: 620, quarantined: 4, finishedAt: null, error: null })
      await failRun(db, runId, 'department unavailable', false)
      t.match((await recentRuns(db, 'mr'))[0], { status: 'running', error: 'department unavailable', finishedAt: null }, 'a retried failure keeps the run open')
      await recordPage(db, runId, 7, 0, true)
      const done = (await recentRuns(db, 'mr'))[0]!
      t.match(done, { id: runId, status: 'succeeded', pages: 3, records: 627, quarantined: 4, error: null, finishedAt: String })
      t.ok(Date.parse(done.finishedAt!) >= Date.parse(done.startedAt))

      const next = { updatedAfter: '20260101090000', pageNo: 1, maxGxsj: null }
      await saveCursor(db, 'mr', 'enterprises', next, null)
      t.same(await loadCursor(db, 'mr', 'enterprises'), { cursor: next, runId: null }, 'saving again replaces the cursor')

      const failed = await startRun(db, 'mr', 'enterprises')
      await failRun(db, failed, 'out of retries', true)
      const runs = await recentRuns(db, 'mr')
      t.same(runs.map((r) => r.id), [failed, runId], 'newest first')
      t.match(runs[0], { status: 'failed', error: 'out of retries', finishedAt: String })
      t.same(await recentRuns(db, 'mr', 1).then((r) => r.map((x) => x.id)), [failed])
      t.same(await recentRuns(db, 'nobody'), [])

      const [pushed] = await commitWebhooks(db, [{ adapter: 'push', webhookId: 'p1', receivedAt: new Date(), body: Buffer.from('{}') }])
      t.notOk('push' in await lastSuccess(db), 'a message not yet processed is no success')
      await finishInboxRows(db, [{ id: pushed!.inboxId, status: 'done', ok: 1, quarantined: 0 }])
      const [processed] = await listInbox(db, { adapter: 'push', limit: 1 })
      const success = await lastSuccess(db)
      t.equal(success.mr, done.finishedAt, 'last success of a pull adapter: its last succeeded run')
      t.equal(success.push, processed!.processedAt, 'of a push adapter: its last processed message')
      t.notOk('nobody' in success)
    })
  })
}
