// A hotline work order (工单) as the 12345 platform describes it, and what the town answers. The
// platform's codes are kept as they come (category, kind, channel); instants are ISO 8601. These
// schemas are the one description of an order: the adapter's parser, the store and the API use them.
import { z } from 'zod'
import { line, lines } from './text.ts'

export const ORDER_EVENT_TYPES = ['order.dispatched', 'order.urged', 'order.revisited', 'order.reopened', 'order.closed'] as const
export const OrderEventType = z.enum(ORDER_EVENT_TYPES)
export type OrderEventType = z.infer<typeof OrderEventType>

/** Where an order stands: `dispatched → signed → (returned | replied) → revisited → closed`, and `closed → reopened → signed` (重办). */
export const ORDER_STATES = ['dispatched', 'signed', 'returned', 'replied', 'revisited', 'closed', 'reopened'] as const
export const OrderState = z.enum(ORDER_STATES)
export type OrderState = z.infer<typeof OrderState>

/** 1 咨询, 2 求助, 3 投诉, 4 举报, 5 建议, 9 紧急. */
export const OrderKind = z.enum(['1', '2', '3', '4', '5', '9'])
/** 1 phone, 2 app, 3 web, 4 领导信箱. */
export const OrderChannel = z.enum(['1', '2', '3', '4'])

export const Revisit = z.object({
  contacted: z.boolean(),
  solved: z.boolean(),
  satisfied: z.number().int().min(1).max(5),
  comment: z.string().max(2000).default(''),
})
export type Revisit = z.infer<typeof Revisit>

export const Citizen = z.object({ name: z.string().max(100), phone: z.string().max(40), idNumber: z.string().max(40).optional() })

/**
 * The order as an event carries it. `order.dispatched` carries all of it; the others always carry
 * `orderNo` and what they are about (urgeCount, revisit), and may carry the rest.
 */
export const HotlineOrder = z.object({
  orderNo: z.string().regex(/^[A-Za-z0-9-]{6,40}$/, 'an order number such as GD2026112000123'),
  channel: OrderChannel.optional(),
  category: z.string().regex(/^\d{2,8}$/, 'a category code such as 0301').optional(),
  kind: OrderKind.optional(),
  title: z.string().max(500).optional(),
  content: z.string().max(20_000).optional(),
  address: z.string().max(500).optional(),
  /** 9 or 12 digits, or absent when the platform left it empty (about 1 in 10). */
  divisionCode: z.string().regex(/^(\d{9}|\d{12})$/).optional(),
  /** Absent when the caller asked to stay anonymous. */
  citizen: Citizen.optional(),
  anonymous: z.boolean().default(false),
  dispatchTime: z.iso.datetime({ offset: true }).optional(),
  signDeadline: z.iso.datetime({ offset: true }).optional(),
  replyDeadline: z.iso.datetime({ offset: true }).optional(),
  urgeCount: z.number().int().min(0).optional(),
  revisit: Revisit.optional(),
})
export type HotlineOrder = z.infer<typeof HotlineOrder>

/** The town's answers to the hotline (operations of a hotline adapter, all with `orderNo`). */
export const ORDER_ANSWERS = ['sign', 'return', 'extend', 'progress', 'reply'] as const
export const OrderAnswer = z.enum(ORDER_ANSWERS)
export type OrderAnswer = z.infer<typeof OrderAnswer>

/** 1 solved, 2 explained, 3 cannot be solved. */
export const ReplyResult = z.enum(['1', '2', '3'])

export const ReplyInput = z.object({
  orderNo: HotlineOrder.shape.orderNo,
  result: ReplyResult,
  text: lines().trim().min(1).max(4000),
  handler: line().trim().min(1).max(100),
  time: z.iso.datetime({ offset: true }),
  attachments: z.array(z.object({ name: line().min(1).max(200), sha256: z.string().regex(/^[0-9a-f]{64}$/) })).max(20).optional(),
})
export type ReplyInput = z.infer<typeof ReplyInput>
