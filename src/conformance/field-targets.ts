// Field targets exist: every department field maps to a canonical field of what the adapter
// produces (or, for a facet, to a field of the facet's schema; for a link, to a field of the
// linked kind), with a normaliser; the keys are mapped; authority names record fields. A typo
// here would silently drop a field.
import { z } from 'zod'
import { producesRecords, type AdapterDefinition, type LinkDeclaration } from '../adapter-sdk/index.ts'
import { isCanonicalField, isRecordField } from '../adapter-sdk/fields.ts'
import { entityKeys } from '../model/index.ts'
import { skip, verdict, type CheckResult } from './result.ts'

const NAME = 'field targets exist'

/** True when the dotted `path` names a field of the zod object `schema` (through optionals). */
function inSchema (schema: z.ZodType, path: string): boolean {
  let at: z.ZodType = schema
  for (const part of path.split('.')) {
    while (at instanceof z.ZodOptional || at instanceof z.ZodNullable || at instanceof z.ZodDefault) at = at.unwrap() as z.ZodType
    if (!(at instanceof z.ZodObject)) return false
    const shape = at.shape as Record<string, z.ZodType>
    if (!Object.hasOwn(shape, part)) return false
    at = shape[part]!
  }
  return true
}

function ruleProblem (rule: unknown): string | undefined {
  if (!Array.isArray(rule) || typeof rule[0] !== 'string' || typeof rule[1] !== 'function') return 'is not [target, normaliser]'
  return undefined
}

/** A link's field map: each target a field of the linked kind, the kind's key among them. */
function linkFindings (link: LinkDeclaration, i: number): string[] {
  const kind = link.kind as unknown
  if (kind !== 'person' && kind !== 'enterprise') return [`links[${i}].kind is ${JSON.stringify(kind)}, which is no kind of record`]
  const findings: string[] = []
  let keyed = false
  for (const [field, rule] of Object.entries(link.fields ?? {})) {
    const bad = ruleProblem(rule)
    if (bad) { findings.push(`links[${i}].fields.${field} ${bad}`); continue }
    const target = rule[0] as string
    if (target === entityKeys[link.kind]) keyed = true
    if (!isCanonicalField(link.kind, target)) findings.push(`links[${i}].fields.${field} maps to "${target}", which is no ${link.kind} field`)
  }
  if (!keyed) findings.push(`links[${i}]: no department field maps to ${entityKeys[link.kind]}, the key of a ${link.kind}: the link would name no ${link.kind}`)
  return findings
}

export function checkFieldTargets (adapter: AdapterDefinition): CheckResult {
  if (!producesRecords(adapter)) {
    const stray = (['fields', 'facet', 'authority', 'links'] as const).filter((key) => adapter[key] !== undefined)
    if (stray.length === 0) return skip(NAME, 'the adapter produces no records: no field targets to check')
    return verdict(NAME, stray.map((key) => `${key} is declared, but the adapter produces no records (no produces)`), '', `${stray.length} record declaration(s) without produces`)
  }
  const findings: string[] = []
  const kind = adapter.produces
  const targets = new Set<string>()
  for (const [field, rule] of Object.entries(adapter.fields)) {
    const bad = ruleProblem(rule)
    if (bad) { findings.push(`fields.${field} ${bad}`); continue }
    const target = rule[0] as string
    targets.add(target)
    if (!isCanonicalField(kind, target)) findings.push(`fields.${field} maps to "${target}", which is no ${kind} field`)
  }
  if (!targets.has(entityKeys[kind])) findings.push(`no department field maps to ${entityKeys[kind]}, the key of a ${kind}: every record would be rejected`)
  for (const field of adapter.authority ?? []) {
    if (!isRecordField(kind, field)) findings.push(`authority names "${field}", which is no ${kind} record field`)
  }
  const facet = adapter.facet
  if (facet) {
    const { declaration } = facet
    if (declaration.of !== kind) findings.push(`facet ${declaration.name} is of a ${declaration.of}, but the adapter produces ${kind} records`)
    for (const [field, rule] of Object.entries(facet.fields)) {
      const bad = ruleProblem(rule)
      if (bad) { findings.push(`facet.fields.${field} ${bad}`); continue }
      if (!inSchema(declaration.schema, rule[0] as string)) findings.push(`facet.fields.${field} maps to "${rule[0] as string}", which is no field of facet ${declaration.name}`)
    }
    for (const key of declaration.entryKey) {
      if (!inSchema(declaration.schema, key)) findings.push(`facet ${declaration.name}: entryKey names "${key}", which is no field of the facet`)
    }
  }
  const links = adapter.links ?? []
  for (const [i, link] of links.entries()) findings.push(...linkFindings(link, i))
  const count = Object.keys(adapter.fields).length + Object.keys(facet?.fields ?? {}).length + links.reduce((n, link) => n + Object.keys(link.fields ?? {}).length, 0)
  const named = [kind, ...links.map((link) => `linked ${link.kind}`), ...(facet ? [`facet ${facet.declaration.name}`] : [])]
  return verdict(NAME, findings, `${count} field targets name ${named.join(' and ')} fields`, `${findings.length} field target(s) name nothing`)
}
