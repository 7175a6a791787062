// Which facets there are and who may read them. The facets come from the running instances'
// adapters (the platform knows no facet by name); one with entries but no declaration any more
// (its adapter was removed) is treated as sensitive, so data never shows more openly than it was
// declared. A sensitive facet (PIPL art. 28) is read only by the roles the configuration allows,
// each read with a purpose for the audit log; an ordinary one by whoever may read the record.
import { z } from 'zod'
import type { AdapterDefinition, Sensitivity } from '../adapter-sdk/index.ts'
import { facetFieldMeta, type FacetLabel } from '../adapter-sdk/facets.ts'
import type { Role } from '../auth/principal.ts'
import type { Config } from '../config/schema.ts'
import type { EntityKind } from '../model/index.ts'
import type { Queryable } from '../store/db.ts'

/** What reading facets needs of the platform: its store, its adapters (which declare the facets) and the facet access rules. */
export interface FacetSources {
  db: Queryable
  instances: ReadonlyMap<string, { adapter: AdapterDefinition }>
  config: Pick<Config, 'facets'>
}

export interface FacetInfo {
  name: string
  title: { zh: string, en: string }
  /** Whose facet it is. */
  of: EntityKind
  sensitivity: Sensitivity
  /** The facet's fields in the schema's order (stored entries keep no order). */
  fields: readonly string[]
  /** Per field of the facet's schema, what the portal labels it with: its label, else its description in both languages. */
  labels: Readonly<Record<string, FacetLabel>>
  /** Per field with coded values (an enum, or an array of one), what each value reads as. */
  values: Readonly<Record<string, Readonly<Record<string, FacetLabel>>>>
  /**
   * Fields whose value names another record — `.meta({ link: 'enterprise' })` on a credit code,
   * `.meta({ link: 'person' })` on an ID number — which the portal shows as a link to its page.
   */
  links: Readonly<Record<string, EntityKind>>
}

const LINKABLE: ReadonlySet<unknown> = new Set<EntityKind>(['person', 'enterprise'])

/** The facets the adapters declare, by name; where two declarations of a name differ, the sensitive one. */
export function facetCatalogue (adapters: Iterable<AdapterDefinition>): Map<string, FacetInfo> {
  const catalogue = new Map<string, FacetInfo>()
  for (const adapter of adapters) {
    const declaration = adapter.facet?.declaration
    if (!declaration || catalogue.get(declaration.name)?.sensitivity === 'sensitive') continue
    const labels: Record<string, FacetLabel> = {}
    const values: Record<string, Readonly<Record<string, FacetLabel>>> = {}
    const links: Record<string, EntityKind> = {}
    for (const [field, schema] of Object.entries(declaration.schema.shape as Record<string, z.ZodType>)) {
      const meta = facetFieldMeta(schema)
      const label = meta.label ?? (meta.description ? { zh: meta.description, en: meta.description } : undefined)
      if (label) labels[field] = label
      if (meta.values) values[field] = meta.values
      if (LINKABLE.has(meta.link)) links[field] = meta.link as EntityKind
    }
    const fields = Object.keys(declaration.schema.shape)
    catalogue.set(declaration.name, { name: declaration.name, title: declaration.title, of: declaration.of, sensitivity: declaration.sensitivity, fields, labels, values, links })
  }
  return catalogue
}

/** A facet of `of` as the catalogue knows it, or — declared by no running adapter — as sensitive, titled by its name. */
export function facetInfo (catalogue: ReadonlyMap<string, FacetInfo>, name: string, of: EntityKind): FacetInfo {
  return catalogue.get(name) ?? { name, title: { zh: name, en: name }, of, sensitivity: 'sensitive', fields: [], labels: {}, values: {}, links: {} }
}

/** `open`: read freely; `purpose`: read with a purpose, audited; `denied`: only its existence is shown. */
export type FacetAccess = 'open' | 'purpose' | 'denied'

export function facetAccess (config: Config['facets'], facet: FacetInfo, roles: readonly Role[]): FacetAccess {
  if (facet.sensitivity === 'ordinary') return 'open'
  const allowed = config.access[facet.name]?.roles ?? config.sensitiveRoles
  return roles.some((role) => allowed.includes(role)) ? 'purpose' : 'denied'
}

/** 查询事由: why the staff member looks, in a few words. */
export const Purpose = z.string().trim().min(2).max(200)
