// The town's answers to a work order (sign, return, extend, progress, reply). An answer is taken in
// the caller's transaction: the order's new state, its `town.<answer>` event and the outbox row
// that sends it to the hotline through the instance the order came from — so an answer is either
// recorded and on its way, or not at all. A whistle closing on an order replies through here too.
import { z } from 'zod'
import { TongbanError } from '../errors.ts'
import { ReplyInput, type OrderAnswer } from '../model/order.ts'
import { line, lines } from '../model/text.ts'
import type { Queryable } from '../store/db.ts'
import { appendOrderEvent, lockOrder, updateOrder, type OrderActor, type OrderChange } from '../store/orders.ts'
import { addOutbox } from '../store/outbox.ts'
import { allowedAnswers, stateAfter } from './machine.ts'

const Reason = lines().trim().min(1).max(2000)

/** An answer as a person gives it (the API's body): the time is the platform's, the signer and handler default to the person. */
export const AnswerInput = z.discriminatedUnion('answer', [
  z.object({ answer: z.literal('sign'), signer: line().trim().min(1).max(100).optional().describe('签收人; default: you') }),
  z.object({ answer: z.literal('return'), reason: Reason.describe('退单理由: why it is not the town\'s duty') }),
  z.object({ answer: z.literal('extend'), reason: Reason, days: z.number().int().min(1).max(10).describe('working days asked for (1–10)') }),
  z.object({ answer: z.literal('progress'), text: lines().trim().min(1).max(4000).describe('阶段性回复') }),
  z.object({
    answer: z.literal('reply'),
    result: ReplyInput.shape.result.describe('1 solved, 2 explained, 3 cannot be solved'),
    text: ReplyInput.shape.text,
    handler: ReplyInput.shape.handler.optional().describe('承办人; default: you'),
    attachments: ReplyInput.shape.attachments,
  }),
])
export type AnswerInput = z.infer<typeof AnswerInput>

/** The answer's body as the hotline's operation takes it (without orderNo), at `at`, given by `name`. */
export function answerBody (input: AnswerInput, name: string, at: string): Record<string, unknown> {
  switch (input.answer) {
    case 'sign': return { signer: input.signer ?? name, time: at }
    case 'return': return { reason: input.reason, time: at }
    case 'extend': return { reason: input.reason, days: input.days, time: at }
    case 'progress': return { text: input.text, time: at }
    case 'reply': return { result: input.result, text: input.text, handler: input.handler ?? name, time: at, ...(input.attachments ? { attachments: input.attachments } : {}) }
  }
}

/** The order's timestamps an answer sets. */
function changeOf (answer: OrderAnswer, at: string): Pick<OrderChange, 'signedAt' | 'repliedAt'> {
  if (answer === 'sign') return { signedAt: at }
  if (answer === 'reply') return { repliedAt: at }
  return {}
}

/**
 * Takes one answer inside the caller's transaction: TB_ORDER_NOT_FOUND, or 409
 * TB_ORDER_TRANSITION_NOT_ALLOWED naming the state and the answers it allows.
 */
export async function answerOrder (tx: Queryable, a: { orderNo: string, answer: OrderAnswer, body: Record<string, unknown>, actor: { kind: string, id: string, name: string }, at: string }): Promise<void> {
  const order = await lockOrder(tx, a.orderNo)
  if (!order) throw new TongbanError('TB_ORDER_NOT_FOUND', [a.orderNo])
  const allowed = allowedAnswers(order.state)
  if (!allowed.includes(a.answer)) {
    throw new TongbanError('TB_ORDER_TRANSITION_NOT_ALLOWED', [a.orderNo, order.state, a.answer, allowed.join(', ') || 'nothing (the town\'s part is done)'], { details: { state: order.state, allowed } })
  }
  await addOutbox(tx, [{ subject: `order:${a.orderNo}`, instance: order.instance, operation: a.answer, input: { orderNo: a.orderNo, ...a.body } }], a.at)
  await appendOrderEvent(tx, { orderNo: a.orderNo, instance: order.instance, eventId: null, type: `town.${a.answer}`, at: a.at, actor: a.actor satisfies OrderActor, data: a.body, appliedAt: a.at })
  await updateOrder(tx, a.orderNo, { state: stateAfter(order.state, a.answer), ...changeOf(a.answer, a.at) }, a.at)
}

/**
 * The reply a closed whistle owes the order it came from, inside the closing transaction: an order
 * not signed yet (dispatched, or reopened for 重办) is signed first by the closing person, and an
 * order the town already answered otherwise (replied or returned by hand) is left as it is.
 */
export async function replyForClosedWhistle (tx: Queryable, a: { orderNo: string, body: { result: string, text: string, handler: string, time: string }, actor: { kind: string, id: string, name: string }, at: string }): Promise<'replied' | 'already-answered'> {
  const order = await lockOrder(tx, a.orderNo)
  if (!order) throw new TongbanError('TB_ORDER_NOT_FOUND', [a.orderNo])
  if (allowedAnswers(order.state).includes('sign')) {
    await answerOrder(tx, { orderNo: a.orderNo, answer: 'sign', body: { signer: a.actor.name, time: a.at }, actor: a.actor, at: a.at })
  } else if (!allowedAnswers(order.state).includes('reply')) {
    return 'already-answered'
  }
  await answerOrder(tx, { orderNo: a.orderNo, answer: 'reply', body: a.body, actor: a.actor, at: a.at })
  return 'replied'
}
