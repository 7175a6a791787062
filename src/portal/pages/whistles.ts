// The whistles (吹哨报到): the lists (a department liaison sees only its department's), the blow
// form (from a work order, a risk report or directly), a whistle's page with its departments'
// clocks and ladders, and its actions — the town leader's decisions and a liaison's answers for its
// own department — which go through the whistle service like the API's. A stale page (someone
// acted first) is answered 409 with the whistle as it is now.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { can, divisionPrefix } from '../../auth/access.ts'
import { isTongbanError, TongbanError } from '../../errors.ts'
import { BlowInput, TOWN_ACTIONS, WhistleTransitionInput, type WhistleState } from '../../model/whistle.ts'
import { whistleScope, type WhistleScope, type WhistleView } from '../../whistles/service.ts'
import { routingOf } from '../../whistles/routing.ts'
import { RiskEventInput } from '../../model/risk.ts'
import type { RiskView } from '../../risks/service.ts'
import { getOrder } from '../../store/orders.ts'
import { resendOutbox } from '../../store/outbox.ts'
import type { WhistleListFilter } from '../../store/whistles.ts'
import { queryText } from '../query.ts'
import { PageError, type PortalKit, type SignedIn } from '../kit.ts'
import { page } from '../layout.ts'
import type { MessageKey } from '../i18n.ts'
import { newRequestId } from './cases.ts'
import { mattersScript } from './matters.ts'
import { html } from '../../html.ts'
import {
  WHISTLE_TABS, blowFormBody, pendingExtensionDepartments, whistleBody, whistleListBody, whistleStateName,
  type BlowFormView, type Named, type WhistleTab,
} from './whistles-view.ts'

const PAGE_SIZE = 50
const WHISTLE_ID = z.string().regex(/^CS\d{24}$/, 'a whistle number such as CS3204121200002026120700001')
const SOURCE_ID = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/)

const TAB_STATES: Record<WhistleTab, WhistleState[] | undefined> = {
  approval: ['awaiting-approval'],
  open: ['open'],
  closed: ['closed'],
  all: undefined,
}

/** One form's fields; repeated names would arrive as arrays and are refused (checkboxes are named co.<code>). */
const FormBody = z.record(z.string().max(60), z.string().max(4000))

const blankless = (b: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(b).filter(([, v]) => v.trim() !== ''))

/** The departments a form names: the lead, then each ticked co-department. */
function namedDepartments (b: Record<string, string>): Array<{ code: string, role: 'lead' | 'co' }> | undefined {
  const co = Object.keys(b).filter((k) => k.startsWith('co.') && b[k] === 'on').map((k) => k.slice(3)).filter((c) => c !== b.lead)
  const named = [...(b.lead ? [{ code: b.lead, role: 'lead' as const }] : []), ...co.map((code) => ({ code, role: 'co' as const }))]
  return named.length ? named : undefined
}

/** A `datetime-local` value is Beijing time. */
const beijingInstant = (v: string | undefined): string | undefined => v && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(v) ? `${v}:00+08:00` : v
const photosOf = (v: string | undefined): string[] => (v ?? '').split(/[\s,]+/).filter((x) => x !== '')

/** The posted action form as the service's input, or undefined when it is incomplete. */
function transitionOf (raw: Record<string, string>): WhistleTransitionInput | undefined {
  const b = blankless(raw)
  const input: Record<string, unknown> = { ...b }
  delete input.version
  switch (b.action) {
    case 'arrive': input.at = beijingInstant(b.at); break
    case 'progress': case 'declare-done': input.photos = photosOf(b.photos); break
    case 'reroute': input.departments = namedDepartments(b); break
    case 'decide-extension': input.grant = b.grant === 'yes'; break
    case 'close': input.rating = Number(b.rating); if (b.version) input.version = Number(b.version); break
  }
  for (const k of Object.keys(input)) if (k.startsWith('co.') || k === 'lead') delete input[k]
  const parsed = WhistleTransitionInput.safeParse(input)
  return parsed.success ? parsed.data : undefined
}

export async function whistlePages (app: FastifyInstance, kit: PortalKit): Promise<void> {
  const { platform, signIn, requireCsrf, requirePermission, render, audit } = kit
  const { db } = platform
  const api = app.withTypeProvider<ZodTypeProvider>()
  const config = (): typeof platform.config.whistles => platform.config.whistles

  /** Its town's whistles, or only its department's for a liaison; a 403 page when it may see none. */
  const scopeOfPage = (s: SignedIn): WhistleScope => {
    const scope = whistleScope(s.principal)
    if (!scope) throw new PageError(403)
    return scope
  }
  const departmentsOf = (town: string): Named[] => config().departments.filter((d) => town.startsWith(d.county.slice(0, 6))).map((d) => ({ code: d.code, name: d.name }))
  const villagesOf = (town: string): Named[] => platform.config.towns.find((x) => x.code === town)?.villages ?? []
  const allVillages = (): Map<string, string> => new Map(platform.config.towns.flatMap((town) => town.villages.map((v) => [v.code, v.name] as const)))

  /** The whistle as this viewer may see it; outside its scope (or not its department's) it is not found. */
  const loadWhistle = async (s: SignedIn, id: string): Promise<WhistleView> => {
    scopeOfPage(s)
    try {
      return await platform.whistles.view(id, s.principal)
    } catch (err) {
      if (isTongbanError(err) && err.code === 'TB_WHISTLE_NOT_FOUND') throw new PageError(404)
      throw err
    }
  }

  /** What this viewer may do: the service's list, without decisions that have nothing to decide on. */
  const mayDo = (view: WhistleView): string[] => view.allowed.filter((a) =>
    (a !== 'decide-extension' || pendingExtensionDepartments(view.events).length > 0) &&
    (a !== 'reject-done' || view.whistle.targets.some((x) => x.state === 'done-declared')))

  const whistlePage = async (req: FastifyRequest, reply: FastifyReply, s: SignedIn, view: WhistleView, status: number, extra: { notice?: string, problem?: string, openAction?: string }): Promise<FastifyReply> => {
    const ctx = kit.ctxOf(req, reply, s)
    return kit.sendPage(reply, status, page(ctx, ctx.t('whistle.title', view.whistle.id), whistleBody(ctx, {
      view, departments: config().departments.map((d) => ({ code: d.code, name: d.name })), villages: allVillages(), actions: mayDo(view),
      mayResend: can(s.principal, 'whistles:lead'), requestId: newRequestId(), now: Date.now(), ...extra,
    }), { scripts: html`${mattersScript(kit)}<script src="${kit.assets.url('whistles.js')}" defer></script>` }))
  }

  // -------------------------------------------------------------------------------------------
  // the blow form

  const blowForm = async (req: FastifyRequest, reply: FastifyReply, s: SignedIn, status: number, source: BlowFormView['source'], values: BlowFormView['values'], problem?: string): Promise<FastifyReply> => {
    const town = s.principal.town!
    const ctx = kit.ctxOf(req, reply, s)
    const routing = await routingOf(db, config(), town, new Date().toISOString())
    return kit.sendPage(reply, status, page(ctx, ctx.t('whistle.newTitle'), blowFormBody(ctx, {
      types: config().types, routing, departments: departmentsOf(town), villages: villagesOf(town),
      needsApproval: !can(s.principal, 'whistles:lead') && config().windowNeedsApproval, source, values, requestId: newRequestId(), problem,
    })))
  }

  const requireBlow = (s: SignedIn): void => {
    requirePermission(s, 'whistles:blow')
    if (s.principal.town === null) throw new PageError(403)
  }

  api.get('/portal/whistles/new', {
    schema: { hide: true, querystring: z.object({ order: SOURCE_ID.optional(), risk: SOURCE_ID.optional(), lang: queryText(8).optional() }) },
  }, async (req, reply) => {
    const s = await signIn(req, reply)
    if (!s) return reply
    requireBlow(s)
    const { order: orderNo, risk } = req.query
    if (orderNo) {
      const order = await getOrder(db, orderNo)
      if (!order || order.town !== s.principal.town) throw new PageError(404)
      await audit(req, s, 'order.read', { subjectKind: 'order', subject: orderNo, purpose: 'whistle' })
      return await blowForm(req, reply, s, 200, { kind: 'order', id: orderNo }, { title: order.title ?? undefined, description: order.content ?? undefined, division: order.division, category: order.category })
    }
    if (risk) {
      const view = await riskIn(s, risk)
      await audit(req, s, 'risk.read', { subjectKind: 'risk', subject: risk, purpose: 'whistle' })
      const c = view.current
      return await blowForm(req, reply, s, 200, { kind: 'risk', id: risk }, { title: `${c.category}：${c.address}`.slice(0, 200), description: c.description, division: c.village })
    }
    return await blowForm(req, reply, s, 200, undefined, {})
  })

  /** The risk report a whistle is blown from, in the staff member's town; not found otherwise. */
  const riskIn = async (s: SignedIn, id: string): Promise<RiskView> => {
    try {
      return await platform.risks.view(id, divisionPrefix(s.principal.town!))
    } catch (err) {
      if (isTongbanError(err) && err.statusCode === 404) throw new PageError(404)
      throw err
    }
  }

  /** A risk report becomes a whistle through the risk service, which records it as the report's event. */
  const blowFromRisk = async (s: SignedIn, id: string, b: Record<string, string>, departments: BlowInput['departments']): Promise<string | undefined> => {
    const input = RiskEventInput.safeParse({ action: 'whistle', type: b.type, title: b.title, category: b.category, ...(departments ? { departments } : {}), requestId: b.requestId })
    if (!input.success) return undefined
    const { event } = await platform.risks.act(id, input.data, s.principal, divisionPrefix(s.principal.town!))
    return event.data.whistleId as string
  }

  api.post('/portal/whistles/new', { schema: { hide: true, body: FormBody } }, async (req, reply) => {
    const s = await signIn(req, reply)
    if (!s) return reply
    requireCsrf(req, s)
    requireBlow(s)
    const b = blankless(req.body)
    const source: BlowFormView['source'] = b.sourceKind === 'order' || b.sourceKind === 'risk' ? { kind: b.sourceKind, id: b.sourceId ?? '' } : undefined
    const departments = namedDepartments(b)
    const parsed = BlowInput.safeParse({
      type: b.type, source: source ?? { kind: 'direct' }, category: b.category, title: b.title, description: b.description, division: b.division,
      ...(departments ? { departments } : {}), requestId: b.requestId,
    })
    const t = kit.ctxOf(req, reply, s).t
    const values = { title: b.title, description: b.description, division: b.division, category: b.category }
    const invalid = async (): Promise<FastifyReply> => await blowForm(req, reply, s, 422, source, values, t('whistle.invalid', t('whistle.newTitle')))
    if (!parsed.success && source?.kind !== 'risk') return await invalid()
    let id: string | undefined
    try {
      id = source?.kind === 'risk' ? await blowFromRisk(s, source.id, b, departments) : (await platform.whistles.blow(parsed.data!, s.principal)).id
      if (id === undefined) return await invalid()
    } catch (err) {
      if (!isTongbanError(err)) throw err
      await audit(req, s, 'whistle.blow', { outcome: 'failed', details: { code: err.code } })
      if (err.statusCode === 404) throw new PageError(404)
      if (err.statusCode !== 422 && err.statusCode !== 409) throw err
      return await blowForm(req, reply, s, 422, source, values, t('whistle.refused', err.message))
    }
    await audit(req, s, 'whistle.blow', { subjectKind: 'whistle', subject: id })
    return reply.code(303).header('location', `/portal/whistles/${id}?done=blow`).send()
  })

  // -------------------------------------------------------------------------------------------
  // one whistle

  api.get('/portal/whistles/:id', {
    schema: { hide: true, params: z.object({ id: WHISTLE_ID }), querystring: z.object({ lang: queryText(8).optional(), done: queryText(20).optional(), resent: queryText(2).optional() }) },
  }, async (req, reply) => {
    const s = await signIn(req, reply)
    if (!s) return reply
    const view = await loadWhistle(s, req.params.id)
    const t = kit.ctxOf(req, reply, s).t
    const done = req.query.done
    const notice = req.query.resent !== undefined
      ? t('whistle.resent')
      : done === 'blow'
        ? t(view.whistle.state === 'awaiting-approval' ? 'whistle.blownPending' : 'whistle.blown', view.whistle.id)
        : done && /^[a-z-]+$/.test(done) ? t('whistle.done', t(`whistle.action.${done}` as MessageKey)) : undefined
    return await whistlePage(req, reply, s, view, 200, notice ? { notice } : {})
  })

  api.post('/portal/whistles/:id/act', {
    schema: { hide: true, params: z.object({ id: WHISTLE_ID }), body: FormBody },
  }, async (req, reply) => {
    const s = await signIn(req, reply)
    if (!s) return reply
    requireCsrf(req, s)
    const { id } = req.params
    const { _csrf: _token, ...fields } = req.body
    const t = kit.ctxOf(req, reply, s).t
    const before = await loadWhistle(s, id)
    const action = fields.action ?? ''
    const stateNow = (v: WhistleView): string => whistleStateName(kit.ctxOf(req, reply, s), v.whistle.state)
    if (!before.allowed.includes(action)) {
      // An action of a role it lacks is refused outright; one its state no longer allows shows the whistle now.
      const town = (TOWN_ACTIONS as readonly string[]).includes(action)
      const mayEver = town ? can(s.principal, 'whistles:lead') : can(s.principal, 'whistles:answer') && s.principal.department !== undefined
      if (!mayEver) throw new PageError(403)
      return await whistlePage(req, reply, s, before, 409, { problem: t('whistle.conflict', stateNow(before), t(`whistle.action.${action}` as MessageKey)) })
    }
    const input = transitionOf(fields)
    if (!input) return await whistlePage(req, reply, s, before, 422, { problem: t('whistle.invalid', t(`whistle.action.${action}` as MessageKey)), openAction: action })
    try {
      await platform.whistles.transition(id, input, s.principal)
    } catch (err) {
      if (!isTongbanError(err)) throw err
      await audit(req, s, 'whistle.transition', { subjectKind: 'whistle', subject: id, outcome: 'failed', details: { action, code: err.code } })
      if (err.statusCode === 403) throw new PageError(403)
      if (err.statusCode !== 409 && err.statusCode !== 422) throw err
      const fresh = await loadWhistle(s, id)
      const problem = err.code === 'TB_WHISTLE_TRANSITION_NOT_ALLOWED' || err.code === 'TB_WHISTLE_CHANGED'
        ? t('whistle.conflict', stateNow(fresh), err.message)
        : t('whistle.refused', err.message)
      return await whistlePage(req, reply, s, fresh, 409, { problem })
    }
    await audit(req, s, 'whistle.transition', { subjectKind: 'whistle', subject: id, details: { action } })
    return reply.code(303).header('location', `/portal/whistles/${id}?done=${action}`).send()
  })

  // A dead call to a department's system, sent again by the town (the outbox's re-send).
  api.post('/portal/whistles/:id/resend', {
    schema: { hide: true, params: z.object({ id: WHISTLE_ID }), body: z.object({ _csrf: z.string().max(200).optional(), outboxId: z.coerce.number().int().positive() }) },
  }, async (req, reply) => {
    const s = await signIn(req, reply)
    if (!s) return reply
    requireCsrf(req, s)
    requirePermission(s, 'whistles:lead')
    const { id } = req.params
    const view = await loadWhistle(s, id)
    const row = view.deliveries.find((d) => d.id === req.body.outboxId)
    if (!row) throw new PageError(404)
    const resent = await resendOutbox(db, row.id, new Date().toISOString())
    await audit(req, s, 'job.retry', { subjectKind: 'outbox', subject: String(row.id), outcome: resent ? 'ok' : 'failed', details: { whistle: id } })
    if (!resent) throw new TongbanError('TB_OUTBOX_NOT_DEAD', [row.id, row.state])
    return reply.code(303).header('location', `/portal/whistles/${id}?resent=1`).send()
  })

  // -------------------------------------------------------------------------------------------
  // lists

  api.get('/portal/whistles', {
    schema: { hide: true, querystring: z.object({ tab: z.enum(WHISTLE_TABS).optional(), after: queryText(80).optional(), lang: queryText(8).optional() }) },
  }, async (req, reply) => {
    const s = await signIn(req, reply)
    if (!s) return reply
    const scope = scopeOfPage(s)
    const tab: WhistleTab = req.query.tab ?? 'open'
    const after = parseAfter(req.query.after)
    const states = TAB_STATES[tab]
    const filter: WhistleListFilter = {
      townPrefix: scope.prefix, limit: PAGE_SIZE, ...(scope.department ? { department: scope.department } : {}), ...(states ? { states } : {}), ...(after ? { after } : {}),
    }
    const items = await platform.whistles.list(filter)
    const last = items.length === PAGE_SIZE ? items[items.length - 1] : undefined
    const next = last ? new URLSearchParams({ tab, after: `${last.blownAt}~${last.id}` }).toString() : undefined
    const departments = new Map(config().departments.map((d) => [d.code, d.name]))
    return render(req, reply, s, (ctx) => ctx.t('whistle.listTitle'), (ctx) =>
      whistleListBody(ctx, { tab, items, departments, now: Date.now(), mayBlow: can(s.principal, 'whistles:blow') && s.principal.town !== null, next, paged: after !== undefined }))
  })
}

/** `after=<blownAt>~<id>`: the keyset of the previous page's last whistle. */
function parseAfter (after: string | undefined): WhistleListFilter['after'] {
  if (!after) return undefined
  const [blownAt, id] = after.split('~')
  if (!blownAt || !id || Number.isNaN(Date.parse(blownAt)) || !WHISTLE_ID.safeParse(id).success) return undefined
  return { blownAt, id }
}
