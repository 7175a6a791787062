// A resident's or an enterprise's facets: one facet's entries with their provenance, and its
// history. A sensitive facet answers only roles the configuration allows and only with a purpose
// (`purpose` query parameter or `x-purpose` header), which its audit entry keeps.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Platform } from '../../platform.ts'
import type { EntityKind } from '../../model/index.ts'
import { readFacet, readFacetHistory } from '../../facets/read.ts'
import { decodeCursor, encodeCursor } from '../../web/cursor.ts'
import { purposeOf } from '../audit-hook.ts'
import { errorResponses } from '../errors.ts'
import { scopeOf } from '../scope.ts'
import { FacetEntries, FacetHistoryItem, page } from './schemas.ts'
import { existingSubject } from './subjects.ts'

const FacetName = z.string().max(64)
const PurposeQuery = z.string().max(1000).optional().describe('why you look (查询事由), 2 to 200 characters: required for a sensitive facet, written to the audit log')

const SUBJECTS = [
  { kind: 'person', path: 'persons', param: 'idNumber', label: "a resident's", codes: ['TB_PERSON_NOT_FOUND', 'TB_ID_CHECKSUM'] },
  { kind: 'enterprise', path: 'enterprises', param: 'creditCode', label: "an enterprise's", codes: ['TB_ENTERPRISE_NOT_FOUND', 'TB_CREDIT_CODE_CHECKSUM'] },
] as const

export async function facetRoutes (app: FastifyInstance, opts: { platform: Platform }): Promise<void> {
  const { platform } = opts
  const api = app.withTypeProvider<ZodTypeProvider>()
  /** The audit entry names the facet read. */
  const describe = (req: FastifyRequest): { details: { facet: string } } => ({ details: { facet: String((req.params as { facet?: unknown }).facet ?? '') } })

  for (const s of SUBJECTS) {
    const params = z.object({ [s.param]: z.string().max(32), facet: FacetName }) as z.ZodObject<Record<typeof s.param | 'facet', z.ZodString>>
    const refusals = [...s.codes, 'TB_FACET_NOT_FOUND', 'TB_FACET_FORBIDDEN', 'TB_PURPOSE_REQUIRED'] as const
    const subjectOf = async (req: FastifyRequest): Promise<string> => await existingSubject(platform.db, s.kind, (req.params as Record<string, string>)[s.param]!, scopeOf(req))

    api.get(`/${s.path}/:${s.param}/facets/:facet`, {
      config: { audit: { action: 'facet.read', subjectKind: s.kind, subjectParam: s.param, describe }, permission: 'records:read' },
      schema: {
        summary: `One of ${s.label} facets: its entries, each with the observation it came from`,
        description: 'A sensitive facet needs a role the configuration allows (facets.sensitiveRoles) and a purpose, given as ?purpose= or the percent-encoded x-purpose header.',
        tags: ['records'],
        params,
        querystring: z.object({ purpose: PurposeQuery }),
        response: { 200: FacetEntries, ...errorResponses(...refusals) },
      },
    }, async (req) => {
      const key = await subjectOf(req)
      const { facet, entries } = await readFacet(platform, req.principal.roles, s.kind as EntityKind, key, req.params.facet, purposeOf(req))
      return { name: facet.name, title: facet.title, sensitivity: facet.sensitivity, items: entries }
    })

    api.get(`/${s.path}/:${s.param}/facets/:facet/history`, {
      config: { audit: { action: 'facet.history', subjectKind: s.kind, subjectParam: s.param, describe }, permission: 'records:read' },
      schema: {
        summary: `Every change to one of ${s.label} facets, newest first, the entries' creations last`,
        tags: ['records'],
        params,
        querystring: z.object({ purpose: PurposeQuery, cursor: z.string().max(128).optional(), limit: z.coerce.number().int().min(1).max(200).default(50) }),
        response: { 200: page(FacetHistoryItem), ...errorResponses(...refusals, 'TB_CURSOR_INVALID') },
      },
    }, async (req) => {
      const key = await subjectOf(req)
      const result = await readFacetHistory(platform, req.principal.roles, s.kind as EntityKind, key, req.params.facet, purposeOf(req), decodeCursor(req.query.cursor, 'number'), req.query.limit)
      return { items: result.items, next: result.next === null ? null : encodeCursor(result.next) }
    })
  }
}
