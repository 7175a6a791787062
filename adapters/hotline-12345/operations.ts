// The town's answers to the hotline (spec: /work/shared/departments/hotline-12345.md): one operation
// per action of `POST /api/orders/{orderNo}/{action}`, each as the town's service account with the
// bearer token the platform fetches (adapter.ts). Inputs mirror the spec's bodies with the order
// number beside them; instants are ISO 8601 here and go out as the hotline writes them
// (`YYYY-MM-DD HH:mm:ss`, Beijing).
import { z } from 'zod'
import { defineOperation, type DepartmentHttp } from '../../src/adapter-sdk/index.ts'
import { HotlineOrder, ReplyInput, type OrderAnswer } from '../../src/model/order.ts'
import { line, lines } from '../../src/model/text.ts'
import { acceptedOrThrow, WIRE_TIME } from './codes.ts'

const OrderNo = HotlineOrder.shape.orderNo
const Instant = z.iso.datetime({ offset: true })
const Reason = lines().trim().min(1).max(2000)

export const SignInput = z.object({ orderNo: OrderNo, signer: line().trim().min(1).max(100), time: Instant })
export const ReturnInput = z.object({ orderNo: OrderNo, reason: Reason, time: Instant })
export const ExtendInput = z.object({ orderNo: OrderNo, reason: Reason, days: z.number().int().min(1).max(10), time: Instant })
export const ProgressInput = z.object({ orderNo: OrderNo, text: lines().trim().min(1).max(4000), time: Instant })
export { ReplyInput }

/** The hotline took the answer. A reply after the deadline is taken too, and counted late by the hotline. */
export const Accepted = z.object({ success: z.literal(true) })

/** POSTs one answer; its body is the input without orderNo, the time as the hotline writes it. */
async function answer (http: DepartmentHttp, action: OrderAnswer, input: { orderNo: string, time: string }): Promise<z.infer<typeof Accepted>> {
  const { orderNo, ...body } = input
  const result = await http.json<unknown>({
    method: 'POST',
    path: `/api/orders/${encodeURIComponent(orderNo)}/${action}`,
    json: { ...body, time: WIRE_TIME.format(new Date(input.time)) },
  })
  acceptedOrThrow(result, `${action} of order ${orderNo}`)
  return { success: true }
}

// One logical answer per order, action and instant: a retry is the same call, while a second sign
// after a reopening (重办) or a second progress report is another.
const keyOf = (action: OrderAnswer) => ({ orderNo, time }: { orderNo: string, time: string }): string => `${orderNo}:${action}:${new Date(time).toISOString()}`

// Answering an order is the town's handling of it: who may move a case may answer an order.
const PERMISSION = 'cases:act'

// The simulator holds these from its start (simulator.ts): the first dispatched, the second signed.
export const EXAMPLE_ORDERS = { dispatched: 'GD2026120799001', signed: 'GD2026120799002' } as const
const AT = '2026-12-07T09:30:00+08:00'

export const sign = defineOperation({
  title: { zh: '签收', en: 'Sign for an order' },
  input: SignInput,
  output: Accepted,
  actAs: 'service',
  permission: PERMISSION,
  idempotencyKey: keyOf('sign'),
  examples: [{ orderNo: EXAMPLE_ORDERS.dispatched, signer: '王芳', time: AT }],
  run: async ({ http, input }) => await answer(http, 'sign', input),
})

export const returnOrder = defineOperation({
  title: { zh: '退单', en: 'Return an order (not the town\'s duty)' },
  input: ReturnInput,
  output: Accepted,
  actAs: 'service',
  permission: PERMISSION,
  idempotencyKey: keyOf('return'),
  examples: [{ orderNo: EXAMPLE_ORDERS.signed, reason: '该路段属区交通运输局管养，不属本镇职责', time: AT }],
  run: async ({ http, input }) => await answer(http, 'return', input),
})

export const extend = defineOperation({
  title: { zh: '延期申请', en: 'Ask for more time' },
  input: ExtendInput,
  output: Accepted,
  actAs: 'service',
  permission: PERMISSION,
  idempotencyKey: keyOf('extend'),
  examples: [{ orderNo: EXAMPLE_ORDERS.dispatched, reason: '需协调区住建局现场勘查，预计下周完成', days: 5, time: '2026-12-07T10:00:00+08:00' }],
  run: async ({ http, input }) => await answer(http, 'extend', input),
})

export const progress = defineOperation({
  title: { zh: '阶段性回复', en: 'Report progress' },
  input: ProgressInput,
  output: Accepted,
  actAs: 'service',
  permission: PERMISSION,
  idempotencyKey: keyOf('progress'),
  examples: [{ orderNo: EXAMPLE_ORDERS.dispatched, text: '已联系村委会，工作人员已到现场查看', time: '2026-12-07T11:00:00+08:00' }],
  run: async ({ http, input }) => await answer(http, 'progress', input),
})

export const reply = defineOperation({
  title: { zh: '办结回复', en: 'Reply (the order is handled)' },
  input: ReplyInput,
  output: Accepted,
  actAs: 'service',
  permission: PERMISSION,
  idempotencyKey: keyOf('reply'),
  examples: [{ orderNo: EXAMPLE_ORDERS.dispatched, result: '1', text: '经现场核实，垃圾已于当日清运完毕，并已告知来电人', handler: '李强', time: '2026-12-07T15:00:00+08:00' }],
  run: async ({ http, input }) => await answer(http, 'reply', input),
})

export const operations = { sign, return: returnOrder, extend, progress, reply } as const
