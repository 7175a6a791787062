// A resident's and an enterprise's page (every field with its source, conflicts, history; full ID
// and phone numbers only with a purpose), and the open conflicts with their resolution.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { can, inScope } from '../../auth/access.ts'
import { isTongbanError } from '../../errors.ts'
import { creditCode, residentId } from '../../normalize/index.ts'
import { getRecord, personRef, recordInScope, representedBy } from '../../store/records.ts'
import { getConflict, listConflicts, openConflictsOf } from '../../store/conflicts.ts'
import { recordHistory } from '../../store/history.ts'
import { resolveConflict } from '../../unify/resolve.ts'
import type { AuditAction } from '../../audit/index.ts'
import { page, type PageContext } from '../layout.ts'
import { formText } from '../query.ts'
import { PageError, type PortalKit, type SignedIn } from '../kit.ts'
import { conflictListBody, recordBody, type RecordView } from './records-view.ts'

const HISTORY_SIZE = 50

export async function recordPages (app: FastifyInstance, kit: PortalKit): Promise<void> {
  const { platform, sendPage, signIn, requireCsrf, requirePermission, recordScope, ctxOf, audit } = kit
  const { db } = platform
  const api = app.withTypeProvider<ZodTypeProvider>()

  // -------------------------------------------------------------------------------------------
  // residents and enterprises

  /** The record page's data; a record that is missing or out of scope is a 404, audited as denied. */
  const loadPerson = async (req: FastifyRequest, s: SignedIn, input: string, action: AuditAction, purpose?: string): Promise<Omit<RecordView, 'canResolve'>> => {
    requirePermission(s, 'records:read')
    const scope = recordScope(s)
    const id = residentId(input.toUpperCase())
    if (!id.ok || !await recordInScope(db, 'person', id.value, scope)) {
      await audit(req, s, action, { subjectKind: 'person', subject: input, outcome: 'denied', ...(purpose ? { purpose } : {}), details: { status: 404 } })
      throw new PageError(404)
    }
    const [record, conflicts, represents, history] = await Promise.all([
      getRecord(db, 'person', id.value),
      openConflictsOf(db, 'person', id.value),
      representedBy(db, id.value, scope),
      recordHistory(db, 'person', id.value, undefined, HISTORY_SIZE),
    ])
    await audit(req, s, action, { subjectKind: 'person', subject: id.value, ...(purpose ? { purpose } : {}) })
    return { kind: 'person', record: record!, conflicts, represents, history: history.items }
  }

  const IdParams = z.object({ idNumber: z.string().max(32) })
  const resolvedNotice = (ctx: PageContext, req: FastifyRequest): string | undefined =>
    (req.query as Record<string, unknown>).resolved !== undefined ? ctx.t('conflict.resolved') : undefined

  api.get('/portal/persons/:idNumber', {
    schema: { hide: true, params: IdParams, querystring: z.object({ lang: z.string().max(8).optional(), resolved: z.string().max(8).optional() }) },
  }, async (req, reply) => {
    const s = await signIn(req, reply)
    if (!s) return reply
    const view = await loadPerson(req, s, req.params.idNumber, 'person.read')
    const ctx = ctxOf(req, reply, s)
    const name = typeof view.record.name === 'string' ? view.record.name : ''
    return sendPage(reply, 200, page(ctx, ctx.t('record.personTitle', name), recordBody(ctx, platform, { ...view, canResolve: can(s.principal, 'conflicts:resolve'), notice: resolvedNotice(ctx, req) })))
  })

  api.post('/portal/persons/:idNumber/full', {
    schema: { hide: true, params: IdParams, body: z.object({ _csrf: z.string().max(128).optional(), purpose: formText(500).optional() }) },
  }, async (req, reply) => {
    const s = await signIn(req, reply)
    if (!s) return reply
    requireCsrf(req, s)
    const purpose = (req.body.purpose ?? '').trim().slice(0, 200)
    if (purpose === '') throw new PageError(422, ctxOf(req, reply, s).t('record.purposeHint'))
    const view = await loadPerson(req, s, req.params.idNumber, 'person.read-full', purpose)
    const ctx = ctxOf(req, reply, s)
    const name = typeof view.record.name === 'string' ? view.record.name : ''
    return sendPage(reply, 200, page(ctx, ctx.t('record.personTitle', name), recordBody(ctx, platform, { ...view, canResolve: can(s.principal, 'conflicts:resolve'), fullPurpose: purpose })))
  })

  api.get('/portal/enterprises/:creditCode', {
    schema: { hide: true, params: z.object({ creditCode: z.string().max(32) }), querystring: z.object({ lang: z.string().max(8).optional(), resolved: z.string().max(8).optional() }) },
  }, async (req, reply) => {
    const s = await signIn(req, reply)
    if (!s) return reply
    requirePermission(s, 'records:read')
    const scope = recordScope(s)
    const code = creditCode(req.params.creditCode.toUpperCase())
    if (!code.ok || !await recordInScope(db, 'enterprise', code.value, scope)) {
      await audit(req, s, 'enterprise.read', { subjectKind: 'enterprise', subject: req.params.creditCode, outcome: 'denied', details: { status: 404 } })
      throw new PageError(404)
    }
    const [record, conflicts, history] = await Promise.all([
      getRecord(db, 'enterprise', code.value),
      openConflictsOf(db, 'enterprise', code.value),
      recordHistory(db, 'enterprise', code.value, undefined, HISTORY_SIZE),
    ])
    const rep = record!.legalRepresentative as { idNumber?: string } | null
    const representative = rep?.idNumber ? await personRef(db, rep.idNumber) : undefined
    await audit(req, s, 'enterprise.read', { subjectKind: 'enterprise', subject: code.value })
    const ctx = ctxOf(req, reply, s)
    const view: RecordView = { kind: 'enterprise', record: record!, conflicts, history: history.items, representative, canResolve: can(s.principal, 'conflicts:resolve'), notice: resolvedNotice(ctx, req) }
    return sendPage(reply, 200, page(ctx, ctx.t('record.enterpriseTitle', String(record!.name ?? code.value)), recordBody(ctx, platform, view)))
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
    await audit(req, s, 'conflict.read', { details: { count: result.items.length } })
    const ctx = ctxOf(req, reply, s)
    return sendPage(reply, 200, page(ctx, ctx.t('conflict.listTitle'), conflictListBody(ctx, platform, result.items, result.next)))
  })

  api.post('/portal/conflicts/:id/resolve', {
    schema: {
      hide: true,
      params: z.object({ id: z.coerce.number().int().positive() }),
      body: z.object({ _csrf: z.string().max(128).optional(), choice: z.coerce.number().int().min(0).max(50).optional(), reason: formText(500).optional() }),
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
    const path = conflict.kind === 'person' ? 'persons' : 'enterprises'
    return reply.code(303).header('location', `/portal/${path}/${conflict.recordKey}?resolved=1`).send()
  })
}
