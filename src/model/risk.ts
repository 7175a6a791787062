// A risk source or hidden danger (风险源/隐患) as grid staff report it: what kind, where, how bad,
// what they saw and the photos they took. The report is its events: a correction is a new event
// with the changed fields, so the current values are computed from the events and the history
// stays readable. These schemas are the one description of a risk report: API, portal and store
// derive from them.
import { z } from 'zod'
import { line, lines } from './text.ts'

export const RISK_STATES = [
  'reported', // grid staff reported it
  'whistled', // the town turned it into a whistle to departments
  'verified', // a town leader checked it on site (核查)
  'closed', // a town leader closed it after verification
] as const
export const RiskState = z.enum(RISK_STATES)
export type RiskState = z.infer<typeof RiskState>

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const
export const Severity = z.enum(SEVERITIES)
export type Severity = z.infer<typeof Severity>

/** The default categories; `risks.categories` in the configuration replaces them. */
export const DEFAULT_RISK_CATEGORIES: readonly string[] = ['安全生产', '消防', '地质灾害', '危房', '水域', '食品安全', '环境污染', '其他']

export const RISK_ACTIONS = ['report', 'correct', 'whistle', 'verify', 'close'] as const
export const RiskAction = z.enum(RISK_ACTIONS)
export type RiskAction = z.infer<typeof RiskAction>

/** China's extent (mainland, islands, the South China Sea), in WGS-84 degrees. */
export const Coordinates = z.object({
  lat: z.number().min(3.8).max(53.6),
  lon: z.number().min(73.4).max(135.1),
}).strict()
export type Coordinates = z.infer<typeof Coordinates>

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'the SHA-256 of a photo uploaded with POST /api/v1/photos (lowercase hex)')
/** Set by the client once per intended action: a repeat with the same id is answered, not applied twice. */
const requestId = z.string().min(8).max(64).regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - and _').optional()

const fields = z.object({
  category: line().trim().min(1).max(20),
  /** The village's 12-digit code, one of the town's `villages`. */
  village: z.string().regex(/^\d{12}$/, 'a 12-digit village code of the town'),
  address: line().trim().min(1).max(200),
  location: Coordinates.nullable(),
  description: lines().trim().min(1).max(4000),
  photos: z.array(sha256).max(20),
  severity: Severity,
})

/** What a report says; a correction changes some of it. */
export const RiskFields = fields.extend({ location: fields.shape.location.default(null), photos: fields.shape.photos.default([]) })
export type RiskFields = z.infer<typeof RiskFields>

export const ReportRisk = RiskFields.extend({ requestId })
export type ReportRisk = z.infer<typeof ReportRisk>

// Without the report's defaults: a field a correction does not name stays as it was.
const changes = fields.partial().refine((c) => Object.keys(c).length > 0, 'name at least one field to change')

/** One action on a report: correct it, turn it into a whistle, verify it, close it. */
export const RiskEventInput = z.discriminatedUnion('action', [
  z.object({ action: z.literal('correct'), changes, reason: lines().trim().min(1).max(1000), requestId }),
  z.object({
    action: z.literal('whistle'),
    type: z.string().min(1).max(32).describe('the whistle type id (routine, key, emergency by default)'),
    title: line().trim().min(1).max(200).optional().describe('defaults to the category and address'),
    category: z.string().regex(/^\d{2,8}$/).optional().describe('the routing table\'s category code: suggests the departments'),
    departments: z.array(z.object({ code: z.string().min(1).max(40), role: z.enum(['lead', 'co']) })).min(1).max(20).optional(),
    requestId,
  }),
  z.object({ action: z.literal('verify'), note: lines().trim().min(1).max(2000), requestId }),
  z.object({
    action: z.literal('close'),
    note: lines().trim().min(1).max(2000),
    verification: lines().trim().min(1).max(2000).optional().describe('what was checked on site: required when the report was not verified first'),
    requestId,
  }),
])
export type RiskEventInput = z.infer<typeof RiskEventInput>

export const RiskActor = z.object({ kind: z.enum(['staff', 'token', 'system']), id: z.string(), name: z.string() })
export type RiskActor = z.infer<typeof RiskActor>

export const RiskEvent = z.object({
  seq: z.number().int(),
  action: RiskAction,
  actor: RiskActor,
  at: z.string(),
  data: z.record(z.string(), z.unknown()),
}).meta({ id: 'RiskEvent' })
export type RiskEvent = z.infer<typeof RiskEvent>
