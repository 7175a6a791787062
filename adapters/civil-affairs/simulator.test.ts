// The simulated social-assistance WebService against its spec, over raw HTTP: the bytes on the
// wire (GBK, BOM, empties written three ways, 䶮), signatures and the timestamp window, the rate
// limit, overload answers, paging, the operator look-up and the WSDL. The test computes its own
// MD5 signs and reads answers with its own decoder, not the adapter's.
import t, { type Test } from 'tap'
import { createHash } from 'node:crypto'
import iconv from 'iconv-lite'
import { request } from 'undici'
import { XMLParser } from 'fast-xml-parser'
import { startSimulator, type CivilAffairsSimulator, type SimulatorOptions } from './simulator.ts'
import { caseAt, caseFacts, casesBetween, formatGxsj, legacyId, ownPerson, slotOf, BASE_GXSJ_MS, type AssistanceRow } from './data.ts'

const APP = { appId: 'T320412120', appSecret: 'jzxx-demo-secret' }
const OPERATOR = { username: 'wj_czy01', password: 'Czy-Demo-2026', county: '320412' }
const BOM = [0xef, 0xbb, 0xbf]

async function sim (tt: Test, opts: SimulatorOptions = {}): Promise<CivilAffairsSimulator> {
  const s = await startSimulator({ rateLimitPerSecond: 0, bomRate: 0, ...opts })
  tt.teardown(async () => { await s.close() })
  return s
}

const md5 = (s: string): string => createHash('md5').update(s).digest('hex').toUpperCase()

interface Call {
  operation?: 'queryJzxxByGxsj' | 'queryJzxxBySfzh'
  params?: Record<string, string | number>
  secret?: string
  at?: number
  sign?: string
}

/** A request envelope as the spec shows it, signed as the spec says (sfzh inside the sign for the look-up). */
function envelope ({ operation = 'queryJzxxByGxsj', params = {}, secret = APP.appSecret, at = Date.now(), sign }: Call): Buffer {
  const timestamp = formatGxsj(at)
  const sfzh = operation === 'queryJzxxBySfzh' ? String(params.sfzh ?? '') : ''
  const values = { appId: APP.appId, timestamp, sign: sign ?? md5(APP.appId + timestamp + sfzh + secret), ...(operation === 'queryJzxxByGxsj' ? { gxsjBegin: '20200101000000', pageNo: 1, pageSize: 200 } : {}), ...params }
  const body = Object.entries(values).map(([k, v]) => `<${k}>${v}</${k}>`).join('')
  return iconv.encode(`<?xml version="1.0" encoding="GBK"?>\n<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:jz="http://mz.gov.cn/jzxx"><soap:Body><jz:${operation}>${body}</jz:${operation}></soap:Body></soap:Envelope>`, 'gbk')
}

interface Answer { status: number, type: string, bytes: Buffer, text: string, body: any }

const parser = new XMLParser({ removeNSPrefix: true, parseTagValue: false, isArray: (name) => name === 'record' })

async function soap (s: CivilAffairsSimulator, call: Call = {}): Promise<Answer> {
  const res = await request(`${s.url}/services/JzxxService`, { method: 'POST', headers: { 'content-type': 'text/xml; charset=GBK', soapaction: '""' }, body: envelope(call) })
  const bytes = Buffer.from(await res.body.arrayBuffer())
  const start = BOM.every((b, i) => bytes[i] === b) ? 3 : 0
  const text = new TextDecoder('gb18030', { fatal: true }).decode(bytes.subarray(start))
  return { status: res.statusCode, type: String(res.headers['content-type'] ?? ''), bytes, text, body: text === '' ? undefined : parser.parse(text).Envelope.Body }
}

const faultOf = (a: Answer): string | undefined => a.body?.Fault?.faultstring
const recordsOf = (a: Answer, operation = 'queryJzxxByGxsj'): AssistanceRow[] => a.body[`${operation}Response`].result.records.record ?? []

t.test('data: deterministic, in GXSJ order, people, quirks at their rates', async (tt) => {
  tt.same(caseAt(7, 123), caseAt(7, 123), 'pure')
  tt.notSame(caseAt(7, 123), caseAt(8, 123), 'the seed matters')
  const rows = casesBetween(1, 0, 3000)
  tt.same(rows.slice(10, 20), casesBetween(1, 10, 20), 'a range is the same rows')
  tt.ok(rows.every((r, i) => i === 0 || rows[i - 1]!.GXSJ <= r.GXSJ), 'ordered by GXSJ')
  tt.equal(rows[0]!.GXSJ, formatGxsj(BASE_GXSJ_MS))
  tt.equal(rows[0]!.GXSJ, rows[1]!.GXSJ, 'two cases share a second')

  const legacy = rows.filter((r) => r.SFZH.length === 15).length
  tt.ok(legacy > 3000 / 30 * 0.5 && legacy < 3000 / 30 * 1.6, `about 1 in 30 ID numbers in the 15-digit form (${legacy} of 3000)`)
  tt.ok(rows.some((r) => r.XM.includes('䶮')), 'some names carry 䶮 (GBK extension)')
  tt.ok(rows.filter((r) => /[䶮堃喆昇祎玥珺赟燊镕]/.test(r.XM)).length > 30, 'GBK-extension names are no rarity')
  tt.ok(rows.some((r) => r.JSNY === '') && rows.some((r) => r.JSNY !== ''), 'JSNY empty while ongoing')
  for (const code of ['01', '02', '03', '04']) tt.ok(rows.some((r) => r.JZLB === code), `category ${code} occurs`)
  tt.ok(rows.every((r) => /^\d+\.\d{2}$/.test(r.JZJE) && /^\d{12}$/.test(r.XZQH) && /^\d{6}$/.test(r.KSNY)), 'amounts with two decimals, 12-digit divisions, YYYYMM months')
  tt.ok(rows.every((r) => r.ZT !== '1' || r.JSNY === ''), 'a case in payment has no last month')

  // every tenth case is the previous case's person in another category
  tt.equal(slotOf(19), 18)
  const [a, b] = [caseFacts(1, 18), caseFacts(1, 19)]
  tt.equal(b.idNumber, a.idNumber, 'a second case of the same person')
  tt.not(b.category, a.category, 'in another category')
  tt.equal(legacyId('320412195001011234'), '320412500101123')

  const people = (slot: number): { idNumber: string, name: string, division: string } | undefined => (slot === 0 ? { idNumber: '32041219800101002X', name: '王芳', division: '320412120201' } : undefined)
  tt.equal(caseFacts(1, 0, people).idNumber, '32041219800101002X', 'the demo puts a household resident in a slot')
  tt.equal(caseFacts(1, 2, people).idNumber, ownPerson(1, 2).idNumber, 'other slots keep the own population')
})

t.test('the WSDL names both operations, document/literal with SOAPAction ""', async (tt) => {
  const s = await sim(tt)
  const res = await request(`${s.url}/services/JzxxService?wsdl`)
  tt.equal(res.statusCode, 200)
  tt.match(String(res.headers['content-type']), /charset=GBK/i)
  const text = iconv.decode(Buffer.from(await res.body.arrayBuffer()), 'gbk')
  const wsdl = new XMLParser({ ignoreAttributes: false, removeNSPrefix: true, isArray: (name) => ['operation', 'element', 'message'].includes(name) }).parse(text).definitions
  tt.same(wsdl.portType.operation.map((o: any) => o['@_name']), ['queryJzxxByGxsj', 'queryJzxxBySfzh'])
  tt.ok(wsdl.binding.operation.every((o: any) => o.operation[0]['@_soapAction'] === ''), 'SOAPAction ""')
  tt.equal(wsdl.service.port.address['@_location'], `${s.url}/services/JzxxService`, 'the address it is served from')
  tt.match(text, /<xs:element name="czymm"/, 'the look-up takes the operator account')
  tt.equal((await request(`${s.url}/services/JzxxService`)).statusCode, 405, 'a GET without ?wsdl is no operation')
})

t.test('pages: GBK, in GXSJ order from gxsjBegin (inclusive), total, pageSize at most 200', async (tt) => {
  const s = await sim(tt, { cases: 450 })
  const first = await soap(s)
  tt.equal(first.status, 200)
  tt.equal(first.type, 'text/xml; charset=GBK')
  tt.match(first.text, /^<\?xml version="1.0" encoding="GBK"\?>/)
  tt.equal(first.body.queryJzxxByGxsjResponse.result.total, '450')
  const seen: AssistanceRow[] = []
  for (let pageNo = 1; ; pageNo++) {
    const page = recordsOf(await soap(s, { params: { pageNo } }))
    seen.push(...page)
    if (page.length < 200) break
  }
  tt.equal(seen.length, 450)
  tt.same(seen.map((r) => r.SFZH), casesBetween(1, 0, 450).map((r) => r.SFZH), 'every case once, in order')

  const from = casesBetween(1, 100, 101)[0]!.GXSJ
  const later = recordsOf(await soap(s, { params: { gxsjBegin: from } }))
  tt.equal(later[0]!.GXSJ, from, 'gxsjBegin is inclusive')
  tt.equal(later.length, 200)

  for (const [pageSize, why] of [[201, 'over 200'], [0, 'zero']] as const) {
    const refused = await soap(s, { params: { pageSize } })
    tt.equal(refused.status, 500, `pageSize ${why}: a fault`)
    tt.match(faultOf(refused), /pageSize 应为 1-200/)
  }
  tt.match(faultOf(await soap(s, { params: { gxsjBegin: '2026-01-01' } })), /gxsjBegin/)
})

t.test('empties in all three forms, 䶮 as FE 9F, a BOM before the declaration', async (tt) => {
  const s = await sim(tt, { cases: 1200, bomRate: 1 })
  let raw = ''
  let bytes = Buffer.alloc(0)
  for (let pageNo = 1; pageNo <= 6; pageNo++) {
    const a = await soap(s, { params: { pageNo } })
    tt.same([...a.bytes.subarray(0, 3)], BOM, `page ${pageNo} starts with a UTF-8 BOM`)
    tt.same(a.bytes.subarray(3, 8).toString('latin1'), '<?xml', 'then the GBK declaration')
    raw += a.text
    bytes = Buffer.concat([bytes, a.bytes])
  }
  tt.match(raw, '<JSNY/>')
  tt.match(raw, '<JSNY></JSNY>')
  tt.match(raw, '<JSNY>null</JSNY>')
  tt.ok(bytes.includes(Buffer.from([0xfe, 0x9f])), '䶮 goes out as GBK FE 9F')
  tt.match(raw, /<XM>[^<]*䶮[^<]*<\/XM>/, 'and reads back as 䶮')
  tt.match(raw, /<SFZH>\d{15}<\/SFZH>/, '15-digit ID numbers')
  const none = await sim(tt, { bomRate: 0 })
  tt.not((await soap(none)).bytes[0], 0xef, 'no BOM at bomRate 0')
})

t.test('signature and timestamp: E101, E102', async (tt) => {
  const s = await sim(tt)
  const wrong = await soap(s, { secret: 'not-the-secret' })
  tt.equal(wrong.status, 500)
  tt.same(wrong.body.Fault, { faultcode: 'soap:Client', faultstring: 'E101 签名错误' })
  tt.equal(faultOf(await soap(s, { sign: md5(APP.appId + APP.appSecret).toLowerCase() })), 'E101 签名错误', 'a sign not over the timestamp')
  tt.equal(faultOf(await soap(s, { at: Date.now() - 11 * 60_000 })), 'E102 时间戳过期', '11 minutes behind')
  tt.equal(faultOf(await soap(s, { at: Date.now() + 11 * 60_000 })), 'E102 时间戳过期', '11 minutes ahead')
  tt.equal((await soap(s, { at: Date.now() - 9 * 60_000 })).status, 200, 'within 10 minutes')
  tt.same(s.stats().byOutcome, { E101: 2, E102: 2, ok: 1 })
})

t.test('more than 2 requests a second: E201', async (tt) => {
  let now = Date.now()
  const s = await sim(tt, { rateLimitPerSecond: 2, now: () => now })
  tt.equal((await soap(s, { at: now })).status, 200)
  tt.equal((await soap(s, { at: now })).status, 200)
  tt.same((await soap(s, { at: now })).body.Fault, { faultcode: 'soap:Client', faultstring: 'E201 查询过于频繁' })
  now += 1001
  tt.equal((await soap(s, { at: now })).status, 200, 'the next second is fine')
})

t.test('overloaded: HTTP 500 with fault E500 or with an empty body; one-shots; the kit faults', async (tt) => {
  const s = await sim(tt, { busyRate: 1 })
  const outcomes = new Set<string>()
  for (let i = 0; i < 20; i++) {
    const a = await soap(s)
    tt.equal(a.status, 500)
    outcomes.add(a.text === '' ? 'empty' : `${a.body.Fault.faultcode} ${faultOf(a)}`)
  }
  tt.same([...outcomes].sort(), ['empty', 'soap:Server E500 系统繁忙'])

  const calm = await sim(tt)
  calm.failNext('E101', 'E102', 'E201', 'E500', 'empty', 'html502')
  const seen = []
  for (let i = 0; i < 6; i++) {
    const res = await request(`${calm.url}/services/JzxxService`, { method: 'POST', body: envelope({}) })
    const text = await res.body.text()
    seen.push(`${res.statusCode} ${/E\d{3}/.exec(text)?.[0] ?? (text === '' ? 'empty' : /nginx/.test(text) ? 'nginx' : '?')}`)
  }
  tt.same(seen, ['500 E101', '500 E102', '500 E201', '500 E500', '500 empty', '502 nginx'])
  tt.equal((await soap(calm)).status, 200, 'then answers again')
  tt.throws(() => { calm.failNext('E999' as 'E101') }, RangeError)
})

t.test('queryJzxxBySfzh: the operator account, sfzh in the sign, the county', async (tt) => {
  const s = await sim(tt, { cases: 300, operators: [OPERATOR] })
  const lookup = (sfzh: string, czyh = OPERATOR.username, password = OPERATOR.password, extra: Partial<Call> = {}): Promise<Answer> =>
    soap(s, { operation: 'queryJzxxBySfzh', params: { czyh, czymm: md5(password), sfzh }, ...extra })

  // a person in 武进区 (320412) with two cases, and one elsewhere
  let two = -1
  let elsewhere = -1
  for (let i = 9; i < 300 && (two < 0 || elsewhere < 0); i++) {
    const f = caseFacts(1, i)
    if (two < 0 && i % 10 === 9 && f.division.startsWith('320412')) two = i
    if (elsewhere < 0 && !f.division.startsWith('320412')) elsewhere = i
  }
  const person = caseFacts(1, two)
  const found = await lookup(person.idNumber)
  tt.equal(found.status, 200)
  const records = recordsOf(found, 'queryJzxxBySfzh')
  tt.same(records.map((r) => r.JZLB).sort(), [caseAt(1, two - 1).JZLB, caseAt(1, two).JZLB].sort(), 'both cases of the person')
  tt.ok(records.every((r) => [person.idNumber, legacyId(person.idNumber)].includes(r.SFZH) && r.XZQH.startsWith('320412')), 'in the operator\'s county')
  if (person.idNumber.slice(6, 8) === '19') tt.equal(recordsOf(await lookup(legacyId(person.idNumber)), 'queryJzxxBySfzh').length, 2, 'the 15-digit form finds them too')

  tt.same(recordsOf(await lookup('110101199003070011'), 'queryJzxxBySfzh'), [], 'nobody: zero records')
  tt.equal(faultOf(await lookup(person.idNumber, OPERATOR.username, 'wrong')), 'E301 操作员账号或密码错误')
  tt.equal(faultOf(await lookup(person.idNumber, 'nobody')), 'E301 操作员账号或密码错误')
  tt.equal(faultOf(await lookup(caseFacts(1, elsewhere).idNumber)), 'E302 操作员无权查询该地区', 'a household outside the county')
  const other = caseFacts(1, elsewhere).idNumber
  tt.equal(faultOf(await lookup(person.idNumber, undefined, undefined, { sign: md5(APP.appId + formatGxsj(Date.now()) + other + APP.appSecret) })), 'E101 签名错误', 'a sign over another ID number')
  tt.equal(faultOf(await lookup(person.idNumber, undefined, undefined, { sign: md5(APP.appId + formatGxsj(Date.now()) + APP.appSecret) })), 'E101 签名错误', 'a sign without sfzh')
  tt.match(faultOf(await lookup('12345')), /sfzh/, 'not an ID number')
})

t.test('touch and churn: updated cases move to the end with a later GXSJ', async (tt) => {
  const s = await sim(tt, { cases: 100 })
  const [touched] = s.touch([5])
  tt.ok(touched!.GXSJ > caseAt(1, 99).GXSJ, 'later than every base case')
  const all: AssistanceRow[] = []
  for (let pageNo = 1; pageNo <= 2; pageNo++) all.push(...recordsOf(await soap(s, { params: { pageNo, pageSize: 60 } })))
  tt.equal(all.length, 100)
  tt.equal(all.at(-1)!.SFZH, caseAt(1, 5).SFZH, 'the touched case comes last')
  tt.equal(all.at(-1)!.GXSJ, touched!.GXSJ)
  tt.equal(s.rowKeys().length, 100)
  const res = await request(`${s.url}/_sim/touch`, { method: 'POST', body: JSON.stringify({ indices: [1000] }), headers: { 'content-type': 'application/json' } })
  tt.equal(res.statusCode, 400, 'an unknown case')
  await res.body.dump()
})
