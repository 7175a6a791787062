// Risk reports in the portal: grid staff report from their phones (the page posts each photo to
// /api/v1/photos, then the form), the town's list and the county's open reports by age, and a
// report's page with its history and the leader's verify, close and whistle forms. Every report,
// list, view and action goes through the risk service and is audited, as through the API.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { can } from '../../auth/access.ts'
import { isTongbanError } from '../../errors.ts'
import { ReportRisk, RiskEventInput, type RiskState } from '../../model/risk.ts'
import { hoursBetween, townPlace, villagePlace } from '../../risks/places.ts'
import { listRisks } from '../../store/risks.ts'
import { decodeCursor, encodeCursor } from '../../web/cursor.ts'
import { html } from '../../html.ts'
import { page, type PageContext } from '../layout.ts'
import { queryText } from '../query.ts'
import { PageError, type PortalKit, type SignedIn } from '../kit.ts'
import { newRequestId } from './cases.ts'
import { newRiskBody, riskBody, riskListBody, type NewRiskView } from './risks-view.ts'

const PAGE_SIZE = 50
const RISK_ID = z.string().regex(/^FX\d{24}$/, 'a risk report number')
const OPEN: readonly RiskState[] = ['reported', 'whistled', 'verified']
const Lang = queryText(8).optional()

/** The report form: one value per field, the photos' hashes repeated. */
const NewBody = z.object({
  _csrf: z.string().max(128).optional(),
  requestId: z.string().max(64).optional(),
  category: z.string().max(40).default(''),
  village: z.string().max(20).default(''),
  address: z.string().max(400).default(''),
  description: z.string().max(8000).default(''),
  severity: z.string().max(20).default(''),
  keepLocation: z.string().max(10).optional(),
  lat: z.string().max(20).optional(),
  lon: z.string().max(20).optional(),
  photos: z.union([z.string().max(64), z.array(z.string().max(64)).max(20)]).optional(),
})

const ActBody = z.record(z.string().max(40), z.string().max(2000))

export async function riskPages (app: FastifyInstance, kit: PortalKit): Promise<void> {
  const { platform, signIn, requireCsrf, requirePermission, recordScope, ctxOf, sendPage, audit } = kit
  const { config } = platform
  const api = app.withTypeProvider<ZodTypeProvider>()
  const styles = html`<link rel="stylesheet" href="${kit.assets.url('risks.css')}">`
  const script = html`${styles}<script src="${kit.assets.url('risks.js')}" defer></script>`

  const villagesOf = (s: SignedIn): ReadonlyArray<{ code: string, name: string }> => config.towns.find((t) => t.code === s.principal.town)?.villages ?? []

  const formPage = (req: FastifyRequest, reply: FastifyReply, s: SignedIn, status: number, v: NewRiskView): FastifyReply => {
    const ctx = ctxOf(req, reply, s)
    return sendPage(reply, status, page(ctx, ctx.t('risk.newTitle'), newRiskBody(ctx, v), { scripts: script, topSearch: false }))
  }

  api.get('/portal/risks/new', { schema: { hide: true, querystring: z.object({ lang: Lang }) } }, async (req, reply) => {
    const s = await signIn(req, reply)
    if (!s) return reply
    requirePermission(s, 'risks:report')
    return formPage(req, reply, s, 200, { categories: config.risks.categories, villages: villagesOf(s), values: {}, errors: new Map(), requestId: newRequestId() })
  })

  api.post('/portal/risks/new', { schema: { hide: true, body: NewBody } }, async (req, reply) => {
    const s = await signIn(req, reply)
    if (!s) return reply
    requireCsrf(req, s)
    requirePermission(s, 'risks:report')
    const ctx = ctxOf(req, reply, s)
    const b = req.body
    const photos = b.photos === undefined ? [] : Array.isArray(b.photos) ? b.photos : [b.photos]
    const location = b.lat && b.lon ? { lat: Number(b.lat), lon: Number(b.lon) } : null
    const requestId = /^[A-Za-z0-9_-]{8,64}$/.test(b.requestId ?? '') ? b.requestId! : newRequestId()
    const values: Record<string, string> = { category: b.category, village: b.village, address: b.address, description: b.description, severity: b.severity, keepLocation: b.keepLocation ?? '', lat: b.lat ?? '', lon: b.lon ?? '' }
    const view = (errors: Map<string, string>): NewRiskView => ({ categories: config.risks.categories, villages: villagesOf(s), values, errors, requestId })
    const parsed = ReportRisk.safeParse({ category: b.category, village: b.village, address: b.address, description: b.description, severity: b.severity, photos, location, requestId })
    if (!parsed.success) {
      const errors = new Map<string, string>()
      for (const issue of parsed.error.issues) errors.set(String(issue.path[0] ?? 'form'), ctx.t('risk.required'))
      return formPage(req, reply, s, 422, view(errors))
    }
    let id: string
    try {
      ({ id } = await platform.risks.report(parsed.data, s.principal))
    } catch (err) {
      const fields = isTongbanError(err) && err.code === 'TB_RISK_INVALID' ? (err.details as { errors?: Array<{ field: string, message: string }> } | undefined)?.errors : undefined
      if (!fields) throw err
      return formPage(req, reply, s, 422, view(new Map(fields.map((f) => [f.field, f.message]))))
    }
    await audit(req, s, 'risk.report', { subjectKind: 'risk', subject: id, details: { category: parsed.data.category, severity: parsed.data.severity, photos: photos.length } })
    return reply.code(303).header('location', `/portal/risks/${id}?reported=1`).send()
  })

  api.get('/portal/risks', {
    schema: { hide: true, querystring: z.object({ sort: z.enum(['age', 'newest']).optional(), state: z.enum(['open', 'all']).optional(), after: queryText(200).optional(), lang: Lang }) },
  }, async (req, reply) => {
    const s = await signIn(req, reply)
    if (!s) return reply
    requirePermission(s, 'risks:read')
    const scope = recordScope(s)
    const county = s.principal.roles.includes('county-admin')
    const sort = req.query.sort ?? (county ? 'age' : 'newest')
    const open = (req.query.state ?? (county ? 'open' : 'all')) === 'open'
    const cursor = decodeCursor(req.query.after, 'string')
    const [reportedAt, id] = cursor?.split('|') ?? []
    const items = await listRisks(platform.db, {
      townPrefix: scope.prefix, ...(open && { states: OPEN }), order: sort === 'age' ? 'oldest' : 'newest',
      ...(reportedAt && id && { after: { reportedAt, id } }), limit: PAGE_SIZE + 1,
    })
    await audit(req, s, 'risk.list', { subjectKind: 'risk', details: { sort, open, count: Math.min(items.length, PAGE_SIZE) } })
    const shown = items.slice(0, PAGE_SIZE)
    const last = shown.at(-1)
    const now = new Date().toISOString()
    return kit.render(req, reply, s, (ctx) => ctx.t('risk.listTitle'), (ctx: PageContext) => riskListBody(ctx, {
      items: shown.map((r) => ({ ...r, townName: townPlace(config, r.town).name, villageName: r.village === null ? null : villagePlace(config, r.town, r.village).name, ageHours: hoursBetween(r.reportedAt, r.closedAt ?? now) })),
      county, sort, open, mayReport: can(s.principal, 'risks:report'),
      next: items.length > PAGE_SIZE && last ? new URLSearchParams({ sort, state: open ? 'open' : 'all', after: encodeCursor(`${last.reportedAt}|${last.id}`) }).toString() : undefined,
    }), { scripts: styles })
  })

  /** The report's page; `status` 409 when the staff member's action met a report someone moved first. */
  const riskPage = async (req: FastifyRequest, reply: FastifyReply, s: SignedIn, id: string, status: number, notice?: string): Promise<FastifyReply> => {
    const scope = recordScope(s)
    let view
    try {
      view = await platform.risks.view(id, scope.prefix)
    } catch (err) {
      if (isTongbanError(err) && err.code === 'TB_RISK_NOT_FOUND') {
        await audit(req, s, 'risk.read', { subjectKind: 'risk', subject: id, outcome: 'denied' })
        throw new PageError(404)
      }
      throw err
    }
    await audit(req, s, 'risk.read', { subjectKind: 'risk', subject: id })
    const p = s.principal
    const actions = view.allowed.filter((a): a is 'whistle' | 'verify' | 'close' =>
      (a === 'whistle' && can(p, 'whistles:blow')) || ((a === 'verify' || a === 'close') && can(p, 'risks:close')))
    const ctx = ctxOf(req, reply, s)
    return sendPage(reply, status, page(ctx, ctx.t('risk.title', id), riskBody(ctx, {
      view, townName: townPlace(config, view.risk.town).name, villageName: villagePlace(config, view.risk.town, view.current.village).name,
      ageHours: hoursBetween(view.risk.reportedAt, view.risk.closedAt ?? new Date().toISOString()), actions,
      whistleTypes: config.whistles.types, requestId: newRequestId(), version: view.risk.version, notice,
    }), { scripts: styles }))
  }

  api.get('/portal/risks/:id', {
    schema: { hide: true, params: z.object({ id: RISK_ID }), querystring: z.object({ reported: z.literal('1').optional(), lang: Lang }) },
  }, async (req, reply) => {
    const s = await signIn(req, reply)
    if (!s) return reply
    requirePermission(s, 'risks:read')
    const notice = req.query.reported ? ctxOf(req, reply, s).t('risk.reportedNotice', req.params.id) : undefined
    return await riskPage(req, reply, s, req.params.id, 200, notice)
  })

  api.post('/portal/risks/:id/act', { schema: { hide: true, params: z.object({ id: RISK_ID }), body: ActBody } }, async (req, reply) => {
    const s = await signIn(req, reply)
    if (!s) return reply
    requireCsrf(req, s)
    const b = req.body
    const { _csrf: _c, version, verification, ...rest } = b
    const input = RiskEventInput.safeParse({ ...rest, ...(verification ? { verification } : {}) })
    if (!input.success) throw new PageError(422)
    requirePermission(s, input.data.action === 'whistle' ? 'whistles:blow' : input.data.action === 'correct' ? 'risks:report' : 'risks:close')
    const scope = recordScope(s)
    // A page older than the report: show the report as it is now rather than act on what the leader did not see.
    const seen = await platform.risks.view(req.params.id, scope.prefix).catch(() => { throw new PageError(404) })
    if (version !== undefined && Number(version) !== seen.risk.version) return await riskPage(req, reply, s, req.params.id, 409, ctxOf(req, reply, s).t('risk.stale'))
    try {
      await platform.risks.act(req.params.id, input.data, s.principal, scope.prefix)
    } catch (err) {
      if (isTongbanError(err) && err.statusCode === 409) {
        await audit(req, s, 'risk.event', { subjectKind: 'risk', subject: req.params.id, outcome: 'failed', details: { action: input.data.action, code: err.code } })
        return await riskPage(req, reply, s, req.params.id, 409, err.message)
      }
      throw err
    }
    await audit(req, s, 'risk.event', { subjectKind: 'risk', subject: req.params.id, details: { action: input.data.action } })
    return reply.code(303).header('location', `/portal/risks/${req.params.id}`).send()
  })
}
