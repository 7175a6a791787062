// The hotline simulator on its own: the orders it dispatches verify with the platform's Standard
// Webhooks verifier and with the reference implementation (npm standardwebhooks) and parse; the
// quirks (an urge first, a second dispatch, 1 in 10 without a division code); the revisit, the
// closing and a reopening after a reply; an extension answered by an urge; the deadlines by kind
// and working days; the state machine, every state against every answer.
import t, { type Test } from 'tap'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Webhook } from 'standardwebhooks'
import { startSimulator, TRANSITIONS, type HotlineSimulator, type OrderState, type SimulatorOptions } from './simulator.ts'
import { addWorkingDays, deadlinesOf, draftOrder, VILLAGES } from './data.ts'
import { parseOrderEvent } from './events.ts'
import { WIRE_TIME } from './codes.ts'
import { webhookVerifier } from '../../src/webhooks/signatures/index.ts'
import { ORDER_ANSWERS, type OrderAnswer } from '../../src/model/order.ts'

const SECRET = 'whsec_dG9uZ2Jhbi1ob3RsaW5lLTEyMzQ1LXRlc3Qtc2VjcmV0'
const CLIENT = { clientId: 'hotline-town-test', clientSecret: 'hotline-test-secret' }
const HOUR_MS = 3_600_000
const DAY_MS = 86_400_000

interface Delivery { headers: IncomingHttpHeaders, body: Buffer }

async function receiver (tt: Test): Promise<{ url: string, deliveries: Delivery[] }> {
  const deliveries: Delivery[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => { deliveries.push({ headers: req.headers, body: Buffer.concat(chunks) }); res.writeHead(202).end() })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  tt.teardown(async () => { server.closeAllConnections(); await new Promise<void>((resolve) => server.close(() => { resolve() })) })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/hotline-12345`, deliveries }
}

async function sim (tt: Test, opts: SimulatorOptions = {}): Promise<HotlineSimulator> {
  const s = await startSimulator({ clients: [CLIENT], rateLimitPerSecond: 0, duplicateRate: 0, urgeFirstRate: 0, revisitAfterMs: 0, ...opts })
  tt.teardown(async () => { await s.close() })
  return s
}

/** One answer over HTTP as the town sends it, with a token of its own. */
async function answer (s: HotlineSimulator, orderNo: string, action: OrderAnswer, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const token = await (await fetch(`${s.url}/api/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(CLIENT) })).json() as { token: string }
  const res = await fetch(`${s.url}/api/orders/${orderNo}/${action}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token.token}` }, body: JSON.stringify(body) })
  return await res.json() as Record<string, unknown>
}

// A new second each time: two answers alike but for their time are two answers, not a retry.
let ticks = 0
const now = (): string => WIRE_TIME.format(new Date(Date.now() + 1000 * ++ticks))
const BODIES: Readonly<Record<OrderAnswer, () => Record<string, unknown>>> = {
  sign: () => ({ signer: '王芳', time: now() }),
  return: () => ({ reason: '不属本镇职责', time: now() }),
  extend: () => ({ reason: '需协调', days: 2, time: now() }),
  progress: () => ({ text: '处理中', time: now() }),
  reply: () => ({ result: '3', text: '无法解决', handler: '李强', time: now() }),
}

t.test('dispatched orders are signed Standard Webhooks v1: the platform\'s verifier and the reference implementation agree, and they parse', async (tt) => {
  const r = await receiver(tt)
  const s = await sim(tt, { webhook: { url: r.url, secret: SECRET } })
  const orders = [s.dispatch(), s.dispatch(), s.dispatch({ divisionCode: '', anonymous: true })]
  await s.settled()
  tt.equal(r.deliveries.length, 3)
  const platform = webhookVerifier('standard-webhooks', { secrets: [SECRET], toleranceSeconds: 300, schemes: ['v1'] })
  const reference = new Webhook(SECRET)
  for (const d of r.deliveries) {
    tt.match(String(d.headers['webhook-signature']), /^v1,[A-Za-z0-9+/=]+$/)
    const id = platform.verify(d.headers, d.body, Date.now() / 1000)
    tt.same(reference.verify(d.body, { 'webhook-id': String(d.headers['webhook-id']), 'webhook-timestamp': String(d.headers['webhook-timestamp']), 'webhook-signature': String(d.headers['webhook-signature']) }), JSON.parse(d.body.toString()), 'standardwebhooks verifies it')
    const e = parseOrderEvent(d.body)
    tt.equal(e.eventId, id, 'webhook-id is the eventId')
    tt.equal(e.type, 'order.dispatched')
  }
  const parsed = r.deliveries.map((d) => parseOrderEvent(d.body).order)
  tt.same(parsed.map((o) => o.orderNo), orders.map((o) => o.orderNo))
  tt.match(parsed[0], { orderNo: /^GD\d{13}$/, channel: /^[1-4]$/, category: /^\d{4}$/, kind: /^[1-59]$/, title: /\S/, content: /湟里镇/, address: /^江苏省常州市武进区湟里镇/ })
  tt.notOk('divisionCode' in parsed[2]!)
  tt.notOk('citizen' in parsed[2]!)
  tt.equal(parsed[2]!.anonymous, true)
  tt.throws(() => platform.verify({ ...r.deliveries[0]!.headers, 'webhook-signature': 'v1,AAAA' }, r.deliveries[0]!.body, Date.now() / 1000), 'a wrong signature does not verify')
})

t.test('the quirks: an urge before its dispatch, an order dispatched twice', async (tt) => {
  const r = await receiver(tt)
  const s = await sim(tt, { webhook: { url: r.url, secret: SECRET }, urgeFirstRate: 1, duplicateRate: 1 })
  const { orderNo } = s.dispatch()
  await s.settled()
  const events = r.deliveries.map((d) => parseOrderEvent(d.body))
  tt.same(events.map((e) => e.type), ['order.urged', 'order.dispatched', 'order.dispatched'])
  tt.ok(events.every((e) => e.order.orderNo === orderNo))
  tt.equal(events[0]!.order.urgeCount, 1)
  tt.equal(new Set(events.map((e) => e.eventId)).size, 3, 'the second dispatch is a new event of the same order')
  tt.same(events[2]!.order.content, events[1]!.order.content)
})

t.test('the generated orders: about 1 in 10 without a division code (the village in the address), urgent ones 30 min and 24 h', async (tt) => {
  const drafts = Array.from({ length: 1000 }, (_, i) => draftOrder(1, i))
  const empty = drafts.filter((d) => d.divisionCode === '')
  tt.ok(empty.length > 70 && empty.length < 130, `${empty.length} of 1000 without a division code`)
  tt.ok(empty.every((d) => VILLAGES.some((v) => d.address.includes(v.name))), 'their address names the village')
  tt.ok(drafts.every((d) => d.divisionCode === '' || /^(320412120|320412120\d{3})$/.test(d.divisionCode)), 'the town\'s 9 digits or a village\'s 12')
  const urgent = drafts.filter((d) => d.kind === '9')
  tt.ok(urgent.length > 20 && urgent.every((d) => d.category === '0801'), `${urgent.length} urgent, all safety hazards`)
  tt.ok(drafts.filter((d) => d.anonymous).every((d) => d.citizen === undefined))
  tt.same(new Set(drafts.map((d) => d.category)), new Set(['0301', '0502', '0801', '0602', '1103']))
  tt.same(draftOrder(1, 5), draftOrder(1, 5), 'a seed gives the same orders')

  const friday = Date.UTC(2026, 11, 4, 2) // Friday 10:00 Beijing
  tt.same(deadlinesOf('9', friday), { sign: friday + 30 * 60_000, reply: friday + DAY_MS })
  tt.same(deadlinesOf('1', friday), { sign: friday + 2 * HOUR_MS, reply: friday + 3 * DAY_MS }, '咨询: 1 working day, Monday')
  tt.equal(deadlinesOf('2', friday).reply, friday + 5 * DAY_MS, '求助: 3 working days, Wednesday')
  tt.equal(deadlinesOf('3', friday).reply, friday + 7 * DAY_MS, '投诉: 5 working days, Friday after')
  tt.equal(addWorkingDays(Date.UTC(2026, 11, 5, 2), 2), Date.UTC(2026, 11, 8, 2), 'dispatched on a Saturday: Tuesday')
})

t.test('after the reply: the revisit, the closing, and for a dissatisfied caller the reopening, after which the town signs again', async (tt) => {
  const r = await receiver(tt)
  const s = await sim(tt, { webhook: { url: r.url, secret: SECRET }, reopenRate: 1 })
  const orders = Array.from({ length: 6 }, () => s.dispatch())
  await s.settled()
  for (const { orderNo } of orders) {
    tt.same(await answer(s, orderNo, 'sign', BODIES.sign()), { success: true })
    tt.same(await answer(s, orderNo, 'reply', BODIES.reply()), { success: true })
  }
  await s.settled()
  const events = r.deliveries.map((d) => parseOrderEvent(d.body)).filter((e) => e.type !== 'order.dispatched')
  for (const { orderNo } of orders) {
    const mine = events.filter((e) => e.order.orderNo === orderNo)
    const revisit = mine[0]?.order.revisit
    tt.equal(mine[0]?.type, 'order.revisited')
    tt.ok(revisit && revisit.satisfied >= 1 && revisit.satisfied <= 3 && !revisit.solved, 'cannot be solved: not solved, satisfied 1 to 3')
    tt.same(mine.map((e) => e.type), ['order.revisited', 'order.closed', ...(revisit!.satisfied <= 2 ? ['order.reopened'] : [])])
    tt.equal(s.order(orderNo)!.state, revisit!.satisfied <= 2 ? 'reopened' : 'closed')
  }
  const reopened = orders.find((o) => s.order(o.orderNo)!.state === 'reopened')
  tt.ok(reopened, 'one at least was reopened')
  tt.same(await answer(s, reopened!.orderNo, 'sign', BODIES.sign()), { success: true }, 'reopened → signed')
  tt.equal(s.order(reopened!.orderNo)!.reopened, 1)
  tt.same(s.order(reopened!.orderNo)!.answers.map((a) => a.action), ['sign', 'reply', 'sign'])
})

t.test('an extension is answered later by an urge, with the new reply deadline when granted', async (tt) => {
  const r = await receiver(tt)
  const s = await sim(tt, { webhook: { url: r.url, secret: SECRET }, seed: 3 })
  const order = s.dispatch({ kind: '2' })
  await answer(s, order.orderNo, 'sign', BODIES.sign())
  await answer(s, order.orderNo, 'extend', { reason: '需协调', days: 3, time: now() })
  await s.settled()
  const urge = parseOrderEvent(r.deliveries.at(-1)!.body)
  tt.equal(urge.type, 'order.urged')
  tt.equal(urge.order.urgeCount, 1)
  const deadline = Date.parse(urge.order.replyDeadline!)
  tt.ok(deadline === Math.floor(order.replyDeadline / 1000) * 1000 || deadline === Math.floor(addWorkingDays(order.replyDeadline, 3) / 1000) * 1000, 'the old deadline (refused) or 3 working days later (granted)')
})

t.test('the state machine: every state against every answer', async (tt) => {
  // the revisit a minute after a reply: replied stays replied while the answers are tried
  const s = await sim(tt, { revisitAfterMs: 60_000 })
  // the answers that bring a new order to each state the town can reach
  const paths: Record<string, OrderAnswer[]> = { dispatched: [], signed: ['sign'], returned: ['sign', 'return'], replied: ['sign', 'reply'] }
  for (const [state, path] of Object.entries(paths)) {
    for (const action of ORDER_ANSWERS) {
      const { orderNo } = s.dispatch({ kind: '3' })
      for (const step of path) await answer(s, orderNo, step, BODIES[step]())
      tt.equal(s.order(orderNo)!.state, state)
      const got = await answer(s, orderNo, action, BODIES[action]())
      const allowed = TRANSITIONS[action].from.includes(state as OrderState)
      tt.same(got.success ? 'ok' : got.errCode, allowed ? 'ok' : 'E_STATE', `${state} + ${action}`)
      tt.equal(s.order(orderNo)!.state, allowed ? TRANSITIONS[action].to ?? state : state)
    }
  }
  const bad = await answer(s, s.dispatch().orderNo, 'extend', { reason: '需协调', days: 11, time: now() })
  tt.match(bad, { success: false, errCode: 'E_PARAM', errMsg: /days/ })
  const token = await fetch(`${s.url}/api/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...CLIENT, clientSecret: 'wrong' }) })
  tt.match(await token.json(), { success: false, errCode: 'E_AUTH' })
  const unsigned = await fetch(`${s.url}/api/orders/GD2026120799001/sign`, { method: 'POST', body: JSON.stringify(BODIES.sign()) })
  tt.match(await unsigned.json(), { success: false, errCode: 'E_AUTH' }, 'no token')
})

t.test('the demo ticker dispatches on its own, and the control routes show an order', async (tt) => {
  const r = await receiver(tt)
  const s = await sim(tt, { webhook: { url: r.url, secret: SECRET }, orderEveryMs: 50 })
  while (r.deliveries.length < 3) await new Promise((resolve) => setTimeout(resolve, 20))
  const first = parseOrderEvent(r.deliveries[0]!.body)
  const view = await (await fetch(`${s.url}/_sim/orders/${first.order.orderNo}`)).json() as Record<string, unknown>
  tt.match(view, { orderNo: first.order.orderNo, state: 'dispatched', answers: [] })
  const made = await (await fetch(`${s.url}/_sim/dispatch`, { method: 'POST' })).json() as Record<string, unknown>
  tt.match(made, { state: 'dispatched', orderNo: /^GD/ })
})

t.test('E_LIMIT: the 11th request within a second, per client', async (tt) => {
  let clock = Date.UTC(2026, 11, 7, 2)
  const s = await sim(tt, { rateLimitPerSecond: 10, now: () => clock })
  const { orderNo } = s.dispatch()
  await answer(s, orderNo, 'sign', BODIES.sign())
  clock += 1000
  const codes: unknown[] = []
  for (let i = 0; i < 12; i++) codes.push((await answer(s, orderNo, 'progress', BODIES.progress())).errCode ?? 'ok')
  tt.same(codes, [...Array(10).fill('ok'), 'E_LIMIT', 'E_LIMIT'])
  clock += 1000
  tt.same(await answer(s, orderNo, 'progress', BODIES.progress()), { success: true }, 'a second later, again')
})
