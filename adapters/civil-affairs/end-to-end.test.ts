// Civil affairs end to end through a whole gateway (PGlite, Redis, the pull workers): the
// simulator's cases are pulled into the store, the household register places two of the people in
// the town, window staff read their social-assistance facet with a purpose, and look one person up
// at the department as their own operator account through POST /api/v1/adapters/…/operations/….
import { createHash } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { loadConfig } from '../../src/config/load.ts'
import { startGateway } from '../../src/runtime/gateway.ts'
import { startSimulator } from './simulator.ts'
import { caseAt, entryOf, ownPerson, type Person } from './data.ts'
import { BOOTSTRAP_TOKEN, callApi, captureLogger, eventually, freshRedis, operatorAuth, postSignedWebhook, tempDir, type Json } from '../../test/helpers.ts'

const TOWN = '320412120000'
const APP = { appId: 'T320412120', appSecret: 'jzxx-e2e-secret-0123456789' }
const OPERATOR = { username: 'wj_czy07', password: 'Czy-E2e-2026', county: '320412' }
const HOUSEHOLD_SECRET = 'whsec_Y2l2aWwtYWZmYWlycy1lMmUtaG91c2Vob2xkLXNlY3JldA=='
// Two residents of 湟里镇: 刘䶮 with one case (slot 0), 王芳 with two (cases 18 and 19).
const LIU: Person = { idNumber: '320412195001011233', name: '刘䶮', division: '320412120201' }
const WANG: Person = { idNumber: '32041219800101004X', name: '王芳', division: '320412120203' }
const people = (slot: number): Person | undefined => (slot === 0 ? LIU : slot === 18 ? WANG : undefined)
const PURPOSE = encodeURIComponent('低保资格复核')

t.test('civil affairs through the gateway', async (t) => {
  const sim = await startSimulator({ cases: 60, people, apps: [APP], operators: [OPERATOR], bomRate: 0.3 })
  t.teardown(sim.close)
  const dir = await tempDir(t)
  const file = join(dir, 'tongban.yaml')
  await writeFile(file, `towns: [{ code: "${TOWN}", name: 武进区湟里镇 }]
adapters:
  - { id: household-registration, adapter: household-registration, webhook: { secrets: ["${HOUSEHOLD_SECRET}"] } }
  - id: civil-affairs
    adapter: civil-affairs
    baseUrl: ${sim.url}
    credentials: { appId: ${APP.appId}, appSecret: ${APP.appSecret} }
    every: 1h
    rateLimit: { max: 1, duration: 1s }
    retries: { attempts: 5, backoff: 200ms }
`)
  const { logger, lines } = captureLogger()
  const gateway = await startGateway({
    port: 0, host: '127.0.0.1', dataDir: join(dir, 'data'), configPath: file, redisUrl: await freshRedis(t, 30), databaseUrl: undefined, adminToken: BOOTSTRAP_TOKEN,
  }, { config: await loadConfig(file, {}), logger })
  t.teardown(gateway.stop)
  const base = gateway.url
  const bootstrap = { authorization: `Bearer ${BOOTSTRAP_TOKEN}` }
  const county = await operatorAuth(base)
  const window = await operatorAuth(base, { roles: ['window-staff'], town: TOWN })
  const security = await operatorAuth(base, { roles: ['security-admin'], town: TOWN })
  const auditor = await operatorAuth(base, { roles: ['auditor'], town: TOWN })
  const get = async (path: string, headers: Record<string, string>) => await callApi(base, 'GET', `/api/v1${path}`, { headers })

  // The pull runs at start: every case's person arrives, 15-digit numbers upgraded, 䶮 intact.
  await eventually(async () => (await get(`/persons/${WANG.idNumber}`, county)).status === 200, 60_000)
  const liu = await eventually(async () => { const r = await get(`/persons/${LIU.idNumber}`, county); return r.status === 200 ? r.body : undefined })
  t.equal(liu.name, '刘䶮', 'a GBK-extension character through SOAP, GBK and the store')
  const own = ownPerson(1, 2)
  t.equal((await get(`/persons/${own.idNumber}`, county)).body.name, own.name, "the register's own people too")

  // The household register places 刘䶮 and 王芳 in 湟里镇, so window staff see them.
  const resident = (p: Person, gender: string): Record<string, string> => ({
    GMSFHM: p.idNumber, XM: p.name, XB: gender, MZ: '01', CSRQ: p.idNumber.slice(6, 14), HJDZ_XZQHDM: '320412', HJDZ_XZJDDM: '320412120', HJDZ_QHNXXDZ: '湟里镇村前村1号', LXDH: '',
  })
  const pushed = await postSignedWebhook(base, 'household-registration', { msgId: 'HR20261120090000000001', eventType: 'QR', occurTime: '2026-11-20 09:00:00', records: [resident(LIU, '1'), resident(WANG, '2')] } as { msgId: string }, HOUSEHOLD_SECRET)
  t.equal(pushed.status, 202)
  const wang = await eventually(async () => { const r = await get(`/persons/${WANG.idNumber}`, window); return r.status === 200 && r.body.divisionCode === TOWN.slice(0, 9) + '000' ? r.body : undefined })
  t.equal(wang.name, WANG.name)
  t.match(wang.facets, [{ name: 'social-assistance', title: { zh: '社会救助', en: 'Social assistance' }, sensitivity: 'sensitive', entries: null, access: 'purpose' }], 'the person lists the sensitive facet, its count told only with a purpose')

  t.match(await get(`/persons/${WANG.idNumber}/facets/social-assistance`, window), { status: 400, body: { code: 'TB_PURPOSE_REQUIRED' } })
  const read = await get(`/persons/${WANG.idNumber}/facets/social-assistance?purpose=${PURPOSE}`, window)
  t.equal(read.status, 200)
  const expected = [18, 19].map((i) => Object.fromEntries(Object.entries(entryOf(caseAt(1, i, people))).filter(([, v]) => v !== undefined)))
  t.same(read.body.items.map((i: Json) => i.data).sort((a: Json, b: Json) => a.category.localeCompare(b.category)), expected.sort((a, b) => String(a.category).localeCompare(String(b.category))), 'both entries, amounts in fen, months as YYYY-MM')
  t.match(read.body.items[0].source, { adapter: 'civil-affairs' })
  t.match(await get(`/persons/${WANG.idNumber}/facets/social-assistance?purpose=${PURPOSE}`, auditor), { status: 403 }, 'an auditor may not read assistance amounts')

  // The look-up: a window clerk signed in, mapped to their civil-affairs operator account.
  t.equal((await callApi(base, 'POST', '/api/v1/staff', { headers: bootstrap, body: { username: 'wang.li', name: '王丽', town: TOWN, roles: ['window-staff'], password: 'Window-Staff-2026' } })).status, 201)
  const login = await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'wang.li', password: 'Window-Staff-2026' }) })
  const session = { cookie: login.headers.getSetCookie().find((c) => c.startsWith('tb_session='))!.split(';')[0]!, 'x-csrf-token': ((await login.json()) as Json).csrfToken as string }
  const lookup = async (sfzh: string) => await callApi(base, 'POST', '/api/v1/adapters/civil-affairs/operations/queryJzxxBySfzh', { headers: session, body: { sfzh } })

  const listed = await get('/adapters/civil-affairs/operations', county)
  t.match(listed.body.items, [{ name: 'queryJzxxBySfzh', actAs: 'staff', permission: 'records:read', idempotent: true, input: { properties: { sfzh: { type: 'string' } }, required: ['sfzh'] } }], 'listed with its input as JSON Schema')
  t.match(await lookup(WANG.idNumber), { status: 409, body: { code: 'TB_STAFF_ACCOUNT_MISSING' } }, 'no mapped account: no call')
  t.equal((await callApi(base, 'PUT', '/api/v1/staff/wang.li/accounts/civil-affairs', { headers: security, body: { username: OPERATOR.username, password: 'wrong-password' } })).status, 204)
  t.match(await lookup(WANG.idNumber), { status: 403, body: { code: 'TB_DEPARTMENT_ACCOUNT_REJECTED', message: /E301/ } }, 'E301: the mapping needs correcting')
  t.equal((await callApi(base, 'PUT', '/api/v1/staff/wang.li/accounts/civil-affairs', { headers: security, body: { username: OPERATOR.username, password: OPERATOR.password } })).status, 204)

  const found = await lookup(WANG.idNumber)
  t.equal(found.status, 200)
  t.equal(found.body.replayed, false)
  t.same(found.body.output.records.map((r: Json) => [r.idNumber, r.name, r.category]).sort(), [18, 19].map((i) => [WANG.idNumber, WANG.name, entryOf(caseAt(1, i, people)).category]).sort())
  t.equal((await lookup(WANG.idNumber.toLowerCase())).body.replayed, true, 'the same person again: one call, answered from the first')
  t.match(await lookup('320412195001011230'), { status: 400, body: { code: 'TB_OPERATION_INPUT_INVALID' } }, 'not an ID number: refused before any call')
  const outside = (() => { for (let i = 1; i < 60; i++) { const row = caseAt(1, i, people); if (!row.XZQH.startsWith('320412')) return row } })()!
  t.match(await lookup(outside.SFZH), { status: 403, body: { code: 'TB_DEPARTMENT_FORBIDDEN', message: /E302/ } }, "E302: outside the operator's county")
  t.same(sim.stats().byOperation.queryJzxxBySfzh, 3, 'the department was asked three times: wrong password, found, outside')

  const audit = await get('/audit?action=operation.call&limit=50', auditor)
  t.ok((audit.body.items as Json[]).some((i) => i.actor === 'wang.li' && i.outcome === 'ok' && i.subjectKind === 'person' && i.details.operation === 'queryJzxxBySfzh'), 'each look-up is audited, its subject the person')
  t.notOk(lines.some((l) => l.includes(OPERATOR.password)), 'the operator password is in no log line')
})
