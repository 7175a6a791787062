// Reading a subject's facets, for the API and the portal alike: which facets the subject has (each
// with the caller's access), and one facet's entries or history once the caller may read it. The
// caller has already found the subject in its scope; refusals are catalogue errors.
import type { Platform } from '../platform.ts'
import type { Role } from '../auth/principal.ts'
import type { EntityKind } from '../model/index.ts'
import { TongbanError } from '../errors.ts'
import { facetCounts, facetEntries, facetHistory, type FacetEntry, type FacetHistoryItem } from '../store/facets.ts'
import { facetAccess, facetCatalogue, facetInfo, Purpose, type FacetAccess, type FacetInfo } from './access.ts'

// The instances are fixed for a platform's life: its catalogue is built once.
const catalogues = new WeakMap<Platform, Map<string, FacetInfo>>()

function catalogueOf (platform: Platform): Map<string, FacetInfo> {
  let catalogue = catalogues.get(platform)
  if (!catalogue) {
    catalogue = facetCatalogue([...platform.instances.values()].map((i) => i.adapter))
    catalogues.set(platform, catalogue)
  }
  return catalogue
}

export interface FacetSummary extends FacetInfo {
  entries: number
  access: FacetAccess
}

/** The facets the subject has entries of, by name, each with the caller's access. */
export async function facetsOf (platform: Platform, roles: readonly Role[], kind: EntityKind, key: string): Promise<FacetSummary[]> {
  const catalogue = catalogueOf(platform)
  return (await facetCounts(platform.db, kind, key)).map(({ facet, entries }) => {
    const info = facetInfo(catalogue, facet, kind)
    return { ...info, entries, access: facetAccess(platform.config.facets, info, roles) }
  })
}

/**
 * The facet, if the caller may read it now: it must be the subject's (declared for its kind, or
 * with entries), the caller's roles must allow it, and a sensitive one needs a purpose of 2 to 200
 * characters. Throws TB_FACET_NOT_FOUND, TB_FACET_FORBIDDEN or TB_PURPOSE_REQUIRED.
 */
export async function openFacet (platform: Platform, roles: readonly Role[], kind: EntityKind, key: string, name: string, purpose: string | null | undefined): Promise<FacetSummary> {
  const summary = (await facetsOf(platform, roles, kind, key)).find((f) => f.name === name)
  const declared = catalogueOf(platform).get(name)
  const info = summary ?? (declared?.of === kind ? { ...declared, entries: 0, access: facetAccess(platform.config.facets, declared, roles) } : undefined)
  if (!info) throw new TongbanError('TB_FACET_NOT_FOUND', [name, kind, key])
  if (info.access === 'denied') throw new TongbanError('TB_FACET_FORBIDDEN', [name, name])
  if (info.access === 'purpose' && !Purpose.safeParse(purpose ?? '').success) throw new TongbanError('TB_PURPOSE_REQUIRED', [`facet ${name}`])
  return info
}

export async function readFacet (platform: Platform, roles: readonly Role[], kind: EntityKind, key: string, name: string, purpose: string | null | undefined): Promise<{ facet: FacetSummary, entries: FacetEntry[] }> {
  const facet = await openFacet(platform, roles, kind, key, name, purpose)
  return { facet, entries: facet.entries === 0 ? [] : await facetEntries(platform.db, kind, key, name) }
}

export async function readFacetHistory (platform: Platform, roles: readonly Role[], kind: EntityKind, key: string, name: string, purpose: string | null | undefined, beforeId: number | undefined, limit: number): Promise<{ facet: FacetSummary, items: FacetHistoryItem[], next: number | null }> {
  const facet = await openFacet(platform, roles, kind, key, name, purpose)
  return { facet, ...await facetHistory(platform.db, kind, key, name, beforeId, limit) }
}
