// Field maps typed against the canonical model (src/model): a target that names no canonical
// field is a compile error in TypeScript and, for adapters written in JavaScript, an error when
// the adapter is defined — never a field silently dropped.
import { z } from 'zod'
import { entityKeys, entitySchemas, type EntityFields, type EntityKind } from '../model/index.ts'
import type { Normalizer } from '../normalize/result.ts'

/** The dotted paths into T: its fields and, for nested objects, theirs (`legalRepresentative.idNumber`). */
type Paths<T> = {
  [K in keyof T & string]-?: NonNullable<T[K]> extends readonly unknown[]
    ? K
    : NonNullable<T[K]> extends Record<string, unknown> ? K | `${K}.${Paths<NonNullable<T[K]>>}` : K
}[keyof T & string]

/** A canonical field a department value may fill, for records of kind K. */
export type CanonicalField<K extends EntityKind> = K extends EntityKind ? Paths<EntityFields<K>> : never

/** A top-level canonical field other than the key: what survivorship and envelope values speak of. */
export type RecordField<K extends EntityKind> = K extends EntityKind ? Exclude<keyof EntityFields<K> & string, (typeof entityKeys)[K]> : never

/**
 * department field -> [canonical field, normaliser]. The canonical field may be a dotted path
 * into a nested object (`legalRepresentative.idNumber`). Empty values ('', 'null', blanks) mean
 * "no value" and are skipped; a value the normaliser rejects sends the record to quarantine.
 */
export type FieldRule<K extends EntityKind = EntityKind> = K extends EntityKind ? readonly [target: CanonicalField<K>, normalize: Normalizer] : never
export type FieldMap<K extends EntityKind = EntityKind> = Readonly<Record<string, FieldRule<K>>>

function pathsOf (schema: z.ZodType, prefix: string, into: Set<string>): void {
  const inner = schema instanceof z.ZodOptional ? schema.unwrap() : schema
  if (!(inner instanceof z.ZodObject)) return
  for (const [key, child] of Object.entries(inner.shape as Record<string, z.ZodType>)) {
    into.add(prefix + key)
    pathsOf(child, `${prefix}${key}.`, into)
  }
}

const canonicalPaths: Record<EntityKind, ReadonlySet<string>> = {
  person: new Set(),
  enterprise: new Set(),
}
for (const kind of Object.keys(entitySchemas) as EntityKind[]) pathsOf(entitySchemas[kind], '', canonicalPaths[kind] as Set<string>)

/** True when `path` names a canonical field of `kind` (the runtime twin of CanonicalField). */
export function isCanonicalField (kind: EntityKind, path: string): boolean {
  return canonicalPaths[kind].has(path)
}

/** True when `field` is a top-level canonical field of `kind` other than its key (the runtime twin of RecordField). */
export function isRecordField (kind: EntityKind, field: string): boolean {
  return field !== entityKeys[kind] && Object.hasOwn(entitySchemas[kind].shape, field)
}
