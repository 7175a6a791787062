// The hotline-12345 adapter: parseOrderEvent on every event type and what it refuses, and the five
// answers against the real simulator over HTTP through the platform's department client (the
// json-token bearer): the token, the bodies on the wire, E_STATE, E_DEADLINE, E_AUTH and a new
// token, E_LIMIT; then the conformance kit.
import t, { type Test } from 'tap'
import adapter, { EXAMPLE_ORDERS, extend, operations, parseOrderEvent, progress, reply, returnOrder, sign } from './adapter.ts'
import { startSimulator, type HotlineSimulator, type SimulatorOptions } from './simulator.ts'
import { createDepartmentClient, type DepartmentClient } from '../../src/department/client.ts'
import {
  DepartmentAuthError, DepartmentBusinessError, DepartmentRateLimitedError, DepartmentStateError, producesRecords, type AdapterDefinition,
} from '../../src/adapter-sdk/index.ts'
import { isTongbanError } from '../../src/errors.ts'
import { loadSubject } from '../../src/conformance/subject.ts'
import { runChecks } from '../../src/conformance/runner.ts'
import type { CheckResult, Report } from '../../src/conformance/result.ts'
import { fromRoot } from '../../src/paths.ts'

const CLIENT = { clientId: 'hotline-town-test', clientSecret: 'hotline-test-secret' }
const signal = new AbortController().signal
const DAY_MS = 86_400_000

async function sim (tt: Test, opts: SimulatorOptions = {}): Promise<HotlineSimulator> {
  const s = await startSimulator({ clients: [CLIENT], ...opts })
  tt.teardown(async () => { await s.close() })
  return s
}

function client (tt: Test, s: HotlineSimulator, credentials = CLIENT): DepartmentClient {
  const http = createDepartmentClient({ department: adapter.id, baseUrl: s.url, timeoutMs: 3000, auth: adapter.auth, credentials: async () => credentials })
  tt.teardown(http.close)
  return http
}

const errorOf = async (p: Promise<unknown>): Promise<unknown> => await p.then(() => undefined, (err: unknown) => err)
const at = (offsetMin = 0): string => new Date(Date.now() + offsetMin * 60_000).toISOString()

t.test('the adapter: work orders by webhook and five answers, no records', async (tt) => {
  const definition: AdapterDefinition = adapter
  tt.notOk(producesRecords(definition))
  tt.equal(definition.receive, undefined, 'work orders are not record webhooks')
  tt.same(definition.orderEvents?.receive, { signature: 'standard-webhooks', body: { format: 'json' }, maxBodyBytes: 65_536 })
  tt.same(Object.keys(adapter.operations), ['sign', 'return', 'extend', 'progress', 'reply'])
  tt.ok(Object.values(operations).every((op) => op.actAs === 'service' && op.idempotencyKey !== undefined))
  tt.match(adapter.auth, { type: 'json-token', tokenPath: '/api/token' })
  const key = sign.idempotencyKey!
  tt.equal(key(sign.input.parse({ orderNo: 'GD2026112000123', signer: '王芳', time: '2026-12-07T09:30:00+08:00' })),
    key(sign.input.parse({ orderNo: 'GD2026112000123', signer: '王芳', time: '2026-12-07T01:30:00Z' })), 'one instant, one key, whatever its offset')
  tt.notOk(extend.input.safeParse({ orderNo: 'GD2026112000123', reason: '需协调', days: 11, time: at() }).success, 'an extension of 1 to 10 days')
})

// ---- parseOrderEvent

const ORDER = {
  orderNo: 'GD2026112000123',
  channel: '1',
  category: '0301',
  kind: '3',
  title: '村口垃圾堆放多日未清运',
  content: '王先生反映：湟里镇东安村三组村口垃圾桶旁堆放生活垃圾已有三四天。',
  address: '江苏省常州市武进区湟里镇东安村三组12号附近',
  divisionCode: '320412120201',
  citizen: { name: '王建国', phone: '13961288765' },
  dispatchTime: '2026-11-20 09:15:00',
  signDeadline: '2026-11-20 11:15:00',
  replyDeadline: '2026-11-27 09:15:00',
}
const event = (type: string, order: Record<string, unknown>, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ eventId: 'evt_1', type, time: '2026-11-20 09:15:01', order, ...extra })
const parse = (body: string): ReturnType<typeof parseOrderEvent> => parseOrderEvent(Buffer.from(body))

t.test('parseOrderEvent: each of the five types', async (tt) => {
  tt.same(parse(event('order.dispatched', ORDER)), {
    eventId: 'evt_1',
    type: 'order.dispatched',
    time: '2026-11-20T01:15:01.000Z',
    order: {
      ...ORDER,
      anonymous: false,
      dispatchTime: '2026-11-20T01:15:00.000Z',
      signDeadline: '2026-11-20T03:15:00.000Z',
      replyDeadline: '2026-11-27T01:15:00.000Z',
    },
  }, 'Beijing times as ISO instants, the rest as sent')
  tt.same(parse(event('order.urged', { orderNo: ORDER.orderNo, urgeCount: 2 })).order, { orderNo: ORDER.orderNo, urgeCount: 2, anonymous: false })
  tt.same(parse(event('order.urged', { orderNo: ORDER.orderNo, urgeCount: 1, replyDeadline: '2026-12-04 09:15:00' })).order.replyDeadline, '2026-12-04T01:15:00.000Z', 'an urge may carry a new reply deadline')
  const revisit = { contacted: true, solved: false, satisfied: 2, comment: '来看过了，但问题还在' }
  tt.same(parse(event('order.revisited', { orderNo: ORDER.orderNo, revisit })).order.revisit, revisit)
  tt.same(parse(event('order.revisited', { orderNo: ORDER.orderNo, revisit: { contacted: false, solved: false, satisfied: 3 } })).order.revisit?.comment, '', 'no comment is an empty one')
  tt.match(parse(event('order.reopened', { orderNo: ORDER.orderNo, signDeadline: '2026-12-01 11:00:00' })), { type: 'order.reopened', order: { signDeadline: '2026-12-01T03:00:00.000Z' } })
  tt.match(parse(event('order.closed', { orderNo: ORDER.orderNo })), { type: 'order.closed', order: { orderNo: ORDER.orderNo } })
})

t.test('parseOrderEvent: the quirks — an empty division code, an anonymous caller, codes as numbers, 9 digits', async (tt) => {
  const empty = parse(event('order.dispatched', { ...ORDER, divisionCode: '', address: '湟里镇村前村五组' })).order
  tt.notOk('divisionCode' in empty, 'an empty divisionCode is none')
  tt.equal(empty.address, '湟里镇村前村五组', 'the address names the village')
  const { citizen: _citizen, ...withoutCitizen } = ORDER
  const anonymous = parse(event('order.dispatched', { ...withoutCitizen, anonymous: true })).order
  tt.equal(anonymous.anonymous, true)
  tt.notOk('citizen' in anonymous)
  tt.notOk('citizen' in parse(event('order.dispatched', { ...ORDER, anonymous: true })).order, 'a caller sent along with anonymous: true is not kept')
  tt.match(parse(event('order.dispatched', { ...ORDER, channel: 2, kind: 9 })).order, { channel: '2', kind: '9' })
  tt.equal(parse(event('order.dispatched', { ...ORDER, divisionCode: '320412120' })).order.divisionCode, '320412120')
})

t.test('parseOrderEvent: what it refuses, naming the field', async (tt) => {
  const { citizen: _citizen, ...withoutCitizen } = ORDER
  const refused: Array<[string, RegExp]> = [
    ['not json', /not JSON/],
    ['null', /\(body\)/],
    ['[]', /\(body\)/],
    [event('order.deleted', ORDER), /type: "order\.deleted" is no order event type the spec names \(order\.dispatched, order\.urged/],
    [event('order.dispatched', ORDER, { time: '2026-11-20T09:15:01' }), /time: a time YYYY-MM-DD HH:mm:ss \(Beijing\)/],
    [event('order.dispatched', { ...ORDER, dispatchTime: '2026-02-30 09:00:00' }), /order\.dispatchTime: a time/],
    [event('order.dispatched', { ...ORDER, divisionCode: '3204121' }), /order\.divisionCode/],
    [event('order.dispatched', { ...ORDER, kind: '7' }), /order\.kind/],
    [event('order.dispatched', { ...ORDER, orderNo: 'GD 1' }), /order\.orderNo/],
    [event('order.dispatched', { ...ORDER, title: undefined }), /order\.title: required on order\.dispatched/],
    [event('order.dispatched', withoutCitizen), /order\.citizen: required on order\.dispatched unless anonymous/],
    [event('order.urged', { orderNo: ORDER.orderNo }), /order\.urgeCount: required on order\.urged/],
    [event('order.revisited', { orderNo: ORDER.orderNo, revisit: { contacted: true, solved: true, satisfied: 6 } }), /order\.revisit\.satisfied/],
    [event('order.revisited', { orderNo: ORDER.orderNo }), /order\.revisit: required/],
    [JSON.stringify({ type: 'order.closed', time: '2026-11-20 09:15:01', order: { orderNo: ORDER.orderNo } }), /eventId/],
  ]
  for (const [body, message] of refused) {
    const err = (() => { try { parse(body); return undefined } catch (e) { return e } })()
    tt.ok(isTongbanError(err) && err.code === 'TB_WEBHOOK_BODY_INVALID', `refused: ${body.slice(0, 70)}`)
    tt.match((err as Error).message, message)
  }
})

// ---- the answers against the simulator

t.test('one token for every answer; sign, progress, extend and reply reach the hotline as the spec writes them', async (tt) => {
  const s = await sim(tt)
  const http = client(tt, s)
  const { orderNo } = s.dispatch({ kind: '2' })
  tt.same(await sign.run({ http, input: sign.input.parse({ orderNo, signer: '王芳', time: '2026-12-07T09:30:00+08:00' }), signal }), { success: true })
  await progress.run({ http, input: progress.input.parse({ orderNo, text: '已到现场查看', time: '2026-12-07T10:00:00+08:00' }), signal })
  await extend.run({ http, input: extend.input.parse({ orderNo, reason: '需协调区住建局', days: 3, time: '2026-12-07T10:30:00+08:00' }), signal })
  const attachments = [{ name: '现场照片.jpg', sha256: 'a'.repeat(64) }]
  await reply.run({ http, input: reply.input.parse({ orderNo, result: '1', text: '已清运完毕', handler: '李强', time: '2026-12-07T15:00:00+08:00', attachments }), signal })
  tt.equal(s.stats().requests['POST /api/token']!.calls, 1, 'one token call')
  const view = s.order(orderNo)!
  tt.equal(view.state, 'replied')
  tt.same(view.answers.map((a) => [a.action, a.body]), [
    ['sign', { signer: '王芳', time: '2026-12-07 09:30:00' }],
    ['progress', { text: '已到现场查看', time: '2026-12-07 10:00:00' }],
    ['extend', { reason: '需协调区住建局', days: 3, time: '2026-12-07 10:30:00' }],
    ['reply', { result: '1', text: '已清运完毕', handler: '李强', time: '2026-12-07 15:00:00', attachments }],
  ], 'bodies without orderNo, times in Beijing as YYYY-MM-DD HH:mm:ss')
  tt.notOk(view.answers.at(-1)!.late)
})

t.test('E_STATE is a DepartmentStateError; the same answer again is taken; E_DEADLINE a final business error', async (tt) => {
  const s = await sim(tt)
  const http = client(tt, s)
  const { orderNo } = s.dispatch({ kind: '3' })
  const early = await errorOf(reply.run({ http, input: reply.input.parse({ orderNo, result: '2', text: '已解释', handler: '李强', time: at() }), signal }))
  tt.ok(early instanceof DepartmentStateError, 'a reply before signing')
  tt.match((early as Error).message, new RegExp(`reply of order ${orderNo} \\(E_STATE`))
  tt.equal((early as { status?: number }).status ?? 409, 409)
  const input = sign.input.parse({ orderNo, signer: '王芳', time: at() })
  await sign.run({ http, input, signal })
  await sign.run({ http, input, signal })
  tt.pass('a retried sign (the same body) is taken again')
  tt.ok(await errorOf(sign.run({ http, input: { ...input, time: at(1) }, signal })) instanceof DepartmentStateError, 'another sign of a signed order')
  tt.ok(await errorOf(sign.run({ http, input: { ...input, orderNo: 'GD2026010100001' }, signal })) instanceof DepartmentStateError, 'an order the hotline does not know')

  await returnOrder.run({ http, input: returnOrder.input.parse({ orderNo, reason: '不属本镇职责', time: at() }), signal })
  tt.equal(s.order(orderNo)!.state, 'returned')

  // dispatched on a Monday a week ago: more than 2 working days
  const monday = Date.now() - ((new Date(Date.now() + 8 * 3_600_000).getUTCDay() + 6) % 7) * DAY_MS - 7 * DAY_MS
  const old = s.dispatch({ kind: '2', dispatchedAt: monday })
  await sign.run({ http, input: sign.input.parse({ orderNo: old.orderNo, signer: '王芳', time: at() }), signal })
  const late = await errorOf(returnOrder.run({ http, input: returnOrder.input.parse({ orderNo: old.orderNo, reason: '不属本镇职责', time: at() }), signal }))
  tt.ok(late instanceof DepartmentBusinessError && !(late instanceof DepartmentStateError), 'E_DEADLINE: a business error, not retried')
  tt.equal((late as DepartmentBusinessError).code, 'TB_DEPARTMENT_ERROR')
  tt.match((late as Error).message, /E_DEADLINE/)
  tt.equal(s.order(old.orderNo)!.state, 'signed')

  // a reply after its deadline is taken, and the hotline counts it late
  await reply.run({ http, input: reply.input.parse({ orderNo: old.orderNo, result: '1', text: '已处理', handler: '李强', time: at() }), signal })
  tt.ok(s.order(old.orderNo)!.answers.at(-1)!.late)
})

t.test('E_AUTH: the token is refused, the platform resets it and the answer goes through with a new one', async (tt) => {
  const s = await sim(tt)
  const http = client(tt, s)
  const { orderNo } = s.dispatch()
  await progress.run({ http, input: progress.input.parse({ orderNo: EXAMPLE_ORDERS.signed, text: '处理中', time: at() }), signal })
  s.revokeTokens()
  const input = sign.input.parse({ orderNo, signer: '王芳', time: at() })
  const refused = await errorOf(sign.run({ http, input, signal }))
  tt.ok(refused instanceof DepartmentAuthError, 'E_AUTH is DepartmentAuthError')
  // what the platform's connection does on DepartmentAuthError (src/department/connection.ts): reset, once more
  http.resetAuth()
  await sign.run({ http, input, signal })
  tt.equal(s.order(orderNo)!.state, 'signed')
  tt.equal(s.stats().requests['POST /api/token']!.calls, 2, 'a second token')

  s.failNext('E_AUTH')
  tt.ok(await errorOf(progress.run({ http, input: progress.input.parse({ orderNo, text: '处理中', time: at() }), signal })) instanceof DepartmentAuthError, 'the one-shot E_AUTH too')

  const wrong = client(tt, s, { ...CLIENT, clientSecret: 'not-the-secret' })
  const denied = await errorOf(sign.run({ http: wrong, input: sign.input.parse({ orderNo: EXAMPLE_ORDERS.dispatched, signer: '王芳', time: at() }), signal }))
  tt.ok(denied instanceof DepartmentAuthError, 'a wrong secret gets no token')
  tt.match((denied as Error).message, /without a token at token: check the instance's clientId and clientSecret/)
})

t.test('E_LIMIT: over 10 requests a second are refused as rate-limited', async (tt) => {
  const s = await sim(tt)
  const http = client(tt, s)
  const { orderNo } = s.dispatch()
  await sign.run({ http, input: sign.input.parse({ orderNo, signer: '王芳', time: at() }), signal })
  await new Promise((resolve) => setTimeout(resolve, 1100))
  const outcomes = await Promise.all(Array.from({ length: 15 }, async (_, i) =>
    await progress.run({ http, input: progress.input.parse({ orderNo, text: `第${i + 1}次进展`, time: at(i) }), signal }).then(() => 'ok', (err: unknown) => err instanceof DepartmentRateLimitedError ? 'limited' : String(err))))
  // a loaded machine may spread the calls over more than a second: the exact count is the simulator test's, on its own clock
  tt.ok(outcomes.filter((o) => o === 'ok').length >= 10, 'at least 10 taken')
  tt.ok(outcomes.includes('limited'), 'the rest E_LIMIT, as DepartmentRateLimitedError')
  tt.same(outcomes.filter((o) => o !== 'ok' && o !== 'limited'), [])
  s.failNext('E_LIMIT')
  tt.ok(await errorOf(progress.run({ http, input: progress.input.parse({ orderNo, text: '再次', time: at(30) }), signal })) instanceof DepartmentRateLimitedError)
})

t.test('tongban adapter check passes against the simulator', async (tt) => {
  const named = (report: Report, name: string): CheckResult | undefined => report.checks.find((c) => c.name === name)
  const demo = await runChecks(await loadSubject('hotline-12345'), { againstSimulator: true, seed: 1, configFile: fromRoot('config', 'demo.yaml') })
  tt.same(demo.checks.filter((c) => c.outcome === 'fail'), [], 'no check fails with the demo configuration')
  tt.ok(demo.ok)
  tt.match(named(demo, 'operations answer against the simulator'), { outcome: 'pass', summary: /5 call\(s\)/ })
  tt.match(named(demo, 'operations validate input and keep idempotency keys'), { outcome: 'pass' })
})
