// The window's cases: the lists (mine today, due soon, overdue, all with filters; keyset pages),
// a case's page (every read audited, like a record page) and its actions, which go through the
// case service like the API's transitions. A stale page (someone moved the case first) is answered
// 409 with the case as it is now.
import { randomBytes } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { can } from '../../auth/access.ts'
import { isTongbanError } from '../../errors.ts'
import { beijingToday } from '../../calendar/days.ts'
import { computeDeadline } from '../../calendar/deadline.ts'
import { CaseState, TransitionInput, type Actor } from '../../model/case.ts'
import type { Principal } from '../../auth/principal.ts'
import type { Platform } from '../../platform.ts'
import type { CaseView } from '../../cases/service.ts'
import { listCases, type CaseListFilter } from '../../store/cases.ts'
import { matterVersion } from '../../store/matters.ts'
import { beijingMidnight } from '../../store/activity.ts'
import { queryText } from '../query.ts'
import { PageError, type PortalKit, type SignedIn } from '../kit.ts'
import { TASK_HANDLE_ITEM, mattersScript } from './matters.ts'
import { page } from '../layout.ts'
import { listOutbox } from '../../store/outbox.ts'
import { HOME_COUNT_LIMIT, caseBody, caseListBody, stateName, TABS, type Tab } from './cases-view.ts'
import type { MessageKey } from '../i18n.ts'

const PAGE_SIZE = 50
/** 即将到期: a running clock due within this many working days. */
const DUE_SOON_WORKING_DAYS = 3
const PROJECT_NO = z.string().regex(/^[0-9A-Z]{43}$/, 'a 43-character case number')

export const actorOf = (p: Principal): Actor => ({ kind: 'staff', id: p.id, name: p.name })
export const newRequestId = (): string => randomBytes(12).toString('base64url')

/** One form's fields; repeated names (none here) would arrive as arrays and are refused. */
const ActBody = z.record(z.string().max(40), z.string().max(2000))

/** The posted action form as the service's input (requestId included), or undefined when it is incomplete. */
function transitionOf (b: Record<string, string>): TransitionInput | undefined {
  const blankless = Object.fromEntries(Object.entries(b).filter(([, v]) => v.trim() !== ''))
  const items = Object.keys(blankless).filter((k) => /^items\.\d+\.name$/.test(k)).map((k) => ({ materialName: blankless[k]!, reason: blankless[k.replace(/name$/, 'reason')] ?? '' }))
  const input: Record<string, unknown> = { ...blankless }
  if (b.action === 'request-supplement') input.items = items
  if (b.action === 'extend') input.extension = { amount: Number(b.days), unit: 'working-days' }
  const parsed = TransitionInput.safeParse(input)
  return parsed.success ? parsed.data : undefined
}

export async function casePages (app: FastifyInstance, kit: PortalKit): Promise<void> {
  const { platform, signIn, requireCsrf, requirePermission, recordScope, render, audit } = kit
  const { db } = platform
  const api = app.withTypeProvider<ZodTypeProvider>()

  const townPrefix = (s: SignedIn): string => {
    requirePermission(s, 'cases:read')
    return recordScope(s).prefix
  }

  /** What this staff member may do to the case: the state's actions, extension only with a leader's approval right. */
  // 好差评 at 受理 and at 办结: a tablet link once the case has reached the stage.
  const ratingStages = (s: SignedIn, view: CaseView): Array<'accept' | 'conclude'> => !can(s.principal, 'ratings:act')
    ? []
    : [...(view.case.acceptedAt ? ['accept' as const] : []), ...(view.case.concludedAt ? ['conclude' as const] : [])]
  const mayDo = (s: SignedIn, view: CaseView): string[] => can(s.principal, 'cases:act')
    ? view.allowed.filter((a) => a !== 'extend' || can(s.principal, 'cases:approve'))
    : []

  /** The case, audited as read; not found (also outside the staff member's towns) is a 404, audited as denied. */
  const loadCase = async (req: FastifyRequest, s: SignedIn, projectNo: string): Promise<CaseView> => {
    const prefix = townPrefix(s)
    try {
      const view = await platform.cases.view(projectNo, prefix)
      await audit(req, s, 'case.read', { subjectKind: 'case', subject: projectNo })
      return view
    } catch (err) {
      if (!isTongbanError(err) || err.code !== 'TB_CASE_NOT_FOUND') throw err
      await audit(req, s, 'case.read', { subjectKind: 'case', subject: projectNo, outcome: 'denied', details: { status: 404 } })
      throw new PageError(404)
    }
  }

  const casePage = async (req: FastifyRequest, reply: FastifyReply, s: SignedIn, view: CaseView, status: number, extra: { notice?: string, problem?: string, openAction?: string }): Promise<FastifyReply> => {
    const matter = await matterVersion(db, view.case.taskHandleItem, view.case.taskVersion, view.case.town)
    const labels = new Map((matter?.matter.forms ?? []).flatMap((f) => f.fields).map((f) => [f.name, f.label]))
    const reports = await listOutbox(db, { subject: `case:${view.case.projectNo}`, townPrefix: view.case.town, limit: 100 })
    const ctx = kit.ctxOf(req, reply, s)
    return kit.sendPage(reply, status, page(ctx, ctx.t('case.title', view.case.projectNo),
      caseBody(ctx, { view, labels, today: beijingToday(), actions: mayDo(s, view), ratingStages: ratingStages(s, view), reports, requestId: newRequestId(), ...extra }), { scripts: mattersScript(kit) }))
  }

  api.get('/portal/cases/:projectNo', {
    schema: { hide: true, params: z.object({ projectNo: PROJECT_NO }), querystring: z.object({ lang: queryText(8).optional(), done: queryText(20).optional(), opened: queryText(2).optional() }) },
  }, async (req, reply) => {
    const s = await signIn(req, reply)
    if (!s) return reply
    const view = await loadCase(req, s, req.params.projectNo)
    const t = kit.ctxOf(req, reply, s).t
    const done = req.query.done
    const notice = req.query.opened !== undefined
      ? t('case.opened', view.case.projectNo)
      : done && /^[a-z-]+$/.test(done) ? t('case.done', t(`case.action.${done}` as MessageKey)) : undefined
    return await casePage(req, reply, s, view, 200, notice ? { notice } : {})
  })

  api.post('/portal/cases/:projectNo/act', {
    schema: { hide: true, params: z.object({ projectNo: PROJECT_NO }), body: ActBody },
  }, async (req, reply) => {
    const s = await signIn(req, reply)
    if (!s) return reply
    requireCsrf(req, s)
    requirePermission(s, 'cases:act')
    const { projectNo } = req.params
    const { _csrf: _token, version, ...fields } = req.body
    const t = kit.ctxOf(req, reply, s).t
    const before = await loadCase(req, s, projectNo)
    const action = fields.action ?? ''
    if (!mayDo(s, before).includes(action)) {
      const moved = version !== undefined && Number(version) !== before.case.version
      if (!moved && before.allowed.includes(action)) throw new PageError(403)
      return await casePage(req, reply, s, before, 409, { problem: t('case.conflict', stateName(kit.ctxOf(req, reply, s), before.case.state)) })
    }
    // A page older than the case: someone moved it meanwhile; show them what it is now.
    if (version !== undefined && Number(version) !== before.case.version) {
      return await casePage(req, reply, s, before, 409, { problem: t('case.conflict', stateName(kit.ctxOf(req, reply, s), before.case.state)) })
    }
    const input = transitionOf(fields)
    if (!input) return await casePage(req, reply, s, before, 422, { problem: t('case.invalid', t(`case.action.${action}` as MessageKey)), openAction: action })
    try {
      await platform.cases.transition(projectNo, input, actorOf(s.principal), 'window', townPrefix(s))
    } catch (err) {
      if (!isTongbanError(err)) throw err
      await audit(req, s, 'case.transition', { subjectKind: 'case', subject: projectNo, outcome: 'failed', details: { action, code: err.code } })
      if (err.statusCode !== 409) throw err
      const fresh = await loadCase(req, s, projectNo)
      const problem = err.code === 'TB_CASE_ACTION_REFUSED' ? t('case.refused', err.message) : t('case.conflict', stateName(kit.ctxOf(req, reply, s), fresh.case.state))
      return await casePage(req, reply, s, fresh, 409, { problem })
    }
    await audit(req, s, 'case.transition', { subjectKind: 'case', subject: projectNo, details: { action } })
    return reply.code(303).header('location', `/portal/cases/${projectNo}?done=${action}`).send()
  })

  // -------------------------------------------------------------------------------------------
  // lists

  const ListQuery = z.object({
    tab: z.enum(TABS).optional(),
    state: z.union([CaseState, z.literal('')]).optional(),
    matter: z.union([TASK_HANDLE_ITEM, z.literal('')]).optional(),
    after: queryText(80).optional(),
    lang: queryText(8).optional(),
  })

  api.get('/portal/cases', { schema: { hide: true, querystring: ListQuery } }, async (req, reply) => {
    const s = await signIn(req, reply)
    if (!s) return reply
    const prefix = townPrefix(s)
    const tab: Tab = req.query.tab ?? 'mine'
    const today = beijingToday()
    const after = parseAfter(req.query.after)
    const filter: CaseListFilter = { ...tabFilter(platform, s, prefix, tab, today), limit: PAGE_SIZE, ...(after ? { after } : {}) }
    if (tab === 'all' && req.query.state) filter.states = [req.query.state]
    if (tab === 'all' && req.query.matter) filter.taskHandleItem = req.query.matter
    const page = await listCases(db, filter)
    await audit(req, s, 'case.list', { details: { tab, count: page.length } })
    // Due soon leaves the overdue ones to their own tab.
    const items = tab === 'due' ? page.filter((c) => c.due !== null && c.due >= today) : page
    const last = page.length === PAGE_SIZE ? page[page.length - 1] : undefined
    const next = last
      ? new URLSearchParams({ tab, ...(req.query.state ? { state: req.query.state } : {}), ...(req.query.matter ? { matter: req.query.matter } : {}), after: `${last.receivedAt}~${last.projectNo}` }).toString()
      : undefined
    return render(req, reply, s, (ctx) => ctx.t('case.listTitle'), (ctx) =>
      caseListBody(ctx, { tab, items, today, state: req.query.state || undefined, matter: req.query.matter || undefined, next, paged: after !== undefined }))
  })
}

/** The day `DUE_SOON_WORKING_DAYS` working days after today: the due-soon horizon. */
function horizon (platform: Platform, today: string): string {
  const d = computeDeadline(platform.calendar, { start: today, limit: { amount: DUE_SOON_WORKING_DAYS, unit: 'working-days' } })
  return d.state === 'running' ? d.due : today
}

const dayBefore = (day: string): string => new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10)

/** What a tab lists (the home page counts the same): mine received today, a clock due within days, or past due. */
export function tabFilter (platform: Platform, s: SignedIn, townPrefix: string, tab: Tab, today: string): Omit<CaseListFilter, 'limit'> {
  switch (tab) {
    case 'mine': return { townPrefix, receivedBy: `staff:${s.principal.id}`, since: beijingMidnight().toISOString() }
    case 'due': return { townPrefix, dueBy: horizon(platform, today) }
    case 'overdue': return { townPrefix, dueBy: dayBefore(today) }
    case 'all': return { townPrefix }
  }
}

/** The home page's box: my cases today, due soon, overdue (each counted up to HOME_COUNT_LIMIT). */
export async function caseCounts (platform: Platform, s: SignedIn, townPrefix: string): Promise<{ mine: number, due: number, overdue: number }> {
  const today = beijingToday()
  const count = async (tab: Tab): Promise<number> => {
    const items = await listCases(platform.db, { ...tabFilter(platform, s, townPrefix, tab, today), limit: HOME_COUNT_LIMIT })
    return tab === 'due' ? items.filter((c) => c.due !== null && c.due >= today).length : items.length
  }
  const [mine, due, overdue] = await Promise.all([count('mine'), count('due'), count('overdue')])
  return { mine, due, overdue }
}

/** `after=<receivedAt>~<projectNo>`: the keyset of the previous page's last case. */
function parseAfter (after: string | undefined): CaseListFilter['after'] {
  if (!after) return undefined
  const [receivedAt, projectNo] = after.split('~')
  if (!receivedAt || !projectNo || Number.isNaN(Date.parse(receivedAt)) || !/^[0-9A-Z]{43}$/.test(projectNo)) return undefined
  return { receivedAt, projectNo }
}
