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

/** An adapter instance and the fields of a kind its adapter declares itself the authority for. */
export interface Authority { instance: string, kind: EntityKind, fields: readonly string[] }

/**
 * The defaults come from the adapters: a field that instances declare themselves the authority for
 * lists them in configuration order; every other field is 'latest'.
 */
export function defaultSurvivorship (authorities: readonly Authority[]): SurvivorshipRules {
  const rules: SurvivorshipRules = { person: {}, enterprise: {} }
  for (const { instance, kind, fields } of authorities) {
    for (const field of fields) {
      const rule = rules[kind][field]
      rules[kind][field] = Array.isArray(rule) ? [...rule, instance] : [instance]
    }
  }
  return rules
}

/** The configuration's rules over the adapters' defaults, field by field. */
export function survivorshipRules (config: SurvivorshipConfig | undefined, authorities: readonly Authority[]): SurvivorshipRules {
  const defaults = defaultSurvivorship(authorities)
  return {
    person: { ...defaults.person, ...config?.person },
    enterprise: { ...defaults.enterprise, ...config?.enterprise },
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
