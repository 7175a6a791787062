// The unified portal: server-rendered pages for town staff at `/` and `/portal/…`. Every page
// needs a live session (else it redirects to sign-in), checks the staff member's roles and town
// scope (a record outside it is "not found"), requires the session's CSRF token on every POST,
// and writes reads of residents' and enterprises' data to the audit log.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Platform } from '../platform.ts'
import type { SessionStore } from '../auth/sessions.ts'
import { can, inScope, scopeOf } from '../auth/access.ts'
import { SESSION_COOKIE, sessionPrincipal } from '../server/auth.ts'
import { issueLoginToken, safeNext } from '../server/auth-routes.ts'
import { isTongbanError } from '../errors.ts'
import { creditCode, residentId } from '../normalize/index.ts'
import { classifyQuery } from './query.ts'
import { scopeCounts } from './scope-counts.ts'
import { getRecord, personRef, recordInScope, representedBy, scopeParams, searchRecords, type RecordMatch } from '../store/records.ts'
import { getConflict, listConflicts, openConflictsOf } from '../store/conflicts.ts'
import { recordHistory } from '../store/history.ts'
import { beijingMidnight, changesSince } from '../store/activity.ts'
import { resolveConflict } from '../unify/resolve.ts'
import { syncStatus } from '../sync/status.ts'
import { decodeCursor, encodeCursor } from '../server/api/cursor.ts'
import type { AuditAction } from '../audit/index.ts'
import { Assets } from './assets.ts'
import { raw } from './html.ts'
import { contextOf, messagePage, page, type PageContext } from './layout.ts'
import { conflictListBody, homeBody, loginBody, recordBody, searchBody, type FederationButton, type RecordView, type SearchResults } from './views.ts'
import { PageError, createKit, type SignedIn } from './kit.ts'
import { departmentPages } from './pages/departments.ts'
import { quarantinePages } from './pages/quarantine.ts'
import { auditPages } from './pages/audit.ts'
import { staffPages } from './pages/staff.ts'

const PAGE_SIZE = 20
const HISTORY_SIZE = 50

const PAGE_MODULES = [departmentPages, quarantinePages, auditPages, staffPages]

export async function portalPlugin (app: FastifyInstance, opts: { platform: Platform, sessions: SessionStore }): Promise<void> {
  const { platform, sessions } = opts
  const { db } = platform
  const assets = new Assets()
  const kit = createKit(platform, sessions, assets)
  const { sendPage, signIn, requireCsrf, requirePermission, recordScope, ctxOf, audit, townName } = kit
  const api = app.withTypeProvider<ZodTypeProvider>()

  // Pages answer pages, also when something goes wrong.
  app.setErrorHandler(async (err, req, reply) => {
    const ctx = contextOf(req, reply, assets, req.portal ? { principal: req.portal.principal, csrf: req.portal.session.csrf } : undefined)
    const { t } = ctx
    if (err instanceof PageError) {
      if (err.status === 404) return sendPage(reply, 404, messagePage(ctx, t('notFound.title'), err.text ?? t('notFound.body')))
      if (err.status === 403) return sendPage(reply, 403, messagePage(ctx, t('forbidden.title'), err.text ?? t('forbidden.body')))
      return sendPage(reply, err.status, messagePage(ctx, t('error.title'), err.text ?? ''))
    }
    const code = isTongbanError(err) ? err.code : 'TB_INTERNAL'
    const status = isTongbanError(err) ? err.statusCode : (err as { statusCode?: number }).statusCode === 400 ? 400 : 500
    if (status >= 500) req.log.error({ err }, 'portal page failed')
    if (code === 'TB_CSRF') return sendPage(reply, 403, messagePage(ctx, t('csrf.title'), t('csrf.body')))
    return sendPage(reply, status, messagePage(ctx, t('error.title'), t('error.body', status >= 500 ? `${code}, ${req.id}` : code)))
  })

  app.decorateRequest('portal', null)

  // -------------------------------------------------------------------------------------------
  // static assets: content-hashed names, cached for a year

  api.get('/portal/static/:name', {
    schema: { hide: true, params: z.object({ name: z.string().max(100) }) },
  }, async (req, reply) => {
    const asset = assets.byName.get(req.params.name)
    if (!asset) throw new PageError(404)
    return reply.type(asset.type).header('cache-control', 'public, max-age=31536000, immutable').send(asset.body)
  })

  // -------------------------------------------------------------------------------------------
  // sign-in and out

  const federationButtons = (next: string): FederationButton[] => {
    const f = platform.config.federation
    const q = next === '/' ? '' : `?next=${encodeURIComponent(next)}`
    const out: FederationButton[] = []
    if (f?.oidc) out.push({ href: `/auth/oidc/start${q}`, label: f.oidc.label })
    else if (f?.cas) out.push({ href: `/auth/cas/login${q}`, label: f.cas.label })
    return out
  }

  const loginPage = async (req: FastifyRequest, reply: FastifyReply, nextParam: string | undefined): Promise<FastifyReply> => {
    const next = safeNext(nextParam)
    const token = issueLoginToken(req, reply)
    const ctx = contextOf(req, reply, assets)
    const body = loginBody(ctx, { csrf: token, next, federation: federationButtons(next) })
    return sendPage(reply, 200, page(ctx, ctx.t('login.title'), body, { scripts: raw(`<script src="${assets.url('login.js')}" defer></script>`) }))
  }

  api.get('/portal/login', {
    schema: { hide: true, querystring: z.object({ next: z.string().max(2048).optional(), lang: z.string().max(8).optional() }) },
  }, async (req, reply) => {
    if (await sessionPrincipal(platform, sessions, req)) return reply.code(303).header('location', safeNext(req.query.next)).send()
    return await loginPage(req, reply, req.query.next)
  })

  api.post('/portal/logout', {
    schema: { hide: true, body: z.object({ _csrf: z.string().max(128).optional() }).passthrough() },
  }, async (req, reply) => {
    const s = await sessionPrincipal(platform, sessions, req)
    if (!s) return reply.code(303).header('location', '/portal/login').send()
    requireCsrf(req, s)
    await platform.audit.append({ actor: s.principal, action: 'auth.logout', subjectKind: 'staff', subject: s.principal.username, clientIp: req.ip, outcome: 'ok', details: { all: false, via: 'portal' } })
    await sessions.destroy(req.cookies[SESSION_COOKIE]!)
    reply.clearCookie(SESSION_COOKIE, { path: '/' })
    return reply.code(303).header('location', '/portal/login').send()
  })

  // -------------------------------------------------------------------------------------------
  // home

  api.get('/', {
    schema: { hide: true, querystring: z.object({ lang: z.string().max(8).optional() }).passthrough() },
  }, async (req, reply) => {
    const found = await sessionPrincipal(platform, sessions, req)
    if (!found) return await loginPage(req, reply, undefined)
    req.portal = found
    const ctx = ctxOf(req, reply, found)
    const { principal } = found
    const scope = scopeOf(principal)
    const count = async (sql: string, params: unknown[]): Promise<number> => (await db.query<{ n: number }>(sql, params)).rows[0]!.n
    const [counts, openConflicts, quarantine, status, today] = await Promise.all([
      scope ? scopeCounts(db, platform.redis, scope) : undefined,
      scope && can(principal, 'conflicts:read')
        ? count("SELECT count(*)::int AS n FROM conflicts WHERE status = 'open' AND (division_code LIKE $1 || '%' OR ($2::boolean AND division_code IS NULL))", scopeParams(scope))
        : undefined,
      can(principal, 'quarantine:read') ? count("SELECT count(*)::int AS n FROM quarantine WHERE status = 'open'", []) : undefined,
      can(principal, 'operations:read') ? syncStatus(platform) : undefined,
      scope ? changesSince(db, scope, beijingMidnight()) : undefined,
    ])
    const scopeText = !scope ? '' : scope.unlocated ? ctx.t('home.scope', ctx.t('home.scopeCounty', scope.prefix)) : ctx.t('home.scope', townName(principal.town))
    return sendPage(reply, 200, page(ctx, ctx.t('home.title'), homeBody(ctx, platform, { townName: townName(principal.town), scopeText, counts, openConflicts, quarantine, status, today })))
  })

  // -------------------------------------------------------------------------------------------
  // search

  api.get('/portal/search', {
    schema: {
      hide: true,
      querystring: z.object({
        q: z.string().max(64).optional(),
        kind: z.enum(['person', 'enterprise']).optional(),
        after: z.string().max(128).optional(),
        lang: z.string().max(8).optional(),
      }),
    },
  }, async (req, reply) => {
    const s = await signIn(req, reply)
    if (!s) return reply
    requirePermission(s, 'records:read')
    const scope = recordScope(s)
    const ctx = ctxOf(req, reply, s)
    const q = (req.query.q ?? '').trim()
    const after = req.query.after ? decodeCursor(req.query.after, 'string') : undefined
    const { kind } = req.query
    const query = classifyQuery(q)
    let persons: SearchResults | undefined
    let enterprises: SearchResults | undefined
    const one = async (k: 'person' | 'enterprise', key: string): Promise<SearchResults> => {
      const found = await recordInScope(db, k, key, scope) ? await getRecord(db, k, key) : undefined
      return { items: found ? [found] : [], next: null, paged: false }
    }
    const search = async (k: 'person' | 'enterprise', match: RecordMatch): Promise<SearchResults> => {
      const r = await searchRecords(db, k, scope, match, kind === k ? after : undefined, PAGE_SIZE)
      return { items: r.items, next: r.next === null ? null : encodeCursor(r.next), paged: kind === k && after !== undefined }
    }
    if (query.is === 'person') persons = await one('person', query.idNumber)
    if (query.is === 'enterprise') enterprises = await one('enterprise', query.creditCode)
    if (query.is === 'match') {
      if (query.persons && kind !== 'enterprise') persons = await search('person', query.persons)
      if (query.enterprises && kind !== 'person') enterprises = await search('enterprise', query.enterprises)
    }
    if (query.is !== 'empty') await audit(req, s, 'person.search', { details: { q, results: (persons?.items.length ?? 0) + (enterprises?.items.length ?? 0) } })
    const problem = query.is === 'invalid-id' ? 'invalid' as const : query.is === 'too-short' ? 'too-short' as const : undefined
    return sendPage(reply, 200, page(ctx, ctx.t('search.title'), searchBody(ctx, { q, problem, persons, enterprises })))
  })

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
    schema: { hide: true, params: IdParams, body: z.object({ _csrf: z.string().max(128).optional(), purpose: z.string().max(500).optional() }) },
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
      body: z.object({ _csrf: z.string().max(128).optional(), choice: z.coerce.number().int().min(0).max(50).optional(), reason: z.string().max(500).optional() }),
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

  for (const pages of PAGE_MODULES) await pages(app, kit)
}
