// Facets through the API of a real gateway: adapters from outside the repository (path:) push
// residents with facet entries by signed webhooks; the resident lists its facets with the caller's
// access; an ordinary facet reads freely, a sensitive one only for the roles allowed and with a
// purpose, which the audit entry keeps; out of scope answers like missing.
import t from 'tap'
import { FACET_TOWN as TOWN, startFacetGateway } from './facet-adapters.ts'
import { callApi, eventually, operatorAuth } from './helpers.ts'
import { creditCodeCheckChar, orgCodeCheckChar } from '../src/adapter-sdk/testkit/check-characters.ts'

const ZHANG = '320412198001010015'
const LI = '320412199002020025'
const ORG = `MA1XYW0A${orgCodeCheckChar('MA1XYW0A')}`
/** The purpose of the reads that wait for the pushed entries. */
const SETTLING = '等待测试数据入库'
const NO_ENTERPRISE = `91320412${ORG}${creditCodeCheckChar(`91320412${ORG}`)}`

t.test('facets in the API', async (t) => {
  const { base, push: send } = await startFacetGateway(t, { redisIndex: 27, facets: 'facets:\n  access: { test-assistance: { roles: [window-staff, grid-staff] } }' })
  const push = async (instance: 'assistance' | 'doctor', msgId: string, records: Array<Record<string, string>>): Promise<void> => {
    t.equal(await send(instance, msgId, records), 202, `${instance} accepts ${msgId}`)
  }
  await push('assistance', 'a-1', [
    { SFZH: ZHANG, XM: '张三', QH: TOWN, JZLB: '01', KSRQ: '20240105' },
    { SFZH: ZHANG, XM: '张三', QH: TOWN, JZLB: '02', KSRQ: '20230601', BZ: '分散供养' },
  ])
  await push('doctor', 'd-1', [{ SFZH: ZHANG, XM: '张三', QH: TOWN, JZLB: '01', KSRQ: '20250101' }, { SFZH: LI, XM: '李四', QH: TOWN, JZLB: '01', KSRQ: '20250101' }])

  const window = await operatorAuth(base, { roles: ['window-staff'], town: TOWN })
  const leader = await operatorAuth(base, { roles: ['town-leader'], town: TOWN })
  const elsewhere = await operatorAuth(base, { roles: ['window-staff'], town: '320412102000' })
  const auditor = await operatorAuth(base, { roles: ['auditor'], town: TOWN })
  const get = async (path: string, headers: Record<string, string>) => await callApi(base, 'GET', `/api/v1${path}`, { headers })

  const person = await eventually(async () => {
    const r = await get(`/persons/${ZHANG}`, window)
    return r.status === 200 && r.body.facets.length === 2 ? r.body : undefined
  })
  // The sensitive facet's entries are in once a read with a purpose finds them (a purpose of its own, left out of the audit count below).
  await eventually(async () => (await get(`/persons/${ZHANG}/facets/test-assistance?purpose=${encodeURIComponent(SETTLING)}`, window)).body.items?.length === 2)
  t.same(person.facets, [
    { name: 'test-assistance', title: { zh: '社会救助', en: 'Social assistance' }, sensitivity: 'sensitive', entries: null, access: 'purpose', href: `/api/v1/persons/${ZHANG}/facets/test-assistance` },
    { name: 'test-doctor', title: { zh: '家庭医生签约', en: 'Family doctor contract' }, sensitivity: 'ordinary', entries: 1, access: 'open', href: `/api/v1/persons/${ZHANG}/facets/test-doctor` },
  ], "a resident lists its facets with the caller's access")
  t.match((await get(`/persons/${ZHANG}`, leader)).body.facets[0], { name: 'test-assistance', access: 'denied' }, 'facets.access names the roles for that facet, in place of sensitiveRoles')
  t.same((await get(`/persons/${LI}`, window)).body.facets.map((f: { name: string, entries: number | null }) => [f.name, f.entries]), [['test-assistance', null], ['test-doctor', 1]],
    'a sensitive facet is listed for every resident, without a count: whether one has entries is told only with a purpose')

  const doctor = await get(`/persons/${ZHANG}/facets/test-doctor`, leader)
  t.equal(doctor.status, 200, 'an ordinary facet needs no purpose')
  t.match(doctor.body, { name: 'test-doctor', sensitivity: 'ordinary', items: [{ entryKey: 'dibao', data: { category: 'dibao', since: '2025-01-01' }, source: { adapter: 'doctor', sourceId: 'd-1#0', observedAt: '2026-03-01T00:00:00.000Z' } }] })

  const refused = await get(`/persons/${ZHANG}/facets/test-assistance?purpose=${encodeURIComponent('低保年审')}`, leader)
  t.match(refused, { status: 403, body: { code: 'TB_FACET_FORBIDDEN' } }, 'a role the configuration does not allow is refused, purpose or not')
  t.match(await get(`/persons/${ZHANG}/facets/test-assistance`, window), { status: 400, body: { code: 'TB_PURPOSE_REQUIRED' } }, 'an allowed role still needs a purpose')
  t.match(await get(`/persons/${ZHANG}/facets/test-assistance?purpose=x`, window), { status: 400, body: { code: 'TB_PURPOSE_REQUIRED' } }, 'of two characters at least')

  const read = await get(`/persons/${ZHANG}/facets/test-assistance?purpose=${encodeURIComponent('低保年审')}`, window)
  t.equal(read.status, 200)
  t.same(read.body.items.map((i: { entryKey: string, data: unknown }) => [i.entryKey, i.data]), [
    ['dibao', { category: 'dibao', since: '2024-01-05' }],
    ['tekun', { category: 'tekun', since: '2023-06-01', note: '分散供养' }],
  ], 'the entries, with the purpose in the query')
  const byHeader = await callApi(base, 'GET', `/api/v1/persons/${ZHANG}/facets/test-assistance`, { headers: { ...window, 'x-purpose': encodeURIComponent('临时救助复核') } })
  t.equal(byHeader.status, 200, 'or in the x-purpose header')

  await push('assistance', 'a-2', [{ SFZH: ZHANG, XM: '张三', QH: TOWN, JZLB: '02', KSRQ: '20230601', BZ: '集中供养' }])
  const history = await eventually(async () => {
    const r = await get(`/persons/${ZHANG}/facets/test-assistance/history?purpose=${encodeURIComponent('低保年审')}`, window)
    return r.status === 200 && r.body.items.length === 3 ? r.body : undefined
  })
  t.match(history.items[0], { entryKey: 'tekun', source: { adapter: 'assistance', sourceId: 'a-2#0' }, changes: [{ field: 'note', old: '分散供养', new: '集中供养' }] }, 'the history, newest first')
  t.match(await get(`/persons/${ZHANG}/facets/test-assistance/history`, window), { status: 400, body: { code: 'TB_PURPOSE_REQUIRED' } })

  t.match(await get(`/persons/${ZHANG}/facets/test-assistance?purpose=${encodeURIComponent('低保年审')}`, elsewhere), { status: 404, body: { code: 'TB_PERSON_NOT_FOUND' } }, 'out of scope answers like missing')
  t.match(await get(`/persons/${LI}/facets/test-assistance`, window), { status: 400, body: { code: 'TB_PURPOSE_REQUIRED' } }, 'that a resident has no entries of a sensitive facet is sensitive too')
  t.match(await get(`/persons/${LI}/facets/test-assistance?purpose=${encodeURIComponent('低保年审')}`, window), { status: 200, body: { items: [] } }, 'a declared facet the resident has no entries of is empty')
  t.match(await get(`/persons/${ZHANG}/facets/no-such-facet`, window), { status: 400, body: { code: 'TB_PURPOSE_REQUIRED' } }, 'a facet no adapter declares counts as sensitive: without a purpose nothing is told of it')
  t.match(await get(`/persons/${ZHANG}/facets/no-such-facet?purpose=${encodeURIComponent('低保年审')}`, window), { status: 404, body: { code: 'TB_FACET_NOT_FOUND' } })
  t.match(await get(`/persons/${ZHANG}/facets/test-assistance/history?purpose=${encodeURIComponent('低保年审')}`, leader), { status: 403, body: { code: 'TB_FACET_FORBIDDEN' } }, 'the history is gated alike')
  t.match(await get(`/enterprises/${NO_ENTERPRISE}/facets/test-doctor`, window), { status: 404, body: { code: 'TB_ENTERPRISE_NOT_FOUND' } }, "an enterprise's facets answer by the same rules")

  const audit = await eventually(async () => {
    const r = await get('/audit?action=facet.read&limit=50', auditor)
    return r.status === 200 && r.body.items.length >= 7 ? r.body.items as Array<Record<string, any>> : undefined
  })
  const withPurpose = audit.filter((e) => e.outcome === 'ok' && e.details.facet === 'test-assistance' && e.purpose !== SETTLING)
  t.same(withPurpose.map((e) => e.purpose).sort(), ['临时救助复核', '低保年审', '低保年审'].sort(), 'every read of the sensitive facet is audited with its purpose')
  t.ok(audit.some((e) => e.outcome === 'denied' && e.details.facet === 'test-assistance' && e.details.status === 403), 'refusals are audited too')
  t.ok(audit.some((e) => e.outcome === 'ok' && e.details.facet === 'test-doctor' && e.purpose === null), 'ordinary reads too, purpose or not')

  const doc = (await callApi(base, 'GET', '/docs/json')).body
  t.ok(doc.paths?.['/api/v1/persons/{idNumber}/facets/{facet}']?.get, 'the routes are in the OpenAPI document')
  t.ok(doc.components?.schemas?.FacetRef && doc.components?.schemas?.FacetEntries, 'with their schemas')
})
