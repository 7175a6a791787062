// The simulated provincial platform as the spec describes it, driven over raw HTTP with requests
// signed here from the spec (not by the platform's signer): the signature, the timestamp window,
// nonce reuse, the rate limit, the nightly window, the catalogue's data and the case endpoints.
import t, { type Test } from 'tap'
import { createHmac, randomBytes } from 'node:crypto'
import { request } from 'undici'
import { startSimulator, type MattersSimulator, type SimulatorOptions } from './simulator.ts'
import { APP_ID, CATALOGUE, JOINT, TOWN, versionsOf } from './data.ts'
import { creditCodeCheckChar, orgCodeCheckChar } from '../../src/adapter-sdk/testkit/check-characters.ts'

const SECRET = 'matters-sim-secret'

async function sim (tt: Test, opts: SimulatorOptions = {}): Promise<MattersSimulator> {
  const s = await startSimulator({ apps: [{ appId: APP_ID, appSecret: SECRET }], rateLimitPerSecond: 0, maintenanceSeconds: 0, ...opts })
  tt.teardown(async () => { await s.close() })
  return s
}

interface Call { method?: 'GET' | 'POST', path: string, query?: Record<string, string>, body?: unknown, secret?: string, timestamp?: number, nonce?: string, appId?: string }
interface Answer { status: number, type: string, text: string, body: any }

/** The spec's signature: lowercase hex HMAC-SM3 of appId, timestamp, nonce, METHOD, path and body joined by "\n". */
function headers (c: Call, body: string): Record<string, string> {
  const appId = c.appId ?? APP_ID
  const timestamp = String(c.timestamp ?? Date.now())
  const nonce = c.nonce ?? randomBytes(12).toString('hex')
  const method = c.method ?? 'GET'
  const sign = createHmac('sm3', c.secret ?? SECRET).update(`${appId}\n${timestamp}\n${nonce}\n${method}\n${c.path}\n${body}`).digest('hex')
  return { 'x-app-id': appId, 'x-timestamp': timestamp, 'x-nonce': nonce, 'x-sign': sign, ...(body ? { 'content-type': 'application/json' } : {}) }
}

async function call (s: MattersSimulator, c: Call): Promise<Answer> {
  const body = c.body === undefined ? '' : JSON.stringify(c.body)
  const qs = c.query ? `?${new URLSearchParams(c.query)}` : ''
  const res = await request(`${s.url}${c.path}${qs}`, { method: c.method ?? 'GET', headers: headers(c, body), body: body || undefined })
  const text = await res.body.text()
  let parsed: unknown
  try { parsed = JSON.parse(text) } catch { parsed = undefined }
  return { status: res.statusCode, type: String(res.headers['content-type']), text, body: parsed }
}

const tasks = (q: Record<string, string> = {}): Call => ({ path: '/api/v1/tasks', query: { areaCode: TOWN, updatedAfter: '19700101080000', pageNo: '1', pageSize: '10', ...q } })

t.test('a signed request is answered; a wrong secret, a changed body or a missing header is 1001', async (tt) => {
  const s = await sim(tt)
  const good = await call(s, tasks())
  tt.equal(good.status, 200)
  tt.equal(good.body.code, '0')
  tt.equal(good.body.data.list.length, 10)
  tt.equal(good.body.data.total, CATALOGUE.length)

  const wrong = await call(s, { ...tasks(), secret: 'another-secret' })
  tt.equal(wrong.status, 200, 'answers always have HTTP 200')
  tt.same([wrong.body.code, wrong.body.msg], ['1001', '签名错误'])
  tt.equal((await call(s, { ...tasks(), appId: 'T999999999' })).body.code, '1001', 'an app the platform does not know')

  const body = JSON.stringify({ projectNo: 'x' })
  const h = headers({ method: 'POST', path: '/api/v1/projects/result' }, body)
  const tampered = await request(`${s.url}/api/v1/projects/result`, { method: 'POST', headers: h, body: JSON.stringify({ projectNo: 'y' }) })
  tt.equal((await tampered.body.json() as { code: string }).code, '1001', 'the body is signed')
  const bare = await request(`${s.url}/api/v1/tasks?areaCode=${TOWN}&updatedAfter=19700101080000&pageNo=1&pageSize=10`)
  tt.match(await bare.body.json(), { code: '1001', msg: /缺少/ })
})

t.test('1002: a timestamp more than 5 minutes off, and a nonce used again within 10 minutes', async (tt) => {
  let clock = Date.UTC(2026, 11, 7, 2, 0, 0)
  const s = await sim(tt, { now: () => clock })
  tt.equal((await call(s, { ...tasks(), timestamp: clock - 299_000 })).body.code, '0', 'within 5 minutes')
  tt.match((await call(s, { ...tasks(), timestamp: clock - 301_000 })).body, { code: '1002', msg: /5分钟/ })
  tt.equal((await call(s, { ...tasks(), timestamp: clock + 301_000 })).body.code, '1002', 'ahead too')

  const nonce = 'a1b2c3d4e5f60718'
  tt.equal((await call(s, { ...tasks(), timestamp: clock, nonce })).body.code, '0')
  clock += 9 * 60_000
  tt.match((await call(s, { ...tasks(), timestamp: clock, nonce })).body, { code: '1002', msg: /nonce/ })
  clock += 2 * 60_000
  tt.equal((await call(s, { ...tasks(), timestamp: clock, nonce })).body.code, '0', 'forgotten after 10 minutes')
  tt.equal((await call(s, { ...tasks(), timestamp: clock, nonce: 'abc' })).body.code, '1002', 'a nonce is 16–32 hex characters')
})

t.test('at most 20 requests per second per app: then 4290', async (tt) => {
  let clock = Date.UTC(2026, 11, 7, 2, 0, 0)
  const s = await sim(tt, { now: () => clock, rateLimitPerSecond: 20 })
  const codes: string[] = []
  for (let i = 0; i < 22; i++) codes.push((await call(s, { ...tasks(), timestamp: clock })).body.code)
  tt.same(codes.slice(0, 20), Array(20).fill('0'))
  tt.same(codes.slice(20), ['4290', '4290'])
  clock += 1000
  tt.equal((await call(s, { ...tasks(), timestamp: clock })).body.code, '0', 'the next second')
})

t.test('the nightly maintenance window: ~30 s at 02:00 Beijing time, HTTP 503 with an HTML page', async (tt) => {
  const at = (h: number, m: number, sec: number): number => Date.UTC(2026, 11, 7, h - 8, m, sec) // Beijing time
  let clock = at(1, 59, 59)
  const s = await sim(tt, { now: () => clock, maintenanceSeconds: 30 })
  tt.equal((await call(s, { ...tasks(), timestamp: clock })).status, 200)
  clock = at(2, 0, 0)
  const night = await call(s, { ...tasks(), timestamp: clock })
  tt.equal(night.status, 503)
  tt.match(night.type, /text\/html/)
  tt.match(night.text, /<title>503 Service Temporarily Unavailable<\/title>/)
  clock = at(2, 0, 29)
  tt.equal((await call(s, { method: 'POST', path: '/api/v1/projects/result', body: {}, timestamp: clock })).status, 503, 'every API call')
  clock = at(2, 0, 30)
  tt.equal((await call(s, { ...tasks(), timestamp: clock })).status, 200, 'over after 30 s')
  tt.equal(s.stats().requests['GET /api/v1/tasks']!.outcomes.maintenance, 1)
})

t.test('the catalogue: paging, areaCode, updatedAfter, validation', async (tt) => {
  const s = await sim(tt)
  const all = (await call(s, tasks({ pageSize: '100' }))).body.data.list as Array<{ updateTime: string, taskHandleItem: string }>
  tt.equal(all.length, CATALOGUE.length)
  tt.ok(all.every((x, i) => i === 0 || all[i - 1]!.updateTime <= x.updateTime), 'newest change last')
  const second = (await call(s, tasks({ pageNo: '2', pageSize: '10' }))).body.data
  tt.same(second.list, all.slice(10, 20))
  tt.same([second.pageNo, second.pageSize], [2, 10])
  const after = (await call(s, tasks({ updatedAfter: '20260105090000', pageSize: '100' }))).body.data.list as Array<{ updateTime: string }>
  tt.ok(after.length > 0 && after.every((x) => x.updateTime > '20260105090000'), 'updatedAfter is exclusive')
  tt.match((await call(s, tasks({ areaCode: '320412121' }))).body, { code: '1003' })
  const bad = (await call(s, tasks({ pageSize: '101', updatedAfter: '2026-01-01', areaCode: '3204' }))).body
  tt.equal(bad.code, '2001')
  tt.same(bad.errors.map((e: { field: string }) => e.field), ['areaCode', 'updatedAfter', 'pageSize'])
})

t.test('the data: codes with their check characters, realistic matters, the quirks', async (tt) => {
  const matters = new Map(CATALOGUE.map((i) => [i.taskHandleItem, i]))
  tt.ok(matters.size >= 30, `${matters.size} matters`)
  for (const i of matters.values()) {
    const code = i.deptCode
    const valid = /^[0-9A-HJ-NPQRTUWXY]{18}$/.test(code) && orgCodeCheckChar(code.slice(8, 16)) === code[16] && creditCodeCheckChar(code.slice(0, 17)) === code[17]
    if (!valid || i.catalogCode.length !== 12 || i.taskCode !== `${code}${i.taskCode[18]}${i.catalogCode}` || i.taskHandleItem.length !== 33) tt.fail(`${i.taskName}: codes`)
  }
  const names = [...matters.values()].map((i) => i.taskName)
  for (const name of ['城乡居民养老保险参保登记', '临时救助申请', '独生子女父母奖励', '个体工商户设立登记', '农村村民住宅用地审批', '残疾人两项补贴申请', '高龄津贴申领', '城乡居民基本医疗保险参保登记', '生育登记', '再生育审批', '犬只登记']) {
    tt.ok(names.includes(name), name)
  }
  tt.ok(CATALOGUE.some((i) => i.anticipateType === '2') && CATALOGUE.some((i) => i.anticipateType === '1'), 'working and calendar days')
  tt.ok(CATALOGUE.filter((i) => i.isFee === '1').length >= 2, 'fees for some')
  tt.ok(CATALOGUE.some((i) => i.materials.some((m) => m.sourceType === '2' && m.materialName === '居民身份证')), '免提交 materials')
  tt.ok(CATALOGUE.filter((i) => i.updateTime === '20260105090000').length >= 30, 'the first list loaded in one second')
  const withdrawn = CATALOGUE.filter((i) => i.taskState === '2')
  tt.same(withdrawn.map((i) => [i.taskName, i.planCancelDate]), [['再生育审批', '2026-03-31']])
  tt.same(versionsOf(withdrawn[0]!.taskHandleItem).map((i) => i.taskVersion), [1, 2])
  const dup = CATALOGUE.filter((i, n) => CATALOGUE.some((j, m) => m !== n && j.taskHandleItem === i.taskHandleItem && j.taskVersion === i.taskVersion))
  tt.same(dup.map((i) => [i.taskName, i.taskVersion, i.updateTime]), [['高龄津贴申领', 2, '20260901090000'], ['高龄津贴申领', 2, '20260901093000']])
  tt.ok(CATALOGUE.some((i) => i.planEffectiveDate > '2026-12-31'), 'one only in force from a future date')
  tt.ok([...JOINT].every((h) => matters.has(h)) && JOINT.size >= 5)
  tt.ok(CATALOGUE.every((i) => i.forms.every((f) => f.fields.every((x) => ['text', 'date', 'idNumber', 'creditCode', 'phone', 'division', 'select', 'number'].includes(x.type)))), 'form field types of the spec')
})

t.test('the case endpoints: field errors, repeats and conflicts, over raw HTTP', async (tt) => {
  const s = await sim(tt)
  const item = versionsOf(CATALOGUE.find((i) => i.taskName === '生育登记')!.taskHandleItem)[0]!
  const projectNo = `${item.taskCode}202612070007`
  const body = {
    projectNo, taskHandleItem: item.taskHandleItem, taskVersion: 1, applyType: '1',
    applicant: { name: '周丽', certType: '111', certNo: '320412199203150027' },
    applyTime: '20261207090000', acceptTime: '20261207090500', acceptDocNo: '湟里受〔2026〕7号', promiseDate: '2026-12-07',
    orgCode: item.deptCode, orgName: item.deptName, handleUserName: '王芳',
    formData: { name: '周丽', idNumber: '320412199203150027', gender: '女', birthDate: '1992-03-15', phone: '13812345678', address: '湟里镇村前村5号', division: '320412120203', spouseName: '陈伟', spouseIdNumber: '320412199001010035', childOrder: '二孩' },
    materials: [{ materialName: '居民身份证', provided: '3' }],
  }
  const accept = async (b: unknown): Promise<any> => (await call(s, { method: 'POST', path: '/api/v1/projects/accept', body: b })).body
  tt.match(await accept(body), { code: '0', data: { received: true } })
  tt.match(await accept({ ...body, formData: { ...body.formData } }), { code: '0' }, 'the same content again')
  tt.match(await accept({ ...body, handleUserName: '李强' }), { code: '2002' })
  const numbers = await accept({ ...body, projectNo: `${item.taskCode}202612070008`, formData: { ...body.formData, childOrder: 2 }, applicant: { certType: '999' } })
  tt.equal(numbers.code, '2001')
  tt.same(numbers.errors.map((e: { field: string }) => e.field), ['applicant.name', 'applicant.certType', 'applicant.certNo'], 'the body first')
  const form = await accept({ ...body, projectNo: `${item.taskCode}202612070008`, formData: { ...body.formData, childOrder: 2, phone: '' } })
  tt.same(form.errors, [{ field: 'formData.childOrder', message: '值必须为字符串，收到 number' }, { field: 'formData.phone', message: '联系电话必填' }])
  tt.match(await accept({ ...body, projectNo: `${CATALOGUE[0]!.taskCode.replace(/.$/, 'X')}202612070009` }), { code: '2001', errors: [{ field: 'projectNo' }] })
  const notJson = await request(`${s.url}/api/v1/projects/result`, { method: 'POST', headers: headers({ method: 'POST', path: '/api/v1/projects/result' }, 'nope'), body: 'nope' })
  tt.match(await notJson.body.json(), { code: '2001', errors: [{ field: '(body)' }] })
  tt.same(Object.keys(s.project(projectNo)!.reports), ['accept'])
  const control = await request(`${s.url}/_sim/projects/${projectNo}`)
  tt.match(await control.body.json(), { projectNo, reports: { accept: { acceptDocNo: '湟里受〔2026〕7号' } } })
  tt.equal(s.events().length, 0, 'a town matter: no department events')
})
