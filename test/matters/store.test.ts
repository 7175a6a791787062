// The matter store on PGlite and PostgreSQL: effective dating, versions sent twice, and the county's
// local grants and withdrawals.
import t from 'tap'
import { stores } from '../helpers.ts'
import { decisionsOf, matterOf, mattersInForce, matterVersion, recordDecision, storeMatterVersions } from '../../src/store/matters.ts'
import type { Db } from '../../src/store/db.ts'
import { OTHER_TOWN, TOWN, itemOf, matter } from './fixtures.ts'

const PENSION = '000201001000'
const RELIEF = '000202002000'
const LICENCE = '000103003000'
const HOUSING = '000104004000'

const names = async (db: Db, on: string, q?: string, town = TOWN): Promise<string[]> =>
  (await mattersInForce(db, { town, on, ...(q ? { q } : {}) })).map((m) => `${m.matter.catalogCode}@${m.matter.version}/${m.origin}`)

for (const store of ['pglite', 'postgres'] as const) {
  t.test(`${store}: matters in force on a day`, async (t) => {
    const { db } = await stores[store](t)
    await storeMatterVersions(db, TOWN, 'catalogue', 'matters-exchange', [
      matter(PENSION),
      // A newer version replaces the first from its own date.
      matter(PENSION, { version: 2, effectiveFrom: '2026-06-01', promisedLimit: { amount: 3, unit: 'working-days' }, updatedAt: '2026-05-01T00:00:00Z' }),
      // Withdrawn: applies until its last day, then no more.
      matter(RELIEF, { name: '临时救助申请', type: 'benefit' }),
      matter(RELIEF, { name: '临时救助申请', type: 'benefit', version: 2, state: 'withdrawn', effectiveFrom: '2026-07-01', effectiveUntil: '2026-08-31', updatedAt: '2026-07-01T00:00:00Z' }),
      // Only from a future date.
      matter(LICENCE, { name: '个体工商户设立登记', type: 'licensing', effectiveFrom: '2027-01-01' }),
    ])
    await storeMatterVersions(db, OTHER_TOWN, 'catalogue', 'matters-exchange', [matter(HOUSING, { name: '农村村民住宅用地审批' })])

    t.same(await names(db, '2025-12-31'), [], 'nothing before the first effective date')
    t.same(await names(db, '2026-01-01'), [`${PENSION}@1/catalogue`, `${RELIEF}@1/catalogue`], 'from the effective date on, in code order')
    t.same(await names(db, '2026-05-31'), [`${PENSION}@1/catalogue`, `${RELIEF}@1/catalogue`], 'the day before version 2 still offers version 1')
    t.same(await names(db, '2026-06-01'), [`${PENSION}@2/catalogue`, `${RELIEF}@1/catalogue`], 'version 2 from its date')
    t.same(await names(db, '2026-08-31'), [`${PENSION}@2/catalogue`, `${RELIEF}@2/catalogue`], 'the withdrawn matter applies until its last day')
    t.same(await names(db, '2026-09-01'), [`${PENSION}@2/catalogue`], 'the withdrawn matter is gone the day after its last day')
    t.same(await names(db, '2027-01-01'), [`${LICENCE}@1/catalogue`, `${PENSION}@2/catalogue`], 'the future matter from its date')
    t.same(await names(db, '2026-06-01', undefined, OTHER_TOWN), [`${HOUSING}@1/catalogue`], 'another town has its own list')
    t.same(await names(db, '2026-06-01', '养老'), [`${PENSION}@2/catalogue`], 'q searches the name')
    t.same(await names(db, '2026-06-01', itemOf(RELIEF).slice(0, 25)), [`${RELIEF}@1/catalogue`], 'q matches a code prefix')
    t.same(await names(db, '2026-06-01', '%'), [], 'q is literal text, not a pattern')

    const history = await matterOf(db, { town: TOWN, taskHandleItem: itemOf(RELIEF), on: '2026-09-01' })
    t.same(history?.versions.map((v) => v.matter.version), [2, 1], 'every version, newest first')
    t.equal(history?.inForce, null, 'none in force after the withdrawal')
    t.equal((await matterVersion(db, itemOf(RELIEF), 1))?.matter.name, '临时救助申请', 'a withdrawn matter stays readable by version')
    t.equal(await matterOf(db, { town: TOWN, taskHandleItem: itemOf(HOUSING), on: '2026-06-01' }), undefined, 'unknown in this town')
  })

  t.test(`${store}: a version sent twice keeps the later updatedAt`, async (t) => {
    const { db } = await stores[store](t)
    const at = (updatedAt: string, place: string) => matter(PENSION, { updatedAt, place })
    t.equal(await storeMatterVersions(db, TOWN, 'catalogue', 'x', [at('2026-03-01T00:00:00Z', 'A')]), 1)
    t.equal(await storeMatterVersions(db, TOWN, 'catalogue', 'x', [at('2026-03-02T00:00:00Z', 'B')]), 1, 'a later arrival replaces')
    t.equal(await storeMatterVersions(db, TOWN, 'catalogue', 'x', [at('2026-03-01T12:00:00Z', 'C')]), 0, 'an earlier one does not')
    t.equal((await matterVersion(db, itemOf(PENSION), 1))?.matter.place, 'B')
    t.equal(await storeMatterVersions(db, TOWN, 'catalogue', 'x', [at('2026-03-05T00:00:00Z', 'E'), at('2026-03-04T00:00:00Z', 'D')]), 1, 'twice in one page: one row')
    t.equal((await matterVersion(db, itemOf(PENSION), 1))?.matter.place, 'E', 'the later of the page')
  })

  t.test(`${store}: local grants and withdrawals`, async (t) => {
    const { db } = await stores[store](t)
    await storeMatterVersions(db, TOWN, 'catalogue', 'matters-exchange', [matter(PENSION), matter(RELIEF, { name: '临时救助申请' })])
    const base = { town: TOWN, docNo: '武政发〔2026〕12号', decidedOn: '2026-03-01', reason: '赋权乡镇', decidedBy: 'county' }
    await recordDecision(db, { ...base, action: 'withdraw', taskHandleItem: itemOf(RELIEF), effectiveFrom: '2026-04-01' })
    const local = matter(HOUSING, { name: '农村村民住宅用地审批', type: 'licensing', updatedAt: '2026-03-01T00:00:00Z' })
    const grant = await recordDecision(db, { ...base, action: 'grant', taskHandleItem: local.taskHandleItem, effectiveFrom: '2026-05-01', matter: local })
    t.match(grant, { action: 'grant', localVersion: 1, effectiveFrom: '2026-05-01', decidedOn: '2026-03-01', docNo: base.docNo })

    t.same(await names(db, '2026-03-31'), [`${PENSION}@1/catalogue`, `${RELIEF}@1/catalogue`], 'the withdrawal waits for its date')
    t.same(await names(db, '2026-04-01'), [`${PENSION}@1/catalogue`], 'a local withdrawal hides the provincial matter from its date')
    t.same(await names(db, '2026-05-01'), [`${HOUSING}@1/local`, `${PENSION}@1/catalogue`], 'the local grant from its date, shown as local')
    const offered = (await mattersInForce(db, { town: TOWN, on: '2026-05-01' })).find((m) => m.origin === 'local')
    t.equal(offered?.decisionId, grant.id, 'naming its decision')

    // Granted back: the catalogue's matter, now by the county's decision.
    await recordDecision(db, { ...base, action: 'grant', taskHandleItem: itemOf(RELIEF), effectiveFrom: '2026-06-01' })
    t.same(await names(db, '2026-06-01'), [`${HOUSING}@1/local`, `${PENSION}@1/catalogue`, `${RELIEF}@1/local`], 'a later grant undoes the withdrawal')

    const history = await matterOf(db, { town: TOWN, taskHandleItem: itemOf(RELIEF), on: '2026-04-15' })
    t.same(history?.decisions.map((d) => d.action), ['grant', 'withdraw'], 'its decisions, newest first')
    t.equal(history?.inForce, null)
    t.equal((await matterOf(db, { town: TOWN, taskHandleItem: local.taskHandleItem, on: '2026-05-01' }))?.versions[0]?.origin, 'local', 'the local version is kept')
    t.equal((await decisionsOf(db, { prefix: '320412' })).length, 3)
    t.equal((await decisionsOf(db, { town: OTHER_TOWN })).length, 0)
    await t.rejects(db.query('UPDATE matter_decisions SET reason = $1', ['x']), /append-only/, 'decisions are append-only')
    await t.rejects(db.query('DELETE FROM matter_decisions'), /append-only/)
  })
}
