// signed-params against a department that checks signatures with node:crypto on its own: the
// civil-affairs SOAP scheme (values handed to the adapter's body), query and form placements.
import t from 'tap'
import { createHash, createHmac } from 'node:crypto'
import { createDepartmentClient } from '../../src/department/client.ts'
import { formatTimestamp } from '../../src/department/auth/timestamp.ts'
import type { SignedParamsAuth } from '../../src/adapter-sdk/index.ts'
import { departmentServer } from './auth-server.ts'

const APP_ID = 'T320412120'
const APP_SECRET = 'mz-secret-不可外传'
const credentials = async (): Promise<Record<string, string>> => ({ appId: APP_ID, appSecret: APP_SECRET })
const md5Upper = (s: string): string => createHash('md5').update(s).digest('hex').toUpperCase()
const CIVIL_AFFAIRS: SignedParamsAuth = {
  type: 'signed-params',
  algorithm: 'md5',
  encoding: 'HEX',
  timestamp: 'yyyyMMddHHmmss',
  canonical: ['appId', 'timestamp', 'params', 'secret'],
  names: { appId: 'appId', timestamp: 'timestamp', sign: 'sign' },
  placement: 'body',
}

// The spec's timestamp: YYYYMMDDHHmmss, Beijing time, within 10 minutes of the server's clock.
function parseBeijing (ts: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(ts)
  if (!m) return NaN
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]! - 8, +m[5]!, +m[6]!)
}

t.test('timestamps: yyyyMMddHHmmss in Beijing time, unix seconds and milliseconds', async (t) => {
  const at = new Date('2026-11-20T01:31:05.250Z')
  t.equal(formatTimestamp(at, 'yyyyMMddHHmmss'), '20261120093105', 'the spec example: 09:31:05 in Beijing is 01:31:05 UTC')
  t.equal(formatTimestamp(new Date('2026-12-31T16:00:00Z'), 'yyyyMMddHHmmss'), '20270101000000', 'Beijing is already in the new year')
  t.equal(formatTimestamp(at, 'unix-s'), '1795138265')
  t.equal(formatTimestamp(at, 'unix-ms'), '1795138265250')
})

t.test('civil affairs: the adapter writes appId, timestamp and sign into its own body without seeing the secret', async (t) => {
  // The department reads the three values from the body (SOAP puts them inside the operation
  // element; JSON here, as the client sends it) and checks them with node:crypto.
  const dept = await departmentServer(t, (req) => {
    const b = JSON.parse(req.body.toString('utf8')) as Record<string, string>
    const ok = b.appId === APP_ID && Math.abs(parseBeijing(b.timestamp ?? '') - Date.now()) < 10 * 60_000 &&
      b.sign === md5Upper(`${b.appId}${b.timestamp}${b.sfzh ?? ''}${APP_SECRET}`)
    return ok ? undefined : { status: 400, body: '{"fault":"E101 签名错误"}' }
  })
  const http = createDepartmentClient({ department: 'civil-affairs', baseUrl: `${dept.url}/services`, timeoutMs: 2000, auth: CIVIL_AFFAIRS, credentials })
  t.teardown(http.close)

  const signed = await http.sign()
  t.same(Object.keys(signed), ['appId', 'timestamp', 'sign'])
  t.notOk(Object.values(signed).some((v) => v.includes(APP_SECRET)), 'the secret is not among the values')
  t.match(signed, { appId: APP_ID, timestamp: /^\d{14}$/, sign: /^[0-9A-F]{32}$/ })
  t.equal((await http.request({ path: '/JzxxService', json: { ...signed, pageNo: '1' } })).status, 200, 'queryJzxxByGxsj: sign = MD5(appId + timestamp + appSecret), uppercase hex')
  const bySfzh = await http.sign({ sfzh: '320412198001011234' })
  t.equal((await http.request({ path: '/JzxxService', json: { ...bySfzh, sfzh: '320412198001011234' } })).status, 200, 'queryJzxxBySfzh: the sign covers appId + timestamp + sfzh + appSecret')
  t.equal((await http.request({ path: '/JzxxService', json: { ...bySfzh, sfzh: '320412198001019999' } })).status, 400, 'the department tells a sign over other values')
  t.equal((await http.request({ path: '/JzxxService', json: { pageNo: '1' } })).status, 400, 'placement body: request() adds nothing by itself')
  t.same([...dept.received.at(-1)!.url.searchParams.keys()], [], 'not even to the query')
})

t.test('query placement: SHA-256 over sorted key=value pairs, with a nonce', async (t) => {
  const auth: SignedParamsAuth = {
    type: 'signed-params', algorithm: 'sha256', encoding: 'hex', timestamp: 'unix-ms', params: 'sorted-pairs', separator: '&',
    canonical: ['params', 'appId', 'timestamp', 'nonce', 'secret'],
    names: { appId: 'app_key', timestamp: 'ts', nonce: 'nonce', sign: 'signature' },
    placement: 'query',
  }
  const dept = await departmentServer(t, (req) => {
    const q = req.url.searchParams
    const expected = createHash('sha256').update(`areaCode=${q.get('areaCode')}&pageNo=${q.get('pageNo')}&${q.get('app_key')}&${q.get('ts')}&${q.get('nonce')}&${APP_SECRET}`).digest('hex')
    return q.get('signature') === expected && q.get('app_key') === APP_ID && /^[0-9a-f]{32}$/.test(q.get('nonce') ?? '') ? undefined : { status: 401 }
  })
  const http = createDepartmentClient({ department: 'catalogue', baseUrl: dept.url, timeoutMs: 2000, auth, credentials })
  t.teardown(http.close)
  const res = await http.request({ path: '/api/v1/tasks', query: { pageNo: 2, areaCode: '320412120' }, signed: { pageNo: '2', areaCode: '320412120' } })
  t.equal(res.status, 200, 'the department verifies the signature')
  const q = dept.received[0]!.url.searchParams
  t.equal(q.get('areaCode'), '320412120', 'the adapter\'s own parameters stay')
  t.ok(Math.abs(Number(q.get('ts')) - Date.now()) < 60_000, 'unix milliseconds')
  await http.request({ path: '/api/v1/tasks', signed: {} })
  t.not(dept.received[1]!.url.searchParams.get('nonce'), q.get('nonce'), 'a fresh nonce per request')
})

t.test('form placement: HMAC-SM3 keyed with the secret, appended to the adapter\'s form', async (t) => {
  const auth: SignedParamsAuth = {
    type: 'signed-params', algorithm: 'hmac-sm3', encoding: 'base64', timestamp: 'yyyyMMddHHmmss',
    canonical: ['appId', 'timestamp', 'params'], separator: '|',
    names: { appId: 'appKey', timestamp: 'reqTime', sign: 'sign' },
    placement: 'form',
  }
  const dept = await departmentServer(t, (req) => {
    const f = new URLSearchParams(req.body.toString('utf8'))
    const expected = createHmac('sm3', APP_SECRET).update(`${f.get('appKey')}|${f.get('reqTime')}|${f.get('xm')}`).digest('base64')
    const ok = req.headers['content-type'] === 'application/x-www-form-urlencoded' && f.get('sign') === expected
    return ok ? undefined : { status: 401 }
  })
  const http = createDepartmentClient({ department: 'form-dept', baseUrl: dept.url, timeoutMs: 2000, auth, credentials })
  t.teardown(http.close)
  t.equal((await http.request({ path: '/query', form: { xm: '李䶮' }, signed: { xm: '李䶮' } })).status, 200)
  t.equal(new URLSearchParams(dept.received[0]!.body.toString()).get('xm'), '李䶮', 'the adapter\'s form is kept')
})

t.test('credentials that do not fit the strategy, or none, fail with TB_DEPARTMENT_AUTH and never echo a value', async (t) => {
  const dept = await departmentServer(t, () => undefined)
  const wrong = createDepartmentClient({ department: 'civil-affairs', baseUrl: dept.url, timeoutMs: 2000, auth: CIVIL_AFFAIRS, credentials: async () => ({ clientId: 'x', clientSecret: 'leaked?' }) })
  const none = createDepartmentClient({ department: 'civil-affairs', baseUrl: dept.url, timeoutMs: 2000, auth: CIVIL_AFFAIRS })
  t.teardown(async () => { await wrong.close(); await none.close() })
  const err = await wrong.sign().catch((e: Error) => e)
  t.match(err, { code: 'TB_DEPARTMENT_AUTH', message: /signed-params credentials: appId: / })
  t.notMatch((err as Error).message, /leaked/)
  await t.rejects(none.sign(), { code: 'TB_DEPARTMENT_AUTH', message: /no credentials configured/ })
  t.equal(dept.received.length, 0, 'nothing was sent')
})
