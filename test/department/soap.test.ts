// SOAP 1.1 through the platform's department client against a real HTTP server that speaks the
// civil-affairs dialect: GBK both ways, a UTF-8 BOM before the XML declaration, faults with HTTP
// 500, <JSNY/> and null empties, GBK-extension characters such as 䶮.
import t, { type Test } from 'tap'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import iconv from 'iconv-lite'
import { createDepartmentClient } from '../../src/department/client.ts'
import {
  DepartmentBusinessError, DepartmentUnavailableError, SoapFaultError,
  buildEnvelope, callSoap, defineSoapService, readSoapAnswer,
} from '../../src/adapter-sdk/index.ts'
import { TongbanError } from '../../src/errors.ts'

const jzxx = defineSoapService({
  department: 'civil-affairs',
  path: '/services/JzxxService',
  charset: 'gbk',
  namespaces: { jz: 'http://mz.gov.cn/jzxx' },
  empties: ['', 'null'],
  lists: ['record'],
})

interface Seen { headers: IncomingMessage['headers'], body: string }
type Answer = (seen: Seen) => { status?: number, type?: string, bytes: Buffer }

const BOM = Buffer.from([0xef, 0xbb, 0xbf])
const gbkXml = (xml: string): Buffer => iconv.encode(`<?xml version="1.0" encoding="GBK"?>${xml}`, 'gbk')
const envelope = (body: string): string =>
  `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:jz="http://mz.gov.cn/jzxx"><soap:Body>${body}</soap:Body></soap:Envelope>`
const fault = (code: string, text: string): string => envelope(`<soap:Fault><faultcode>${code}</faultcode><faultstring>${text}</faultstring></soap:Fault>`)
const record = (xm: string, jsny: string): string =>
  `<record><SFZH>320412196001010011</SFZH><XM>${xm}</XM><JZLB>01</JZLB><JZJE>765.00</JZJE><KSNY>202401</KSNY>${jsny}<ZT>1</ZT><GXSJ>20261101093000</GXSJ></record>`

/** A department answering each POST with `answer`; the request body is read as GBK, as the department reads it. */
async function department (t: Test, answer: Answer): Promise<{ baseUrl: string, seen: Seen[] }> {
  const seen: Seen[] = []
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const s = { headers: req.headers, body: iconv.decode(Buffer.concat(chunks), 'gb18030') }
      seen.push(s)
      const a = answer(s)
      res.writeHead(a.status ?? 200, { 'content-type': a.type ?? 'text/xml; charset=GBK' }).end(a.bytes)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => { await new Promise((resolve) => server.close(resolve)) })
  return { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen }
}

function client (t: Test, baseUrl: string): ReturnType<typeof createDepartmentClient> {
  const http = createDepartmentClient({ department: 'civil-affairs', baseUrl, timeoutMs: 2000 })
  t.teardown(async () => { await http.close() })
  return http
}

const errorOf = async (p: Promise<unknown>): Promise<unknown> => await p.then(() => undefined, (err: unknown) => err)
const params = { appId: 'T320412120', timestamp: '20261120093105', sign: '9F86D0', gxsjBegin: '20261101000000', pageNo: 1, pageSize: 200 }

t.test('a GBK request goes out as the spec shows it, and a GBK answer with a BOM comes back', async (t) => {
  const dept = await department(t, () => ({
    bytes: Buffer.concat([BOM, gbkXml(envelope(
      `<jz:queryJzxxByGxsjResponse><result><total>3</total><records>${record('王䶮', '<JSNY/>')}${record('李小明', '<JSNY>null</JSNY>')}${record('赵　芳', '<JSNY></JSNY>')}</records></result></jz:queryJzxxByGxsjResponse>`,
    ))]),
  }))
  const body = await callSoap(client(t, dept.baseUrl), jzxx, 'jz:queryJzxxByGxsj', { ...params, xm: '王䶮' })

  const [req] = dept.seen
  t.equal(req!.headers['content-type'], 'text/xml; charset=GBK')
  t.equal(req!.headers.soapaction, '""')
  t.match(req!.body, /^<\?xml version="1.0" encoding="GBK"\?>\n<soap:Envelope xmlns:soap="http:\/\/schemas.xmlsoap.org\/soap\/envelope\/" xmlns:jz="http:\/\/mz.gov.cn\/jzxx"><soap:Body><jz:queryJzxxByGxsj>/)
  t.match(req!.body, '<appId>T320412120</appId><timestamp>20261120093105</timestamp><sign>9F86D0</sign><gxsjBegin>20261101000000</gxsjBegin><pageNo>1</pageNo><pageSize>200</pageSize><xm>王䶮</xm></jz:queryJzxxByGxsj></soap:Body></soap:Envelope>', 'parameters in order, 䶮 written in GBK')

  const result = (body.queryJzxxByGxsjResponse as { result: { total: string, records: { record: Array<Record<string, string>> } } }).result
  t.equal(result.total, '3', 'values stay text')
  t.equal(result.records.record.length, 3)
  t.equal(result.records.record[0]!.XM, '王䶮', 'a GBK-extension character decodes')
  t.equal(result.records.record[2]!.XM, '赵　芳')
  t.equal(result.records.record[0]!.KSNY, '202401')
  for (const r of result.records.record) t.notOk('JSNY' in r, '<JSNY/>, <JSNY></JSNY> and <JSNY>null</JSNY> are no value')
})

t.test('one record is still a list; an empty list is absent', async (t) => {
  const dept = await department(t, (s) => ({
    bytes: gbkXml(envelope(`<jz:queryJzxxByGxsjResponse><result><total>1</total><records>${s.body.includes('<pageNo>1<') ? record('王䶮', '<JSNY>202612</JSNY>') : ''}</records></result></jz:queryJzxxByGxsjResponse>`)),
  }))
  const http = client(t, dept.baseUrl)
  const one = await callSoap(http, jzxx, 'jz:queryJzxxByGxsj', params)
  t.same(one, { queryJzxxByGxsjResponse: { result: { total: '1', records: { record: [{ SFZH: '320412196001010011', XM: '王䶮', JZLB: '01', JZJE: '765.00', KSNY: '202401', JSNY: '202612', ZT: '1', GXSJ: '20261101093000' }] } } } })
  const none = await callSoap(http, jzxx, 'jz:queryJzxxByGxsj', { ...params, pageNo: 2 })
  t.same(none, { queryJzxxByGxsjResponse: { result: { total: '1' } } })
})

t.test('empties are what the service declares', async (t) => {
  const plain = defineSoapService({ department: 'civil-affairs', path: '/services/JzxxService', charset: 'gbk', namespaces: { jz: 'http://mz.gov.cn/jzxx' } })
  const res = { status: 200, body: envelope('<r><JSNY/><KSNY>null</KSNY><XM>王䶮</XM></r>') }
  t.same(readSoapAnswer(plain, res), { r: { JSNY: '', KSNY: 'null', XM: '王䶮' } }, 'none declared: kept as sent')
  t.same(readSoapAnswer(jzxx, res), { r: { XM: '王䶮' } })
})

t.test('SOAP faults become SoapFaultError with code and text, at HTTP 500 or 200', async (t) => {
  const answers = [
    { status: 500, bytes: Buffer.concat([BOM, gbkXml(fault('soap:Client', 'E101 签名错误'))]) },
    { status: 200, bytes: gbkXml(fault('soap:Client', 'E201 查询过于频繁')) },
    { status: 500, bytes: gbkXml(fault('soap:Server', 'E500 系统繁忙')) },
  ]
  let i = 0
  const dept = await department(t, () => answers[i++]!)
  const http = client(t, dept.baseUrl)
  for (const [code, text] of [['soap:Client', 'E101 签名错误'], ['soap:Client', 'E201 查询过于频繁'], ['soap:Server', 'E500 系统繁忙']]) {
    const err = await errorOf(callSoap(http, jzxx, 'jz:queryJzxxByGxsj', params))
    t.ok(err instanceof SoapFaultError, `${text} is a SoapFaultError`)
    t.ok(err instanceof DepartmentBusinessError, 'unmapped, it is a business error')
    t.match(err, { faultCode: code, faultString: text, code: 'TB_DEPARTMENT_ERROR', message: `Department system civil-affairs answered with business error ${code} ${text}` })
  }
})

t.test('an overloaded service: an empty 500, an HTML page, a 500 without a fault are unavailable', async (t) => {
  const answers = [
    { status: 500, bytes: Buffer.alloc(0) },
    { status: 502, type: 'text/html; charset=GBK', bytes: iconv.encode('<html><body>网关错误</body></html>', 'gbk') },
    { status: 500, bytes: gbkXml(envelope('<jz:queryJzxxByGxsjResponse/>')) },
    { status: 200, type: 'text/html', bytes: Buffer.from('<html><body><p>login</body></html>') },
  ]
  let i = 0
  const dept = await department(t, () => answers[i++]!)
  const http = client(t, dept.baseUrl)
  for (const why of [/HTTP 500$/, /HTTP 502$/, /HTTP 500 answer carries no SOAP fault/, /HTTP 200 answer is not XML/]) {
    const err = await errorOf(callSoap(http, jzxx, 'jz:queryJzxxByGxsj', params))
    t.ok(err instanceof DepartmentUnavailableError)
    t.match((err as Error).message, why)
  }
})

t.test('the answer is read in the charset its Content-Type names, else the service\'s', async (t) => {
  const answers = [
    { type: 'text/xml', bytes: gbkXml(envelope('<r><XM>王䶮</XM></r>')) },
    { type: 'text/xml; charset=UTF-8', bytes: Buffer.from(envelope('<r><XM>王䶮</XM></r>'), 'utf8') },
  ]
  let i = 0
  const dept = await department(t, () => answers[i++]!)
  const http = client(t, dept.baseUrl)
  t.same(await callSoap(http, jzxx, 'jz:q', {}), { r: { XM: '王䶮' } }, 'no charset in Content-Type: GBK as declared')
  t.same(await callSoap(http, jzxx, 'jz:q', {}), { r: { XM: '王䶮' } }, 'UTF-8 as the Content-Type says')
})

t.test('a byte that is not GBK is TB_ENCODING_INVALID naming its offset', async (t) => {
  const good = gbkXml(envelope('<r><XM>王'))
  const dept = await department(t, () => ({ bytes: Buffer.concat([BOM, good, Buffer.from([0xff, 0x41]), iconv.encode('</XM></r>', 'gbk')]) }))
  const err = await errorOf(callSoap(client(t, dept.baseUrl), jzxx, 'jz:q', {}))
  t.ok(err instanceof TongbanError)
  t.match(err, { code: 'TB_ENCODING_INVALID', message: `The bytes are not valid GBK text: bytes ff 41 3c 2f at byte ${3 + good.length}` })
})

t.test('a character GBK cannot hold is refused before anything is sent', async (t) => {
  const dept = await department(t, () => ({ bytes: gbkXml(envelope('')) }))
  const err = await errorOf(callSoap(client(t, dept.baseUrl), jzxx, 'jz:q', { xm: '王😀' }))
  t.match(err, { code: 'TB_ENCODING_UNREPRESENTABLE', message: /"😀" \(U\+1F600\)/ })
  t.equal(dept.seen.length, 0)
})

t.test('envelopes: nested and repeated elements, escaping, another envelope prefix', async (t) => {
  const svc = defineSoapService({ department: 'x', path: '/ws', envelopePrefix: 'soapenv', namespaces: { q: 'urn:q' }, action: 'urn:q#find' })
  t.equal(buildEnvelope(svc, 'q:find', { who: { name: 'A&B <c>', ids: ['1', '2'] } }),
    '<?xml version="1.0" encoding="UTF-8"?>\n<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:q="urn:q"><soapenv:Body><q:find><who><name>A&amp;B &lt;c&gt;</name><ids>1</ids><ids>2</ids></who></q:find></soapenv:Body></soapenv:Envelope>')
  t.throws(() => readSoapAnswer(svc, { status: 200, body: '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><Envelope><Body><a>&e;</a></Body></Envelope>' }),
    { code: 'TB_DEPARTMENT_UNAVAILABLE', message: /answer cannot be read: External entities are not supported/ }, 'no external entities')
  t.throws(() => readSoapAnswer(svc, { status: 200, body: '<Envelope><Body><a>1</b></Body></Envelope>' }), { code: 'TB_DEPARTMENT_UNAVAILABLE', message: /HTTP 200 answer is not XML/ })
  t.same(readSoapAnswer(svc, { status: 200, body: '<Envelope><Body/></Envelope>' }), {}, 'an empty Body')
  t.same(readSoapAnswer(svc, { status: 200, body: '<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body><ns2:findResponse xmlns:ns2="urn:q"><name>A&amp;B</name></ns2:findResponse></S:Body></S:Envelope>' }),
    { findResponse: { name: 'A&B' } }, 'prefixes are the service\'s own business')
})

t.test('JSON departments keep today\'s exchange', async (t) => {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ accept: req.headers.accept, name: '王䶮' }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => { await new Promise((resolve) => server.close(resolve)) })
  const http = client(t, `http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  t.same(await http.json({ path: '/x' }), { accept: 'application/json', name: '王䶮' })
  const res = await http.request({ path: '/x' })
  t.equal(res.charset, 'utf-8')
  t.equal(Buffer.from(res.bytes!).toString('utf8'), res.body)
})
