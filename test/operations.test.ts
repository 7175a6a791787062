// Adapter operations end to end: a test adapter declares two operations against a small real
// department (the SDK's simulator kit) that checks every signature and the staff member's account
// itself and counts its calls; a whole gateway on PGlite and Redis calls them through
// POST /api/v1/adapters/:instance/operations/:name as tokens and as a signed-in staff member.
import t from 'tap'
import { createHash } from 'node:crypto'
import { z } from 'zod'
import { DepartmentAuthError, DepartmentUnavailableError, defineAdapter, defineOperation, type AdapterDefinition, type SignedParamsAuth } from '../src/adapter-sdk/index.ts'
import { startSimServer, SimHttpError, type SimRequest } from '../src/adapter-sdk/testkit/index.ts'
import { checkOperations } from '../src/department/operation-checks.ts'
import { Config } from '../src/config/schema.ts'
import { startGateway } from '../src/runtime/gateway.ts'
import { BOOTSTRAP_TOKEN, callApi, captureLogger, freshRedis, operatorAuth, tempDir, type Json } from './helpers.ts'

const APP_ID = 'T320412120'
const APP_SECRET = 'ops-test-secret-0123456789'
const OPERATOR = { username: 'czy0412', password: 'Op-Pass-2026' }
const PERSON = '320412198801010029'
const ENTERPRISE = '91320412MA1MXXXX0A'
const md5 = (s: string): string => createHash('md5').update(s).digest('hex').toUpperCase()

const auth: SignedParamsAuth = {
  type: 'signed-params',
  algorithm: 'md5',
  encoding: 'HEX',
  timestamp: 'yyyyMMddHHmmss',
  canonical: ['appId', 'timestamp', 'params', 'secret'],
  names: { appId: 'appId', timestamp: 'timestamp', sign: 'sign' },
  placement: 'body',
}

const Assistance = z.object({ sfzh: z.string(), jzlb: z.string(), jzje: z.string() })

const testAdapter = defineAdapter({
  id: 'ops-test',
  department: { name: '测试部门', level: 'city' },
  produces: 'person',
  fields: {},
  instance: z.looseObject({}),
  auth,
  // Never run here (the gateway runs no workers): an adapter must receive or pull.
  pull: {
    register: { cursor: z.null(), initialCursor: () => null, everyMs: 3_600_000, pageSize: 10, fetchPage: async () => ({ records: [], cursor: null, done: true }) },
  },
  operations: {
    lookupEnterprise: defineOperation({
      title: { zh: '查询市场主体', en: 'Look up an enterprise' },
      input: z.object({ creditCode: z.string().regex(/^[0-9A-Z]{18}$/, 'an 18-character credit code') }),
      output: z.object({ name: z.string(), status: z.string() }),
      actAs: 'service',
      permission: 'records:read',
      idempotencyKey: (input) => input.creditCode,
      subject: (input) => ({ kind: 'enterprise', key: input.creditCode }),
      async run ({ http, input }) {
        const signed = await http.sign!({ creditCode: input.creditCode })
        return await http.json({ method: 'POST', path: '/enterprise', json: { ...signed, creditCode: input.creditCode } })
      },
    }),
    queryAssistance: defineOperation({
      title: { zh: '按身份证号查询救助信息', en: "Look up one person's assistance" },
      input: z.object({ sfzh: z.string().regex(/^\d{17}[\dX]$/, 'an 18-character ID number') }),
      output: z.array(Assistance),
      actAs: { staff: { names: { username: 'czyh', password: 'czymm' }, passwordDigest: { algorithm: 'md5', encoding: 'HEX' }, placement: 'body' } },
      permission: 'records:read',
      subject: (input) => ({ kind: 'person', key: input.sfzh }),
      async run ({ http, input }) {
        const res = await http.request({ method: 'POST', path: '/assistance', json: { ...await http.sign!({ sfzh: input.sfzh }), sfzh: input.sfzh } })
        if (res.status === 401) throw new DepartmentAuthError('ops-test', 'signature refused')
        return JSON.parse(res.body)
      },
    }),
  },
})

/** The department: checks the sign over appId + timestamp + value + secret, and the operator's account. */
function department () {
  const state = { failNext: 0, delayMs: 0, answerBadly: false, refuseSign: false, lastBody: {} as Record<string, unknown> }
  const verify = (req: SimRequest, field: string): Record<string, unknown> => {
    const body = req.json()
    state.lastBody = body
    if (state.refuseSign) return body
    if (body.appId !== APP_ID || body.sign !== md5(`${APP_ID}${String(body.timestamp)}${String(body[field])}${APP_SECRET}`)) throw new SimHttpError(401, 'E101 签名错误')
    return body
  }
  const fail = (): boolean => {
    if (state.failNext === 0) return false
    state.failNext -= 1
    return true
  }
  const routes = {
    'POST /enterprise': async (req: SimRequest) => {
      const body = verify(req, 'creditCode')
      if (fail()) return { status: 503, body: 'busy', outcome: 'failed' }
      if (state.delayMs) await new Promise((resolve) => setTimeout(resolve, state.delayMs))
      return { json: { name: `企业 ${String(body.creditCode)}`, status: '存续' } }
    },
    'POST /assistance': async (req: SimRequest) => {
      const body = verify(req, 'sfzh')
      if (state.refuseSign) return { status: 401, json: { error: 'E101 签名错误' } }
      if (fail()) return { status: 503, body: 'busy', outcome: 'failed' }
      if (body.czyh !== OPERATOR.username || body.czymm !== md5(OPERATOR.password)) return { status: 403, json: { error: 'E301 操作员账号或密码错误' }, outcome: 'operator-refused' }
      if (state.answerBadly) return { json: [{ sfzh: body.sfzh, jzlb: 1 }] }
      return { json: [{ sfzh: body.sfzh, jzlb: '01', jzje: '765.00' }], outcome: 'operator-ok' }
    },
  }
  return { state, routes }
}

t.test('operations check at load', async (t) => {
  const withOperation = (patch: Record<string, unknown>, adapterAuth: AdapterDefinition['auth'] = auth): AdapterDefinition =>
    ({ ...testAdapter, auth: adapterAuth, operations: { op: { ...testAdapter.operations.queryAssistance, ...patch } } }) as AdapterDefinition
  t.doesNotThrow(() => { checkOperations(testAdapter) }, 'the test adapter is sound')
  t.throws(() => { checkOperations(withOperation({ permission: 'records:write' })) }, /operation op: its permission "records:write" is none of the platform's/)
  t.throws(() => { checkOperations(withOperation({}, { type: 'oauth2-client-credentials', tokenPath: '/token' })) }, /needs signed-params auth with placement body/)
  t.throws(() => { checkOperations(withOperation({}, { type: 'basic' })) }, /basic auth, which would send the service account too/)
  t.throws(() => { checkOperations(withOperation({ actAs: { staff: { names: { username: 'appId', password: 'pw' }, passwordDigest: 'plain', placement: 'body' } } })) }, /collide/)
  t.doesNotThrow(() => { checkOperations(withOperation({ actAs: { staff: { names: { username: 'user', password: 'pw' }, passwordDigest: 'plain', placement: 'query' } } }, { type: 'oauth2-client-credentials', tokenPath: '/token' })) }, 'a query placement goes with any strategy but basic')
})

t.test('operations through the API', async (t) => {
  const dept = department()
  const sim = await startSimServer({ routes: dept.routes })
  t.teardown(sim.close)
  const instance = (id: string, breaker: Record<string, number>) => ({
    id, adapter: 'ops-test', baseUrl: sim.url, credentials: { appId: APP_ID, appSecret: APP_SECRET }, timeout: 2000, retries: { backoff: 20 }, breaker,
  })
  const config = {
    ...Config.parse({
      towns: [{ code: '320412120000', name: '武进区湟里镇' }],
      // dept-b's breaker opens after two failures in a row; dept's stays out of the way.
      adapters: [instance('dept', { volumeThreshold: 1000 }), instance('dept-b', { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeout: 60_000 })],
    }),
    loadedAdapters: new Map([['ops-test', { definition: testAdapter as AdapterDefinition, source: { kind: 'path' as const, file: '(test)' } }]]),
  }
  const { logger, lines } = captureLogger()
  const gateway = await startGateway({
    port: 0, host: '127.0.0.1', dataDir: await tempDir(t), configPath: '(test)', redisUrl: await freshRedis(t, 21), databaseUrl: undefined, adminToken: BOOTSTRAP_TOKEN,
  }, { config, logger, workers: false })
  t.teardown(gateway.stop)
  const base = gateway.url
  const bootstrap = { authorization: `Bearer ${BOOTSTRAP_TOKEN}` }
  const countyAdmin = await operatorAuth(base)
  const windowToken = await operatorAuth(base, { roles: ['window-staff'], town: '320412120000' })
  const auditor = await operatorAuth(base, { roles: ['auditor'], town: '320412120000' })
  const security = await operatorAuth(base, { roles: ['security-admin'], town: '320412120000' })
  const call = async (path: string, body: unknown, headers: Record<string, string>) => await callApi(base, 'POST', `/api/v1/adapters/${path}`, { headers, body })
  const calls = (route: string): number => sim.calls(route).calls

  // A window clerk, signed in (a session), as operations acting as staff need.
  t.equal((await callApi(base, 'POST', '/api/v1/staff', { headers: bootstrap, body: { username: 'li.na', name: '李娜', town: '320412120000', roles: ['window-staff'], password: 'Window-Staff-2026' } })).status, 201)
  const login = await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'li.na', password: 'Window-Staff-2026' }) })
  const session = { cookie: login.headers.getSetCookie().find((c) => c.startsWith('tb_session='))!.split(';')[0]!, 'x-csrf-token': ((await login.json()) as Json).csrfToken as string }

  t.test('the listing gives each operation with its schemas', async (t) => {
    const res = await callApi(base, 'GET', '/api/v1/adapters/dept/operations', { headers: countyAdmin })
    t.equal(res.status, 200)
    const byName = Object.fromEntries((res.body.items as Json[]).map((o) => [o.name, o]))
    t.match(byName.lookupEnterprise, { actAs: 'service', permission: 'records:read', idempotent: true, input: { type: 'object', properties: { creditCode: { type: 'string' } }, required: ['creditCode'] } })
    t.match(byName.queryAssistance, { actAs: 'staff', idempotent: false, output: { type: 'array' } })
    t.same((await callApi(base, 'GET', '/api/v1/adapters/nowhere/operations', { headers: countyAdmin })).body.code, 'TB_ADAPTER_NOT_FOUND')
    t.same((await callApi(base, 'GET', '/api/v1/adapters/dept/operations', { headers: auditor })).status, 403, 'the listing needs operations:read')
  })

  t.test('unknown operations and instances are 404 with a code', async (t) => {
    for (const path of ['dept/operations/dropTables', 'nowhere/operations/lookupEnterprise', 'dept/operations/toString']) {
      const res = await call(path, { creditCode: ENTERPRISE }, countyAdmin)
      t.same([res.status, res.body.code], [404, 'TB_OPERATION_NOT_FOUND'], path)
    }
  })

  t.test('the permission the operation declares is checked', async (t) => {
    const before = calls('POST /enterprise')
    for (const who of [auditor, security, bootstrap]) {
      const res = await call('dept/operations/lookupEnterprise', { creditCode: ENTERPRISE }, who)
      t.same([res.status, res.body.code], [403, 'TB_FORBIDDEN'])
      t.match(res.body.message, /records:read/)
    }
    t.equal(calls('POST /enterprise'), before, 'the department was not asked')
  })

  t.test('input that does not fit the declared schema is 400, naming the field', async (t) => {
    for (const body of [{ creditCode: 'short' }, {}, 'text', null]) {
      const res = await call('dept/operations/lookupEnterprise', body, countyAdmin)
      t.same([res.status, res.body.code], [400, 'TB_OPERATION_INPUT_INVALID'], JSON.stringify(body))
    }
    t.match((await call('dept/operations/lookupEnterprise', { creditCode: 'short' }, countyAdmin)).body.message, /lookupEnterprise is invalid: creditCode: an 18-character credit code/)
  })

  t.test('an idempotent call is answered from its first result, per caller', async (t) => {
    const before = calls('POST /enterprise')
    const first = await call('dept/operations/lookupEnterprise', { creditCode: ENTERPRISE }, countyAdmin)
    t.same([first.status, first.body], [200, { output: { name: `企业 ${ENTERPRISE}`, status: '存续' }, replayed: false }])
    const again = await call('dept/operations/lookupEnterprise', { creditCode: ENTERPRISE }, countyAdmin)
    t.same(again.body, { output: first.body.output, replayed: true })
    t.equal(calls('POST /enterprise'), before + 1, 'the department was asked once')
    t.same((await call('dept/operations/lookupEnterprise', { creditCode: ENTERPRISE }, windowToken)).body.replayed, false, "another caller's key is its own")
    t.equal(calls('POST /enterprise'), before + 2)
  })

  t.test('concurrent duplicates call the department once', async (t) => {
    const before = calls('POST /enterprise')
    dept.state.delayMs = 300
    const key = { creditCode: '91320412MA1MYYYY0B' }
    const answers = await Promise.all([1, 2, 3].map(async () => await call('dept/operations/lookupEnterprise', key, countyAdmin)))
    dept.state.delayMs = 0
    t.same(answers.map((a) => a.status), [200, 200, 200])
    t.same(answers.map((a) => a.body.replayed).sort(), [false, true, true], 'one called, two waited for it')
    t.equal(calls('POST /enterprise'), before + 1)
  })

  t.test('an idempotent call is retried when the department is unavailable', async (t) => {
    const before = calls('POST /enterprise')
    dept.state.failNext = 2
    const res = await call('dept/operations/lookupEnterprise', { creditCode: '91320412MA1MZZZZ0C' }, countyAdmin)
    t.same([res.status, res.body.replayed], [200, false])
    t.equal(calls('POST /enterprise'), before + 3, 'two 503s, then the answer')
    dept.state.failNext = 3
    const down = await call('dept/operations/lookupEnterprise', { creditCode: '91320412MA1MWWWW0D' }, countyAdmin)
    t.same([down.status, down.body.code], [503, 'TB_DEPARTMENT_UNAVAILABLE'], 'three tries at most')
    t.equal(calls('POST /enterprise'), before + 6)
    const later = await call('dept/operations/lookupEnterprise', { creditCode: '91320412MA1MWWWW0D' }, countyAdmin)
    t.same([later.status, later.body.replayed], [200, false], 'a failed call is not kept: the same key is tried again')
  })

  t.test('a staff operation refuses tokens, and staff without a mapped account', async (t) => {
    const before = calls('POST /assistance')
    const token = await call('dept/operations/queryAssistance', { sfzh: PERSON }, windowToken)
    t.same([token.status, token.body.code], [403, 'TB_OPERATION_NEEDS_STAFF'])
    const unmapped = await call('dept/operations/queryAssistance', { sfzh: PERSON }, session)
    t.same([unmapped.status, unmapped.body.code], [409, 'TB_STAFF_ACCOUNT_MISSING'])
    t.match(unmapped.body.message, /map your account there in the vault \(PUT \/api\/v1\/staff\/li\.na\/accounts\/dept\)/)
    t.equal(calls('POST /assistance'), before, 'no service account stood in')
  })

  t.test("a staff operation carries the staff member's own account, digested as declared", async (t) => {
    t.equal((await callApi(base, 'PUT', '/api/v1/staff/li.na/accounts/dept', { headers: security, body: OPERATOR })).status, 204)
    const res = await call('dept/operations/queryAssistance', { sfzh: PERSON }, session)
    t.same([res.status, res.body], [200, { output: [{ sfzh: PERSON, jzlb: '01', jzje: '765.00' }], replayed: false }])
    t.equal(sim.calls('POST /assistance').outcomes['operator-ok'], 1, 'the department accepted czyh and the MD5 of the password')
    t.match(dept.state.lastBody, { appId: APP_ID, czyh: OPERATOR.username, czymm: md5(OPERATOR.password), sfzh: PERSON })
    t.notOk(JSON.stringify(dept.state.lastBody).includes(OPERATOR.password), 'the plain password never left')
  })

  t.test('a call that is not idempotent is not retried', async (t) => {
    const before = calls('POST /assistance')
    dept.state.failNext = 1
    const res = await call('dept/operations/queryAssistance', { sfzh: PERSON }, session)
    t.same([res.status, res.body.code], [503, 'TB_DEPARTMENT_UNAVAILABLE'])
    t.equal(calls('POST /assistance'), before + 1, 'asked once')
  })

  t.test("a department answer that does not fit the declared output is 502, and refused credentials 502", async (t) => {
    dept.state.answerBadly = true
    const bad = await call('dept/operations/queryAssistance', { sfzh: PERSON }, session)
    dept.state.answerBadly = false
    t.same([bad.status, bad.body.code], [502, 'TB_OPERATION_OUTPUT_INVALID'])
    t.match(bad.body.message, /0\.jzlb/)
    dept.state.refuseSign = true
    const refused = await call('dept/operations/queryAssistance', { sfzh: PERSON }, session)
    dept.state.refuseSign = false
    t.same([refused.status, refused.body.code], [502, 'TB_DEPARTMENT_AUTH'])
  })

  t.test('an open breaker answers 503 without asking the department', async (t) => {
    dept.state.failNext = 1000
    const statuses: string[] = []
    for (let i = 0; i < 4; i++) statuses.push((await call('dept-b/operations/lookupEnterprise', { creditCode: `91320412MA1MBRK${i}0E` }, countyAdmin)).body.code)
    const before = calls('POST /enterprise')
    const open = await call('dept-b/operations/lookupEnterprise', { creditCode: '91320412MA1MBRKX0E' }, countyAdmin)
    dept.state.failNext = 0
    t.same([open.status, open.body.code], [503, 'TB_BREAKER_OPEN'], `after ${statuses.join(', ')}`)
    t.equal(calls('POST /enterprise'), before, 'the department was spared')
    const other = await call('dept/operations/lookupEnterprise', { creditCode: '91320412MA1MOTHR0F' }, countyAdmin)
    t.equal(other.status, 200, "another instance's breaker is its own")
  })

  t.test('every call is audited with its instance, operation, subject and outcome', async (t) => {
    const res = await callApi(base, 'GET', '/api/v1/audit?action=operation.call&limit=200', { headers: auditor })
    t.equal(res.status, 200)
    const items = res.body.items as Json[]
    const staffOk = items.find((i) => i.actor === 'li.na' && i.outcome === 'ok')
    t.match(staffOk, { action: 'operation.call', subjectKind: 'person', subject: '320412********0029', details: { instance: 'dept', operation: 'queryAssistance', status: 200 } })
    t.match(items.find((i) => i.details.replayed === true && i.subject === ENTERPRISE), { subjectKind: 'enterprise', details: { instance: 'dept', operation: 'lookupEnterprise', status: 200 } }, 'a replay, marked as one')
    t.ok(items.some((i) => i.outcome === 'denied' && i.details.status === 403 && i.details.operation === 'lookupEnterprise'), 'refusals too')
    t.ok(items.some((i) => i.outcome === 'failed' && i.details.status === 503), 'and failures')
    t.ok(items.some((i) => i.subjectKind === 'adapter' && i.subject === 'nowhere'), 'an unknown instance is recorded as named')
    const vaultUse = await callApi(base, 'GET', '/api/v1/audit?action=vault.use&limit=50', { headers: auditor })
    t.ok((vaultUse.body.items as Json[]).some((i) => i.actor === 'li.na' && i.subject === 'dept'), "opening the staff member's account is audited as theirs")
  })

  t.test('calls are counted in /metrics by instance, operation and outcome', async (t) => {
    const text = await (await fetch(`${base}/metrics`)).text()
    const count = (operation: string, outcome: string): number => Number(new RegExp(`^tongban_operation_calls_total\\{adapter="dept",operation="${operation}",outcome="${outcome}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0)
    t.ok(count('lookupEnterprise', 'ok') >= 1, 'answered by the department')
    t.ok(count('lookupEnterprise', 'replayed') >= 1, 'answered from the kept result')
    t.ok(count('lookupEnterprise', 'refused') >= 1, 'refused before the department was asked (invalid input)')
    t.ok(count('lookupEnterprise', 'failed') + count('queryAssistance', 'failed') >= 1, 'failed at the department')
  })

  t.test('the log masks ID numbers and never holds the operator password', async (t) => {
    t.ok(lines.some((l) => l.includes('operation call failed')), 'failures are logged')
    t.notOk(lines.some((l) => l.includes(PERSON)), 'no ID number')
    t.notOk(lines.some((l) => l.includes(OPERATOR.password) || l.includes(md5(OPERATOR.password))), 'no operator password, plain or digested')
  })
})
