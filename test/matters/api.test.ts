// /api/v1/matters through a whole gateway: who may read which town's list, who may record a county
// decision, what the answers say, and the audit entry a decision leaves.
import t from 'tap'
import { callApi, operatorAuth, startTestGateway } from '../helpers.ts'
import { storeMatterVersions } from '../../src/store/matters.ts'
import { OTHER_TOWN, TOWN, itemOf, matter } from './fixtures.ts'

const PENSION = '000201001000'
const RELIEF = '000202002000'
const HOUSING = '000104004000'

t.test('/api/v1/matters', async (t) => {
  const { gateway } = await startTestGateway(t, { store: 'pglite', redisIndex: 21 })
  const base = gateway.url
  const { db } = gateway.platform
  await storeMatterVersions(db, TOWN, 'catalogue', 'matters-exchange', [
    matter(PENSION),
    matter(PENSION, { version: 2, effectiveFrom: '2026-06-01', updatedAt: '2026-05-01T00:00:00Z' }),
    matter(RELIEF, { name: '临时救助申请', type: 'benefit' }),
  ])
  const window = await operatorAuth(base, { roles: ['window-staff'], town: TOWN })
  const leader = await operatorAuth(base, { roles: ['town-leader'], town: TOWN })
  const elsewhere = await operatorAuth(base, { roles: ['window-staff'], town: OTHER_TOWN })
  const county = await operatorAuth(base, { roles: ['county-admin'], town: '320412000000' })
  const grid = await operatorAuth(base, { roles: ['grid-staff'], town: TOWN })

  t.test('window staff read their town on a day; provincial matters say so', async (t) => {
    const res = await callApi(base, 'GET', '/api/v1/matters?on=2026-06-01', { headers: window })
    t.equal(res.status, 200, res.text)
    t.match(res.body, { town: TOWN, on: '2026-06-01' })
    t.same(res.body.items.map((i: { taskHandleItem: string, version: number }) => [i.taskHandleItem, i.version]), [[itemOf(PENSION), 2], [itemOf(RELIEF), 1]])
    t.match(res.body.items[0], {
      origin: 'provincial', name: '城乡居民养老保险参保登记', type: 'public-service', effectiveFrom: '2026-06-01', effectiveUntil: null,
      legalLimit: { amount: 20, unit: 'working-days' }, promisedLimit: { amount: 5, unit: 'working-days' }, department: { name: '武进区人力资源和社会保障局' },
      decisionId: null, href: `/api/v1/matters/${itemOf(PENSION)}`,
    })
    const before = await callApi(base, 'GET', '/api/v1/matters?on=2026-05-31&q=养老', { headers: leader })
    t.same(before.body.items.map((i: { version: number }) => i.version), [1], 'a town leader too; the day before version 2, by name')
    const today = await callApi(base, 'GET', '/api/v1/matters', { headers: window })
    t.match(today.body.on, /^\d{4}-\d{2}-\d{2}$/, 'on defaults to today')
  })

  t.test('another town is refused, with what to do', async (t) => {
    const res = await callApi(base, 'GET', `/api/v1/matters?town=${TOWN}`, { headers: elsewhere })
    t.same([res.status, res.body.code], [403, 'TB_TOWN_OUT_OF_SCOPE'])
    t.match(res.body.message, /outside your scope/)
    const own = await callApi(base, 'GET', '/api/v1/matters', { headers: elsewhere })
    t.same([own.status, own.body.code], [404, 'TB_TOWN_NOT_CONFIGURED'], 'its own town is not configured here')
    t.match(own.body.message, new RegExp(TOWN))
    const detail = await callApi(base, 'GET', `/api/v1/matters/${itemOf(PENSION)}?town=${TOWN}`, { headers: elsewhere })
    t.equal(detail.status, 403)
    const noPermission = await callApi(base, 'GET', '/api/v1/matters', { headers: grid })
    t.same([noPermission.status, noPermission.body.code], [403, 'TB_FORBIDDEN'], 'grid staff have no matters:read')
    const badDay = await callApi(base, 'GET', '/api/v1/matters?on=2026-02-30', { headers: window })
    t.same([badDay.status, badDay.body.code], [400, 'TB_VALIDATION'])
    t.match(badDay.body.message, /on.*a date that exists/)
  })

  const decision = { town: TOWN, docNo: '武政发〔2026〕12号', decidedOn: '2026-03-01', reason: '赋权湟里镇' }

  t.test('window staff may not record a decision; a county admin may, and it is audited', async (t) => {
    const body = { ...decision, action: 'withdraw', taskHandleItem: itemOf(RELIEF), effectiveFrom: '2026-07-01' }
    const refused = await callApi(base, 'POST', '/api/v1/matters/local-decisions', { headers: window, body })
    t.same([refused.status, refused.body.code], [403, 'TB_FORBIDDEN'])
    t.match(refused.body.message, /matters:manage/)

    const withdrawn = await callApi(base, 'POST', '/api/v1/matters/local-decisions', { headers: county, body })
    t.equal(withdrawn.status, 201, withdrawn.text)
    t.match(withdrawn.body, { action: 'withdraw', town: TOWN, taskHandleItem: itemOf(RELIEF), docNo: decision.docNo, effectiveFrom: '2026-07-01', localVersion: null })

    const local = matter(HOUSING, { name: '农村村民住宅用地审批', type: 'licensing', updatedAt: '2026-03-01T00:00:00Z' })
    const granted = await callApi(base, 'POST', '/api/v1/matters/local-decisions', { headers: county, body: { ...decision, action: 'grant', taskHandleItem: local.taskHandleItem, effectiveFrom: '2026-07-01', matter: local } })
    t.equal(granted.status, 201, granted.text)
    t.equal(granted.body.localVersion, 1)

    const list = await callApi(base, 'GET', '/api/v1/matters?on=2026-07-01', { headers: window })
    t.same(list.body.items.map((i: { taskHandleItem: string, origin: string }) => [i.taskHandleItem, i.origin]),
      [[local.taskHandleItem, 'local'], [itemOf(PENSION), 'provincial']], 'the withdrawal hides, the grant shows as local')
    t.equal(list.body.items[0].decisionId, granted.body.id)

    const detail = await callApi(base, 'GET', `/api/v1/matters/${itemOf(RELIEF)}?on=2026-07-01`, { headers: window })
    t.equal(detail.status, 200, detail.text)
    t.equal(detail.body.inForce, null, 'not offered after the withdrawal')
    t.same(detail.body.versions.map((v: { matter: { version: number }, origin: string }) => [v.matter.version, v.origin]), [[1, 'provincial']], 'but still readable')
    t.same(detail.body.decisions.map((d: { action: string }) => d.action), ['withdraw'])
    const earlier = await callApi(base, 'GET', `/api/v1/matters/${itemOf(RELIEF)}?on=2026-06-30`, { headers: window })
    t.match(earlier.body.inForce, { origin: 'provincial', matter: { version: 1 } })

    const decisions = await callApi(base, 'GET', '/api/v1/matters/local-decisions', { headers: window })
    t.same(decisions.body.items.map((d: { action: string }) => d.action), ['grant', 'withdraw'], 'newest first, for the window too')
    t.same((await callApi(base, 'GET', '/api/v1/matters/local-decisions', { headers: elsewhere })).body.items, [], "nothing of another town's")

    const { rows } = await db.query<{ action: string, subject: string, outcome: string, details: Record<string, unknown> }>("SELECT action, subject, outcome, details FROM audit_log WHERE action = 'matter.decide' ORDER BY id")
    t.same(rows.map((r) => [r.subject, r.outcome]), [[itemOf(RELIEF), 'denied'], [itemOf(RELIEF), 'ok'], [local.taskHandleItem, 'ok']], 'every attempt is in the audit log, refusals too')
    t.match(rows[1]!.details, { town: TOWN, decision: 'withdraw', docNo: decision.docNo, effectiveFrom: '2026-07-01' })
  })

  t.test('bad decisions and unknown matters', async (t) => {
    const post = async (body: Record<string, unknown>) => await callApi(base, 'POST', '/api/v1/matters/local-decisions', { headers: county, body: { ...decision, effectiveFrom: '2026-08-01', ...body } })
    const notInCatalogue = await post({ action: 'grant', taskHandleItem: itemOf('000999999000') })
    t.same([notInCatalogue.status, notInCatalogue.body.code], [400, 'TB_MATTER_DECISION_INVALID'])
    t.match(notInCatalogue.body.message, /gives the whole matter in matter/)
    const mismatch = await post({ action: 'grant', taskHandleItem: itemOf(PENSION), matter: matter(HOUSING) })
    t.same([mismatch.status, mismatch.body.code], [400, 'TB_MATTER_DECISION_INVALID'])
    const early = await post({ action: 'withdraw', taskHandleItem: itemOf(PENSION), effectiveFrom: '2026-02-01' })
    t.match(early.body, { code: 'TB_MATTER_DECISION_INVALID', message: /before decidedOn/ })
    const unknown = await post({ action: 'withdraw', taskHandleItem: itemOf('000999999000') })
    t.same([unknown.status, unknown.body.code], [404, 'TB_MATTER_NOT_FOUND'])
    const noDoc = await post({ action: 'withdraw', taskHandleItem: itemOf(PENSION), docNo: '' })
    t.same([noDoc.status, noDoc.body.code], [400, 'TB_VALIDATION'])
    t.match(noDoc.body.message, /docNo/)
    const outside = await post({ action: 'withdraw', taskHandleItem: itemOf(PENSION), town: '320411100000' })
    t.same([outside.status, outside.body.code], [403, 'TB_TOWN_OUT_OF_SCOPE'], "a county admin only decides for the county's towns")
    const missing = await callApi(base, 'GET', `/api/v1/matters/${itemOf('000999999000')}`, { headers: window })
    t.same([missing.status, missing.body.code], [404, 'TB_MATTER_NOT_FOUND'])
    t.match(missing.body.message, new RegExp(`GET /api/v1/matters\\?town=${TOWN}`))
    const shortCode = await callApi(base, 'GET', '/api/v1/matters/123', { headers: window })
    t.same([shortCode.status, shortCode.body.code], [400, 'TB_VALIDATION'])
  })
})
