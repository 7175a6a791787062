// Links: fields of a department record that describe another entity — an insured person's employer
// (its credit code and name) is an observation of that enterprise. An adapter declares, per linked
// kind, a field map like its own `fields`; each raw record whose link key is given then also yields
// a record of that kind, unified with the same provenance, so a value that differs from another
// source's opens a conflict there instead of being lost or rejected.
import { entityKeys, type EntityKind } from '../model/index.ts'
import { isCanonicalField, type FieldMap } from './fields.ts'

/**
 * `fields`: department field -> [canonical field of `kind`, normaliser], typed against that kind's
 * canonical fields. It must map the kind's key (`idNumber`, `creditCode`): the linked record's identity.
 */
export type LinkDeclaration<L extends EntityKind = EntityKind> = L extends EntityKind ? { readonly kind: L, readonly fields: FieldMap<L> } : never

/** What is wrong with the link declarations, one message per problem, each naming the link; none when they are sound. */
export function linkProblems (links: unknown): string[] {
  if (!Array.isArray(links)) return ['links must be an array of { kind, fields }']
  const problems: string[] = []
  links.forEach((link: { kind?: unknown, fields?: unknown } | null, i) => {
    const kind = link?.kind
    if (kind !== 'person' && kind !== 'enterprise') { problems.push(`links[${i}].kind must be 'person' or 'enterprise'`); return }
    const name = `links[${i}] (${kind})`
    const fields = link!.fields
    if (typeof fields !== 'object' || fields === null) { problems.push(`${name}: give fields mapping department fields to [canonicalField, normaliser]`); return }
    let keyed = false
    for (const [field, rule] of Object.entries(fields)) {
      if (!Array.isArray(rule) || typeof rule[0] !== 'string' || typeof rule[1] !== 'function') { problems.push(`${name}: field ${field} must map to [canonicalField, normaliser]`); continue }
      if (!isCanonicalField(kind, rule[0])) problems.push(`${name}: field ${field} maps to ${rule[0]}, which is no ${kind} field`)
      if (rule[0] === entityKeys[kind]) keyed = true
    }
    if (!keyed) problems.push(`${name}: no department field maps to ${entityKeys[kind]}, the key of a ${kind}: the link would name no ${kind}`)
  })
  return problems
}
