// The hotline's work-order events through the webhook door, the inbox and the order-event worker,
// on PostgreSQL and on PGlite: a dispatch opens the order placed in its village (by division code,
// by a village named in the address) or in the town's queue for a person to place; a second
// dispatch is kept and changes nothing; an urge before its dispatch waits and is applied when the
// dispatch comes; a repeated event id is stored once; an unknown type fails its inbox row with the
// reason; revisit, close and reopen move the order.
import t from 'tap'
import { callApi } from '../helpers.ts'
import { getOrder, orderEvents } from '../../src/store/orders.ts'
import { OTHER_TOWN, TOWN, VILLAGES, dispatchedOrder, startOrdersGateway } from './kit.ts'

for (const [store, redisIndex] of [['postgres', 24], ['pglite', 25]] as const) {
  t.test(`work-order events on ${store}`, async (t) => {
    const { base, db, post, finished, auth } = await startOrdersGateway(t, { redisIndex, store, oneTown: store === 'pglite' })
    const staff = await auth(['window-staff'])

    await t.test('a dispatch opens the order in the village its division code names', async (t) => {
      await post('E-D1', 'order.dispatched', dispatchedOrder('GD2026120700001'))
      t.match(await finished('E-D1'), { status: 'done' })
      t.match(await getOrder(db, 'GD2026120700001'), { town: TOWN, division: VILLAGES.dongan, state: 'dispatched', instance: 'hotline', category: '0301', urgeCount: 0 })
      const read = await callApi(base, 'GET', '/api/v1/orders/GD2026120700001', { headers: staff })
      t.equal(read.status, 200, read.text)
      t.match(read.body, { orderNo: 'GD2026120700001', division: VILLAGES.dongan, allowed: ['sign'], citizen: { name: '张先生' }, events: [{ type: 'order.dispatched', eventId: 'E-D1' }] })
      t.equal(read.body.deadlines.sign.late, false)
    })

    await t.test('a second dispatch of the same order is kept as an event and changes nothing', async (t) => {
      await post('E-D1b', 'order.dispatched', dispatchedOrder('GD2026120700001', { title: '另一标题', divisionCode: VILLAGES.xishu }))
      t.match(await finished('E-D1b'), { status: 'done' })
      t.match(await getOrder(db, 'GD2026120700001'), { title: '村口垃圾堆放多日未清运', division: VILLAGES.dongan, version: 1 })
      t.strictSame((await orderEvents(db, 'GD2026120700001')).map((e) => e.eventId), ['E-D1', 'E-D1b'])
    })

    await t.test('a repeated event id is stored and applied once', async (t) => {
      await post('E-U1', 'order.urged', { orderNo: 'GD2026120700001', urgeCount: 1 })
      await finished('E-U1')
      // the same event again under another delivery id (a resend): the hotline's event id decides
      await post('E-U1', 'order.urged', { orderNo: 'GD2026120700001', urgeCount: 1 }, 'E-U1-again')
      t.match(await finished('E-U1-again'), { status: 'done' })
      t.equal((await getOrder(db, 'GD2026120700001'))!.urgeCount, 1)
      t.equal((await orderEvents(db, 'GD2026120700001')).filter((e) => e.type === 'order.urged').length, 1)
    })

    await t.test('an urge before its dispatch waits, then is applied when the dispatch comes', async (t) => {
      await post('E-U2', 'order.urged', { orderNo: 'GD2026120700002', urgeCount: 2 })
      t.match(await finished('E-U2'), { status: 'done' }, 'never failed')
      t.equal(await getOrder(db, 'GD2026120700002'), undefined)
      t.match(await orderEvents(db, 'GD2026120700002'), [{ type: 'order.urged', appliedAt: null }])
      await post('E-D2', 'order.dispatched', dispatchedOrder('GD2026120700002'))
      await finished('E-D2')
      t.match(await getOrder(db, 'GD2026120700002'), { urgeCount: 2, state: 'dispatched' })
      const events = await orderEvents(db, 'GD2026120700002')
      t.ok(events.every((e) => e.appliedAt !== null), 'the waiting urge is applied')
    })

    await t.test('placement: by the village named in the address, at the town, or into the town\'s queue', async (t) => {
      await post('E-P1', 'order.dispatched', dispatchedOrder('GD2026120700003', { divisionCode: '', address: '湟里镇西墅村五组8号' }))
      await post('E-P2', 'order.dispatched', dispatchedOrder('GD2026120700004', { divisionCode: '320412120' }))
      await post('E-P3', 'order.dispatched', dispatchedOrder('GD2026120700005', { divisionCode: '', address: '湟里镇某路口' }))
      await Promise.all(['E-P1', 'E-P2', 'E-P3'].map(finished))
      t.equal((await getOrder(db, 'GD2026120700003'))!.division, VILLAGES.xishu, 'by name')
      t.equal((await getOrder(db, 'GD2026120700004'))!.division, TOWN, '9 digits: the town itself')
      t.equal((await getOrder(db, 'GD2026120700005'))!.division, null, 'unplaced')
      const queue = await callApi(base, 'GET', '/api/v1/orders?unplaced=true', { headers: staff })
      t.strictSame(queue.body.items.map((o: { orderNo: string }) => o.orderNo), ['GD2026120700005'])
      const wrong = await callApi(base, 'POST', '/api/v1/orders/GD2026120700005/place', { headers: staff, body: { division: '320412102201' } })
      t.match(wrong, { status: 422, body: { code: 'TB_ORDER_DIVISION_INVALID' } })
      const placed = await callApi(base, 'POST', '/api/v1/orders/GD2026120700005/place', { headers: staff, body: { division: VILLAGES.dongan } })
      t.equal(placed.status, 200, placed.text)
      t.match(placed.body, { division: VILLAGES.dongan, placedBy: /^token:/, events: [{ type: 'order.dispatched' }, { type: 'town.place', data: { division: VILLAGES.dongan, from: null } }] })
      t.equal((await callApi(base, 'GET', '/api/v1/orders?unplaced=true', { headers: staff })).body.items.length, 0)
      const audit = await db.query<{ action: string, subject: string }>("SELECT action, subject FROM audit_log WHERE action = 'order.place'")
      t.match(audit.rows, [{ action: 'order.place', subject: 'GD2026120700005' }], 'placing is audited')
    })

    await t.test('an unknown type fails its inbox row with the reason, and nothing is stored', async (t) => {
      await post('E-X1', 'order.transferred', { orderNo: 'GD2026120700001' })
      const row = await finished('E-X1')
      t.equal(row.status, 'failed')
      t.match(row.error, /TB_WEBHOOK_BODY_INVALID.*order\.transferred/)
      t.equal((await orderEvents(db, 'GD2026120700001')).filter((e) => e.eventId === 'E-X1').length, 0)
    })

    await t.test('revisit, close and reopen move the order', async (t) => {
      await post('E-R1', 'order.revisited', { orderNo: 'GD2026120700002', revisit: { contacted: true, solved: false, satisfied: 2, comment: '没解决' } })
      await finished('E-R1')
      t.match(await getOrder(db, 'GD2026120700002'), { state: 'revisited', revisit: { satisfied: 2 } })
      await post('E-C1', 'order.closed', { orderNo: 'GD2026120700002' })
      await finished('E-C1')
      t.equal((await getOrder(db, 'GD2026120700002'))!.state, 'closed')
      await post('E-O1', 'order.reopened', { orderNo: 'GD2026120700002' })
      await finished('E-O1')
      t.match(await getOrder(db, 'GD2026120700002'), { state: 'reopened', signedAt: null })
      const read = await callApi(base, 'GET', '/api/v1/orders/GD2026120700002', { headers: staff })
      t.strictSame(read.body.allowed, ['sign'], 'a reopened order is signed again')
    })

    await t.test('the list: scope, state, q and cursor', async (t) => {
      const all = await callApi(base, 'GET', '/api/v1/orders?limit=2', { headers: staff })
      t.equal(all.status, 200, all.text)
      t.equal(all.body.items.length, 2)
      const rest = await callApi(base, 'GET', `/api/v1/orders?limit=10&cursor=${all.body.next as string}`, { headers: staff })
      t.equal(all.body.items.length + rest.body.items.length, 5)
      t.equal(rest.body.next, null)
      const reopened = await callApi(base, 'GET', '/api/v1/orders?state=reopened', { headers: staff })
      t.strictSame(reopened.body.items.map((o: { orderNo: string }) => o.orderNo), ['GD2026120700002'])
      const q = await callApi(base, 'GET', `/api/v1/orders?q=${encodeURIComponent('西墅')}`, { headers: staff })
      t.strictSame(q.body.items.map((o: { orderNo: string }) => o.orderNo), ['GD2026120700003'])
      t.match(await callApi(base, 'GET', '/api/v1/orders?state=lost', { headers: staff }), { status: 400 })
      if (store === 'postgres') {
        const other = await auth(['window-staff'], OTHER_TOWN)
        t.equal((await callApi(base, 'GET', '/api/v1/orders', { headers: other })).body.items.length, 0, 'another town sees none')
        t.match(await callApi(base, 'GET', '/api/v1/orders/GD2026120700001', { headers: other }), { status: 404, body: { code: 'TB_ORDER_NOT_FOUND' } })
      }
      const county = await auth(['county-admin'], '320412000000')
      t.equal((await callApi(base, 'GET', '/api/v1/orders', { headers: county })).body.items.length, 5, 'the county sees its towns')
      t.match(await callApi(base, 'POST', '/api/v1/orders/GD2026120700001/answers', { headers: county, body: { answer: 'sign' } }), { status: 403 }, 'a county admin reads, does not answer')
      const grid = await auth(['grid-staff'])
      t.match(await callApi(base, 'GET', '/api/v1/orders', { headers: grid }), { status: 403 })
    })
  })
}
