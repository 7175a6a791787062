// The loop between a work order and the whistle blown from it, on PostgreSQL against the hotline
// simulator: the town signs the order, blows a whistle from it, the department answers, the town
// closes the whistle, which replies to the order through the outbox (the hotline holds it
// replied); the order shows the whistle; a reopened order (重办) reopens the closed whistle.
import t from 'tap'
import type { Principal } from '../../src/auth/principal.ts'
import { getOrder } from '../../src/store/orders.ts'
import { callApi, eventually } from '../helpers.ts'
import { TOWN, startOrdersGateway } from './kit.ts'

const leader: Principal = { kind: 'token', id: 'leader-1', username: 'leader', name: '王镇长', town: TOWN, roles: ['town-leader'] }
const liaison: Principal = { kind: 'token', id: 'liaison-1', username: 'wj-urban', name: '城管联络员', town: TOWN, roles: ['department-liaison'], department: 'wj-urban' }

t.test('a whistle from an order replies to it when closed, and reopens when the order does', async (t) => {
  const { base, db, sim, post, gateway, auth } = await startOrdersGateway(t, {
    redisIndex: 28, store: 'postgres', simulator: true, extra: 'whistles: { departments: [{ code: wj-urban, name: 武进区城管局, county: "320412" }] }',
  })
  const whistles = gateway.platform.whistles
  const staff = await auth(['window-staff'])
  const { orderNo } = sim!.dispatch()
  await eventually(async () => await getOrder(db, orderNo))
  t.equal((await callApi(base, 'POST', `/api/v1/orders/${orderNo}/answers`, { headers: staff, body: { answer: 'sign' } })).status, 200)

  const { id } = await whistles.blow({ type: 'routine', source: { kind: 'order', id: orderNo }, title: '村口垃圾清运', description: '请城管局到场处置', departments: [{ code: 'wj-urban', role: 'lead' }] }, leader)
  await whistles.transition(id, { action: 'respond' }, liaison)
  await whistles.transition(id, { action: 'arrive', who: '张队长', at: new Date().toISOString() }, liaison)
  await whistles.transition(id, { action: 'declare-done', text: '垃圾已清运', photos: [] }, liaison)
  await whistles.transition(id, { action: 'close', check: '现场核查，已清运完毕', rating: 5 }, leader)

  const read = await callApi(base, 'GET', `/api/v1/orders/${orderNo}`, { headers: staff })
  t.match(read.body, { state: 'replied', whistles: [{ id, state: 'closed' }], events: [{ type: 'order.dispatched' }, { type: 'town.sign' }, { type: 'town.reply', data: { result: '1', text: '现场核查，已清运完毕', handler: '王镇长' } }] })
  await eventually(() => sim!.order(orderNo)!.state === 'replied')
  t.match(sim!.order(orderNo)!.answers.at(-1), { action: 'reply', body: { handler: '王镇长' } }, 'the hotline has the reply')

  await post('T-REOPEN-1', 'order.reopened', { orderNo, revisit: { contacted: true, solved: false, satisfied: 1, comment: '垃圾又堆起来了' } })
  await eventually(async () => (await getOrder(db, orderNo))!.state === 'reopened')
  const reopened = await eventually(async () => {
    const view = await whistles.view(id)
    return view.whistle.state === 'open' && view
  })
  t.match(reopened.events.at(-1), { action: 'reopen', actor: { kind: 'system' }, data: { reason: /重办：垃圾又堆起来了/ } })
})

t.test('closing a whistle whose order was never signed signs it first; one the town already replied to by hand is left as it is', async (t) => {
  const { base, db, sim, gateway, auth } = await startOrdersGateway(t, {
    redisIndex: 29, store: 'postgres', simulator: true, extra: 'whistles: { departments: [{ code: wj-urban, name: 武进区城管局, county: "320412" }] }',
  })
  const whistles = gateway.platform.whistles
  const staff = await auth(['window-staff'])
  const closeFrom = async (orderNo: string): Promise<string> => {
    const { id } = await whistles.blow({ type: 'routine', source: { kind: 'order', id: orderNo }, title: '河道漂浮物', description: '请城管局处置', departments: [{ code: 'wj-urban', role: 'lead' }] }, leader)
    await whistles.transition(id, { action: 'arrive', who: '李队长', at: new Date().toISOString() }, liaison)
    await whistles.transition(id, { action: 'declare-done', text: '已打捞', photos: [] }, liaison)
    await whistles.transition(id, { action: 'close', check: '已核查', rating: 4 }, leader)
    return id
  }

  const unsigned = sim!.dispatch().orderNo
  await eventually(async () => await getOrder(db, unsigned))
  const fromUnsigned = await closeFrom(unsigned)
  t.equal((await whistles.view(fromUnsigned)).whistle.division, (await getOrder(db, unsigned))!.division, 'the whistle is where its order was placed')
  const read = await callApi(base, 'GET', `/api/v1/orders/${unsigned}`, { headers: staff })
  t.match(read.body, { state: 'replied', events: [{ type: 'order.dispatched' }, { type: 'town.sign', data: { signer: '王镇长' } }, { type: 'town.reply', data: { text: '已核查' } }] }, 'signed, then replied')
  await eventually(() => sim!.order(unsigned)!.state === 'replied')

  const answered = sim!.dispatch().orderNo
  await eventually(async () => await getOrder(db, answered))
  for (const body of [{ answer: 'sign' }, { answer: 'reply', result: '2', text: '已电话解释' }]) {
    t.equal((await callApi(base, 'POST', `/api/v1/orders/${answered}/answers`, { headers: staff, body })).status, 200)
  }
  const id = await closeFrom(answered)
  t.equal((await whistles.view(id)).whistle.state, 'closed', 'the whistle closes')
  const after = await callApi(base, 'GET', `/api/v1/orders/${answered}`, { headers: staff })
  t.equal(after.body.events.filter((e: { type: string }) => e.type === 'town.reply').length, 1, 'the hand-written reply stays the only one')
})
