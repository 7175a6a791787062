// Response shapes of /api/v1/risks, from the risk model's schemas.
import { z } from 'zod'
import { Coordinates, RiskActor, RiskAction, RiskEvent, RiskState, Severity } from '../../model/risk.ts'

const Place = z.object({ code: z.string(), name: z.string() })

export const RiskDetail = z.object({
  id: z.string(),
  town: Place,
  state: RiskState,
  reportedBy: RiskActor,
  reportedAt: z.string(),
  closedAt: z.string().nullable(),
  version: z.number().int(),
  current: z.object({
    category: z.string(),
    village: Place,
    address: z.string(),
    location: Coordinates.nullable(),
    description: z.string(),
    photos: z.array(z.object({ sha256: z.string(), href: z.string() })),
    severity: Severity,
  }).describe('the values as the report and its corrections leave them'),
  corrected: z.array(z.string()).describe('the fields some correction changed'),
  events: z.array(RiskEvent).describe('the history, oldest first: the report, each correction, whistle, verification and the close'),
  allowed: z.array(RiskAction.exclude(['report'])).describe('what the state allows next (each needs its permission: correct risks:report, whistle whistles:blow, verify and close risks:close)'),
  whistleId: z.string().nullable().describe('the whistle the report was turned into'),
}).meta({ id: 'Risk' })

export const RiskListItem = z.object({
  id: z.string(),
  town: Place,
  village: Place.nullable(),
  category: z.string(),
  severity: Severity,
  state: RiskState,
  address: z.string(),
  reportedBy: RiskActor,
  reportedAt: z.string(),
  closedAt: z.string().nullable(),
  ageHours: z.number().int().describe('hours from the report to its close, or to now while open'),
  href: z.string(),
}).meta({ id: 'RiskListItem' })

export const RiskEventAnswer = z.object({
  event: RiskEvent,
  risk: RiskDetail,
  replayed: z.boolean().describe('true when the requestId had already made this event: nothing was applied again'),
}).meta({ id: 'RiskEventAnswer' })
