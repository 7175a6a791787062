// The pure parts of work orders: which town a dispatched order belongs to, where in it it is
// placed, and the town's answers state by state (the hotline's own table).
import t from 'tap'
import { Config } from '../../src/config/schema.ts'
import { placeOrder, townOfOrder } from '../../src/orders/events.ts'
import { allowedAnswers, stateAfter } from '../../src/orders/machine.ts'
import { ORDER_ANSWERS, ORDER_STATES, type HotlineOrder } from '../../src/model/order.ts'

const HUANGLI = { code: '320412120000', name: '湟里镇', villages: [{ code: '320412120201', name: '东安村' }, { code: '320412120299', name: '安村' }, { code: '320412120202', name: '西墅村' }] }
const OTHER = { code: '320412102000', name: '另一镇', villages: [] }
const order = (o: Partial<HotlineOrder>): HotlineOrder => ({ orderNo: 'GD2026120700001', anonymous: false, ...o })

t.test('the town of an order: the instance\'s, else the only one, else the one its division code names', async (t) => {
  t.equal(townOfOrder([HUANGLI, OTHER], '320412102000', order({ divisionCode: '320412120201' }))?.code, OTHER.code, 'the instance\'s town wins')
  t.equal(townOfOrder([HUANGLI, OTHER], '320412999000', order({})), undefined, 'an instance town not configured: none')
  t.equal(townOfOrder([HUANGLI], undefined, order({}))?.code, HUANGLI.code, 'the only town')
  t.equal(townOfOrder([HUANGLI, OTHER], undefined, order({ divisionCode: '320412102201' }))?.code, OTHER.code, 'named by the code')
  t.equal(townOfOrder([HUANGLI, OTHER], undefined, order({ divisionCode: '320412102' }))?.code, OTHER.code, '9 digits too')
  t.equal(townOfOrder([HUANGLI, OTHER], undefined, order({ address: '湟里镇东安村' })), undefined, 'several towns, no code: none (TB_ORDER_TOWN_UNKNOWN)')
})

t.test('an instance\'s town must be a configured one', async (t) => {
  const config = (town: string) => Config.safeParse({ towns: [{ code: HUANGLI.code, name: '湟里镇' }], adapters: [{ id: 'hotline', adapter: 'hotline-12345', town }] })
  t.ok(config(HUANGLI.code).success)
  t.match(config('320412999000').error?.issues, [{ path: ['adapters', 0, 'town'], message: /no town 320412999000 is configured/ }])
})

t.test('the place of an order in its town', async (t) => {
  t.equal(placeOrder(HUANGLI, order({ divisionCode: '320412120201' })), '320412120201', 'a village by its code')
  t.equal(placeOrder(HUANGLI, order({ divisionCode: '320412120207' })), '320412120207', 'a 12-digit code under the town, configured or not')
  t.equal(placeOrder(HUANGLI, order({ divisionCode: '320412120' })), HUANGLI.code, '9 digits: the town itself')
  t.equal(placeOrder(HUANGLI, order({ divisionCode: '320412120000' })), HUANGLI.code, 'the town\'s own 12 digits')
  t.equal(placeOrder(HUANGLI, order({ address: '武进区湟里镇东安村三组' })), '320412120201', 'by name: the longest name found (东安村, not 安村)')
  t.equal(placeOrder(HUANGLI, order({ divisionCode: '320412102201', address: '西墅村' })), '320412120202', 'a code of another town: by name')
  t.equal(placeOrder(HUANGLI, order({ address: '湟里镇某路口' })), null, 'unplaced: the town\'s queue')
  t.equal(placeOrder(HUANGLI, order({})), null)
})

t.test('the answers each state allows, and where they leave it', async (t) => {
  const table = Object.fromEntries(ORDER_STATES.map((s) => [s, allowedAnswers(s)]))
  t.same(table, { dispatched: ['sign'], reopened: ['sign'], signed: ['return', 'extend', 'progress', 'reply'], returned: [], replied: [], revisited: [], closed: [] })
  const after = Object.fromEntries(ORDER_ANSWERS.map((a) => [a, stateAfter('signed', a)]))
  t.same(after, { sign: 'signed', return: 'returned', extend: 'signed', progress: 'signed', reply: 'replied' })
  t.equal(stateAfter('reopened', 'sign'), 'signed')
})
