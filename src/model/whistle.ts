// A whistle (吹哨): the town summons one or more departments to a matter it cannot solve alone.
// The whistle's state is the town's (only the town opens, closes and reopens it); each summoned
// department's answer has its own state (响应, 报到, 进展, 退回, 延期, 办结申报). Every change is an
// event kept with the whistle (src/whistles/machine.ts says which change each state allows).
// These schemas are the one description of a whistle: API, portal and store derive from them.
import { z } from 'zod'
import { line, lines } from './text.ts'

export const WHISTLE_STATES = [
  'awaiting-approval', // a window worker blew it; a leader has not approved it yet
  'open', // the departments are summoned; their clocks run
  'closed', // the town checked (核查) the work and closed it
  'withdrawn', // the town withdrew it before approval
] as const
export const WhistleState = z.enum(WHISTLE_STATES)
export type WhistleState = z.infer<typeof WhistleState>

export const TARGET_STATES = [
  'whistled', // summoned, not answered yet
  'responded', // 响应
  'arrived', // 报到: on site
  'done-declared', // 办结申报: the department says it is done; the town checks
  'returned', // 退回: not its duty; the town may re-route
  'finished', // the town closed the whistle
] as const
export const TargetState = z.enum(TARGET_STATES)
export type TargetState = z.infer<typeof TargetState>

/** What a department may answer. */
export const DEPARTMENT_ACTIONS = ['respond', 'arrive', 'progress', 'return', 'request-extension', 'declare-done'] as const
/** What the town may do. */
export const TOWN_ACTIONS = ['approve', 'withdraw', 'reroute', 'decide-extension', 'reject-done', 'close', 'reopen'] as const
export const WhistleAction = z.enum([...DEPARTMENT_ACTIONS, ...TOWN_ACTIONS])
export type WhistleAction = z.infer<typeof WhistleAction>
export type DepartmentAction = (typeof DEPARTMENT_ACTIONS)[number]
export type TownAction = (typeof TOWN_ACTIONS)[number]

export const CLOCKS = ['respond', 'arrive', 'finish'] as const
export const ClockName = z.enum(CLOCKS)
export type ClockName = z.infer<typeof ClockName>

export const RUNGS = ['liaison', 'head', 'supervision'] as const
export const Rung = z.enum(RUNGS)
export type Rung = z.infer<typeof Rung>

/** A clock's length: clock minutes/hours (`30m`, `24h`) or working days on the PRC calendar (`3wd`). */
export const ClockSpan = z.string().regex(/^\d{1,4}(m|h|wd)$/, 'a span such as 30m, 24h or 3wd (working days)')
export type ClockSpan = z.infer<typeof ClockSpan>

/** A whistle type: its name and the departments' time limits (the defaults 常规哨 / 重点哨 / 应急哨). */
export const WhistleType = z.object({
  id: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/),
  name: z.string().min(1).max(20),
  respond: ClockSpan,
  arrive: ClockSpan,
  finish: ClockSpan,
}).strict()
export type WhistleType = z.infer<typeof WhistleType>

export const DEFAULT_WHISTLE_TYPES: readonly WhistleType[] = [
  { id: 'routine', name: '常规哨', respond: '24h', arrive: '3wd', finish: '10wd' },
  { id: 'key', name: '重点哨', respond: '4h', arrive: '24h', finish: '5wd' },
  { id: 'emergency', name: '应急哨', respond: '30m', arrive: '2h', finish: '24h' },
]

/** When each rung of a clock's ladder fires, as a share of the clock's span from its start (1 = at the deadline). */
export const Ladder = z.object({
  liaison: z.number().min(0).max(10).default(0.75),
  head: z.number().min(0).max(10).default(1),
  supervision: z.number().min(0).max(10).default(1.5),
}).strict().refine((l) => l.liaison <= l.head && l.head <= l.supervision, 'the rungs climb: liaison ≤ head ≤ supervision')
export type Ladder = z.infer<typeof Ladder>

/** A department's code: what whistles, tokens and liaison accounts name it by. */
export const DepartmentCode = z.string().regex(/^[a-z][a-z0-9-]{1,39}$/, 'lowercase letters, digits and dashes, e.g. county-urban-management')

/** One line of the town's 配合履职事项清单: a matter category, its lead department and co-departments. */
export const RoutingRule = z.object({
  category: z.string().regex(/^\d{2,8}$/, 'a category code such as 0301'),
  name: z.string().min(1).max(100),
  lead: DepartmentCode,
  co: z.array(DepartmentCode).max(20).default([]),
}).strict()
export type RoutingRule = z.infer<typeof RoutingRule>

const text = (max: number): z.ZodString => line().trim().min(1).max(max)
const note = (max: number): z.ZodString => lines().trim().min(1).max(max)
/** Set by the client once per intended action: a repeat with the same id is answered, not applied twice. */
const requestId = z.string().min(8).max(64).regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - and _').optional()
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'the SHA-256 of an uploaded photo (lowercase hex)')

/** 吹哨: what the town gives. Departments default to the routing table's lead and co-departments for the category. */
export const BlowInput = z.object({
  type: z.string().min(1).max(32),
  source: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('order'), id: z.string().min(1).max(40) }),
    z.object({ kind: z.literal('risk'), id: z.string().min(1).max(40) }),
    z.object({ kind: z.literal('direct') }),
  ]),
  category: z.string().regex(/^\d{2,8}$/).optional(),
  title: text(200),
  description: note(4000),
  division: z.string().regex(/^\d{12}$/).optional(),
  /** The lead first; absent: the routing table's for `category`. */
  departments: z.array(z.object({ code: DepartmentCode, role: z.enum(['lead', 'co']) })).min(1).max(20).optional(),
  requestId,
})
export type BlowInput = z.infer<typeof BlowInput>

/** A department's answer or the town's decision on one whistle. */
export const WhistleTransitionInput = z.discriminatedUnion('action', [
  z.object({ action: z.literal('respond'), note: note(1000).optional(), requestId }),
  z.object({ action: z.literal('arrive'), who: text(200), at: z.iso.datetime({ offset: true }), note: note(1000).optional(), requestId }),
  z.object({ action: z.literal('progress'), text: note(4000), photos: z.array(sha256).max(20).default([]), requestId }),
  z.object({ action: z.literal('return'), reason: note(1000), requestId }),
  z.object({ action: z.literal('request-extension'), clock: ClockName, span: ClockSpan, reason: note(1000), requestId }),
  z.object({ action: z.literal('declare-done'), text: note(4000), photos: z.array(sha256).max(20).default([]), requestId }),
  z.object({ action: z.literal('approve'), requestId }),
  z.object({ action: z.literal('withdraw'), reason: note(1000), requestId }),
  z.object({ action: z.literal('reroute'), departments: z.array(z.object({ code: DepartmentCode, role: z.enum(['lead', 'co']) })).min(1).max(20), reason: note(1000), requestId }),
  z.object({ action: z.literal('decide-extension'), department: DepartmentCode, grant: z.boolean(), reason: note(1000).optional(), requestId }),
  z.object({ action: z.literal('reject-done'), department: DepartmentCode, reason: note(1000), requestId }),
  z.object({ action: z.literal('close'), check: note(2000), rating: z.number().int().min(1).max(5), replyResult: z.enum(['1', '2', '3']).optional(), version: z.number().int().min(1).optional().describe('the whistle version the leader checked: closed only if no answer came in since (else 409 TB_WHISTLE_CHANGED)'), requestId }),
  z.object({ action: z.literal('reopen'), reason: note(1000), requestId }),
])
export type WhistleTransitionInput = z.infer<typeof WhistleTransitionInput>

/** Who did it: a staff member, an API client, a department (liaison or system), or the platform itself (the hotline, the sweeper). */
export const WhistleActor = z.object({
  kind: z.enum(['staff', 'token', 'department', 'system']),
  id: z.string(),
  name: z.string(),
  department: z.string().optional(),
})
export type WhistleActor = z.infer<typeof WhistleActor>

export const WhistleEvent = z.object({
  seq: z.number().int(),
  department: z.string().nullable(),
  action: z.string(),
  fromState: z.string().nullable(),
  toState: z.string(),
  actor: WhistleActor,
  at: z.string(),
  data: z.record(z.string(), z.unknown()),
})
export type WhistleEvent = z.infer<typeof WhistleEvent>

export const WhistleTarget = z.object({
  department: z.string(),
  departmentName: z.string(),
  role: z.enum(['lead', 'co']),
  state: TargetState,
  respondedAt: z.string().nullable(),
  arrivedAt: z.string().nullable(),
  doneAt: z.string().nullable(),
  returnedAt: z.string().nullable(),
  extended: z.record(z.string(), z.string()),
})
export type WhistleTarget = z.infer<typeof WhistleTarget>

export const RungView = z.object({
  department: z.string(),
  clock: ClockName,
  rung: Rung,
  dueAt: z.string(),
  deadline: z.string(),
  state: z.enum(['pending', 'fired', 'stopped']),
  firedAt: z.string().nullable(),
})
export type RungView = z.infer<typeof RungView>

export const Whistle = z.object({
  id: z.string(),
  town: z.string(),
  division: z.string().nullable(),
  type: WhistleType,
  source: z.object({ kind: z.enum(['order', 'risk', 'direct']), id: z.string().nullable() }),
  category: z.string().nullable(),
  title: z.string(),
  description: z.string(),
  state: WhistleState,
  routingVersion: z.number().int().nullable(),
  blownBy: WhistleActor,
  blownAt: z.string(),
  openedAt: z.string().nullable(),
  closedAt: z.string().nullable(),
  rating: z.number().int().nullable(),
  version: z.number().int(),
  targets: z.array(WhistleTarget),
})
export type Whistle = z.infer<typeof Whistle>
