// The civil-affairs scheme end to end: the platform signs, the adapter puts appId, timestamp and
// sign inside the SOAP operation element, the envelope goes out in GBK, and the department decodes
// it and checks sign = uppercase hex MD5 of appId + timestamp [+ sfzh] + appSecret on its own.
import t from 'tap'
import { createHash } from 'node:crypto'
import iconv from 'iconv-lite'
import { createDepartmentClient } from '../../src/department/client.ts'
import { SoapFaultError, callSoap, defineSoapService, type SignedParamsAuth } from '../../src/adapter-sdk/index.ts'
import { departmentServer } from './auth-server.ts'

const APP_SECRET = 'jzxx-app-secret-0001'
const AUTH: SignedParamsAuth = {
  type: 'signed-params', algorithm: 'md5', encoding: 'HEX', timestamp: 'yyyyMMddHHmmss',
  canonical: ['appId', 'timestamp', 'params', 'secret'],
  names: { appId: 'appId', timestamp: 'timestamp', sign: 'sign' },
  placement: 'body',
}
const jzxx = defineSoapService({ department: 'civil-affairs', path: '/services/JzxxService', charset: 'gbk', namespaces: { jz: 'http://mz.gov.cn/jzxx' }, lists: ['record'] })
const text = (xml: string, name: string): string => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1] ?? ''
const envelope = (body: string): string => `<?xml version="1.0" encoding="GBK"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>${body}</soap:Body></soap:Envelope>`

t.test('queryJzxxBySfzh: signed values inside the operation element, in GBK', async (t) => {
  const dept = await departmentServer(t, (req) => {
    const xml = iconv.decode(req.body, 'gbk')
    const [appId, timestamp, sfzh] = [text(xml, 'appId'), text(xml, 'timestamp'), text(xml, 'sfzh')]
    const order = ['appId', 'timestamp', 'sign', 'czyh', 'sfzh'].map((e) => xml.indexOf(`<${e}>`))
    const signed = text(xml, 'sign') === createHash('md5').update(appId + timestamp + sfzh + APP_SECRET).digest('hex').toUpperCase()
    const answer = signed && order.every((at, i) => at > 0 && (i === 0 || at > order[i - 1]!))
      ? `<jz:queryJzxxBySfzhResponse xmlns:jz="http://mz.gov.cn/jzxx"><result><records><record><SFZH>${sfzh}</SFZH><XM>${text(xml, 'czyh')}</XM></record></records></result></jz:queryJzxxBySfzhResponse>`
      : '<soap:Fault><faultcode>soap:Client</faultcode><faultstring>E101 签名错误</faultstring></soap:Fault>'
    return { status: signed ? 200 : 500, type: 'text/xml; charset=GBK', body: iconv.encode(envelope(answer), 'gbk') }
  })
  const http = createDepartmentClient({ department: 'civil-affairs', baseUrl: dept.url, timeoutMs: 2000, auth: AUTH, credentials: async () => ({ appId: 'T320412120', appSecret: APP_SECRET }) })
  t.teardown(http.close)
  const sfzh = '320412198001011234'
  const answer = await callSoap(http, jzxx, 'jz:queryJzxxBySfzh', { ...await http.sign({ sfzh }), czyh: '王䶮', sfzh })
  t.same(answer, { queryJzxxBySfzhResponse: { result: { records: { record: [{ SFZH: sfzh, XM: '王䶮' }] } } } }, 'the department accepted the signature; GBK both ways')
  const stale = await http.sign({ sfzh: '320412198001019999' })
  const err = await callSoap(http, jzxx, 'jz:queryJzxxBySfzh', { ...stale, czyh: '王䶮', sfzh }).catch((e: Error) => e)
  t.ok(err instanceof SoapFaultError, 'a sign over another ID number is refused: E101')
})
