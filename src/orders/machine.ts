// What the town may answer a work order in each state, and where each answer leaves it: the
// hotline's own state table (spec: /work/shared/departments/hotline-12345.md), so an answer the
// hotline would refuse with E_STATE is refused here first, before it waits in the outbox.
import type { OrderAnswer, OrderState } from '../model/order.ts'

const ANSWERS: Readonly<Record<OrderState, readonly OrderAnswer[]>> = {
  dispatched: ['sign'],
  reopened: ['sign'],
  signed: ['return', 'extend', 'progress', 'reply'],
  returned: [],
  replied: [],
  revisited: [],
  closed: [],
}

/** The answers the state allows, in the table's order. */
export const allowedAnswers = (state: OrderState): readonly OrderAnswer[] => ANSWERS[state]

/** The state an allowed answer leaves: signing signs, returning and replying end the town's part, the others keep the state. */
export function stateAfter (state: OrderState, answer: OrderAnswer): OrderState {
  switch (answer) {
    case 'sign': return 'signed'
    case 'return': return 'returned'
    case 'reply': return 'replied'
    default: return state
  }
}
