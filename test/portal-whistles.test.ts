// The order and whistle pages over plain HTTP, with a real gateway on PostgreSQL and the hotline's
// signed webhooks: the order lists and an order's page (caller hidden when anonymous, the answers
// its state allows, 定位, 吹哨), the blow form (types with their times, the routing table's
// departments, 需领导审批 for a window worker), a whistle's page (clocks, rungs, 未送达, the
// viewer's actions), a liaison who sees only its department's whistles and may never close one,
// and CSRF on every form.
import t from 'tap'
import { dispatchedOrder, VILLAGES } from './orders/kit.ts'
import { actionsOn, session, startWhistlesGateway } from './portal-whistles-kit.ts'

t.test('order and whistle pages', async (t) => {
  const { base, post, finished, db, auth } = await startWhistlesGateway(t, 20)
  const dispatch = async (orderNo: string, order: Record<string, unknown> = {}, at = Date.now()): Promise<void> => {
    await post(`E-${orderNo}`, 'order.dispatched', dispatchedOrder(orderNo, order, at))
    t.equal((await finished(`E-${orderNo}`)).status, 'done', `order ${orderNo} taken`)
  }
  await dispatch('GD2026120700001')
  await dispatch('GD2026120700002', { anonymous: true, citizen: undefined, divisionCode: undefined, address: '湟里镇某处', title: '路灯不亮' })
  await dispatch('GD2026120700003', { title: '噪声扰民' }, Date.now() - 3 * 3_600_000)

  const leader = await session(base, 'li.zhen')
  const window = await session(base, 'wang.fang')
  const grid = await session(base, 'zhou.grid')
  const urban = await session(base, 'liu.urban')
  const housing = await session(base, 'chen.housing')

  t.test('the order lists: to sign with deadlines, the unplaced queue', async (t) => {
    const list = await leader.get('/portal/orders')
    t.equal(list.status, 200)
    t.match(list.text, /<h1>12345工单<\/h1>/)
    t.match(list.text, /aria-current="page" class="tab">待签收/)
    t.match(list.text, /GD2026120700001[\s\S]*村口垃圾堆放多日未清运[\s\S]*待签收[\s\S]*东安村/)
    t.match(list.text, /签收时限[\s\S]*回复时限/)
    t.match(list.text, /data-order="GD2026120700003" class="overdue">[\s\S]*?class="sign-deadline">[^<]*<span class="badge">超时<\/span>/, 'past its sign-in deadline and not signed: late')
    t.notMatch(list.text, /data-order="GD2026120700001" class="overdue"/)
    t.match((await leader.get('/portal/orders/GD2026120700003')).text, /data-clock="sign" class="overdue">[\s\S]*超时[\s\S]*未完成/)
    const queue = await leader.get('/portal/orders?tab=unplaced')
    t.match(queue.text, /GD2026120700002/)
    t.notMatch(queue.text, /GD2026120700001/, 'a placed order is not in the queue')
    t.match((await leader.get('/portal/orders?lang=en')).text, /12345 work orders/, 'English when asked')
    t.equal((await grid.get('/portal/orders')).status, 403, 'grid staff read no orders')
    t.notMatch((await grid.get('/')).text, /href="\/portal\/orders"/, 'nor see them in the navigation')
  })

  t.test('an order: the caller masked, only signing first, then the answers', async (t) => {
    const page = await leader.get('/portal/orders/GD2026120700001')
    t.equal(page.status, 200)
    t.match(page.text, /张先生 <span class="muted code">138\*\*\*\*0000<\/span>/)
    t.notMatch(page.text, /13800000000/)
    t.same(actionsOn(page.text, 'order-action'), ['sign'])
    t.match(page.text, /href="\/portal\/whistles\/new\?order=GD2026120700001"/, '吹哨 from the order')
    const forged = await leader.post('/portal/orders/GD2026120700001/act', { answer: 'sign' }, { csrf: false })
    t.equal(forged.status, 403, 'no CSRF token, no answer')
    t.match(forged.text, /表单已过期|CSRF|安全/)
    const signed = await leader.post('/portal/orders/GD2026120700001/act', { answer: 'sign' })
    t.equal(signed.status, 303)
    const after = await leader.get(signed.location!)
    t.match(after.text, /已办理：签收。/)
    t.match(after.text, /data-state="signed">办理中/)
    t.same(actionsOn(after.text, 'order-action'), ['return', 'extend', 'progress', 'reply'])
    t.match(after.text, /data-event="town.sign"[\s\S]*李镇长[\s\S]*签收/)
    const again = await leader.post('/portal/orders/GD2026120700001/act', { answer: 'sign' })
    t.equal(again.status, 409, 'signing twice: the order as it is now')
    const incomplete = await leader.post('/portal/orders/GD2026120700001/act', { answer: 'extend', reason: '需要协调' })
    t.equal(incomplete.status, 422)
    t.match(incomplete.text, /「延期申请」的内容不完整/)
  })

  t.test('an anonymous, unplaced order: no caller; placed in a village', async (t) => {
    const page = await leader.get('/portal/orders/GD2026120700002')
    t.match(page.text, /匿名（不显示来电人）/)
    t.match(page.text, /data-action="place"/)
    const placed = await leader.post('/portal/orders/GD2026120700002/place', { division: VILLAGES.xishu })
    t.equal(placed.status, 303)
    const after = await leader.get(placed.location!)
    t.match(after.text, /已定位至 西墅村。/)
    t.notMatch(after.text, /data-action="place"/)
    t.match(after.text, /data-event="town.place"[\s\S]*西墅村/)
    t.equal((await leader.get('/portal/orders/GD0000000000')).status, 404)
  })

  let fromOrder = ''
  t.test('the blow form from an order, and the whistle it makes', async (t) => {
    const form = await leader.get('/portal/whistles/new?order=GD2026120700001')
    t.equal(form.status, 200)
    t.match(form.text, /常规哨（响应 24 小时，报到 3 个工作日，办结 10 个工作日）/)
    t.match(form.text, /应急哨（响应 30 分钟，报到 2 小时，办结 24 小时）/)
    t.match(form.text, /0301 市容环境 — 牵头：武进区城市管理局；配合：武进区住房和城乡建设局/)
    t.match(form.text, /配合履职事项清单（第 1 版）/)
    t.match(form.text, /value="村口垃圾堆放多日未清运"/, 'prefilled from the order')
    t.notMatch(form.text, /需领导审批/, 'a leader blows at once')
    const requestId = /name="requestId" value="([^"]+)"/.exec(form.text)![1]!
    const blown = await leader.post('/portal/whistles/new', {
      requestId, sourceKind: 'order', sourceId: 'GD2026120700001', type: 'routine', category: '0301', title: '村口垃圾清运', description: '请城管牵头清运', division: VILLAGES.dongan,
    })
    t.equal(blown.status, 303)
    fromOrder = /\/portal\/whistles\/(CS\d+)/.exec(blown.location!)![1]!
    const page = await leader.get(blown.location!)
    t.equal(page.status, 200)
    t.match(page.text, new RegExp(`已吹哨：${fromOrder}。`))
    t.match(page.text, /data-state="open">办理中/)
    t.match(page.text, /href="\/portal\/orders\/GD2026120700001" class="source-link">12345工单 GD2026120700001/)
    t.match(page.text, /12345 回访[\s\S]*尚未回访/)
    t.match(page.text, /data-department="wj-urban">[\s\S]*武进区城市管理局 <span class="muted">牵头[\s\S]*未送达[\s\S]*待响应[\s\S]*截止 \d{4}-\d{2}-\d{2} \d{2}:\d{2}[\s\S]*提醒联络员：待触发/)
    t.match(page.text, /data-department="wj-housing">[\s\S]*配合/)
    t.same(actionsOn(page.text, 'whistle-action'), ['reroute', 'close'], 'a leader: re-route or close (nothing to decide yet)')
    const again = await leader.post('/portal/whistles/new', { requestId, sourceKind: 'order', sourceId: 'GD2026120700001', type: 'routine', category: '0301', title: '村口垃圾清运', description: '请城管牵头清运' })
    t.equal(again.location, blown.location, 'the same form sent twice blows once')
    t.match((await leader.get('/portal/orders/GD2026120700001')).text, new RegExp(`href="/portal/whistles/${fromOrder}"`), 'the order lists its whistle')
    t.equal((await leader.post('/portal/whistles/new', { type: 'routine', category: '0301', title: 'x', description: 'y' }, { csrf: false })).status, 403, 'no CSRF token, no whistle')
  })

  let pending = ''
  t.test('a window worker blows for a leader to approve', async (t) => {
    const form = await window.get('/portal/whistles/new')
    t.match(form.text, /需领导审批/)
    const blown = await window.post('/portal/whistles/new', { type: 'key', title: '早市占道', description: '东街早市占用消防通道', lead: 'wj-urban' })
    t.equal(blown.status, 303)
    pending = /\/portal\/whistles\/(CS\d+)/.exec(blown.location!)![1]!
    const page = await window.get(blown.location!)
    t.match(page.text, /已提交：.*，待领导审批。/)
    t.same(actionsOn(page.text, 'whistle-action'), [], 'a window worker decides nothing')
    t.match((await leader.get('/portal/whistles?tab=approval')).text, new RegExp(pending))
    t.same(actionsOn((await leader.get(`/portal/whistles/${pending}`)).text, 'whistle-action'), ['approve', 'withdraw'])
  })

  t.test('a liaison: its department\'s whistles only, its own answers, never the town\'s', async (t) => {
    const home = await urban.get('/')
    t.equal(home.status, 303)
    t.equal(home.location, '/portal/whistles', 'a liaison lands on its whistles')
    const list = await urban.get('/portal/whistles')
    t.equal(list.status, 200)
    t.match(list.text, new RegExp(fromOrder))
    t.notMatch(list.text, /href="\/portal\/(orders|cases|departments|search)"/, 'a nav with nothing it cannot use')
    t.notMatch(list.text, /href="\/portal\/whistles\/new"/, 'nor the blow form')
    t.equal((await urban.get('/portal/orders')).status, 403)
    t.equal((await urban.get('/portal/whistles/new')).status, 403)
    const page = await urban.get(`/portal/whistles/${fromOrder}`)
    t.same(actionsOn(page.text, 'whistle-action'), ['respond', 'arrive', 'return', 'request-extension'])
    t.notMatch(page.text, /重新发送/, 'no re-send for a department')
    const close = await urban.post(`/portal/whistles/${fromOrder}/act`, { action: 'close', check: '已清运', rating: '5' })
    t.equal(close.status, 403, 'a liaison never closes')
    t.equal((await urban.post(`/portal/whistles/${fromOrder}/act`, { action: 'respond' }, { csrf: false })).status, 403, 'no CSRF token, no answer')
    const responded = await urban.post(`/portal/whistles/${fromOrder}/act`, { action: 'respond', note: '已安排人员' })
    t.equal(responded.status, 303)
    const after = await urban.get(responded.location!)
    t.match(after.text, /已办理：响应。/)
    t.match(after.text, /data-department="wj-urban">[\s\S]*?data-state="responded">已响应/)
    t.match(after.text, /data-event="respond"[\s\S]*刘城管[\s\S]*响应 · 武进区城市管理局[\s\S]*已安排人员/)
    const arrived = await urban.post(`/portal/whistles/${fromOrder}/act`, { action: 'arrive', who: '刘城管、张队员', at: '2026-12-07T10:30' })
    t.equal(arrived.status, 303)
    t.match((await urban.get(arrived.location!)).text, /data-event="arrive"[\s\S]*刘城管、张队员 2026-12-07 10:30/)
    // The housing liaison sees the whistle from the order (it is summoned) but not one summoning only 城管.
    t.equal((await housing.get(`/portal/whistles/${fromOrder}`)).status, 200)
    t.equal((await housing.get(`/portal/whistles/${pending}`)).status, 404)
    t.notMatch((await housing.get('/portal/whistles?tab=all')).text, new RegExp(pending))
    const other = await housing.post(`/portal/whistles/${pending}/act`, { action: 'respond' })
    t.equal(other.status, 404, 'nor answers for it')
  })

  t.test('extension asked by the department, decided by the leader', async (t) => {
    const asked = await urban.post(`/portal/whistles/${fromOrder}/act`, { action: 'request-extension', clock: 'finish', span: '3wd', reason: '需要协调环卫车辆' })
    t.equal(asked.status, 303)
    const page = await leader.get(`/portal/whistles/${fromOrder}`)
    t.same(actionsOn(page.text, 'whistle-action'), ['reroute', 'decide-extension', 'close'])
    const decided = await leader.post(`/portal/whistles/${fromOrder}/act`, { action: 'decide-extension', department: 'wj-urban', grant: 'yes' })
    t.equal(decided.status, 303)
    t.match((await leader.get(decided.location!)).text, /data-event="decide-extension"[\s\S]*同意延期/)
  })

  t.test('a dead call to a department system: 未送达 and the town re-sends it', async (t) => {
    const { rows } = await db.query<{ id: string }>("SELECT id FROM outbox WHERE subject = $1 AND instance = 'department:wj-urban' ORDER BY id LIMIT 1", [`whistle:${fromOrder}`])
    await db.query("UPDATE outbox SET state = 'dead', last_error = 'refused' WHERE id = $1", [rows[0]!.id])
    const page = await leader.get(`/portal/whistles/${fromOrder}`)
    t.match(page.text, /未送达[\s\S]*重新发送/)
    t.equal((await urban.post(`/portal/whistles/${fromOrder}/resend`, { outboxId: rows[0]!.id })).status, 403, 'not for a department')
    const resent = await leader.post(`/portal/whistles/${fromOrder}/resend`, { outboxId: rows[0]!.id })
    t.equal(resent.status, 303)
    t.match((await leader.get(resent.location!)).text, /已重新发送。/)
    t.equal((await db.query<{ state: string }>('SELECT state FROM outbox WHERE id = $1', [rows[0]!.id])).rows[0]!.state, 'pending')
  })

  t.test('a whistle from a risk report goes through the report', async (t) => {
    const res = await fetch(`${base}/api/v1/risks`, {
      method: 'POST',
      headers: { ...await auth(['grid-staff']), 'content-type': 'application/json' },
      body: JSON.stringify({ category: '消防', village: VILLAGES.dongan, address: '东安村三组仓库', description: '仓库堆放易燃物，消防通道堵塞', severity: 'high' }),
    })
    t.equal(res.status, 201, await res.clone().text())
    const risk = (await res.json() as { id: string }).id
    const form = await leader.get(`/portal/whistles/new?risk=${risk}`)
    t.equal(form.status, 200)
    t.match(form.text, /消防：东安村三组仓库/)
    t.match(form.text, /readonly>仓库堆放易燃物，消防通道堵塞<\/textarea>/)
    const blown = await leader.post('/portal/whistles/new', { sourceKind: 'risk', sourceId: risk, type: 'emergency', title: '仓库消防隐患', lead: 'wj-market', requestId: 'risk-form-0001' })
    t.equal(blown.status, 303)
    const page = await leader.get(blown.location!)
    t.match(page.text, new RegExp(`href="/portal/risks/${risk}" class="source-link">风险隐患 ${risk}`))
    t.match(page.text, /仓库堆放易燃物，消防通道堵塞/)
    t.equal((await leader.get('/portal/whistles/new?risk=FX000000')).status, 404)
  })

  t.test('the whistle lists and English', async (t) => {
    const list = await leader.get('/portal/whistles')
    t.match(list.text, /aria-current="page" class="tab">办理中/)
    t.match(list.text, new RegExp(`${fromOrder}[\\s\\S]*常规哨[\\s\\S]*村口垃圾清运[\\s\\S]*武进区城市管理局、武进区住房和城乡建设局`))
    t.notMatch(list.text, new RegExp(pending), 'awaiting approval is its own tab')
    t.match((await leader.get(`/portal/whistles/${fromOrder}?lang=en`)).text, /Whistle CS\d+[\s\S]*Departments/)
    t.equal((await leader.get('/portal/whistles/CS999999999999999999999999')).status, 404)
    t.equal((await grid.get('/portal/whistles/new')).status, 403, 'grid staff blow no whistles')
  })
})
