// The matters-exchange adapter against its simulator through the platform's own department client
// (HMAC-SM3 headers): the catalogue paged to the end and every field mapped onto Matter, the
// business codes as the platform's errors, every case report, the case events, and the
// conformance kit.
import t, { type Test } from 'tap'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import adapter, {
  accept, areaCode, catalogue, cursorAfter, evaluation, initialCursor, notAccept, operations, parseProjectEvent, processStep, result,
  supplement, supplementDone, toMatter, type Cursor,
} from './adapter.ts'
import { startSimulator, type MattersSimulator, type SimulatorOptions } from './simulator.ts'
import { APP_ID, CATALOGUE, JOINT, TOWN, TOWN_GOVERNMENT, matterNamed, versionsOf } from './data.ts'
import { createDepartmentClient, type DepartmentClient } from '../../src/department/client.ts'
import {
  DepartmentAuthError, DepartmentConflictError, DepartmentFieldsRefusedError, DepartmentForbiddenError, DepartmentRateLimitedError,
  DepartmentUnavailableError, producesRecords, type AdapterDefinition, type DepartmentHttp,
} from '../../src/adapter-sdk/index.ts'
import { Matter } from '../../src/model/matter.ts'
import { isTongbanError } from '../../src/errors.ts'
import { signSm3 } from '../../src/crypto/webhook-signature.ts'
import { loadSubject } from '../../src/conformance/subject.ts'
import { runChecks } from '../../src/conformance/runner.ts'
import type { CheckResult, Report } from '../../src/conformance/result.ts'
import { fromRoot } from '../../src/paths.ts'

const APP = { appId: APP_ID, appSecret: 'matters-test-secret' }
const TOWN12 = `${TOWN}000`
const signal = new AbortController().signal

async function sim (tt: Test, opts: SimulatorOptions = {}): Promise<MattersSimulator> {
  const s = await startSimulator({ apps: [APP], rateLimitPerSecond: 0, maintenanceSeconds: 0, eventStepMs: 0, ...opts })
  tt.teardown(async () => { await s.close() })
  return s
}

function client (tt: Test, s: MattersSimulator, credentials = APP): DepartmentClient {
  const http = createDepartmentClient({ department: adapter.id, baseUrl: s.url, timeoutMs: 3000, auth: adapter.auth, credentials: async () => credentials })
  tt.teardown(http.close)
  return http
}

const errorOf = async (p: Promise<unknown>): Promise<unknown> => await p.then(() => undefined, (err: unknown) => err)

async function readAll (http: DepartmentHttp, pageSize: number, cursor: Cursor = initialCursor()): Promise<{ matters: Array<Record<string, unknown>>, pages: number, cursor: Cursor }> {
  const matters: Array<Record<string, unknown>> = []
  for (let pages = 1; pages < 200; pages++) {
    const page = await catalogue.fetchPage({ http, town: TOWN12, cursor, pageSize, signal })
    matters.push(...page.matters as Array<Record<string, unknown>>)
    cursor = page.cursor
    if (page.done) return { matters, pages, cursor }
  }
  throw new Error('no end after 200 pages')
}

t.test('the adapter produces no records: a catalogue and operations, no record intake', async (tt) => {
  const definition: AdapterDefinition = adapter
  tt.equal(definition.produces, undefined)
  tt.notOk(producesRecords(definition))
  tt.equal(definition.fields, undefined)
  tt.equal(definition.receive, undefined, 'case events are not record webhooks')
  tt.same(Object.keys(adapter.operations), ['accept', 'notAccept', 'supplement', 'supplementDone', 'process', 'result', 'evaluation'])
  tt.ok(Object.values(operations).every((op) => op.actAs === 'service'))
  tt.equal(areaCode(TOWN12), TOWN)
  tt.throws(() => areaCode('3204'), /no 9- or 12-digit/)
})

t.test('the catalogue: paged to the end, nothing skipped or repeated, every version mapped onto Matter', async (tt) => {
  const s = await sim(tt)
  const http = client(tt, s)
  // 7 per page: the 33 first versions share one updateTime, so pages end inside that second
  const { matters, pages, cursor } = await readAll(http, 7)
  tt.equal(matters.length, CATALOGUE.length, `${CATALOGUE.length} items in ${pages} pages`)
  tt.ok(pages >= 6)
  tt.same(matters.map((m) => `${String(m.taskHandleItem)}/${String(m.version)}/${String(m.updatedAt)}`),
    CATALOGUE.map((i) => `${i.taskHandleItem}/${i.taskVersion}/${new Date(Date.UTC(+i.updateTime.slice(0, 4), +i.updateTime.slice(4, 6) - 1, +i.updateTime.slice(6, 8), +i.updateTime.slice(8, 10) - 8, +i.updateTime.slice(10, 12), +i.updateTime.slice(12, 14))).toISOString()}`),
    'every item once, in the order served')
  const refused = matters.map((m) => Matter.safeParse(m)).filter((r) => !r.success)
  tt.equal(refused.length, 0, 'every item is a valid Matter')
  tt.same(cursor, { updateTime: CATALOGUE[CATALOGUE.length - 1]!.updateTime, taken: 1 })

  const again = await catalogue.fetchPage({ http, town: TOWN12, cursor, pageSize: 100, signal })
  tt.same(again.matters, [], 'caught up: the next run starts where this one ended')
  tt.ok(again.done)
  tt.same(again.cursor, cursor)

  const big = await readAll(http, 100)
  tt.equal(big.pages, 1)
  tt.equal(big.matters.length, CATALOGUE.length)
  const capped = await catalogue.fetchPage({ http, town: TOWN12, cursor: initialCursor(), pageSize: 500, signal })
  tt.equal(capped.matters.length, CATALOGUE.length, 'a page size over 100 is asked as 100, which the platform accepts')
})

t.test('the cursor: equal update times are counted, so a second of many versions is neither skipped nor repeated', async (tt) => {
  const at = '20260105090000'
  const item = (updateTime: string): Record<string, unknown> => ({ updateTime })
  tt.same(cursorAfter(initialCursor(), [item(at), item(at), item(at)]), { updateTime: at, taken: 3 })
  tt.same(cursorAfter({ updateTime: at, taken: 3 }, [item(at), item('20260105090001')]), { updateTime: '20260105090001', taken: 1 })
  tt.same(cursorAfter({ updateTime: at, taken: 3 }, []), { updateTime: at, taken: 3 })
  tt.ok(catalogue.cursor.safeParse(initialCursor()).success)
  tt.notOk(catalogue.cursor.safeParse({ updateTime: '2026', taken: 0 }).success)
})

t.test('every field of an item maps as the spec says', async (tt) => {
  const item = matterNamed('城乡居民基本医疗保险参保登记')
  const m = Matter.parse(toMatter(item))
  tt.equal(m.taskHandleItem, item.taskHandleItem)
  tt.equal(m.taskCode, item.taskCode)
  tt.equal(m.catalogCode, item.catalogCode)
  tt.equal(m.taskCode.slice(0, 18), item.deptCode, 'taskCode starts with the implementing body\'s credit code')
  tt.equal(m.taskHandleItem.slice(0, 31), m.taskCode)
  tt.equal(m.name, '城乡居民基本医疗保险参保登记')
  tt.equal(m.type, 'public-service')
  tt.equal(m.version, 1)
  tt.equal(m.state, 'in-force')
  tt.equal(m.effectiveFrom, '2021-01-01')
  tt.equal(m.effectiveUntil, undefined)
  tt.same(m.department, { name: '常州市武进区医疗保障局', creditCode: item.deptCode })
  tt.equal(m.entrusted, true)
  tt.match(m.legalBasis, /社会保险法/)
  tt.same(m.legalLimit, { amount: 5, unit: 'working-days' })
  tt.same(m.promisedLimit, { amount: 0, unit: 'working-days' })
  tt.equal(m.projectType, 'immediate')
  tt.equal(m.visits, 0)
  tt.equal(m.fees.length, 1)
  tt.match(m.fees[0]!, { name: '城乡居民基本医疗保险个人缴费', standard: /400元/, legalBasis: /筹资/ })
  tt.match(m.acceptConditions, /职工基本医疗保险/)
  tt.same(m.materials[0], { name: '居民身份证', form: 'original', need: 'required', source: 'sharing', pages: 1, explain: '通过公安人口信息共享核验，免提交' })
  tt.equal(m.materials[2]!.source, 'applicant')
  const fields = m.forms[0]!.fields
  tt.same(fields.map((f) => `${f.name}:${f.type}`).slice(0, 7), ['name:text', 'idNumber:idNumber', 'gender:select', 'birthDate:date', 'phone:phone', 'address:text', 'division:division'])
  tt.same(fields.find((f) => f.name === 'gender'), { name: 'gender', label: '性别', type: 'select', required: true, options: ['男', '女'] })
  tt.match(m.place, /湟里镇为民服务中心/)
  tt.match(m.hours, /周一至周五/)
  tt.match(m.contact, /0519/)
  tt.match(m.supervision, /12345/)
  tt.equal(m.updatedAt, '2026-01-05T01:00:00.000Z', 'updateTime 20260105090000 Beijing')

  const calendarDays = Matter.parse(toMatter(matterNamed('残疾人两项补贴申请')))
  tt.same(calendarDays.legalLimit, { amount: 30, unit: 'calendar-days' })
  tt.same(calendarDays.promisedLimit, { amount: 15, unit: 'working-days' })
  tt.equal(calendarDays.type, 'benefit')
  tt.equal(calendarDays.projectType, 'promised')
  const licence = Matter.parse(toMatter(versionsOf(matterNamed('农村村民住宅用地审批').taskHandleItem)[0]!))
  tt.equal(licence.type, 'licensing')
  tt.equal(licence.entrusted, false, 'the town\'s own matter')
  tt.equal(licence.visits, 2)
  tt.equal(licence.materials.find((x) => x.name === '住宅设计图')?.need, 'as-the-case-may-be')
  tt.equal(Matter.parse(toMatter(matterNamed('就业困难人员认定'))).type, 'confirmation')
  tt.equal(Matter.parse(toMatter(matterNamed('犬只登记'))).type, 'other-power')
  tt.equal(Matter.parse(toMatter(matterNamed('老年人优待证办理'))).materials[1]!.form, 'electronic')
  tt.equal(Matter.parse(toMatter(matterNamed('独生子女父母奖励'))).materials[3]!.form, 'original')
  tt.equal(Matter.parse(toMatter(matterNamed('残疾人证新办'))).materials[3]!.form, 'original')
  tt.equal(Matter.parse(toMatter(matterNamed('医疗救助申请'))).materials[2]!.form, 'copy')

  const odd = Matter.safeParse(toMatter({ ...item, taskType: '99', anticipateType: '7', updateTime: 'yesterday' }))
  tt.notOk(odd.success, 'an unknown code or a bad time is passed on for the model to refuse by name')
  tt.same(odd.error!.issues.map((i) => i.path.join('.')).sort(), ['legalLimit.unit', 'type', 'updatedAt'])
})

t.test('versions, the withdrawn matter, the future one and the duplicate taskVersion', async (tt) => {
  const s = await sim(tt)
  const { matters } = await readAll(client(tt, s), 100)
  const of = (name: string): Matter[] => matters.filter((m) => m.name === name).map((m) => Matter.parse(m))

  const business = of('个体工商户设立登记')
  tt.same(business.map((m) => [m.version, m.effectiveFrom, m.projectType, m.promisedLimit.amount]), [[1, '2022-03-01', 'promised', 1], [2, '2026-07-01', 'promised', 1], [3, '2026-10-15', 'immediate', 0]])
  tt.same(of('临时救助申请').map((m) => [m.version, m.promisedLimit.amount]), [[1, 7], [2, 5]])

  const withdrawn = of('再生育审批')
  tt.same(withdrawn.map((m) => [m.version, m.state, m.effectiveUntil]), [[1, 'in-force', undefined], [2, 'withdrawn', '2026-03-31']])

  const future = of('困难老年人居家养老服务补贴申领')
  tt.same(future.map((m) => [m.version, m.state, m.effectiveFrom]), [[1, 'in-force', '2027-01-01']])

  // both copies of version 2 go out; the platform keeps the one with the later updatedAt
  const twice = of('高龄津贴申领').filter((m) => m.version === 2)
  tt.equal(twice.length, 2)
  tt.ok(twice[0]!.updatedAt < twice[1]!.updatedAt)
  tt.same(twice.map((m) => m.promisedLimit.amount), [10, 7])
  tt.ok(matters.length >= 38 && new Set(matters.map((m) => m.taskHandleItem)).size >= 30, 'at least 30 matters')
  tt.ok(JOINT.size >= 5, 'several 联办 matters')
})

t.test('business codes and the gateway become the errors the platform acts on', async (tt) => {
  const s = await sim(tt)
  const http = client(tt, s)
  const fetchFirst = async (h: DepartmentHttp = http): Promise<unknown> => await errorOf(catalogue.fetchPage({ http: h, town: TOWN12, cursor: initialCursor(), pageSize: 10, signal }))

  const wrong = client(tt, s, { ...APP, appSecret: 'not-the-secret' })
  const badSign = await fetchFirst(wrong)
  tt.type(badSign, DepartmentAuthError, 'a wrong secret: 1001')
  tt.match((badSign as Error).message, /signature refused \(1001 签名错误\).*appId and appSecret/)

  const cases: Array<[string, Function, RegExp]> = [
    ['1002', DepartmentAuthError, /timestamp or nonce refused.*clock/],
    ['1003', DepartmentForbiddenError, /not allowed this matter/],
    ['4290', DepartmentRateLimitedError, /slow down/],
    ['5000', DepartmentUnavailableError, /busy/],
    ['html503', DepartmentUnavailableError, /unavailable/],
    ['html502', DepartmentUnavailableError, /unavailable/],
  ]
  for (const [fault, type, message] of cases) {
    s.failNext(fault)
    const err = await fetchFirst()
    tt.type(err, type, `fault ${fault}`)
    tt.match((err as Error).message, message)
  }
  s.failNext('2001')
  const refused = await fetchFirst()
  tt.type(refused, DepartmentFieldsRefusedError)
  tt.equal(isTongbanError(refused) && refused.statusCode, 422)
  tt.notOk(await fetchFirst(), 'and then it answers again')
})

t.test('the nightly maintenance window: HTTP 503 with an HTML page is the platform being unavailable', async (tt) => {
  // 02:00:10 Beijing time on the simulator's clock
  const s = await sim(tt, { maintenanceSeconds: 30, now: () => Date.UTC(2026, 11, 7, 18, 0, 10) })
  const err = await errorOf(catalogue.fetchPage({ http: client(tt, s), town: TOWN12, cursor: initialCursor(), pageSize: 10, signal }))
  tt.type(err, DepartmentUnavailableError)
  tt.equal(s.stats().requests['GET /api/v1/tasks']!.outcomes.maintenance, 1)
})

const PROJECT = accept.examples![0]!
const projectNo = (n: number): string => `${PROJECT.projectNo.slice(0, 39)}${String(n).padStart(4, '0')}`

t.test('every case report against the simulator; a repeat is idempotent, a different repeat is 2002', async (tt) => {
  const s = await sim(tt)
  const http = client(tt, s)
  for (const [name, op] of Object.entries(operations)) {
    for (const example of op.examples ?? []) {
      const input = op.input.parse(example)
      tt.same(await op.run({ http, input: input as never, signal }), { received: true }, `${name}`)
      tt.same(await op.run({ http, input: input as never, signal }), { received: true }, `${name} again: the same content answers 0 again`)
      tt.type(op.idempotencyKey?.(input as never), 'string')
    }
  }
  const held = s.project(PROJECT.projectNo)!
  tt.same(Object.keys(held.reports).sort(), ['accept', 'evaluation:2:20261209150000', 'process:01:20261208100000', 'result', 'supplement-done:20261208100000', 'supplement:20261207093000'])
  tt.equal(held.reports.accept!.acceptTime, '20261207093000', 'instants go out as YYYYMMDDHHmmss, Beijing time')
  tt.same(held.reports.accept!.formData, PROJECT.formData)

  const changed = await errorOf(accept.run({ http, input: accept.input.parse({ ...PROJECT, acceptDocNo: '湟里受〔2026〕99号' }), signal }))
  tt.type(changed, DepartmentConflictError)
  tt.match((changed as Error).message, new RegExp(`already holds case ${PROJECT.projectNo} with different content`))
  tt.equal(isTongbanError(changed) && changed.statusCode, 409)
  const otherResult = await errorOf(result.run({ http, input: result.input.parse({ ...result.examples![0]!, resultType: '2' }), signal }))
  tt.type(otherResult, DepartmentConflictError, 'a second, different result of one case')

  tt.equal(accept.idempotencyKey!(accept.input.parse(PROJECT)), `${PROJECT.projectNo}:accept`)
  tt.not(processStep.idempotencyKey!(processStep.input.parse({ ...processStep.examples![0]!, eventName: '02' })), processStep.idempotencyKey!(processStep.input.parse(processStep.examples![0]!)), 'each step its own key')
  tt.not(evaluation.idempotencyKey!(evaluation.input.parse({ ...evaluation.examples![0]!, evalStage: '1' })), evaluation.idempotencyKey!(evaluation.input.parse(evaluation.examples![0]!)))
  tt.not(evaluation.idempotencyKey!(evaluation.input.parse({ ...evaluation.examples![0]!, evalTime: '2026-12-20T10:00:00+08:00' })), evaluation.idempotencyKey!(evaluation.input.parse(evaluation.examples![0]!)), 'a re-rating after 整改 is its own report')
  tt.equal(supplement.idempotencyKey!(supplement.input.parse(supplement.examples![0]!)), supplement.idempotencyKey!(supplement.input.parse({ ...supplement.examples![0]!, noticeTime: '2026-12-07T01:30:00Z' })), 'one instant, however written')
  tt.ok(supplementDone.idempotencyKey && notAccept.idempotencyKey)
  tt.same(accept.subject!(accept.input.parse(PROJECT)), { kind: 'person', key: '320412199501178919' })
})

t.test('2001: the platform\'s field errors surface on the error, by field', async (tt) => {
  const s = await sim(tt)
  const http = client(tt, s)
  const missing = { ...PROJECT, projectNo: projectNo(11), formData: { ...PROJECT.formData, idNumber: '' } }
  const err = await errorOf(accept.run({ http, input: accept.input.parse(missing), signal }))
  tt.type(err, DepartmentFieldsRefusedError)
  const fields = (err as DepartmentFieldsRefusedError).fields
  tt.same(fields, [{ field: 'formData.idNumber', message: '公民身份号码必填' }])
  tt.same((err as DepartmentFieldsRefusedError).details, { fields })
  tt.match((err as Error).message, /refused field\(s\) of the request: formData.idNumber: 公民身份号码必填/)

  const unknownVersion = await errorOf(accept.run({ http, input: accept.input.parse({ ...PROJECT, projectNo: projectNo(12), taskVersion: 9 }), signal }))
  tt.same((unknownVersion as DepartmentFieldsRefusedError).fields.map((f) => f.field), ['taskVersion'])

  // what a caller outside the schema would send: numbers in formData, refused by the platform too
  const raw = await errorOf(http.json({ method: 'POST', path: '/api/v1/projects/accept', json: { ...PROJECT, projectNo: projectNo(13), applyTime: '20261207093000', acceptTime: '20261207093000', formData: { ...PROJECT.formData, amount: 3000, urgent: true } } }).then((a) => { throw new DepartmentFieldsRefusedError('x', (a as { errors: never }).errors) }))
  tt.same((raw as DepartmentFieldsRefusedError).fields, [{ field: 'formData.amount', message: '值必须为字符串，收到 number' }, { field: 'formData.urgent', message: '值必须为字符串，收到 boolean' }])
  tt.notOk(accept.input.safeParse({ ...PROJECT, formData: { amount: 3000 } }).success, 'the operation refuses them before sending')
  tt.equal(s.project(projectNo(11)), undefined, 'nothing refused is kept')
})

interface Delivery { headers: IncomingMessage['headers'], body: string }

async function receiver (tt: Test): Promise<{ url: string, deliveries: Delivery[] }> {
  const deliveries: Delivery[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => { deliveries.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') }); res.writeHead(204).end() })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  tt.teardown(async () => { server.closeAllConnections(); await new Promise<void>((resolve) => server.close(() => { resolve() })) })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/matters-exchange`, deliveries }
}

const SECRET = 'whsec_dG9uZ2Jhbi1tYXR0ZXJzLWV4Y2hhbmdlLXRlc3Q='
const JOINT_ITEM = CATALOGUE.find((i) => i.taskName === '最低生活保障申请' && i.taskVersion === 2)!
const jointAccept = (n: number): typeof PROJECT => ({
  ...PROJECT,
  projectNo: `${JOINT_ITEM.taskCode}20261207${String(n).padStart(4, '0')}`,
  taskHandleItem: JOINT_ITEM.taskHandleItem,
  taskVersion: 2,
  formData: { name: '邓建军', idNumber: '320412199501178919', phone: '13961288765', address: '湟里镇东安村12号', division: '320412120201', householdSize: '3', monthlyIncome: '1800' },
})

t.test('联办: after an accept the department sends its steps and result, signed v1sm3, parsed by parseProjectEvent', async (tt) => {
  const r = await receiver(tt)
  const s = await sim(tt, { webhook: { url: r.url, secret: SECRET }, resultFirstRate: 0, returnedRate: 0 })
  const http = client(tt, s)
  await accept.run({ http, input: accept.input.parse(jointAccept(1)), signal })
  await accept.run({ http, input: accept.input.parse(jointAccept(1)), signal })
  await accept.run({ http, input: accept.input.parse(PROJECT), signal })
  await s.settled()
  tt.equal(r.deliveries.length, 4, 'one case decided once: three steps and a result; none for a town matter or a repeat')
  const events = r.deliveries.map((d) => {
    const id = String(d.headers['webhook-id'])
    const ts = Number(d.headers['webhook-timestamp'])
    const sig = String(d.headers['webhook-signature'])
    tt.match(sig, /^v1sm3,/)
    tt.equal(sig, signSm3(SECRET, id, ts, Buffer.from(d.body)), 'HMAC-SM3 over id.timestamp.body')
    const e = parseProjectEvent(Buffer.from(d.body))
    tt.equal(e.eventId, id)
    return e
  })
  tt.same(events.map((e) => e.type), ['project.process', 'project.process', 'project.process', 'project.result'])
  tt.same(events.slice(0, 3).map((e) => e.type === 'project.process' && e.data.eventName), ['01', '02', '03'])
  tt.ok(events.every((e) => e.projectNo === jointAccept(1).projectNo))
  tt.match(events[3], { type: 'project.result', data: { resultType: '1', delivery: '3' } })
  tt.match(events[0]!.time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/, 'times as ISO instants')
})

t.test('the quirks of case events: the result before the last step, and a case sent back', async (tt) => {
  const r = await receiver(tt)
  const s = await sim(tt, { webhook: { url: r.url, secret: SECRET }, resultFirstRate: 1, returnedRate: 0 })
  await accept.run({ http: client(tt, s), input: accept.input.parse(jointAccept(2)), signal })
  await s.settled()
  tt.same(r.deliveries.map((d) => { const e = parseProjectEvent(d.body); return e.type === 'project.process' ? e.data.eventName : e.type }), ['01', '02', 'project.result', '03'])

  const r2 = await receiver(tt)
  const s2 = await sim(tt, { webhook: { url: r2.url, secret: SECRET }, returnedRate: 1 })
  await accept.run({ http: client(tt, s2), input: accept.input.parse(jointAccept(3)), signal })
  await s2.settled()
  const returned = r2.deliveries.map((d) => parseProjectEvent(d.body))
  tt.same(returned.map((e) => e.type), ['project.process', 'project.returned'])
  tt.match(returned[1], { data: { reason: /材料不全|不属本部门/ } })

  // about 1 in 200 by default: seeded, so a run is repeatable
  const r3 = await receiver(tt)
  const s3 = await sim(tt, { webhook: { url: r3.url, secret: SECRET }, returnedRate: 0 })
  const http = client(tt, s3)
  for (let n = 10; n < 60; n++) await accept.run({ http, input: accept.input.parse(jointAccept(n)), signal })
  await s3.settled()
  tt.equal(s3.events().filter((e) => e.type === 'project.result').length, 50)
})

t.test('parseProjectEvent: valid events of each type, and what it refuses', async (tt) => {
  const base = { eventId: 'evt_1', projectNo: PROJECT.projectNo, time: '20261208100000' }
  tt.same(parseProjectEvent({ ...base, type: 'project.process', data: { processName: '审核', eventName: '02', startTime: '20261208090000', endTime: '20261208100000', handleUserName: '李明', handleExplain: '审核通过' } }), {
    ...base,
    time: '2026-12-08T02:00:00.000Z',
    type: 'project.process',
    data: { processName: '审核', eventName: '02', startTime: '2026-12-08T01:00:00.000Z', endTime: '2026-12-08T02:00:00.000Z', handleUserName: '李明', handleExplain: '审核通过' },
  })
  tt.match(parseProjectEvent(JSON.stringify({ ...base, type: 'project.result', data: { resultDate: '2026-12-09', resultType: '2', resultExplain: '不符合条件', delivery: '1' } })), { type: 'project.result', data: { resultType: '2' } })
  tt.match(parseProjectEvent({ ...base, type: 'project.returned', data: { reason: '不属本部门' } }), { type: 'project.returned', data: { reason: '不属本部门' } })
  tt.match(parseProjectEvent({ ...base, type: 'project.process', data: { processName: '特别程序', eventName: '04', startTime: '20261208090000', handleUserName: '李明', handleExplain: '', special: { specialType: '专家评审', reason: '需现场踏勘', byLaw: '《中华人民共和国行政许可法》第四十五条' } } }), { data: { special: { specialType: '专家评审' } } })

  const refused: Array<[unknown, RegExp]> = [
    ['not json', /not JSON/],
    [{ ...base, type: 'project.deleted', data: {} }, /type/],
    [{ ...base, type: 'project.result', data: { resultDate: '2026-12-09', resultType: '9', resultExplain: '', delivery: '1' } }, /data.resultType/],
    [{ ...base, time: '2026-12-08', type: 'project.returned', data: { reason: 'x' } }, /time: a time YYYYMMDDHHmmss/],
    [{ ...base, projectNo: 'short', type: 'project.returned', data: { reason: 'x' } }, /projectNo/],
    [{ ...base, type: 'project.process', data: { processName: '审核', eventName: '7', startTime: '20261208090000', handleUserName: '李明', handleExplain: '' } }, /data.eventName/],
    [null, /\(body\)/],
  ]
  for (const [body, message] of refused) {
    const err = (() => { try { parseProjectEvent(body); return undefined } catch (e) { return e } })()
    tt.ok(isTongbanError(err) && err.code === 'TB_WEBHOOK_BODY_INVALID', `refused: ${JSON.stringify(body).slice(0, 60)}`)
    tt.match((err as Error).message, message)
  }
})

t.test('the examples are the demo town\'s matter and government', async (tt) => {
  const item = CATALOGUE.find((i) => i.taskHandleItem === PROJECT.taskHandleItem && i.taskVersion === PROJECT.taskVersion)
  tt.ok(item, 'the accept example names a catalogue version')
  tt.equal(item!.taskName, '临时救助申请')
  tt.notOk(JOINT.has(item!.taskHandleItem), 'a town matter: the conformance run sends no events')
  tt.equal(PROJECT.orgCode, TOWN_GOVERNMENT.creditCode)
  tt.ok(PROJECT.projectNo.startsWith(item!.taskCode))
})

t.test('tongban adapter check passes against the simulator', async (tt) => {
  const named = (report: Report, name: string): CheckResult | undefined => report.checks.find((c) => c.name === name)
  const demo = await runChecks(await loadSubject('matters-exchange'), { againstSimulator: true, seed: 1, configFile: fromRoot('config', 'demo.yaml') })
  tt.same(demo.checks.filter((c) => c.outcome === 'fail'), [], 'no check fails with the demo configuration')
  tt.ok(demo.ok)
  tt.match(named(demo, 'operations answer against the simulator'), { outcome: 'pass', summary: /7 call\(s\)/ })
  tt.match(named(demo, 'business codes map to the right errors'), { outcome: 'pass', summary: /1001, 1002, 4290, 5000/ }, 'faults asked of the catalogue of the demo town')
  tt.match(named(demo, 'field targets exist'), { outcome: 'skip' })
})
