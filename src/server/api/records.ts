// Unified residents and enterprises.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Platform } from '../../platform.ts'
import type { EntityKind } from '../../model/index.ts'
import { getRecord, matchOf, personRef, representedBy, searchRecords } from '../../store/records.ts'
import { facetsOf } from '../../facets/read.ts'
import { existingSubject } from './subjects.ts'
import { scopeOf } from '../scope.ts'
import type { Scope } from '../../model/scope.ts'
import { recordHistory } from '../../store/history.ts'
import { errorResponses } from '../errors.ts'
import { Enterprise, EnterpriseDetail, FacetRef, HistoryItem, ListQuery, Person, PersonDetail, page } from './schemas.ts'
import { decodeCursor, encodeCursor } from '../../web/cursor.ts'
import { callerOf, readRouting } from '../../store/read-routing.ts'

const PREFIX = '/api/v1'

const HistoryQuery = z.object({
  cursor: z.string().max(128).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
})

export async function recordRoutes (app: FastifyInstance, opts: { platform: Platform }): Promise<void> {
  const { db } = opts.platform
  // Searches may read from a standby; whatever else a request reads stays on the primary.
  const reads = readRouting(opts.platform)
  const searchDb = async (req: FastifyRequest) => await reads.reader(callerOf(req.principal))
  const api = app.withTypeProvider<ZodTypeProvider>()

  const existingPerson = async (input: string, scope: Scope): Promise<string> => await existingSubject(db, 'person', input, scope)
  const existingEnterprise = async (input: string, scope: Scope): Promise<string> => await existingSubject(db, 'enterprise', input, scope)
  const facetRefs = async (req: FastifyRequest, kind: EntityKind, key: string): Promise<Array<z.infer<typeof FacetRef>>> =>
    (await facetsOf(opts.platform, req.principal.roles, kind, key)).map((f) => ({
      name: f.name, title: f.title, sensitivity: f.sensitivity, entries: f.entries, access: f.access,
      href: `${PREFIX}/${kind === 'person' ? 'persons' : 'enterprises'}/${key}/facets/${f.name}`,
    }))

  api.get('/persons/:idNumber', {
    config: { audit: { action: 'person.read', subjectKind: 'person', subjectParam: 'idNumber' }, permission: 'records:read' },
    schema: {
      summary: 'One unified resident',
      description: 'Accepts the 18-digit number, the 15-digit legacy form and a lowercase x.',
      tags: ['records'],
      params: z.object({ idNumber: z.string().max(32) }),
      response: { 200: PersonDetail, ...errorResponses('TB_PERSON_NOT_FOUND', 'TB_ID_CHECKSUM') },
    },
  }, async (req) => {
    const scope = scopeOf(req)
    const idNumber = await existingPerson(req.params.idNumber, scope)
    const person = (await getRecord(db, 'person', idNumber))!
    const represents = (await representedBy(db, idNumber, scope)).map((e) => ({ creditCode: e.key, name: e.name, href: `${PREFIX}/enterprises/${e.key}` }))
    return { ...person, represents, facets: await facetRefs(req, 'person', idNumber) } as z.infer<typeof PersonDetail>
  })

  api.get('/persons/:idNumber/history', {
    config: { audit: { action: 'person.history', subjectKind: 'person', subjectParam: 'idNumber' }, permission: 'records:read' },
    schema: {
      summary: "Every change to a resident's unified record, newest first",
      tags: ['records'],
      params: z.object({ idNumber: z.string().max(32) }),
      querystring: HistoryQuery,
      response: { 200: page(HistoryItem), ...errorResponses('TB_PERSON_NOT_FOUND', 'TB_ID_CHECKSUM', 'TB_CURSOR_INVALID') },
    },
  }, async (req) => {
    const idNumber = await existingPerson(req.params.idNumber, scopeOf(req))
    const result = await recordHistory(db, 'person', idNumber, decodeCursor(req.query.cursor, 'number'), req.query.limit)
    return { items: result.items, next: result.next === null ? null : encodeCursor(result.next) }
  })

  api.get('/persons', {
    config: { audit: { action: 'person.search' }, permission: 'records:read' },
    schema: { summary: 'Search residents by name or ID number prefix', description: 'Name matches come in (name, ID number) order; an ID number prefix, or no q, in ID number order.', tags: ['records'], querystring: ListQuery, response: { 200: page(Person), ...errorResponses('TB_CURSOR_INVALID') } },
  }, async (req) => {
    const q = req.query.q?.toUpperCase()
    const result = await searchRecords(await searchDb(req), 'person', scopeOf(req), matchOf('person', q), decodeCursor(req.query.cursor, 'string'), req.query.limit)
    return { items: result.items as Array<z.infer<typeof Person>>, next: result.next === null ? null : encodeCursor(result.next) }
  })

  api.get('/enterprises/:creditCode', {
    config: { audit: { action: 'enterprise.read', subjectKind: 'enterprise', subjectParam: 'creditCode' }, permission: 'records:read' },
    schema: {
      summary: 'One unified enterprise',
      tags: ['records'],
      params: z.object({ creditCode: z.string().max(32) }),
      response: { 200: EnterpriseDetail, ...errorResponses('TB_ENTERPRISE_NOT_FOUND', 'TB_CREDIT_CODE_CHECKSUM') },
    },
  }, async (req) => {
    const code = await existingEnterprise(req.params.creditCode, scopeOf(req))
    const enterprise = (await getRecord(db, 'enterprise', code))!
    const rep = enterprise.legalRepresentative as { name: string, idNumber?: string } | null
    let legalRepresentative = null
    if (rep) {
      const ref = rep.idNumber ? await personRef(db, rep.idNumber) : undefined
      legalRepresentative = { ...rep, person: ref ? { idNumber: ref.key, name: ref.name, href: `${PREFIX}/persons/${ref.key}` } : null }
    }
    return { ...enterprise, legalRepresentative, facets: await facetRefs(req, 'enterprise', code) } as z.infer<typeof EnterpriseDetail>
  })

  api.get('/enterprises/:creditCode/history', {
    config: { audit: { action: 'enterprise.history', subjectKind: 'enterprise', subjectParam: 'creditCode' }, permission: 'records:read' },
    schema: {
      summary: "Every change to an enterprise's unified record, newest first",
      tags: ['records'],
      params: z.object({ creditCode: z.string().max(32) }),
      querystring: HistoryQuery,
      response: { 200: page(HistoryItem), ...errorResponses('TB_ENTERPRISE_NOT_FOUND', 'TB_CREDIT_CODE_CHECKSUM', 'TB_CURSOR_INVALID') },
    },
  }, async (req) => {
    const code = await existingEnterprise(req.params.creditCode, scopeOf(req))
    const result = await recordHistory(db, 'enterprise', code, decodeCursor(req.query.cursor, 'number'), req.query.limit)
    return { items: result.items, next: result.next === null ? null : encodeCursor(result.next) }
  })

  api.get('/enterprises', {
    config: { audit: { action: 'enterprise.search' }, permission: 'records:read' },
    schema: { summary: 'Search enterprises by name or credit code prefix', tags: ['records'], querystring: ListQuery, response: { 200: page(Enterprise), ...errorResponses('TB_CURSOR_INVALID') } },
  }, async (req) => {
    const result = await searchRecords(await searchDb(req), 'enterprise', scopeOf(req), matchOf('enterprise', req.query.q), decodeCursor(req.query.cursor, 'string'), req.query.limit)
    return { items: result.items as Array<z.infer<typeof Enterprise>>, next: result.next === null ? null : encodeCursor(result.next) }
  })
}
