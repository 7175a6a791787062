// Facets: a department's own structured facts about a person or an enterprise (social assistance,
// insurance enrolment, a family-doctor contract …) that are no canonical field. The adapter
// declares the facet's shape as zod; the platform keys each entry to its subject (the person's ID
// number or the enterprise's credit code), keeps it with provenance and history like any record,
// and shows it beside the record — sensitive facets only to the roles the configuration allows,
// every read audited with its purpose (PIPL art. 28).
import { z } from 'zod'
import type { EntityKind } from '../model/index.ts'
import type { Normalizer } from '../normalize/result.ts'

export type Sensitivity = 'ordinary' | 'sensitive'

/** The dotted paths into T (`amount`, `period.from`); any string for `any` (a facet of any schema), which would otherwise recurse forever. */
type Paths<T> = 0 extends (1 & T) ? string : {
  [K in keyof T & string]-?: NonNullable<T[K]> extends readonly unknown[]
    ? K
    : NonNullable<T[K]> extends Record<string, unknown> ? K | `${K}.${Paths<NonNullable<T[K]>>}` : K
}[keyof T & string]

export interface FacetDeclaration<S extends z.ZodObject = z.ZodObject> {
  /** Unique across adapters, lowercase with dashes: the URL segment of the facet (`social-assistance`). */
  name: string
  /** What people read in the portal. */
  title: { zh: string, en: string }
  /** Whose facet it is; the adapter's own `fields` map the subject's key (and may add observations of its canonical fields). */
  of: EntityKind
  /**
   * The entries' fields. In the portal a field is labelled by `.meta({ label: { zh, en } })` (else
   * its `.describe()`), its coded values read by `.meta({ values: { paying: { zh: '参保缴费', en:
   * 'Paying' } } })` (on an array, for its items), and `.meta({ link: 'enterprise' })` on a credit
   * code (`'person'` on an ID number) shows its value as a link to that record's page.
   */
  schema: S
  sensitivity: Sensitivity
  /**
   * The facet fields that together tell one entry of a subject from another (the assistance
   * category, the insurance type); empty when a subject has one entry at most.
   */
  entryKey: ReadonlyArray<keyof z.infer<S> & string>
}

/** A facet field a department value may fill. */
export type FacetField<S extends z.ZodObject> = Paths<z.infer<S>>

/** department field -> [facet field, normaliser], as `fields` is for canonical fields. */
export type FacetFieldMap<S extends z.ZodObject = z.ZodObject> = Readonly<Record<string, readonly [target: FacetField<S>, normalize: Normalizer]>>

/** What an adapter that produces a facet declares: the facet and where its fields come from. */
export interface FacetProduction<S extends z.ZodObject = z.ZodObject> {
  declaration: FacetDeclaration<S>
  fields: FacetFieldMap<S>
}

/** A label in the portal's two languages. */
export interface FacetLabel { zh: string, en: string }

/** A facet field's metadata (description, label, value labels, link), whether given on the field or on what it makes optional. */
export function facetFieldMeta (schema: z.ZodType): { description?: string, label?: FacetLabel, values?: Readonly<Record<string, FacetLabel>>, link?: unknown } {
  let inner = schema
  while (inner instanceof z.ZodOptional || inner instanceof z.ZodNullable || inner instanceof z.ZodDefault) inner = inner.unwrap() as z.ZodType
  return { ...inner.meta(), ...schema.meta() }
}

/** Identity function that keeps the facet's schema type for its field map. */
export function defineFacet<S extends z.ZodObject> (declaration: FacetDeclaration<S>): FacetDeclaration<S> {
  if (!/^[a-z][a-z0-9-]{1,62}$/.test(declaration.name)) throw new TypeError(`facet ${declaration.name}: a name is lowercase letters, digits and dashes`)
  for (const [field, schema] of Object.entries(declaration.schema.shape as Record<string, z.ZodType>)) {
    const { link } = facetFieldMeta(schema)
    if (link !== undefined && link !== 'person' && link !== 'enterprise') throw new TypeError(`facet ${declaration.name}: field ${field} links to ${JSON.stringify(link)}; a link is 'person' (an ID number) or 'enterprise' (a credit code)`)
  }
  return declaration
}

/** Pairs a facet with its field map, checking the targets against the facet's schema (compile time and load time). */
export function facet<S extends z.ZodObject> (declaration: FacetDeclaration<S>, fields: FacetFieldMap<S>): FacetProduction<S> {
  const shape = declaration.schema.shape as Record<string, unknown>
  for (const [field, rule] of Object.entries(fields)) {
    const head = String(rule[0]).split('.')[0]!
    if (!Object.hasOwn(shape, head)) throw new TypeError(`facet ${declaration.name}: field ${field} maps to ${rule[0]}, which is no field of the facet`)
  }
  return { declaration, fields }
}
