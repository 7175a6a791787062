// The civil-affairs adapter against its simulator through the platform's own department client
// (signed-params in the SOAP body, GBK both ways): the description, the field maps and their
// normalisers, paging to the end, the quirks, every fault, and the staff look-up.
import t, { type Test } from 'tap'
import { createHash } from 'node:crypto'
import adapter, { assistance, assistanceRecord, Cursor, fetchAssistance, queryJzxxBySfzh, socialAssistance, MAX_PAGE_SIZE } from './adapter.ts'
import { startSimulator, type CivilAffairsSimulator, type SimulatorOptions } from './simulator.ts'
import { caseAt, caseFacts, casesBetween, entryOf, legacyId, type AssistanceRow } from './data.ts'
import { createDepartmentClient, type DepartmentClient } from '../../src/department/client.ts'
import {
  DepartmentAccountRejectedError, DepartmentAuthError, DepartmentBusinessError, DepartmentForbiddenError, DepartmentRateLimitedError, DepartmentUnavailableError,
  type DepartmentHttp, type Normalizer, type PullPage, type RawRecord,
} from '../../src/adapter-sdk/index.ts'
import { isEmpty } from '../../src/normalize/index.ts'

const APP = { appId: 'T320412120', appSecret: 'jzxx-demo-secret' }
const OPERATOR = { username: 'wj_czy01', password: 'Czy-Demo-2026', county: '320412' }
const signal = new AbortController().signal

async function sim (tt: Test, opts: SimulatorOptions = {}): Promise<CivilAffairsSimulator> {
  const s = await startSimulator({ rateLimitPerSecond: 0, operators: [OPERATOR], ...opts })
  tt.teardown(async () => { await s.close() })
  return s
}

/** The platform's department client for the simulator, signing as the adapter declares. */
function client (tt: Test, s: CivilAffairsSimulator, credentials = APP): DepartmentClient {
  const http = createDepartmentClient({ department: adapter.id, baseUrl: s.url, timeoutMs: 3000, auth: adapter.auth, credentials: async () => credentials })
  tt.teardown(http.close)
  return http
}

/** What the platform does for `actAs: { staff }`: the staff member's account beside the signed values, its password as the declared digest. */
function asStaff (http: DepartmentClient, account = OPERATOR): DepartmentHttp {
  const czymm = createHash('md5').update(account.password).digest('hex').toUpperCase()
  return { ...http, sign: async (values) => ({ ...await http.sign(values), czyh: account.username, czymm }) }
}

const errorOf = async (p: Promise<unknown>): Promise<unknown> => await p.then(() => undefined, (err: unknown) => err)
const page = async (http: DepartmentHttp, cursor = assistance.initialCursor(), pageSize = MAX_PAGE_SIZE): Promise<PullPage<Cursor>> =>
  await assistance.fetchPage({ http, cursor, pageSize, signal })

async function run (http: DepartmentHttp, cursor = assistance.initialCursor()): Promise<{ records: RawRecord[], pages: number, cursor: Cursor }> {
  const records: RawRecord[] = []
  for (let pages = 1; pages < 1000; pages++) {
    const p = await page(http, cursor)
    records.push(...p.records)
    cursor = p.cursor
    if (p.done) return { records, pages, cursor }
  }
  throw new Error('no end after 1000 pages')
}

/** A field map applied as the platform applies one: empties skipped, the first refusal names its code. */
function mapped (fields: Readonly<Record<string, readonly [string, Normalizer]>>, raw: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [field, [target, normalize]] of Object.entries(fields)) {
    if (isEmpty(raw[field])) continue
    const r = normalize(String(raw[field]))
    if (!r.ok) return { refused: r.error.code, field }
    out[target] = r.value
  }
  return out
}
const facetOf = (raw: RawRecord): unknown => socialAssistance.schema.parse(mapped(adapter.facet!.fields, raw.fields))
const personOf = (raw: RawRecord): Record<string, unknown> => mapped(adapter.fields, raw.fields)
const withoutUndefined = <T extends object>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>

t.test('the adapter describes the spec', async (tt) => {
  tt.equal(adapter.id, 'civil-affairs')
  tt.equal(adapter.produces, 'person')
  tt.same(adapter.auth, {
    type: 'signed-params', algorithm: 'md5', encoding: 'HEX', timestamp: 'yyyyMMddHHmmss', canonical: ['appId', 'timestamp', 'params', 'secret'],
    params: 'values', names: { appId: 'appId', timestamp: 'timestamp', sign: 'sign' }, placement: 'body',
  })
  tt.same(Object.entries(adapter.fields).map(([f, [target]]) => `${f}->${target}`), ['SFZH->idNumber', 'XM->name'])
  tt.notOk('authority' in adapter, 'a contribution: the authority for no field')
  const { declaration, fields } = adapter.facet!
  tt.equal(declaration.name, 'social-assistance')
  tt.equal(declaration.sensitivity, 'sensitive', 'PIPL art. 28')
  tt.same(declaration.entryKey, ['category'])
  tt.same(Object.entries(fields).map(([f, [target]]) => `${f}->${target}`), [
    'JZLB->category', 'JZRS->peopleCovered', 'JZJE->monthlyAmountFen', 'KSNY->from', 'JSNY->until', 'ZT->state', 'XZQH->division',
  ])
  tt.equal(assistance.pageSize, 200)
  tt.same(assistance.initialCursor(), { gxsjBegin: '19700101080000', pageNo: 1, maxGxsj: null })
  tt.same(Cursor.parse({ gxsjBegin: '20261120093105', pageNo: 2 }), { gxsjBegin: '20261120093105', pageNo: 2, maxGxsj: null })
  tt.throws(() => Cursor.parse({ gxsjBegin: '2026-11-20', pageNo: 1 }))

  const op = adapter.operations!.queryJzxxBySfzh!
  tt.same(op.actAs, { staff: { names: { username: 'czyh', password: 'czymm' }, passwordDigest: { algorithm: 'md5', encoding: 'HEX' }, placement: 'body' } })
  tt.equal(op.permission, 'records:read')
  tt.equal(op.idempotencyKey!({ sfzh: '320412500101123' }), '320412195001011233', 'one lookup whatever form of the number')
  tt.same(op.subject!({ sfzh: '320412195001011233' }), { kind: 'person', key: '320412195001011233' })
  tt.notOk(op.input.safeParse({ sfzh: '320412195001011230' }).success, 'a wrong check character is refused before any call')
  tt.notOk(op.input.safeParse({}).success)
  tt.ok(op.input.safeParse({ sfzh: ' 320412195001011233 ' }).success)
})

t.test('the field maps: codes, counts, yuan in fen, months, empties', async (tt) => {
  const raw = { SFZH: '320412500101123', XM: '刘䶮', JZLB: '01', JZRS: '3', JZJE: '765.00', KSNY: '202401', ZT: '1', XZQH: '320412120201', GXSJ: '20261120093105' }
  tt.same(mapped(adapter.fields, raw), { idNumber: '320412195001011233', name: '刘䶮' }, '15 digits upgraded, 䶮 kept')
  tt.same(mapped(adapter.facet!.fields, raw), { category: 'urban-minimum-living', peopleCovered: 3, monthlyAmountFen: 76_500, from: '2024-01', state: 'in-payment', division: '320412120201' })
  tt.same(mapped(adapter.facet!.fields, { ...raw, JSNY: 'null' }).until, undefined, "'null' is no value")
  tt.same(mapped(adapter.facet!.fields, { ...raw, JZLB: '04', JSNY: '202401', ZT: '3' }), { category: 'temporary-assistance', peopleCovered: 3, monthlyAmountFen: 76_500, from: '2024-01', until: '2024-01', state: 'ended', division: '320412120201' })
  for (const [code, category] of [['02', 'rural-minimum-living'], ['03', 'extreme-poverty-support']]) tt.equal(mapped(adapter.facet!.fields, { ...raw, JZLB: code }).category, category)
  tt.equal(mapped(adapter.facet!.fields, { ...raw, ZT: '2' }).state, 'suspended')
  const refusals: Array<[field: string, value: string, code: string]> = [
    ['JZLB', '05', 'TB_CODE_UNKNOWN'], ['ZT', '4', 'TB_CODE_UNKNOWN'], ['JZJE', '765.001', 'TB_NUMBER_INVALID'], ['JZRS', '三', 'TB_NUMBER_INVALID'],
    ['KSNY', '202413', 'TB_DATE_INVALID'], ['XZQH', '99041212020', 'TB_DIVISION_INVALID'],
  ]
  for (const [field, value, code] of refusals) {
    tt.same(mapped(adapter.facet!.fields, { ...raw, [field]: value }), { refused: code, field }, `${field} ${value}`)
  }
})

t.test('paging to the end: every case once, mapped as the department meant it', async (tt) => {
  const s = await sim(tt, { cases: 1000, bomRate: 0.5 })
  const http = client(tt, s)
  const { records, pages, cursor } = await run(http)
  tt.equal(pages, 6, 'five full pages and a short one (two lookback re-reads at most)')
  const bySource = new Map(records.map((r) => [r.sourceId, r]))
  const rows = casesBetween(1, 0, 1000)
  tt.equal(bySource.size, 1000, 'every case, by sourceId')
  let legacy = 0
  let extension = 0
  const wrong: string[] = []
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!
    const raw = bySource.get(`${row.SFZH}/${row.JZLB}@${row.GXSJ}`)!
    const facts = caseFacts(1, i)
    if (facts.idForm === 'legacy-15') legacy++
    if (/[䶮堃喆昇祎玥珺赟燊镕]/.test(facts.name)) extension++
    const g = row.GXSJ
    if (raw.observedAt.getTime() !== Date.parse(`${g.slice(0, 4)}-${g.slice(4, 6)}-${g.slice(6, 8)}T${g.slice(8, 10)}:${g.slice(10, 12)}:${g.slice(12)}+08:00`)) wrong.push(`case ${i}: observedAt ${raw.observedAt.toISOString()}`)
    if (raw.reject) wrong.push(`case ${i}: rejected ${raw.reject.code}`)
    if (JSON.stringify(personOf(raw)) !== JSON.stringify({ idNumber: facts.idNumber, name: facts.name })) wrong.push(`case ${i}: person ${JSON.stringify(personOf(raw))}`)
    if (JSON.stringify(facetOf(raw)) !== JSON.stringify(withoutUndefined(entryOf(row)))) wrong.push(`case ${i}: facet ${JSON.stringify(facetOf(raw))}`)
  }
  tt.same(wrong, [], 'observedAt is GXSJ in Beijing time; person and facet entry as generated')
  tt.ok(legacy > 10 && extension > 10, `15-digit numbers (${legacy}) and GBK-extension names (${extension}) among them, read right`)
  tt.equal(cursor.gxsjBegin, '20260101012309', 'the next run starts one second before the last GXSJ')
  tt.equal(cursor.pageNo, 1)

  const again = await page(http, cursor)
  tt.ok(again.done, 'caught up')
  tt.same(again.records.map((r) => r.sourceId), [998, 999].map((i) => `${caseAt(1, i).SFZH}/${caseAt(1, i).JZLB}@${caseAt(1, i).GXSJ}`), 'the lookback second read again')
})

t.test('paging under churn sees every case', async (tt) => {
  const s = await sim(tt, { cases: 900, churnPerRequest: 20, seed: 3 })
  const { records } = await run(client(tt, s))
  const seen = new Set(records.map((r) => `${String(r.fields.SFZH)}/${String(r.fields.JZLB)}`))
  const keys = new Set(Array.from({ length: 900 }, (_, i) => s.rowAt(i)).map((r) => `${r.SFZH}/${r.JZLB}`))
  tt.equal([...keys].filter((k) => !seen.has(k)).length, 0, `all ${keys.size} cases seen while ${s.stats().updated} moved`)
})

t.test('faults map to the platform\'s errors', async (tt) => {
  const s = await sim(tt)
  const http = client(tt, s)
  const cases: Array<[Parameters<CivilAffairsSimulator['failNext']>[0], new (...a: any[]) => Error, RegExp]> = [
    ['E101', DepartmentAuthError, /signature refused.*E101 签名错误/],
    ['E102', DepartmentAuthError, /timestamp refused.*E102 时间戳过期.*clock/],
    ['E201', DepartmentRateLimitedError, /slow down/],
    ['E500', DepartmentUnavailableError, /busy.*E500 系统繁忙/],
    ['empty', DepartmentUnavailableError, /HTTP 500/],
    ['html502', DepartmentUnavailableError, /HTTP 502/],
    ['503', DepartmentUnavailableError, /HTTP 503/],
  ]
  for (const [fault, type, message] of cases) {
    s.failNext(fault)
    const err = await errorOf(page(http))
    tt.type(err, type, fault)
    tt.match((err as Error).message, message, fault)
  }
  tt.equal((await page(http)).records.length, 200, 'then pages again')

  const wrong = client(tt, s, { ...APP, appSecret: 'not-the-secret' })
  tt.type(await errorOf(page(wrong)), DepartmentAuthError, 'a wrong secret: E101, auth')
  const skewed = await sim(tt, { now: () => Date.now() + 15 * 60_000 })
  tt.match(await errorOf(page(client(tt, skewed))), { code: 'TB_DEPARTMENT_AUTH', message: /E102/ }, 'a clock 15 minutes off: E102')

  const limited = await sim(tt, { rateLimitPerSecond: 2 })
  const limitedHttp = client(tt, limited)
  const results = await Promise.all([1, 2, 3, 4].map(async () => await errorOf(page(limitedHttp))))
  tt.ok(results.some((e) => e instanceof DepartmentRateLimitedError), 'more than 2 a second: rate-limited')
})

t.test('answers the adapter refuses to read are the department failing, never a TypeError', async (tt) => {
  const answer = (xml: string): DepartmentHttp => ({
    baseUrl: 'http://fake.invalid',
    sign: async () => ({ appId: 'a', timestamp: 't', sign: 's' }),
    request: async () => ({ status: 200, headers: {}, body: `<?xml version="1.0" encoding="GBK"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>${xml}</soap:Body></soap:Envelope>` }),
    json: async () => { throw new Error('not used') },
  })
  const cursor = assistance.initialCursor()
  tt.same((await fetchAssistance({ http: answer('<queryJzxxByGxsjResponse><result><total>0</total><records/></result></queryJzxxByGxsjResponse>'), cursor, pageSize: 200 })).records, [], '<records/>: an empty page')
  tt.ok((await fetchAssistance({ http: answer('<queryJzxxByGxsjResponse><result><total>0</total></result></queryJzxxByGxsjResponse>'), cursor, pageSize: 200 })).done, 'no records element: an empty page')
  tt.type(await errorOf(fetchAssistance({ http: answer('<somethingElse/>'), cursor, pageSize: 200 })), DepartmentUnavailableError, 'no result')
  tt.type(await errorOf(fetchAssistance({ http: answer('<queryJzxxByGxsjResponse><result><records>text</records></result></queryJzxxByGxsjResponse>'), cursor, pageSize: 200 })), DepartmentUnavailableError, 'records not a list')
  tt.type(await errorOf(fetchAssistance({ http: answer('<soap:Fault><faultcode>soap:Client</faultcode><faultstring>E999 未知</faultstring></soap:Fault>'), cursor, pageSize: 200 })), DepartmentBusinessError, 'a fault the spec does not name')
  const rejected = (await fetchAssistance({ http: answer('<queryJzxxByGxsjResponse><result><records><record><SFZH>320412195001011233</SFZH><GXSJ>2026-11-20</GXSJ></record></records></result></queryJzxxByGxsjResponse>'), cursor, pageSize: 200 })).records[0]!
  tt.equal(rejected.reject?.code, 'TB_DATE_INVALID', 'a record without a readable GXSJ goes to quarantine')
})

t.test('queryJzxxBySfzh as the staff member\'s operator account', async (tt) => {
  const s = await sim(tt, { cases: 400 })
  const http = client(tt, s)
  const staff = asStaff(http)
  const call = async (sfzh: string, h: DepartmentHttp = staff): Promise<{ records: unknown[] }> => await queryJzxxBySfzh.run({ http: h, input: { sfzh }, signal })

  let two = -1
  let elsewhere = -1
  for (let i = 9; i < 400 && (two < 0 || elsewhere < 0); i += 10) {
    if (two < 0 && caseFacts(1, i).division.startsWith('320412') && caseFacts(1, i).idNumber.slice(6, 8) === '19') two = i
    if (elsewhere < 0 && !caseFacts(1, i).division.startsWith('320412')) elsewhere = i
  }
  const facts = caseFacts(1, two)
  const { records } = await call(facts.idNumber)
  const expected = [two - 1, two].map((i) => ({ idNumber: facts.idNumber, name: facts.name, ...withoutUndefined(entryOf(s.rowAt(i))) }))
  tt.same(records.sort((a: any, b: any) => a.category.localeCompare(b.category)), expected.sort((a, b) => a.category!.localeCompare(b.category!)), 'both entries of the person, normalised')
  tt.ok(queryJzxxBySfzh.output.safeParse({ records }).success, 'the declared output')
  tt.equal((await call(legacyId(facts.idNumber))).records.length, 2, 'the 15-digit form is sent as the 18-character number')
  tt.same(await call('110101199003070011'), { records: [] }, 'nobody: zero records')

  tt.type(await errorOf(call(facts.idNumber, asStaff(http, { ...OPERATOR, password: 'wrong' }))), DepartmentAccountRejectedError, 'E301: the staff member\'s account')
  const forbidden = await errorOf(call(caseFacts(1, elsewhere).idNumber))
  tt.type(forbidden, DepartmentForbiddenError, 'E302: outside the operator\'s county')
  tt.match((forbidden as Error).message, /E302 操作员无权查询该地区.*county/)
  tt.match(await errorOf(call(facts.idNumber, http)), { name: 'TypeError', message: /czyh, czymm/ }, 'never as the service account')
  tt.same(s.stats().byOutcome, { ok: 3, E301: 1, E302: 1 }, 'the department saw the look-ups, signed over sfzh')
})

t.test('a look-up answer the normalisers refuse is TB_RECORD_INVALID naming the field', async (tt) => {
  tt.throws(() => assistanceRecord({ SFZH: '320412195001011233', JZLB: '09' }), { code: 'TB_RECORD_INVALID', message: /JZLB/ })
  tt.throws(() => assistanceRecord({ SFZH: '320412195001011233', JZLB: '01' }), { code: 'TB_RECORD_INVALID', message: /peopleCovered/ })
  tt.throws(() => assistanceRecord('text'), { code: 'TB_RECORD_INVALID' })
  const row: AssistanceRow = caseAt(1, 0)
  tt.same(assistanceRecord({ ...row, JSNY: '' }).until, undefined)
})
