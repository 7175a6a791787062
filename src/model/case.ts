// A case (办件): one application for one matter, from 接件 at the window to 送达. Its state
// changes only through the actions of src/cases/machine.ts; each change is an event kept with it.
// These schemas are the one description of a case's shape: API, portal and store derive from them.
import { z } from 'zod'
import { TimeLimit } from './matter.ts'
import { line, lines } from './text.ts'

export const CASE_STATES = [
  'received', // 接件: the application is in, not yet decided whether to accept
  'supplement-pending', // 补正: one notice listed every missing item; waiting for the applicant
  'rejected', // 不予受理
  'processing', // 受理 and 办理: the legal clock runs
  'processing-supplement', // 补正 during 办理: the clock stops
  'special-procedure', // 特别程序 (hearing, inspection, expert review…): the clock stops (§45)
  'returned', // the department sent the case back to the window (project.returned)
  'concluded', // 办结: decided; waiting to be delivered
  'delivered', // 送达
] as const
export const CaseState = z.enum(CASE_STATES)
export type CaseState = z.infer<typeof CaseState>

export const CASE_ACTIONS = [
  'accept', 'not-accept', 'request-supplement', 'supplement-done',
  'step', 'start-special', 'end-special', 'extend', 'return', 'resubmit',
  'conclude', 'deliver',
] as const
export const CaseAction = z.enum(CASE_ACTIONS)
export type CaseAction = z.infer<typeof CaseAction>

export const ResultType = z.enum(['approved', 'refused', 'withdrawn', 'terminated'])
export type ResultType = z.infer<typeof ResultType>

export const ApplicantKind = z.enum(['person', 'enterprise'])

// PostgreSQL refuses NUL in text: every typed value is checked for control characters first.
const text = (max: number): z.ZodString => line().trim().min(1).max(max)
const note = (max: number): z.ZodString => lines().trim().min(1).max(max)
/** Set by the client once per intended action: a repeat with the same id is answered, not applied twice. */
const requestId = z.string().min(8).max(64).regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - and _').optional()
const reason = note(500)

export const MaterialProvided = z.object({
  name: text(200),
  provided: z.enum(['paper', 'electronic', 'shared', 'missing']),
  sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
})
export type MaterialProvided = z.infer<typeof MaterialProvided>

/** What the worker changed in a pre-filled value, kept with the case. */
export const FieldCorrection = z.object({
  field: text(64),
  from: line().max(500).nullable(),
  to: line().max(500),
  why: reason,
  /** Offer the corrected value to the unified record as an observation of source `window`. */
  offerToRecord: z.boolean().default(false),
})
export type FieldCorrection = z.infer<typeof FieldCorrection>

/** 接件: what the window takes in. */
export const OpenCase = z.object({
  taskHandleItem: z.string().length(33),
  applicant: z.object({ kind: ApplicantKind, key: text(18) }),
  contact: z.object({ name: text(50), certNo: text(18), phone: text(20) }).optional(),
  formData: z.record(line().max(64), lines().max(2000)),
  corrections: z.array(FieldCorrection).max(50).default([]),
  materials: z.array(MaterialProvided).max(100).default([]),
  requestId,
})
export type OpenCase = z.infer<typeof OpenCase>

const base = { requestId, reason: reason.optional() }
export const SupplementItem = z.object({ materialName: text(200), reason })

/** The body of POST /api/v1/cases/:projectNo/transitions: one action and what it needs. */
export const TransitionInput = z.discriminatedUnion('action', [
  z.object({ action: z.literal('accept'), ...base, docNo: text(64).optional() }),
  z.object({ action: z.literal('not-accept'), ...base, reason, docNo: text(64) }),
  z.object({ action: z.literal('request-supplement'), ...base, items: z.array(SupplementItem).min(1).max(50) }),
  z.object({ action: z.literal('supplement-done'), ...base, materials: z.array(MaterialProvided).max(100).default([]) }),
  z.object({ action: z.literal('step'), ...base, stepName: text(100), stage: z.enum(['review', 'audit', 'decide']), explain: note(1000) }),
  z.object({ action: z.literal('start-special'), ...base, specialType: text(50), reason, legalBasis: text(500) }),
  z.object({ action: z.literal('end-special'), ...base, explain: note(1000) }),
  z.object({ action: z.literal('extend'), ...base, reason, extension: TimeLimit.refine((l) => l.amount >= 1, 'at least one day') }),
  z.object({ action: z.literal('return'), ...base, reason }),
  z.object({ action: z.literal('resubmit'), ...base, explain: note(1000) }),
  z.object({ action: z.literal('conclude'), ...base, result: ResultType, explain: note(1000), certName: text(100).optional(), certNo: text(100).optional(), delivery: z.enum(['window', 'post', 'electronic']) }),
  z.object({ action: z.literal('deliver'), ...base, delivery: z.enum(['window', 'post', 'electronic']), explain: note(1000).optional() }),
])
export type TransitionInput = z.infer<typeof TransitionInput>

/** Who acted: a staff member, an API client, or the department (through its webhooks). */
export const Actor = z.object({ kind: z.enum(['staff', 'token', 'department']), id: z.string(), name: z.string() })
export type Actor = z.infer<typeof Actor>

export const CaseEvent = z.object({
  seq: z.number().int(),
  action: z.union([CaseAction, z.literal('receive')]),
  from: CaseState.nullable(),
  to: CaseState,
  actor: Actor,
  at: z.string(),
  reason: z.string().nullable(),
  /** The action's own input (items, step, result…), without requestId and reason. */
  data: z.record(z.string(), z.unknown()),
})
export type CaseEvent = z.infer<typeof CaseEvent>

export const DeadlineKind = z.enum(['supplement-notice', 'legal', 'promised', 'delivery'])
export type DeadlineKind = z.infer<typeof DeadlineKind>

/** One legal clock of a case, as last computed from its events. */
export const CaseDeadline = z.object({
  kind: DeadlineKind,
  /** `running` with a due day; `stopped` while paused; `met` once the act it waits for happened; `uncomputable` past the calendar's years. */
  state: z.enum(['running', 'stopped', 'met', 'uncomputable']),
  due: z.string().nullable(),
  metAt: z.string().nullable(),
  /** Why the date is what it is: the counted days and each skipped day with its reason (src/calendar/deadline.ts `Explanation`). */
  explanation: z.record(z.string(), z.unknown()).nullable(),
  /** Why there is no date: the calendar does not cover the year the clock runs into. */
  problem: z.string().nullable(),
})
export type CaseDeadline = z.infer<typeof CaseDeadline>

export const Case = z.object({
  projectNo: z.string().length(43),
  town: z.string(),
  taskHandleItem: z.string(),
  taskVersion: z.number().int(),
  matterName: z.string(),
  state: CaseState,
  applicant: z.object({ kind: ApplicantKind, key: z.string(), name: z.string() }),
  contact: OpenCase.shape.contact,
  formData: z.record(z.string(), z.string()),
  corrections: z.array(FieldCorrection),
  materials: z.array(MaterialProvided),
  result: ResultType.nullable(),
  receivedBy: Actor,
  receivedAt: z.string(),
  acceptedAt: z.string().nullable(),
  concludedAt: z.string().nullable(),
  version: z.number().int(),
  deadlines: z.array(CaseDeadline),
})
export type Case = z.infer<typeof Case>
