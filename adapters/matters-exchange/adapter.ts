// 省一体化政务服务平台 办件交换接口 — the provincial government-services platform: the matter
// catalogue (实施清单) of each town, and the case reports (办件) the window sends it. No records:
// matters come from the catalogue, cases go out as operations, and the department's case events
// (联办) come back by webhook (events.ts) to the cases, not to the record pipeline
// (spec: /work/shared/departments/matters-exchange.md).
import { z } from 'zod'
import { defineAdapter } from '../../src/adapter-sdk/index.ts'
import { catalogue } from './catalogue.ts'
import { ID } from './codes.ts'
import { operations } from './operations.ts'
import { demoSimulator } from './demo.ts'
import { PROJECT_EVENTS, parseProjectEvent } from './events.ts'

export { ID, CODES, dataOf } from './codes.ts'
export { catalogue, Cursor, fetchTasks, toMatter, areaCode, cursorAfter, initialCursor, MAX_PAGE_SIZE, TASKS_PATH, UPDATE_TIME } from './catalogue.ts'
export {
  operations, accept, notAccept, supplement, supplementDone, processStep, result, evaluation,
  AcceptInput, NotAcceptInput, SupplementInput, SupplementDoneInput, ProcessInput, ResultInput, EvaluationInput, ProjectNo, EventName, Received,
} from './operations.ts'
export { parseProjectEvent, ProjectEvent, PROJECT_EVENTS } from './events.ts'

export default defineAdapter({
  id: ID,
  department: { name: '省一体化政务服务平台 办件交换', level: 'provincial' },
  // SM3-HMAC over appId, timestamp (unix ms), nonce, METHOD, path and body, joined by "\n", lowercase hex
  auth: {
    type: 'hmac-headers',
    algorithm: 'hmac-sm3',
    encoding: 'hex',
    timestamp: 'unix-ms',
    canonical: ['appId', 'timestamp', 'nonce', 'method', 'path', 'body'],
    separator: '\n',
    headers: { appId: 'x-app-id', timestamp: 'x-timestamp', nonce: 'x-nonce', signature: 'x-sign' },
  },
  catalogue,
  operations,
  // the department's 联办 events come back to the cases they name
  caseEvents: { receive: PROJECT_EVENTS, parse: parseProjectEvent },
  instance: z.object({
    baseUrl: z.string({ error: `adapter ${ID} calls the provincial platform: give baseUrl` }),
    credentials: z.unknown().refine((c) => c !== undefined, `adapter ${ID} signs its calls (hmac-headers, HMAC-SM3): give credentials with appId (the town's, e.g. T320412120) and appSecret`),
  }),
  simulator: demoSimulator,
})
