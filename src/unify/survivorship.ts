// Which source's value a unified record keeps, per field. A field is either ruled by authority —
// adapter instances in order; a listed source outranks every source after it and every unlisted
// one, and an unlisted source never overwrites a listed one — or by recency ('latest'): the most
// recent observation wins. Within one rank the newer observation wins. A value a person chose
// when resolving a conflict outranks every department.
import { z } from 'zod'
import { entityKeys, entitySchemas, type EntityKind } from '../model/index.ts'

/** The adapter name in the provenance of a value chosen by resolving a conflict. */
export const RESOLUTION = 'resolution'

export const FieldRule = z.union([
  z.literal('latest'),
  z.array(z.string().min(1)).min(1).describe('authoritative adapter instance ids, most authoritative first'),
])
export type FieldRule = z.infer<typeof FieldRule>

function fieldsOf (kind: EntityKind): [string, ...string[]] {
  return Object.keys(entitySchemas[kind].shape).filter((f) => f !== entityKeys[kind]) as [string, ...string[]]
}

export const SurvivorshipConfig = z.object({
  person: z.partialRecord(z.enum(fieldsOf('person')), FieldRule).optional(),
  enterprise: z.partialRecord(z.enum(fieldsOf('enterprise')), FieldRule).optional(),
}).strict()
export type SurvivorshipConfig = z.infer<typeof SurvivorshipConfig>

export type SurvivorshipRules = Record<EntityKind, Partial<Record<string, FieldRule>>>

/**
 * The household register is the authority on who a resident is; phones change and whoever heard
 * last knows best. Fields not named are 'latest'.
 */
export const DEFAULT_SURVIVORSHIP: SurvivorshipRules = {
  person: {
    name: ['household-registration'],
    gender: ['household-registration'],
    birthDate: ['household-registration'],
    address: ['household-registration'],
    phone: 'latest',
  },
  enterprise: {},
}

export function survivorshipRules (config: SurvivorshipConfig | undefined): SurvivorshipRules {
  return {
    person: { ...DEFAULT_SURVIVORSHIP.person, ...config?.person },
    enterprise: { ...DEFAULT_SURVIVORSHIP.enterprise, ...config?.enterprise },
  }
}

export interface Observed { adapter: string, observedAt: string }

function rank (rule: FieldRule | undefined, adapter: string): number {
  if (adapter === RESOLUTION) return -1
  if (rule === undefined || rule === 'latest') return 0
  const i = rule.indexOf(adapter)
  return i < 0 ? rule.length : i
}

/** True when `incoming` replaces `stored` as the field's value. ISO-8601 UTC strings compare as text. */
export function outranks (rule: FieldRule | undefined, incoming: Observed, stored: Observed): boolean {
  const a = rank(rule, incoming.adapter)
  const b = rank(rule, stored.adapter)
  return a !== b ? a < b : incoming.observedAt >= stored.observedAt
}
