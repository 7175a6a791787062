// 12345政务服务便民热线 工单接口 — the city's 12345 hotline: it dispatches residents' requests to the
// town as work orders (工单) by webhook (events.ts) and takes the town's answers (operations.ts). No
// records: the orders are the town's (src/orders/), not the record pipeline's
// (spec: /work/shared/departments/hotline-12345.md).
import { z } from 'zod'
import { defineAdapter } from '../../src/adapter-sdk/index.ts'
import { ID } from './codes.ts'
import { operations } from './operations.ts'
import { ORDER_EVENTS, parseOrderEvent } from './events.ts'
import { demoSimulator } from './demo.ts'

export { ID, ERR_CODES, WIRE_TIME, acceptedOrThrow } from './codes.ts'
export { operations, sign, returnOrder, extend, progress, reply, Accepted, SignInput, ReturnInput, ExtendInput, ProgressInput, ReplyInput, EXAMPLE_ORDERS } from './operations.ts'
export { ORDER_EVENTS, parseOrderEvent } from './events.ts'

export default defineAdapter({
  id: ID,
  department: { name: '12345政务服务便民热线', level: 'city' },
  // POST /api/token {clientId, clientSecret} answers {success, token, expiresIn}; tokens last 2 h
  auth: {
    type: 'json-token',
    tokenPath: '/api/token',
    names: { clientId: 'clientId', clientSecret: 'clientSecret' },
    answer: { token: 'token', expiresIn: 'expiresIn' },
    ttlSeconds: 7200,
  },
  operations,
  orderEvents: { receive: ORDER_EVENTS, parse: parseOrderEvent },
  instance: z.object({
    baseUrl: z.string({ error: `adapter ${ID} answers the hotline's orders: give baseUrl` }),
    credentials: z.unknown().refine((c) => c !== undefined, `adapter ${ID} takes a token with the town's client: give credentials with clientId and clientSecret`),
  }),
  simulator: demoSimulator,
})
