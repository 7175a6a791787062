import t, { type Test } from 'tap'
import { request, errors as undiciErrors } from 'undici'
import adapter, { Cursor, EPOCH, enterprises } from './adapter.ts'
import { startSimulator, type MarketSimulator, type SimulatorOptions } from './simulator.ts'
import { enterpriseAt, enterpriseFacts, enterprisesBetween, gxsjAt, hasBadCheck, revisedEnterpriseAt, type EnterpriseRow } from './data.ts'
import {
  DepartmentAuthError, DepartmentBusinessError, DepartmentRateLimitedError, DepartmentUnavailableError,
  type DepartmentHttp, type DepartmentRequest, type FieldMap, type PullPage, type RawRecord,
} from '../../src/adapter-sdk/index.ts'
import { EnterpriseFields } from '../../src/model/enterprise.ts'
import { formatBeijingCompact, isEmpty, timestamp } from '../../src/normalize/index.ts'

// ---------------------------------------------------------------------------------------------
// a tiny department client: bearer token from /oauth/token, 5xx and timeouts are "unavailable"
// (the platform's real client does more; this is just enough to drive fetchPage)

interface TestHttp extends DepartmentHttp {
  renewToken: () => Promise<void>
  calls: DepartmentRequest[]
}

function departmentHttp (baseUrl: string, creds = { clientId: 'tongban-demo', clientSecret: 'demo-secret' }): TestHttp {
  let token: string | undefined
  const calls: DepartmentRequest[] = []
  async function renewToken (): Promise<void> {
    const res = await request(`${baseUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: creds.clientId, client_secret: creds.clientSecret }).toString(),
    })
    const body = await res.body.json() as { access_token: string }
    token = body.access_token
  }
  const http: TestHttp = {
    baseUrl,
    calls,
    renewToken,
    async request (req) {
      calls.push(req)
      if (token === undefined) await renewToken()
      const url = new URL(req.path, baseUrl)
      for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, String(v))
      try {
        const res = await request(url, { method: req.method ?? 'GET', headers: { authorization: `Bearer ${token}` }, headersTimeout: 1500, bodyTimeout: 1500 })
        const body = await res.body.text()
        if (res.statusCode >= 500) throw new DepartmentUnavailableError('market-regulation', `HTTP ${res.statusCode}`)
        return { status: res.statusCode, headers: res.headers, body }
      } catch (err) {
        if (err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError) {
          throw new DepartmentUnavailableError('market-regulation', 'timeout')
        }
        throw err
      }
    },
    async json<T> (req: DepartmentRequest): Promise<T> {
      const res = await http.request(req)
      try { return JSON.parse(res.body) as T } catch { throw new DepartmentUnavailableError('market-regulation', `HTTP ${res.status} answer is not JSON`) }
    },
  }
  return http
}

/** A DepartmentHttp that answers `answer` without a network. */
function fakeHttp (answer: unknown): TestHttp {
  const calls: DepartmentRequest[] = []
  return {
    baseUrl: 'http://fake.invalid',
    calls,
    renewToken: async () => {},
    request: async () => { throw new Error('not used') },
    json: async <T>(req: DepartmentRequest): Promise<T> => { calls.push(req); return answer as T },
  }
}

async function sim (tt: Test, opts: SimulatorOptions = {}): Promise<MarketSimulator> {
  const s = await startSimulator(opts)
  tt.teardown(async () => { await s.close() })
  return s
}

const signal = new AbortController().signal
const errorOf = async (p: Promise<unknown>): Promise<unknown> => await p.then(() => undefined, (err: unknown) => err)
const fetchPage = async (http: DepartmentHttp, cursor: Cursor, pageSize = 500): Promise<PullPage<Cursor>> =>
  await enterprises.fetchPage({ http, cursor, pageSize, signal })

/** What the platform does: on DepartmentAuthError renew the token and fetch the page once more. */
async function pullPage (http: TestHttp, cursor: Cursor, pageSize = 500): Promise<PullPage<Cursor>> {
  try {
    return await fetchPage(http, cursor, pageSize)
  } catch (err) {
    if (!(err instanceof DepartmentAuthError)) throw err
    await http.renewToken()
    return await fetchPage(http, cursor, pageSize)
  }
}

/** One run: pages until done. */
async function run (http: TestHttp, cursor: Cursor, pageSize = 500, maxPages = 10_000): Promise<{ records: RawRecord[], pages: PullPage<Cursor>[], cursor: Cursor }> {
  const records: RawRecord[] = []
  const pages: PullPage<Cursor>[] = []
  for (let i = 0; i < maxPages; i++) {
    const page = await pullPage(http, cursor, pageSize)
    pages.push(page)
    records.push(...page.records)
    cursor = page.cursor
    if (page.done) return { records, pages, cursor }
  }
  throw new Error(`no short page after ${maxPages} pages`)
}

function parseCompact (gxsj: string): Date {
  const t = timestamp(gxsj)
  if (!t.ok) throw new Error(`not a time: ${gxsj}`)
  return new Date(t.value)
}
const minusOneSecond = (gxsj: string): string => formatBeijingCompact(new Date(parseCompact(gxsj).getTime() - 1000))

// ---------------------------------------------------------------------------------------------
// the contract

t.test('the adapter describes the spec', async (tt) => {
  tt.equal(adapter.id, 'market-regulation')
  tt.same(adapter.department, { name: '市场监管 企业登记信息共享接口', level: 'provincial' })
  tt.equal(adapter.produces, 'enterprise')
  tt.same(adapter.auth, { type: 'oauth2-client-credentials', tokenPath: '/oauth/token' })
  tt.same(Object.keys(adapter.fields), ['TYSHXYDM', 'QYMC', 'QYLX', 'FDDBR', 'FDDBRZJHM', 'ZS', 'XZQHDM', 'CLRQ', 'DJZT', 'HYDM', 'ZCZB'])
  tt.same(Object.values(adapter.fields).map(([target]) => target), [
    'creditCode', 'name', 'type', 'legalRepresentative.name', 'legalRepresentative.idNumber', 'address', 'divisionCode',
    'establishedOn', 'status', 'industryCode', 'registeredCapital',
  ])
  tt.equal(enterprises.pageSize, 500)
  tt.equal(enterprises.everyMs, 30_000)
  tt.same(enterprises.initialCursor(), { updatedAfter: '19700101080000', pageNo: 1, maxGxsj: null })
  tt.same(Cursor.parse({ updatedAfter: '20261120000000', pageNo: 3 }), { updatedAfter: '20261120000000', pageNo: 3, maxGxsj: null }, 'maxGxsj defaults')
  tt.throws(() => Cursor.parse({ updatedAfter: '2026-11-20', pageNo: 1 }))
  tt.throws(() => Cursor.parse({ updatedAfter: EPOCH, pageNo: 0 }))
  tt.throws(() => Cursor.parse({ updatedAfter: '20261131000000', pageNo: 1 }), 'not a real time')
})

// ---------------------------------------------------------------------------------------------
// cursor progression against the simulator

t.test('a run pages until a short page; the next starts one second before the largest GXSJ', async (tt) => {
  const s = await sim(tt, { enterprises: 1234, rateLimitPerSecond: 0 })
  const http = departmentHttp(s.url)

  const first = await fetchPage(http, enterprises.initialCursor())
  tt.same(http.calls[0], { path: '/api/v2/enterprises', query: { updatedAfter: EPOCH, pageNo: 1, pageSize: 500 } })
  tt.equal(first.records.length, 500)
  tt.equal(first.done, false)
  tt.same(first.cursor, { updatedAfter: minusOneSecond(gxsjAt(499)), pageNo: 1, maxGxsj: gxsjAt(499) }, 'a full page continues from one second before its last GXSJ')
  const row0 = enterpriseAt(1, 0)
  tt.same(first.records[0], { sourceId: `${row0.TYSHXYDM}@${row0.GXSJ}`, observedAt: parseCompact(row0.GXSJ), fields: row0 })
  tt.equal(first.records[0]!.observedAt.toISOString(), '2025-12-31T16:00:00.000Z')

  const rest = await run(http, first.cursor)
  const seen = new Set([...first.records, ...rest.records].map((r) => r.fields.TYSHXYDM))
  tt.equal(seen.size, 1234, 'every enterprise seen')
  tt.ok(rest.pages.slice(0, -1).every((p) => !p.done && p.records.length === 500), 'full pages are not done')
  const last = rest.pages.at(-1)!
  tt.ok(last.done && last.records.length < 500, 'a short page ends the run')
  tt.same(last.cursor, { updatedAfter: minusOneSecond(gxsjAt(1233)), pageNo: 1, maxGxsj: null }, 'resume from the largest GXSJ seen minus one second')

  // the next run re-reads the rows of that last second (harmless) and nothing else
  const next = await run(http, last.cursor)
  tt.same(next.records.map((r) => r.fields.TYSHXYDM), enterprisesBetween(1, 1233, 1234).map((r) => r.TYSHXYDM))
  tt.same(next.cursor, last.cursor, 'nothing new: the cursor stays')

  // a row updated in the meantime is picked up by the next run
  const [touched] = s.touch([17])
  const after = await run(http, next.cursor)
  tt.ok(after.records.some((r) => r.sourceId === `${touched!.TYSHXYDM}@${touched!.GXSJ}`), 'the updated row arrives with its new GXSJ')
  tt.same(after.cursor, { updatedAfter: minusOneSecond(touched!.GXSJ), pageNo: 1, maxGxsj: null })
})

t.test('when a whole page shares one second the run steps pageNo', async (tt) => {
  const s = await sim(tt, { enterprises: 20, rateLimitPerSecond: 0 })
  const http = departmentHttp(s.url)
  // three rows share each second: a page of 2 cannot move past a second on its own
  const p1 = await fetchPage(http, enterprises.initialCursor(), 2)
  tt.same(p1.cursor, { updatedAfter: minusOneSecond(gxsjAt(0)), pageNo: 1, maxGxsj: gxsjAt(0) })
  const p2 = await fetchPage(http, p1.cursor, 2)
  tt.same(p2.records.map((r) => r.fields.TYSHXYDM), enterprisesBetween(1, 0, 2).map((r) => r.TYSHXYDM), 'the same second again')
  tt.same(p2.cursor, { ...p1.cursor, pageNo: 2 }, 'no progress by time: step the page')
  const p3 = await fetchPage(http, p2.cursor, 2)
  tt.same(p3.records.map((r) => r.fields.TYSHXYDM), enterprisesBetween(1, 2, 4).map((r) => r.TYSHXYDM))
  tt.same(p3.cursor, { updatedAfter: minusOneSecond(gxsjAt(3)), pageNo: 1, maxGxsj: gxsjAt(3) })

  const rest = await run(http, p3.cursor, 2, 100)
  const seen = new Set([...p1.records, ...p2.records, ...p3.records, ...rest.records].map((r) => r.fields.TYSHXYDM))
  tt.equal(seen.size, 20, 'every enterprise seen, and the run ends')
  tt.same(rest.cursor, { updatedAfter: minusOneSecond(gxsjAt(19)), pageNo: 1, maxGxsj: null })
})

t.test('rows updated while a run pages are not lost', async (tt) => {
  const opts = { enterprises: 5000, churnPerRequest: 3, rateLimitPerSecond: 0, seed: 3 }
  const all = new Set(enterprisesBetween(3, 0, 5000).map((r) => r.TYSHXYDM))

  // why the cursor moves by time: fixed updatedAfter + pageNo, as a naive client reads the
  // spec, skips a row for every update behind it
  const naive = await sim(tt, opts)
  const naiveHttp = departmentHttp(naive.url)
  const naiveSeen = new Set<unknown>()
  for (let pageNo = 1; ; pageNo++) {
    const answer = await naiveHttp.json<{ data: { list: EnterpriseRow[] } }>({ path: '/api/v2/enterprises', query: { updatedAfter: EPOCH, pageNo, pageSize: 100 } })
    for (const row of answer.data.list) naiveSeen.add(row.TYSHXYDM)
    if (answer.data.list.length < 100) break
  }
  const missed = [...all].filter((code) => !naiveSeen.has(code)).length
  tt.ok(missed > 0, `a naive offset reader misses ${missed} rows`)

  const s = await sim(tt, opts)
  const http = departmentHttp(s.url)
  const result = await run(http, enterprises.initialCursor(), 100)
  const seen = new Set(result.records.map((r) => r.fields.TYSHXYDM))
  tt.equal([...all].filter((code) => !seen.has(code)).length, 0, 'the adapter sees every enterprise')
  tt.ok(s.stats().updated > 0, `${s.stats().updated} rows were updated during the run`)
  tt.ok(result.records.some((r) => String(r.fields.GXSJ) > gxsjAt(4999)), 'and it sees updated rows with their new GXSJ')
})

t.test('pageSize is capped at the spec maximum of 500', async (tt) => {
  const http = fakeHttp({ code: '0000', msg: '成功', data: { total: 0, pageNo: 1, pageSize: 500, list: [] } })
  const page = await fetchPage(http, enterprises.initialCursor(), 2000)
  tt.same(http.calls[0]!.query, { updatedAfter: EPOCH, pageNo: 1, pageSize: 500 })
  tt.same(page, { records: [], cursor: enterprises.initialCursor(), done: true }, 'nothing new: the cursor stays')
})

t.test('a department that pages by less than asked does not end the run early', async (tt) => {
  const rows = enterprisesBetween(1, 0, 100)
  const page = await fetchPage(fakeHttp({ code: '0000', data: { total: 5000, pageNo: 1, pageSize: 100, list: rows } }), enterprises.initialCursor(), 500)
  tt.equal(page.done, false)
})

// ---------------------------------------------------------------------------------------------
// business codes

t.test('business codes become the SDK errors', async (tt) => {
  const s = await sim(tt, { rateLimitPerSecond: 0 })
  const http = departmentHttp(s.url)
  const cursor = enterprises.initialCursor()

  s.failNext('4001')
  const auth = await fetchPage(http, cursor).catch((err: unknown) => err)
  tt.ok(auth instanceof DepartmentAuthError, '4001 -> DepartmentAuthError')
  tt.match(auth, { code: 'TB_DEPARTMENT_AUTH' })

  s.revokeTokens()
  tt.type(await errorOf(fetchPage(http, cursor)), DepartmentAuthError, 'a revoked token -> DepartmentAuthError')
  tt.equal((await pullPage(http, cursor)).records.length, 500, 'after a token refresh the page is fetched')

  s.failNext('4290')
  tt.type(await errorOf(fetchPage(http, cursor)), DepartmentRateLimitedError, '4290 -> DepartmentRateLimitedError')
  s.failNext('5000')
  tt.type(await errorOf(fetchPage(http, cursor)), DepartmentUnavailableError, '5000 -> DepartmentUnavailableError')

  s.setFaults({ rateLimitPerSecond: 3 })
  const codes = await Promise.all(Array.from({ length: 6 }, async () => await fetchPage(http, cursor, 1).then(() => 'ok', (err: unknown) => (err as Error).constructor.name)))
  tt.ok(codes.includes('DepartmentRateLimitedError'), 'the real rate limit -> DepartmentRateLimitedError')
  s.setFaults({ rateLimitPerSecond: 0 })

  // gateway failures are the client's to turn into DepartmentUnavailableError; the adapter lets them through
  s.failNext('503', 'html502')
  tt.type(await errorOf(fetchPage(http, cursor)), DepartmentUnavailableError)
  tt.type(await errorOf(fetchPage(http, cursor)), DepartmentUnavailableError)
  s.setFaults({ timeoutMs: 3000 })
  s.failNext('timeout')
  tt.type(await errorOf(fetchPage(http, cursor)), DepartmentUnavailableError, 'a hang times out')

  const other = await fetchPage(fakeHttp({ code: '4000', msg: '参数错误', data: null }), cursor).catch((err: unknown) => err)
  tt.ok(other instanceof DepartmentBusinessError, 'other codes -> DepartmentBusinessError')
  tt.equal((other as DepartmentBusinessError).businessCode, '4000')
  tt.type(await errorOf(fetchPage(fakeHttp('<html>oops</html>'), cursor)), DepartmentUnavailableError, 'not an object')
  tt.type(await errorOf(fetchPage(fakeHttp({ code: '0000', data: null }), cursor)), DepartmentUnavailableError, '0000 without a list')
  tt.type(await errorOf(fetchPage(fakeHttp({ message: 'hello' }), cursor)), DepartmentUnavailableError, 'no business code')
})

t.test('a row with a malformed GXSJ is rejected with TB_DATE_INVALID and does not move the cursor', async (tt) => {
  const good = enterpriseAt(1, 0)
  const bad = { ...enterpriseAt(1, 1), GXSJ: '20261131250000' }
  const page = await fetchPage(fakeHttp({ code: '0000', data: { total: 2, pageNo: 1, pageSize: 500, list: [good, bad, 'junk'] } }), enterprises.initialCursor())
  tt.equal(page.records[0]!.reject, undefined)
  tt.match(page.records[1], { sourceId: `${bad.TYSHXYDM}@20261131250000`, reject: { code: 'TB_DATE_INVALID' }, fields: bad })
  tt.match(page.records[2], { reject: { code: 'TB_RECORD_INVALID' }, fields: { row: 'junk' } })
  tt.same(page.cursor, { updatedAfter: minusOneSecond(good.GXSJ), pageNo: 1, maxGxsj: null })
})

// ---------------------------------------------------------------------------------------------
// the field map, with the platform's normalisers (a local stand-in for the pipeline's mapper)

type Mapped = { ok: true, data: Record<string, any> } | { ok: false, code: string, field?: string }

function mapRow (fields: FieldMap, row: Record<string, unknown>): Mapped {
  const data: Record<string, any> = {}
  for (const [field, [target, normalize]] of Object.entries(fields)) {
    const value = row[field]
    if (isEmpty(value)) continue
    const result = normalize(String(value))
    if (!result.ok) return { ok: false, code: result.error.code, field }
    const path = target.split('.')
    let at = data
    for (const part of path.slice(0, -1)) at = at[part] ??= {}
    at[path.at(-1)!] = result.value
  }
  const parsed = EnterpriseFields.safeParse(data)
  if (!parsed.success) return { ok: false, code: `TB_RECORD_INVALID ${parsed.error.issues[0]?.path.join('.')}` }
  return { ok: true, data: parsed.data }
}

const map = (row: object): Mapped => mapRow(adapter.fields, row as Record<string, unknown>)
const base = enterpriseAt(1, 0)
const valid = (row: object): Record<string, any> => {
  const m = map(row)
  if (!m.ok) throw new Error(`expected ${JSON.stringify(row)} to map, got ${m.code}`)
  return m.data
}

t.test('field map: a spec row maps to a canonical enterprise', async (tt) => {
  const spec = {
    TYSHXYDM: '91320412MA1MXK7Q0T',
    QYMC: '常州市武进区湟里镇恒达机械有限公司',
    QYLX: '1130',
    FDDBR: '王建国',
    FDDBRZJHM: '320412198506123015',
    ZS: '常州市武进区湟里镇东安路8号',
    XZQHDM: '320412120',
    CLRQ: '2020-09-29',
    DJZT: '1',
    HYDM: 'C3311',
    ZCZB: '100万元人民币',
    GXSJ: '20261120093105',
  }
  const m = map(spec)
  tt.ok(m.ok, JSON.stringify(m))
  tt.match(valid(spec), {
    creditCode: '91320412MA1MXK7Q0T',
    name: '常州市武进区湟里镇恒达机械有限公司',
    type: '1130',
    legalRepresentative: { name: '王建国' },
    address: '常州市武进区湟里镇东安路8号',
    divisionCode: '320412120000',
    establishedOn: '2020-09-29',
    status: 'in-business',
    industryCode: 'C3311',
    registeredCapital: { amount: 100 * 10_000, currency: 'CNY' },
  })
})

t.test("field map: '' and 'null' are no value", async (tt) => {
  for (const none of ['', 'null']) {
    const data = valid({ ...base, ZS: none, HYDM: none, ZCZB: none, CLRQ: none, FDDBRZJHM: none, XZQHDM: none })
    tt.equal(data.address, undefined)
    tt.equal(data.industryCode, undefined)
    tt.equal(data.registeredCapital, undefined)
    tt.equal(data.establishedOn, undefined)
    tt.equal(data.divisionCode, undefined)
    tt.equal(data.legalRepresentative.idNumber, undefined)
    tt.equal(data.legalRepresentative.name, base.FDDBR)
    const noRep = valid({ ...base, FDDBR: none, FDDBRZJHM: none })
    tt.equal(noRep.legalRepresentative, undefined, `no legal representative when both are ${JSON.stringify(none)}`)
  }
})

t.test('field map: the four CLRQ shapes give the same date', async (tt) => {
  for (const clrq of ['2020-09-29', '20200929', '2020/9/29', '2020年09月29日']) {
    tt.equal(valid({ ...base, CLRQ: clrq }).establishedOn, '2020-09-29', clrq)
  }
})

t.test('field map: names with full-width brackets and trailing spaces', async (tt) => {
  for (const qymc of ['江苏恒达机械有限公司（湟里镇分公司）  ', '江苏恒达机械有限公司(湟里镇分公司)', '江苏恒达机械有限公司（湟里镇分公司）\u3000']) {
    tt.equal(valid({ ...base, QYMC: qymc }).name, '江苏恒达机械有限公司（湟里镇分公司）', JSON.stringify(qymc))
  }
  tt.equal(valid({ ...base, QYMC: '常州市武进区湟里镇恒达机械有限公司 ' }).name, '常州市武进区湟里镇恒达机械有限公司', 'trailing space trimmed')
})

t.test('field map: a 15-digit legal representative ID is upgraded to 18 digits', async (tt) => {
  const data = valid({ ...base, FDDBRZJHM: '320412850612301' })
  tt.equal(data.legalRepresentative.idNumber, '320412198506123015')
})

t.test('field map: a bad check character is rejected with TB_CREDIT_CODE_CHECKSUM', async (tt) => {
  tt.match(map({ ...base, TYSHXYDM: '91320412MA1MXK7Q0U' }), { ok: false, code: 'TB_CREDIT_CODE_CHECKSUM', field: 'TYSHXYDM' })
  tt.match(map({ ...base, DJZT: '9' }), { ok: false, code: 'TB_CODE_UNKNOWN', field: 'DJZT' })
  tt.same(['2', '3', '4'].map((d) => valid({ ...base, DJZT: d }).status), ['revoked', 'deregistered', 'moved-out'])
})

t.test('field map: generated rows map, except exactly those with a bad check character', async (tt) => {
  const problems: string[] = []
  let rejected = 0
  for (let i = 0; i < 3000; i++) {
    const row = enterpriseAt(1, i)
    const facts = enterpriseFacts(1, i)
    const m = map(row)
    if (hasBadCheck(1, i)) {
      rejected++
      if (m.ok || m.code !== 'TB_CREDIT_CODE_CHECKSUM') problems.push(`${i}: expected TB_CREDIT_CODE_CHECKSUM, got ${JSON.stringify(m)}`)
      continue
    }
    if (!m.ok) { problems.push(`${i}: ${m.code} ${m.field ?? ''} ${JSON.stringify(row)}`); continue }
    const d = m.data
    if (d.creditCode !== facts.creditCode) problems.push(`${i}: creditCode`)
    if (d.establishedOn !== facts.establishedOn) problems.push(`${i}: establishedOn ${d.establishedOn} != ${facts.establishedOn}`)
    if (d.status !== facts.status) problems.push(`${i}: status`)
    if (d.legalRepresentative?.idNumber !== facts.legalRepresentativeId) problems.push(`${i}: legal representative ID`)
    if (facts.division !== '' && d.divisionCode !== facts.division.padEnd(12, '0')) problems.push(`${i}: division ${d.divisionCode}`)
  }
  for (let i = 0; i < 300; i++) {
    if (hasBadCheck(1, i)) continue
    for (const revision of [1, 2, 3]) {
      const m = map(revisedEnterpriseAt(1, i, revision, '20261123120000'))
      if (!m.ok) problems.push(`${i} revision ${revision}: ${m.code} ${m.field ?? ''}`)
    }
  }
  tt.same(problems.slice(0, 10), [], `${problems.length} problems`)
  tt.ok(rejected > 10, `${rejected} of 3000 rejected for their check character`)
})
