// Reading a subject's facets, for the API and the portal alike: which facets the subject has (each
// with the caller's access), and one facet's entries or history once the caller may read it. The
// caller has already found the subject in its scope; refusals are catalogue errors.
import type { Role } from '../auth/principal.ts'
import type { EntityKind } from '../model/index.ts'
import { TongbanError } from '../errors.ts'
import { facetCounts, facetEntries, facetHistory, type FacetEntry, type FacetHistoryItem } from '../store/facets.ts'
import { facetAccess, facetCatalogue, facetInfo, Purpose, type FacetAccess, type FacetInfo, type FacetSources } from './access.ts'

// The instances are fixed for a platform's life: its catalogue is built once.
const catalogues = new WeakMap<FacetSources, Map<string, FacetInfo>>()

function catalogueOf (platform: FacetSources): Map<string, FacetInfo> {
  let catalogue = catalogues.get(platform)
  if (!catalogue) {
    catalogue = facetCatalogue([...platform.instances.values()].map((i) => i.adapter))
    catalogues.set(platform, catalogue)
  }
  return catalogue
}

export interface FacetSummary extends FacetInfo {
  /** How many entries the subject has; null where the count is only told with a purpose. */
  entries: number | null
  access: FacetAccess
}

/**
 * The subject's facets, each with the caller's access. An open facet is listed when the subject has
 * entries, with their count. A facet the caller may not read freely is listed for every subject of
 * its kind, without a count: whether a resident has social-assistance entries at all is itself
 * sensitive (PIPL art. 28), told only to an allowed role giving a purpose.
 */
export async function facetsOf (platform: FacetSources, roles: readonly Role[], kind: EntityKind, key: string): Promise<FacetSummary[]> {
  const counts = new Map((await facetCounts(platform.db, kind, key)).map((c) => [c.facet, c.entries]))
  const summaries: FacetSummary[] = []
  for (const info of catalogueOf(platform).values()) {
    if (info.of !== kind) continue
    const access = facetAccess(platform.config.facets, info, roles)
    if (access !== 'open') summaries.push({ ...info, entries: null, access })
    else if (counts.has(info.name)) summaries.push({ ...info, entries: counts.get(info.name)!, access })
  }
  return summaries.sort((a, b) => (a.name < b.name ? -1 : 1))
}

/**
 * The facet, if the caller may read it now: the caller's roles must allow it and a sensitive one
 * needs a purpose of 2 to 200 characters — checked before the facet's entries are looked at, so a
 * refusal tells nothing of them. A facet no running adapter declares (treated as sensitive) is
 * found by its entries. Throws TB_FACET_FORBIDDEN, TB_PURPOSE_REQUIRED or TB_FACET_NOT_FOUND.
 */
export async function openFacet (platform: FacetSources, roles: readonly Role[], kind: EntityKind, key: string, name: string, purpose: string | null | undefined): Promise<FacetSummary> {
  const catalogue = catalogueOf(platform)
  const declared = catalogue.get(name)
  if (declared !== undefined && declared.of !== kind) throw new TongbanError('TB_FACET_NOT_FOUND', [name, kind, key])
  const info = facetInfo(catalogue, name, kind)
  const access = facetAccess(platform.config.facets, info, roles)
  if (access === 'denied') throw new TongbanError('TB_FACET_FORBIDDEN', [name, name])
  if (access === 'purpose' && !Purpose.safeParse(purpose ?? '').success) throw new TongbanError('TB_PURPOSE_REQUIRED', [`facet ${name}`])
  const entries = (await facetCounts(platform.db, kind, key)).find((c) => c.facet === name)?.entries ?? 0
  if (declared === undefined && entries === 0) throw new TongbanError('TB_FACET_NOT_FOUND', [name, kind, key])
  return { ...info, entries, access }
}

export async function readFacet (platform: FacetSources, roles: readonly Role[], kind: EntityKind, key: string, name: string, purpose: string | null | undefined): Promise<{ facet: FacetSummary, entries: FacetEntry[] }> {
  const facet = await openFacet(platform, roles, kind, key, name, purpose)
  return { facet, entries: facet.entries === 0 ? [] : await facetEntries(platform.db, kind, key, name) }
}

export async function readFacetHistory (platform: FacetSources, roles: readonly Role[], kind: EntityKind, key: string, name: string, purpose: string | null | undefined, beforeId: number | undefined, limit: number): Promise<{ facet: FacetSummary, items: FacetHistoryItem[], next: number | null }> {
  const facet = await openFacet(platform, roles, kind, key, name, purpose)
  return { facet, ...await facetHistory(platform.db, kind, key, name, beforeId, limit) }
}
