// Hotline work orders (工单) through the API: the scope's orders (the town's queue of unplaced ones
// among them), one order with its events, deadlines and the whistles blown from it, placing an
// order in a village, and the town's answers to the hotline. The order service decides and writes;
// these routes say who acts, within which town, and audit every read and write (an order holds the
// caller's name and phone).
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Platform } from '../../platform.ts'
import { TongbanError } from '../../errors.ts'
import { Citizen, HotlineOrder, OrderState, Revisit } from '../../model/order.ts'
import { line } from '../../model/text.ts'
import { AnswerInput } from '../../orders/answers.ts'
import type { OrderView } from '../../orders/service.ts'
import type { OrderActor } from '../../store/orders.ts'
import { decodeCursor, encodeCursor } from '../../web/cursor.ts'
import { errorResponses } from '../errors.ts'
import { scopeOf } from '../scope.ts'
import { page } from './schemas.ts'

const PREFIX = '/api/v1'
const OrderNo = z.object({ orderNo: HotlineOrder.shape.orderNo })
const Instant = z.string().describe('ISO 8601')

const ListQuery = z.object({
  state: line().max(200).optional().describe('one state or several, comma-separated'),
  unplaced: z.enum(['true', 'false']).optional().describe('true: only the orders waiting in the town\'s queue for a person to place them'),
  q: line().trim().min(1).max(100).optional().describe('part of the order number, title or address'),
  cursor: line().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
})

const Clock = z.object({
  deadline: Instant.nullable(),
  doneAt: Instant.nullable().describe('when the town signed (or replied)'),
  late: z.boolean().describe('done after the deadline, or not done and past it: the hotline counts it late'),
})

const OrderEvent = z.object({
  id: z.number().int(),
  eventId: z.string().nullable().describe('the hotline\'s event id; null for the town\'s own answers'),
  type: z.string().describe('order.dispatched, order.urged, order.revisited, order.reopened, order.closed, or town.<answer> / town.place'),
  at: Instant,
  actor: z.object({ kind: z.string(), id: z.string(), name: z.string() }),
  data: z.record(z.string(), z.unknown()),
  appliedAt: Instant.nullable().describe('null: a hotline event waiting for its order\'s dispatch'),
})

const OrderWhistle = z.object({ id: z.string(), state: z.string(), type: z.string(), title: z.string(), blownAt: Instant, closedAt: Instant.nullable() })

const OrderFields = {
  orderNo: z.string(),
  town: z.string(),
  division: z.string().nullable().describe('the village (12 digits) or the town itself; null: in the town\'s queue, to be placed'),
  state: OrderState,
  category: z.string().nullable(),
  kind: z.string().nullable().describe('1 咨询, 2 求助, 3 投诉, 4 举报, 5 建议, 9 紧急'),
  title: z.string().nullable(),
  address: z.string().nullable(),
  dispatchTime: Instant.nullable(),
  signDeadline: Instant.nullable(),
  replyDeadline: Instant.nullable(),
  urgeCount: z.number().int(),
  receivedAt: Instant,
  signedAt: Instant.nullable(),
  repliedAt: Instant.nullable(),
}

const OrderListItem = z.object({ ...OrderFields, href: z.string() }).meta({ id: 'OrderListItem' })

const OrderDetail = z.object({
  ...OrderFields,
  instance: z.string().describe('the hotline adapter instance it came through; answers go back through it'),
  placedBy: z.string().nullable(),
  channel: z.string().nullable(),
  content: z.string().nullable(),
  citizen: Citizen.nullable().describe('null when the caller stays anonymous'),
  anonymous: z.boolean(),
  revisit: Revisit.nullable(),
  deadlines: z.object({ sign: Clock, reply: Clock }),
  allowed: z.array(z.string()).describe('the answers the order\'s state allows'),
  events: z.array(OrderEvent),
  whistles: z.array(OrderWhistle).describe('the whistles blown from this order'),
}).meta({ id: 'Order' })

const AnswerResult = z.object({
  order: OrderDetail,
  late: z.boolean().describe('a reply after the reply deadline: taken, and counted late by the hotline'),
}).meta({ id: 'OrderAnswer' })

const PlaceBody = z.object({ division: z.string().regex(/^\d{12}$/, 'a 12-digit division code: a village of the town, or the town') })

/** Who acts: the signed-in staff member or the API client. */
function actorOf (req: FastifyRequest): OrderActor {
  const p = req.principal
  return { kind: p.kind === 'staff' ? 'staff' : 'token', id: p.id, name: p.name }
}

/** A list cursor: the (receivedAt, orderNo) of the previous page's last order. */
function cursorOf (cursor: string | undefined): { receivedAt: string, orderNo: string } | undefined {
  const text = decodeCursor(cursor, 'string')
  if (text === undefined) return undefined
  const [receivedAt, orderNo] = text.split('|')
  if (receivedAt === undefined || orderNo === undefined || Number.isNaN(Date.parse(receivedAt))) throw new TongbanError('TB_CURSOR_INVALID')
  return { receivedAt, orderNo }
}

function detailOf (v: OrderView): z.infer<typeof OrderDetail> {
  const { order: o } = v
  return {
    orderNo: o.orderNo, town: o.town, division: o.division, state: o.state, category: o.category, kind: o.kind, title: o.title, address: o.address,
    dispatchTime: o.dispatchTime, signDeadline: o.signDeadline, replyDeadline: o.replyDeadline, urgeCount: o.urgeCount, receivedAt: o.receivedAt,
    signedAt: o.signedAt, repliedAt: o.repliedAt, instance: o.instance, placedBy: o.placedBy, channel: o.channel, content: o.content,
    citizen: o.citizen ?? null, anonymous: o.anonymous, revisit: o.revisit, deadlines: v.deadlines, allowed: v.allowed,
    events: v.events.map(({ orderNo: _orderNo, ...e }) => e), whistles: v.whistles,
  }
}

export async function orderRoutes (app: FastifyInstance, opts: { platform: Platform }): Promise<void> {
  const { platform } = opts
  const api = app.withTypeProvider<ZodTypeProvider>()
  const detail = async (orderNo: string, prefix: string): Promise<z.infer<typeof OrderDetail>> => detailOf(await platform.orders.view(orderNo, prefix))

  api.get('/orders', {
    config: { permission: 'orders:read', audit: { action: 'order.list', subjectKind: 'order' } },
    schema: {
      summary: 'The work orders of your scope, newest first',
      description: 'Town staff see their town\'s orders, a county admin the county\'s. `unplaced=true` is the town\'s queue: orders whose place neither the division code nor the address gave.',
      tags: ['orders'],
      querystring: ListQuery,
      response: { 200: page(OrderListItem), ...errorResponses('TB_CURSOR_INVALID', 'TB_VALIDATION') },
    },
  }, async (req) => {
    const q = req.query
    const states = q.state?.split(',').map((s) => s.trim()).filter((s) => s !== '')
    const bad = states?.find((s) => !OrderState.safeParse(s).success)
    if (bad !== undefined) throw new TongbanError('TB_VALIDATION', [`querystring.state: ${bad} is not an order state (${OrderState.options.join(', ')})`])
    const after = cursorOf(q.cursor)
    const items = await platform.orders.list({
      townPrefix: scopeOf(req).prefix,
      ...(states?.length ? { states: states as OrderState[] } : {}),
      ...(q.unplaced === 'true' ? { unplaced: true } : {}),
      ...(q.q ? { q: q.q } : {}),
      ...(after ? { after } : {}),
      limit: q.limit + 1,
    })
    const shown = items.slice(0, q.limit)
    const last = shown.at(-1)
    return {
      items: shown.map((o) => ({ ...o, href: `${PREFIX}/orders/${encodeURIComponent(o.orderNo)}` })),
      next: items.length > q.limit && last ? encodeCursor(`${last.receivedAt}|${last.orderNo}`) : null,
    }
  })

  api.get('/orders/:orderNo', {
    config: { permission: 'orders:read', audit: { action: 'order.read', subjectKind: 'order', subjectParam: 'orderNo' } },
    schema: {
      summary: 'One work order: its state, events, deadlines, the answers it allows and the whistles blown from it',
      tags: ['orders'],
      params: OrderNo,
      response: { 200: OrderDetail, ...errorResponses('TB_ORDER_NOT_FOUND') },
    },
  }, async (req) => await detail(req.params.orderNo, scopeOf(req).prefix))

  api.post('/orders/:orderNo/place', {
    config: {
      permission: 'orders:act',
      audit: { action: 'order.place', subjectKind: 'order', subjectParam: 'orderNo', describe: (req) => ({ details: { division: (req.body as { division?: string } | undefined)?.division } }) },
    },
    schema: {
      summary: 'Place a work order in a village of its town (or the town itself)',
      description: 'For an order in the town\'s queue (no division code, no village named in its address), or to move one placed wrongly. Kept as a `town.place` event.',
      tags: ['orders'],
      params: OrderNo,
      body: PlaceBody,
      response: { 200: OrderDetail, ...errorResponses('TB_ORDER_NOT_FOUND', 'TB_ORDER_DIVISION_INVALID') },
    },
  }, async (req) => {
    const { prefix } = scopeOf(req)
    await platform.orders.place(req.params.orderNo, req.body.division, actorOf(req), prefix)
    return await detail(req.params.orderNo, prefix)
  })

  api.post('/orders/:orderNo/answers', {
    config: {
      permission: 'orders:act',
      audit: { action: 'order.answer', subjectKind: 'order', subjectParam: 'orderNo', describe: (req) => ({ details: { answer: (req.body as { answer?: string } | undefined)?.answer } }) },
    },
    schema: {
      summary: 'Answer a work order: sign (签收), return (退单), extend (延期申请), progress (阶段性回复) or reply (办结回复)',
      description: 'The order\'s state decides: an answer it does not allow is 409 TB_ORDER_TRANSITION_NOT_ALLOWED naming the state and the allowed answers. A return is taken only within 2 working days of dispatch (409 TB_ORDER_RETURN_TOO_LATE). The answer is sent to the hotline through the outbox (retried with backoff; a refusal leaves the row dead with the reason, `GET /api/v1/outbox?subject=order:<orderNo>`). A reply after the reply deadline is taken and answered `late: true`.',
      tags: ['orders'],
      params: OrderNo,
      body: AnswerInput,
      response: { 200: AnswerResult, ...errorResponses('TB_ORDER_NOT_FOUND', 'TB_ORDER_TRANSITION_NOT_ALLOWED', 'TB_CALENDAR_NOT_COVERED') },
    },
  }, async (req) => {
    const { prefix } = scopeOf(req)
    const { late } = await platform.orders.answer(req.params.orderNo, req.body, actorOf(req), prefix)
    return { order: await detail(req.params.orderNo, prefix), late }
  })
}
