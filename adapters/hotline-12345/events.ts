// The hotline's work-order events (order.dispatched, .urged, .revisited, .reopened, .closed), one
// per Standard Webhooks message signed `v1` (HMAC-SHA256). The platform's webhook door verifies
// the signature; this reads a verified body into the platform's OrderEventMessage: times
// `YYYY-MM-DD HH:mm:ss` Beijing become ISO instants, an empty divisionCode becomes none (the address
// then names the village), an anonymous caller is no citizen at all. Events arrive out of order
// (an urge before its dispatch) and twice (two dispatches of one order): the orders decide what
// each means; this only reads them.
import { z } from 'zod'
import { TongbanError } from '../../src/errors.ts'
import type { OrderEventIntake, OrderEventMessage } from '../../src/adapter-sdk/index.ts'
import { Citizen, HotlineOrder, ORDER_EVENT_TYPES, OrderChannel, OrderEventType, OrderKind, Revisit } from '../../src/model/order.ts'
import { WIRE_TIME } from './codes.ts'

/** How the events arrive: what the order wiring declares at its webhook door. */
export const ORDER_EVENTS: OrderEventIntake['receive'] = {
  signature: 'standard-webhooks',
  body: { format: 'json' },
  maxBodyBytes: 65_536,
}

/** `YYYY-MM-DD HH:mm:ss` Beijing -> an ISO instant. */
const WireTime = z.string().transform((text, ctx) => {
  const at = WIRE_TIME.parse(text)
  if (at === undefined) {
    ctx.addIssue({ code: 'custom', message: 'a time YYYY-MM-DD HH:mm:ss (Beijing)' })
    return z.NEVER
  }
  return at.toISOString()
})

/** The spec writes codes as `1`: taken as a string or a number. */
const AsText = z.union([z.string(), z.number()]).transform(String)

const WireOrder = z.object({
  orderNo: HotlineOrder.shape.orderNo,
  channel: AsText.pipe(OrderChannel).optional(),
  category: HotlineOrder.shape.category,
  kind: AsText.pipe(OrderKind).optional(),
  title: HotlineOrder.shape.title,
  content: HotlineOrder.shape.content,
  address: HotlineOrder.shape.address,
  /** Empty on about 1 in 10 orders. */
  divisionCode: z.union([z.literal(''), z.string().regex(/^(\d{9}|\d{12})$/, 'a division code of 9 or 12 digits, or empty')]).optional(),
  citizen: Citizen.nullable().optional(),
  anonymous: z.boolean().optional(),
  dispatchTime: WireTime.optional(),
  signDeadline: WireTime.optional(),
  replyDeadline: WireTime.optional(),
  urgeCount: HotlineOrder.shape.urgeCount,
  revisit: Revisit.optional(),
})

/** What each type must carry beyond orderNo: a dispatch is the whole order, the others what they are about. */
const REQUIRED: Readonly<Record<OrderEventType, ReadonlyArray<keyof z.infer<typeof WireOrder>>>> = {
  'order.dispatched': ['channel', 'category', 'kind', 'title', 'content', 'address', 'dispatchTime', 'signDeadline', 'replyDeadline'],
  'order.urged': ['urgeCount'],
  'order.revisited': ['revisit'],
  'order.reopened': [],
  'order.closed': [],
}

const Envelope = z.object({
  eventId: z.string().min(1).max(200),
  type: z.string().superRefine((t, ctx) => {
    if (!(ORDER_EVENT_TYPES as readonly string[]).includes(t)) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(t)} is no order event type the spec names (${ORDER_EVENT_TYPES.join(', ')})` })
  }),
  time: WireTime,
  order: WireOrder,
}).superRefine((event, ctx) => {
  if (!(ORDER_EVENT_TYPES as readonly string[]).includes(event.type)) return
  for (const key of REQUIRED[event.type as OrderEventType]) {
    if (event.order[key] === undefined) ctx.addIssue({ code: 'custom', path: ['order', key], message: `required on ${event.type}` })
  }
  const { anonymous, citizen } = event.order
  if (event.type === 'order.dispatched' && anonymous !== true && (citizen === undefined || citizen === null)) {
    ctx.addIssue({ code: 'custom', path: ['order', 'citizen'], message: 'required on order.dispatched unless anonymous' })
  }
})

const invalid = (reason: string): TongbanError => new TongbanError('TB_WEBHOOK_BODY_INVALID', [reason])

/** A verified event body as an OrderEventMessage; TB_WEBHOOK_BODY_INVALID naming the field otherwise. */
export function parseOrderEvent (body: Buffer | string): OrderEventMessage {
  let value: unknown
  try {
    value = JSON.parse(body.toString('utf8'))
  } catch {
    throw invalid('the order event is not JSON')
  }
  const parsed = Envelope.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw invalid(`order event ${issue.path.join('.') || '(body)'}: ${issue.message}`)
  }
  const { eventId, type, time, order: wire } = parsed.data
  const { divisionCode, citizen, anonymous, ...rest } = wire
  // The hotline hides an anonymous caller from the unit: whatever came, the town keeps no citizen.
  const order = HotlineOrder.safeParse({
    ...rest,
    ...(divisionCode ? { divisionCode } : {}),
    ...(anonymous === true || citizen === null || citizen === undefined ? {} : { citizen }),
    anonymous: anonymous === true,
  })
  if (!order.success) {
    const issue = order.error.issues[0]!
    throw invalid(`order event order.${issue.path.join('.')}: ${issue.message}`)
  }
  return { eventId, type: type as OrderEventType, time, order: order.data }
}
