// The town's answers to work orders against the real hotline simulator, on PostgreSQL and PGlite:
// the simulator dispatches orders to the gateway's webhook door; an answer is an order event, a new
// state and an outbox row that the outbox worker sends through the adapter's operation, and the
// simulator holds the order in the new state. Answers the state does not allow, and a return after
// 2 working days, are 409s; a late reply is taken and flagged; the hotline's E_STATE leaves the
// outbox row dead with the reason.
import t from 'tap'
import type { Queryable } from '../../src/store/db.ts'
import { getOrder } from '../../src/store/orders.ts'
import { callApi, eventually } from '../helpers.ts'
import { startOrdersGateway } from './kit.ts'

const DAY = 86_400_000

async function outboxOf (db: Queryable, orderNo: string): Promise<Array<{ operation: string, state: string, last_error: string | null, input: Record<string, unknown> }>> {
  const { rows } = await db.query<{ operation: string, state: string, last_error: string | null, input: Record<string, unknown> }>(
    'SELECT operation, state, last_error, input FROM outbox WHERE subject = $1 ORDER BY id', [`order:${orderNo}`])
  return rows
}

for (const [store, redisIndex] of [['postgres', 26], ['pglite', 27]] as const) {
  t.test(`answers to the hotline simulator on ${store}`, async (t) => {
    const { base, db, sim, auth } = await startOrdersGateway(t, { redisIndex, store, simulator: true })
    const hotline = sim!
    const staff = await auth(['window-staff'])
    const answer = async (orderNo: string, body: Record<string, unknown>) => await callApi(base, 'POST', `/api/v1/orders/${orderNo}/answers`, { headers: staff, body })
    /** Dispatches an order at the simulator and waits until the gateway holds it. */
    const dispatched = async (dispatchedAt?: number): Promise<string> => {
      const { orderNo } = hotline.dispatch(dispatchedAt === undefined ? {} : { dispatchedAt })
      await eventually(async () => await getOrder(db, orderNo))
      return orderNo
    }
    /** Waits until every outbox row of the order is finished (sent or dead). */
    const delivered = async (orderNo: string) => await eventually(async () => {
      const rows = await outboxOf(db, orderNo)
      return rows.length > 0 && rows.every((r) => r.state === 'sent' || r.state === 'dead') && rows
    })

    await t.test('sign: an event, the new state, an outbox row sent to the hotline, which holds the order signed', async (t) => {
      const orderNo = await dispatched()
      const early = await answer(orderNo, { answer: 'reply', result: '1', text: '已处理', handler: '李强' })
      t.match(early, { status: 409, body: { code: 'TB_ORDER_TRANSITION_NOT_ALLOWED', message: /is dispatched, where reply is not allowed; allowed now: sign/ } })
      const signed = await answer(orderNo, { answer: 'sign' })
      t.equal(signed.status, 200, signed.text)
      t.match(signed.body, { late: false, order: { state: 'signed', allowed: ['return', 'extend', 'progress', 'reply'], events: [{ type: 'order.dispatched' }, { type: 'town.sign', actor: { kind: 'token' } }] } })
      t.match(await outboxOf(db, orderNo), [{ operation: 'sign', input: { orderNo, signer: /^test-/ } }])
      t.match(await delivered(orderNo), [{ operation: 'sign', state: 'sent' }])
      t.equal(hotline.order(orderNo)!.state, 'signed', 'the hotline holds it signed')
      t.match(await answer(orderNo, { answer: 'sign' }), { status: 409, body: { code: 'TB_ORDER_TRANSITION_NOT_ALLOWED' } }, 'no second sign')

      t.equal((await answer(orderNo, { answer: 'progress', text: '已联系村委会，工作人员已到现场查看' })).status, 200)
      t.equal((await answer(orderNo, { answer: 'extend', reason: '需协调区住建局现场勘查', days: 5 })).status, 200)
      t.match(await delivered(orderNo), [{ state: 'sent' }, { operation: 'progress', state: 'sent' }, { operation: 'extend', state: 'sent' }])
      t.strictSame(hotline.order(orderNo)!.answers.map((a) => a.action), ['sign', 'progress', 'extend'])
      t.equal((await getOrder(db, orderNo))!.state, 'signed', 'progress and extension keep the state')
    })

    await t.test('a return within 2 working days is taken; after them it is a 409', async (t) => {
      const fresh = await dispatched()
      await answer(fresh, { answer: 'sign' })
      const returned = await answer(fresh, { answer: 'return', reason: '该路段属区交通运输局管养，不属本镇职责' })
      t.equal(returned.status, 200, returned.text)
      t.equal(returned.body.order.state, 'returned')
      await delivered(fresh)
      t.equal(hotline.order(fresh)!.state, 'returned')

      const old = await dispatched(Date.now() - 10 * DAY)
      await answer(old, { answer: 'sign' })
      const late = await answer(old, { answer: 'return', reason: '不属本镇职责' })
      t.match(late, { status: 409, body: { code: 'TB_ORDER_RETURN_TOO_LATE', message: /2 working days/ } })
      t.equal((await getOrder(db, old))!.state, 'signed', 'nothing changed')
    })

    await t.test('a late reply is taken and flagged late, by the gateway and by the hotline', async (t) => {
      const orderNo = await dispatched(Date.now() - 10 * DAY)
      await answer(orderNo, { answer: 'sign' })
      const replied = await answer(orderNo, { answer: 'reply', result: '1', text: '经现场核实，垃圾已清运完毕', handler: '李强' })
      t.equal(replied.status, 200, replied.text)
      t.match(replied.body, { late: true, order: { state: 'replied', allowed: [], deadlines: { sign: { late: true }, reply: { late: true } } } })
      t.match(await delivered(orderNo), [{ state: 'sent' }, { operation: 'reply', state: 'sent', input: { result: '1', handler: '李强' } }])
      t.match(hotline.order(orderNo)!.answers.at(-1), { action: 'reply', late: true })
    })

    await t.test('the hotline\'s E_STATE leaves the outbox row dead with the reason', async (t) => {
      const orderNo = await dispatched()
      hotline.failNext('E_STATE')
      t.equal((await answer(orderNo, { answer: 'sign' })).status, 200)
      const [row] = await delivered(orderNo)
      t.match(row, { operation: 'sign', state: 'dead', last_error: /TB_DEPARTMENT_STATE.*E_STATE/ })
      const leader = await auth(['town-leader'])
      const listed = await callApi(base, 'GET', `/api/v1/outbox?state=dead&subject=order:${orderNo}`, { headers: leader })
      t.equal(listed.status, 200, listed.text)
      t.match(listed.body.items, [{ subject: `order:${orderNo}`, operation: 'sign', state: 'dead', lastError: /E_STATE/ }], 'the town leader sees the dead answer and why')
      const other = await auth(['town-leader'], '320412102000')
      t.equal((await callApi(base, 'GET', `/api/v1/outbox?subject=order:${orderNo}`, { headers: other })).body.items.length, 0, 'another town does not')
    })
  })
}
