// The town's work orders (工单): listing its scope's, one order with its events, the whistles blown
// from it and its two hotline deadlines (sign-in, reply), placing an unplaced order in a village,
// and answering it. Each change is one transaction on the locked order (answers.ts writes the
// answer's event, state and outbox row); the hotline counts a late reply, so one is taken and
// flagged, never refused.
import type { WorkingCalendar } from '../calendar/calendar.ts'
import { beijingDay, beijingToday, dateOf } from '../calendar/days.ts'
import { computeDeadline } from '../calendar/deadline.ts'
import type { Config } from '../config/schema.ts'
import { TongbanError } from '../errors.ts'
import type { Db } from '../store/db.ts'
import {
  appendOrderEvent, getOrder, listOrders, lockOrder, orderEvents, updateOrder, whistlesOfOrder, type OrderActor, type OrderEventRow, type OrderListFilter,
  type OrderListRow, type OrderRow, type OrderWhistle,
} from '../store/orders.ts'
import { answerBody, answerOrder, type AnswerInput } from './answers.ts'
import { allowedAnswers } from './machine.ts'

/** A return (退单) is taken within this many working days of dispatch (the hotline's rule). */
export const RETURN_WITHIN_WORKING_DAYS = 2

export interface OrderServiceDeps {
  db: Db
  calendar: () => WorkingCalendar
  towns: () => Config['towns']
  now?: () => Date
}

/** A hotline deadline and how the town kept it: `late` when done after it, or not done and past it. */
export interface OrderClock { deadline: string | null, doneAt: string | null, late: boolean }

export interface OrderView {
  order: OrderRow
  events: OrderEventRow[]
  whistles: OrderWhistle[]
  deadlines: { sign: OrderClock, reply: OrderClock }
  allowed: string[]
}

function clockOf (deadline: string | null, doneAt: string | null, now: string): OrderClock {
  const late = deadline !== null && Date.parse(doneAt ?? now) > Date.parse(deadline)
  return { deadline, doneAt, late }
}

export function createOrderService (deps: OrderServiceDeps) {
  const { db } = deps
  const now = (): string => (deps.now?.() ?? new Date()).toISOString()
  const inScope = (o: OrderRow | undefined, townPrefix: string): o is OrderRow => o !== undefined && o.town.startsWith(townPrefix)

  /** The last Beijing day a return is taken: two working days after the dispatch day. */
  function returnUntil (o: OrderRow): string {
    const start = o.dispatchTime ?? o.receivedAt
    const d = computeDeadline(deps.calendar(), { start, limit: { amount: RETURN_WITHIN_WORKING_DAYS, unit: 'working-days' } })
    return d.state === 'running' ? d.due : dateOf(beijingDay(start)!)
  }

  async function list (f: OrderListFilter): Promise<OrderListRow[]> {
    return await listOrders(db, f)
  }

  /** The order as the town sees it, or TB_ORDER_NOT_FOUND outside `townPrefix`. */
  async function view (orderNo: string, townPrefix: string): Promise<OrderView> {
    const order = await getOrder(db, orderNo)
    if (!inScope(order, townPrefix)) throw new TongbanError('TB_ORDER_NOT_FOUND', [orderNo])
    const [events, whistles] = await Promise.all([orderEvents(db, orderNo), whistlesOfOrder(db, orderNo)])
    const at = now()
    return {
      order,
      events,
      whistles,
      deadlines: { sign: clockOf(order.signDeadline, order.signedAt, at), reply: clockOf(order.replyDeadline, order.repliedAt, at) },
      allowed: [...allowedAnswers(order.state)],
    }
  }

  /** Places an order in a village of its town (or the town itself), also moving one placed before; the move is an event. */
  async function place (orderNo: string, division: string, actor: OrderActor, townPrefix: string): Promise<void> {
    await db.transaction(async (tx) => {
      const order = await lockOrder(tx, orderNo)
      if (!inScope(order, townPrefix)) throw new TongbanError('TB_ORDER_NOT_FOUND', [orderNo])
      const town = deps.towns().find((t) => t.code === order.town)
      const known = town?.villages.some((v) => v.code === division) ?? false
      if (!known && division !== order.town && !(division.length === 12 && division.startsWith(order.town.slice(0, 9)))) {
        throw new TongbanError('TB_ORDER_DIVISION_INVALID', [orderNo, division, `not a village of town ${order.town} (${town?.villages.map((v) => `${v.code} ${v.name}`).join(', ') || 'no villages configured'})`])
      }
      const at = now()
      await appendOrderEvent(tx, { orderNo, instance: order.instance, eventId: null, type: 'town.place', at, actor, data: { division, from: order.division }, appliedAt: at })
      await updateOrder(tx, orderNo, { division, placedBy: `${actor.kind}:${actor.id}` }, at)
    })
  }

  /** One answer to the hotline; a reply after the reply deadline is taken and comes back `late`. */
  async function answer (orderNo: string, input: AnswerInput, actor: OrderActor, townPrefix: string): Promise<{ late: boolean }> {
    return await db.transaction(async (tx) => {
      const order = await lockOrder(tx, orderNo)
      if (!inScope(order, townPrefix)) throw new TongbanError('TB_ORDER_NOT_FOUND', [orderNo])
      const at = now()
      if (input.answer === 'return' && allowedAnswers(order.state).includes('return')) {
        const until = returnUntil(order)
        if (beijingToday(Date.parse(at)) > until) throw new TongbanError('TB_ORDER_RETURN_TOO_LATE', [orderNo, dateOf(beijingDay(order.dispatchTime ?? order.receivedAt)!), until])
      }
      await answerOrder(tx, { orderNo, answer: input.answer, body: answerBody(input, actor.name, at), actor, at })
      return { late: input.answer === 'reply' && order.replyDeadline !== null && Date.parse(at) > Date.parse(order.replyDeadline) }
    })
  }

  return { list, view, place, answer }
}

export type OrderService = ReturnType<typeof createOrderService>
