// A resident's and an enterprise's page (every field with its source, conflicts, history, facets;
// full ID and phone numbers, and sensitive facets, only with a purpose), and the open conflicts
// with their resolution.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { can } from '../../auth/access.ts'
import { inScope } from '../../model/scope.ts'
import { isTongbanError } from '../../errors.ts'
import type { EntityKind } from '../../model/index.ts'
import { facetsOf, readFacet } from '../../facets/read.ts'
import { Purpose } from '../../facets/access.ts'
import { facetEntries } from '../../store/facets.ts'
import { creditCode } from '../../normalize/index.ts'
import { getRecord, idNumberByRef, personRef, recordInScope, recordLabels, representedBy } from '../../store/records.ts'
import { getConflict, listConflicts, openConflictsOf } from '../../store/conflicts.ts'
import { recordHistory } from '../../store/history.ts'
import { resolveConflict } from '../../unify/resolve.ts'
import type { AuditAction } from '../../audit/index.ts'
import { page, type PageContext } from '../layout.ts'
import { formText, queryText } from '../query.ts'
import { HELD_TOKEN } from '../held.ts'
import { PageError, type PortalKit, type SignedIn } from '../kit.ts'
import { conflictListBody, recordBody, type RecordView } from './records-view.ts'
import type { FacetView } from './facets-view.ts'

const HISTORY_SIZE = 50

export async function recordPages (app: FastifyInstance, kit: PortalKit): Promise<void> {
  const { platform, sendPage, signIn, requireCsrf, requirePermission, recordScope, ctxOf, audit } = kit
  const { db } = platform
  const api = app.withTypeProvider<ZodTypeProvider>()

  // -------------------------------------------------------------------------------------------
  // residents and enterprises

  /** A shown facet with the page references of the residents its entries link to (persons are addressed by reference). */
  const withRefs = async (f: FacetView): Promise<FacetView> => {
    const fields = Object.keys(f.links).filter((field) => f.links[field] === 'person')
    if (!f.shown || fields.length === 0) return f
    const ids = f.shown.flatMap((e) => fields.map((field) => e.data[field]).filter((v): v is string => typeof v === 'string'))
    const labels = await recordLabels(db, 'person', ids)
    return { ...f, refs: new Map([...labels].flatMap(([id, label]) => label.ref === undefined ? [] : [[id, label.ref] as const])) }
  }

  /** The subject's facets as the staff member may see them, ordinary ones with their entries. */
  const facetViews = async (s: SignedIn, kind: EntityKind, key: string): Promise<FacetView[]> =>
    await Promise.all((await facetsOf(platform, s.principal.roles, kind, key)).map(async (f) =>
      f.access === 'open' ? await withRefs({ ...f, shown: await facetEntries(db, kind, key, f.name) }) : f))

  /**
   * A sensitive facet shown for a purpose: read (or refused) and audited either way, with the
   * purpose; the page's facets with that one's entries in them.
   */
  const openedFacets = async (req: FastifyRequest, s: SignedIn, kind: EntityKind, key: string, name: string, purpose: string): Promise<FacetView[]> => {
    const note = { subjectKind: kind, subject: key, purpose }
    let read
    try {
      read = await readFacet(platform, s.principal.roles, kind, key, name, purpose)
    } catch (err) {
      if (!isTongbanError(err)) throw err
      const status = err.code === 'TB_FACET_FORBIDDEN' ? 403 : 404
      await audit(req, s, 'facet.read', { ...note, outcome: 'denied', details: { facet: name, status } })
      throw new PageError(status)
    }
    await audit(req, s, 'facet.read', { ...note, details: { facet: name } })
    return await Promise.all((await facetViews(s, kind, key)).map(async (f) => f.name === name ? await withRefs({ ...f, shown: read.entries }) : f))
  }

  /** The purpose a facet form gives, or a 422 page asking for it. */
  const facetPurpose = (req: FastifyRequest, reply: FastifyReply, s: SignedIn, given: string | undefined): string => {
    const purpose = Purpose.safeParse(given ?? '')
    if (!purpose.success) throw new PageError(422, ctxOf(req, reply, s).t('facet.purposeMissing'))
    return purpose.data
  }

  /**
   * The record page's data, by the resident's opaque reference (the ID number stays out of URLs);
   * a record that is missing or out of scope is a 404, audited as denied.
   */
  const loadPerson = async (req: FastifyRequest, s: SignedIn, ref: string, action: AuditAction, purpose?: string): Promise<Omit<RecordView, 'canResolve'> & { ref: string }> => {
    requirePermission(s, 'records:read')
    const scope = recordScope(s)
    const idNumber = await idNumberByRef(db, ref)
    if (idNumber === undefined || !await recordInScope(db, 'person', idNumber, scope)) {
      await audit(req, s, action, { subjectKind: 'person', subject: idNumber ?? `ref:${ref}`, outcome: 'denied', ...(purpose ? { purpose } : {}), details: { status: 404 } })
      throw new PageError(404)
    }
    const [record, conflicts, represents, history, facets] = await Promise.all([
      getRecord(db, 'person', idNumber),
      openConflictsOf(db, 'person', idNumber),
      representedBy(db, idNumber, scope),
      recordHistory(db, 'person', idNumber, undefined, HISTORY_SIZE),
      facetViews(s, 'person', idNumber),
    ])
    await audit(req, s, action, { subjectKind: 'person', subject: idNumber, ...(purpose ? { purpose } : {}) })
    return { kind: 'person', ref, record: record!, conflicts, represents, history: history.items, facets }
  }

  // A reference is 32 hex digits (migration 008); anything else is simply not found.
  const RefParams = z.object({ ref: queryText(64) })
  const resolvedNotice = (ctx: PageContext, req: FastifyRequest): string | undefined =>
    (req.query as Record<string, unknown>).resolved !== undefined ? ctx.t('conflict.resolved') : undefined
  /** The held search this page was opened from (`?s=`), for the way back to the results. */
  const searchTokenOf = (req: FastifyRequest): string | undefined => {
    const token = (req.query as Record<string, unknown>).s
    return typeof token === 'string' && HELD_TOKEN.test(token) ? token : undefined
  }
  const PageQuery = z.object({ lang: queryText(8).optional(), resolved: queryText(8).optional(), s: queryText(32).optional() })

  api.get('/portal/persons/:ref', {
    schema: { hide: true, params: RefParams, querystring: PageQuery },
  }, async (req, reply) => {
    const s = await signIn(req, reply)
    if (!s) return reply
    const view = await loadPerson(req, s, req.params.ref, 'person.read')
    const ctx = ctxOf(req, reply, s)
    const name = typeof view.record.name === 'string' ? view.record.name : ''
    return sendPage(reply, 200, page(ctx, ctx.t('record.personTitle', name), recordBody(ctx, platform, { ...view, canResolve: can(s.principal, 'conflicts:resolve'), notice: resolvedNotice(ctx, req), searchToken: searchTokenOf(req) })))
  })

  api.post('/portal/persons/:ref/full', {
    schema: { hide: true, params: RefParams, querystring: PageQuery, body: z.object({ _csrf: z.string().max(128).optional(), purpose: formText(500).optional() }) },
  }, async (req, reply) => {
    const s = await signIn(req, reply)
    if (!s) return reply
    requireCsrf(req, s)
    const purpose = (req.body.purpose ?? '').trim().slice(0, 200)
    if (purpose === '') throw new PageError(422, ctxOf(req, reply, s).t('record.purposeHint'))
    const view = await loadPerson(req, s, req.params.ref, 'person.read-full', purpose)
    const ctx = ctxOf(req, reply, s)
    const name = typeof view.record.name === 'string' ? view.record.name : ''
    return sendPage(reply, 200, page(ctx, ctx.t('record.personTitle', name), recordBody(ctx, platform, { ...view, canResolve: can(s.principal, 'conflicts:resolve'), fullPurpose: purpose, searchToken: searchTokenOf(req) })))
  })

  /** The enterprise page's data; a record that is missing or out of scope is a 404, audited as denied. */
  const loadEnterprise = async (req: FastifyRequest, s: SignedIn, input: string): Promise<Omit<RecordView, 'canResolve'>> => {
    requirePermission(s, 'records:read')
    const scope = recordScope(s)
    const code = creditCode(input.toUpperCase())
    if (!code.ok || !await recordInScope(db, 'enterprise', code.value, scope)) {
      await audit(req, s, 'enterprise.read', { subjectKind: 'enterprise', subject: input, outcome: 'denied', details: { status: 404 } })
      throw new PageError(404)
    }
    const [record, conflicts, history, facets] = await Promise.all([
      getRecord(db, 'enterprise', code.value),
      openConflictsOf(db, 'enterprise', code.value),
      recordHistory(db, 'enterprise', code.value, undefined, HISTORY_SIZE),
      facetViews(s, 'enterprise', code.value),
    ])
    const rep = record!.legalRepresentative as { idNumber?: string } | null
    const representative = rep?.idNumber ? await personRef(db, rep.idNumber) : undefined
    await audit(req, s, 'enterprise.read', { subjectKind: 'enterprise', subject: code.value })
    return { kind: 'enterprise', record: record!, conflicts, history: history.items, representative, facets }
  }
  const enterprisePage = (req: FastifyRequest, reply: FastifyReply, s: SignedIn, view: RecordView): FastifyReply => {
    const ctx = ctxOf(req, reply, s)
    return sendPage(reply, 200, page(ctx, ctx.t('record.enterpriseTitle', String(view.record.name ?? view.record.creditCode)), recordBody(ctx, platform, view)))
  }

  api.get('/portal/enterprises/:creditCode', {
    schema: { hide: true, params: z.object({ creditCode: queryText(32) }), querystring: PageQuery },
  }, async (req, reply) => {
    const s = await signIn(req, reply)
    if (!s) return reply
    const view = await loadEnterprise(req, s, req.params.creditCode)
    return enterprisePage(req, reply, s, { ...view, canResolve: can(s.principal, 'conflicts:resolve'), notice: resolvedNotice(ctxOf(req, reply, s), req), searchToken: searchTokenOf(req) })
  })

  // A sensitive facet, shown once the form gives its purpose (POST: the purpose stays out of URLs).
  const FacetBody = z.object({ _csrf: z.string().max(128).optional(), purpose: formText(500).optional() })
  const FacetName = queryText(64)

  api.post('/portal/persons/:ref/facets/:facet', {
    schema: { hide: true, params: z.object({ ref: queryText(64), facet: FacetName }), querystring: PageQuery, body: FacetBody },
  }, async (req, reply) => {
    const s = await signIn(req, reply)
    if (!s) return reply
    requireCsrf(req, s)
    const purpose = facetPurpose(req, reply, s, req.body.purpose)
    const view = await loadPerson(req, s, req.params.ref, 'person.read')
    const facets = await openedFacets(req, s, 'person', String(view.record.idNumber), req.params.facet, purpose)
    const ctx = ctxOf(req, reply, s)
    const name = typeof view.record.name === 'string' ? view.record.name : ''
    return sendPage(reply, 200, page(ctx, ctx.t('record.personTitle', name), recordBody(ctx, platform, { ...view, facets, openedFacet: { name: req.params.facet, purpose }, canResolve: can(s.principal, 'conflicts:resolve'), searchToken: searchTokenOf(req) })))
  })

  api.post('/portal/enterprises/:creditCode/facets/:facet', {
    schema: { hide: true, params: z.object({ creditCode: queryText(32), facet: FacetName }), querystring: PageQuery, body: FacetBody },
  }, async (req, reply) => {
    const s = await signIn(req, reply)
    if (!s) return reply
    requireCsrf(req, s)
    const purpose = facetPurpose(req, reply, s, req.body.purpose)
    const view = await loadEnterprise(req, s, req.params.creditCode)
    const facets = await openedFacets(req, s, 'enterprise', String(view.record.creditCode), req.params.facet, purpose)
    return enterprisePage(req, reply, s, { ...view, facets, openedFacet: { name: req.params.facet, purpose }, canResolve: can(s.principal, 'conflicts:resolve'), searchToken: searchTokenOf(req) })
  })

  // -------------------------------------------------------------------------------------------
  // conflicts

  api.get('/portal/conflicts', {
    schema: { hide: true, querystring: z.object({ after: z.coerce.number().int().positive().optional(), lang: z.string().max(8).optional() }) },
  }, async (req, reply) => {
    const s = await signIn(req, reply)
    if (!s) return reply
    requirePermission(s, 'conflicts:read')
    const result = await listConflicts(db, { status: 'open', scope: recordScope(s), afterId: req.query.after, limit: 50 })
    const keysOf = (kind: string): string[] => result.items.filter((c) => c.kind === kind).map((c) => c.recordKey)
    const [persons, enterprises] = await Promise.all([recordLabels(db, 'person', keysOf('person')), recordLabels(db, 'enterprise', keysOf('enterprise'))])
    await audit(req, s, 'conflict.read', { details: { count: result.items.length } })
    const ctx = ctxOf(req, reply, s)
    return sendPage(reply, 200, page(ctx, ctx.t('conflict.listTitle'), conflictListBody(ctx, platform, result.items, result.next, { person: persons, enterprise: enterprises })))
  })

  api.post('/portal/conflicts/:id/resolve', {
    schema: {
      hide: true,
      params: z.object({ id: z.coerce.number().int().positive() }),
      body: z.object({ _csrf: z.string().max(128).optional(), choice: z.coerce.number().int().min(0).max(50).optional(), reason: formText(500).optional(), s: queryText(32).optional() }),
    },
  }, async (req, reply) => {
    const s = await signIn(req, reply)
    if (!s) return reply
    requireCsrf(req, s)
    requirePermission(s, 'conflicts:resolve')
    const scope = recordScope(s)
    const ctx = ctxOf(req, reply, s)
    const conflict = await getConflict(db, req.params.id)
    if (!conflict || !inScope(scope, conflict.divisionCode)) {
      await audit(req, s, 'conflict.resolve', { subjectKind: 'conflict', subject: String(req.params.id), outcome: 'denied', details: { status: 404 } })
      throw new PageError(404)
    }
    const candidate = req.body.choice === undefined ? undefined : conflict.candidates[req.body.choice]
    const reason = (req.body.reason ?? '').trim()
    if (!candidate || reason === '') throw new PageError(422, ctx.t('error.TB_VALIDATION'))
    try {
      await resolveConflict(db, conflict.id, { value: candidate.value, reason, resolvedBy: s.principal.username, scope })
    } catch (err) {
      await audit(req, s, 'conflict.resolve', { subjectKind: 'conflict', subject: String(conflict.id), outcome: 'failed', details: { code: isTongbanError(err) ? err.code : 'TB_INTERNAL' } })
      if (isTongbanError(err) && err.code === 'TB_CONFLICT_CLOSED') throw new PageError(409, ctx.t('conflict.closed'))
      if (isTongbanError(err) && err.code === 'TB_CONFLICT_VALUE_INVALID') throw new PageError(422, ctx.t('conflict.invalid', err.message))
      throw err
    }
    await audit(req, s, 'conflict.resolve', { subjectKind: 'conflict', subject: String(conflict.id), details: { field: conflict.field, source: candidate.adapter } })
    const target = conflict.kind === 'person'
      ? `/portal/persons/${(await recordLabels(db, 'person', [conflict.recordKey])).get(conflict.recordKey)?.ref ?? 'missing'}`
      : `/portal/enterprises/${conflict.recordKey}`
    // Back to the record with the way back to the results it was opened from.
    const back = req.body.s !== undefined && HELD_TOKEN.test(req.body.s) ? `&s=${req.body.s}` : ''
    return reply.code(303).header('location', `${target}?resolved=1${back}`).send()
  })
}
