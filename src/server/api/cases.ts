// Cases (办件) through the API: open one (接件), list the scope's, read one with its clocks and the
// actions its state allows, its events, and move it with one action at a time. The case service
// decides and writes; these routes say who acts, within which town, and audit every read and
// write (a case holds its applicant's personal data). The pre-filled form of a matter for an
// applicant lives here too: it is the first step of opening a case.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Platform } from '../../platform.ts'
import { TongbanError } from '../../errors.ts'
import { can } from '../../auth/access.ts'
import { CaseState, OpenCase, TransitionInput, type Actor } from '../../model/case.ts'
import { beijingToday, dateOf, parseDate } from '../../calendar/days.ts'
import { computeDeadline } from '../../calendar/deadline.ts'
import type { WorkingCalendar } from '../../calendar/calendar.ts'
import { listCases } from '../../store/cases.ts'
import { line } from '../../model/text.ts'
import { matterOf } from '../../store/matters.ts'
import { platformPrefill, prefillForm } from '../../cases/prefill.ts'
import { decodeCursor, encodeCursor } from '../../web/cursor.ts'
import { errorResponses } from '../errors.ts'
import { purposeOf } from '../audit-hook.ts'
import { scopeOf } from '../scope.ts'
import { page } from './schemas.ts'
import { CaseDetail, CaseEvents, CaseListItem, PrefillAnswer, TransitionAnswer } from './case-schemas.ts'

const PREFIX = '/api/v1'
const ProjectNo = z.object({ projectNo: z.string().regex(/^[0-9A-Z]{43}$/, 'a 43-character case number') })

const ListQuery = z.object({
  state: line().max(300).optional().describe('one state or several, comma-separated'),
  mine: z.enum(['true', 'false']).optional().describe('true: only the cases the caller received'),
  due: z.enum(['soon', 'overdue']).optional().describe('soon: a running clock due within cases.dueSoonWorkingDays working days (overdue ones included); overdue: due before today (Beijing)'),
  matter: z.string().length(33).optional().describe('taskHandleItem'),
  applicant: line().max(18).optional().describe('the applicant\'s ID number or credit code'),
  since: line().max(40).optional().describe('received on or after: a date YYYY-MM-DD (Beijing) or an ISO instant'),
  cursor: line().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
})

const PrefillQuery = z.object({
  applicant: z.string().regex(/^(person|enterprise):[0-9A-Za-z]{15,18}$/, 'person:<ID number> or enterprise:<credit code>'),
  purpose: z.string().max(200).optional().describe('查询事由: opens the sensitive facets your roles may read (or the x-purpose header)'),
})

/** Who acts: the signed-in staff member or the API client. */
function actorOf (req: FastifyRequest): Actor {
  const p = req.principal
  return { kind: p.kind === 'staff' ? 'staff' : 'token', id: p.id, name: p.name }
}

/** The case number each request opened, for its audit entry (the number exists only once the case does). */
const opened = new WeakMap<FastifyRequest, string>()

/** An ISO instant, or the start of a Beijing day. */
function sinceInstant (since: string): string {
  if (parseDate(since) !== undefined) return `${since}T00:00:00+08:00`
  const ms = Date.parse(since)
  if (Number.isNaN(ms)) throw new TongbanError('TB_VALIDATION', [`querystring.since: ${since} is neither a date YYYY-MM-DD nor an ISO instant`])
  return new Date(ms).toISOString()
}

/** The last day a clock can be due and still be "due soon" today: that many working days after today. */
function soonBound (calendar: WorkingCalendar, today: string, workingDays: number): string {
  if (workingDays === 0) return today
  const d = computeDeadline(calendar, { start: today, limit: { amount: workingDays, unit: 'working-days' } })
  return d.state === 'running' ? d.due : today
}

/** A list cursor: the (receivedAt, projectNo) of the previous page's last case. */
function cursorOf (cursor: string | undefined): { receivedAt: string, projectNo: string } | undefined {
  const text = decodeCursor(cursor, 'string')
  if (text === undefined) return undefined
  const [receivedAt, projectNo] = text.split('|')
  if (receivedAt === undefined || projectNo === undefined || Number.isNaN(Date.parse(receivedAt))) throw new TongbanError('TB_CURSOR_INVALID')
  return { receivedAt, projectNo }
}

const dayBefore = (day: string): string => dateOf(parseDate(day)! - 1)

export async function caseRoutes (app: FastifyInstance, opts: { platform: Platform }): Promise<void> {
  const { platform } = opts
  const { db } = platform
  const api = app.withTypeProvider<ZodTypeProvider>()

  const detail = async (projectNo: string, prefix: string): Promise<z.infer<typeof CaseDetail>> => {
    const view = await platform.cases.view(projectNo, prefix)
    return { ...view.case, allowed: view.allowed as z.infer<typeof CaseDetail>['allowed'] }
  }

  const townOf = (req: FastifyRequest): string => {
    if (req.principal.town === null) throw new TongbanError('TB_FORBIDDEN', ['cases:act'])
    return req.principal.town
  }

  api.post('/cases', {
    config: {
      permission: 'cases:act',
      audit: { action: 'case.open', subjectKind: 'case', describe: (req) => ({ subject: opened.get(req), details: { taskHandleItem: (req.body as OpenCase | undefined)?.taskHandleItem } }) },
    },
    schema: {
      summary: 'Open a case (接件)',
      description: 'Checks every form value with the normaliser of its field type (422 with `errors[]` naming each field; nothing is stored), numbers the case (taskCode + YYYYMMDD + a 4-digit daily sequence) and starts its clocks. A repeated `requestId` answers 200 with the case it opened. Corrections with `offerToRecord` are offered to the applicant\'s unified record as an observation of source `window` once the case is committed.',
      tags: ['cases'],
      body: OpenCase,
      response: { 201: CaseDetail, 200: CaseDetail, ...errorResponses('TB_CASE_FORM_INVALID', 'TB_CASE_REQUEST_REUSED', 'TB_FORBIDDEN', 'TB_CALENDAR_NOT_COVERED') },
    },
  }, async (req, reply) => {
    const { prefix } = scopeOf(req)
    const result = await platform.cases.open(req.body, actorOf(req), townOf(req))
    opened.set(req, result.projectNo)
    return await reply.code(result.replayed ? 200 : 201).send(await detail(result.projectNo, prefix))
  })

  api.get('/cases', {
    config: { permission: 'cases:read', audit: { action: 'case.list', subjectKind: 'case' } },
    schema: {
      summary: 'The cases of your scope, newest first',
      tags: ['cases'],
      querystring: ListQuery,
      response: { 200: page(CaseListItem), ...errorResponses('TB_CURSOR_INVALID', 'TB_VALIDATION', 'TB_CALENDAR_NOT_COVERED') },
    },
  }, async (req) => {
    const q = req.query
    const states = q.state?.split(',').map((s) => s.trim()).filter((s) => s !== '')
    const badState = states?.find((s) => !CaseState.safeParse(s).success)
    if (badState !== undefined) throw new TongbanError('TB_VALIDATION', [`querystring.state: ${badState} is not a case state (${CaseState.options.join(', ')})`])
    const today = beijingToday()
    const calendar = platform.calendar
    const within = platform.config.cases.dueSoonWorkingDays
    // Past the calendar's last year no day is "soon"; the overdue ones still show.
    let soon: string | undefined
    try { soon = soonBound(calendar, today, within) } catch (err) { if (q.due === 'soon') throw err }
    const after = cursorOf(q.cursor)
    const p = req.principal
    const items = await listCases(db, {
      townPrefix: scopeOf(req).prefix,
      ...(states?.length ? { states: states as CaseState[] } : {}),
      ...(q.mine === 'true' ? { receivedBy: `${actorOf(req).kind}:${p.id}` } : {}),
      ...(q.since ? { since: sinceInstant(q.since) } : {}),
      ...(q.matter ? { taskHandleItem: q.matter } : {}),
      ...(q.applicant ? { applicantKey: q.applicant.toUpperCase() } : {}),
      ...(q.due === 'soon' ? { dueBy: soon } : q.due === 'overdue' ? { dueBy: dayBefore(today) } : {}),
      ...(after ? { after } : {}),
      limit: q.limit + 1,
    })
    const shown = items.slice(0, q.limit)
    const last = shown.at(-1)
    return {
      items: shown.map((c) => ({
        ...c,
        alert: c.due === null ? null : c.due < today ? 'overdue' as const : soon !== undefined && c.due <= soon ? 'due-soon' as const : null,
        href: `${PREFIX}/cases/${c.projectNo}`,
      })),
      next: items.length > q.limit && last ? encodeCursor(`${last.receivedAt}|${last.projectNo}`) : null,
    }
  })

  api.get('/cases/:projectNo', {
    config: { permission: 'cases:read', audit: { action: 'case.read', subjectKind: 'case', subjectParam: 'projectNo' } },
    schema: {
      summary: 'One case: its state, clocks and the actions its state allows',
      tags: ['cases'],
      params: ProjectNo,
      response: { 200: CaseDetail, ...errorResponses('TB_CASE_NOT_FOUND') },
    },
  }, async (req) => await detail(req.params.projectNo, scopeOf(req).prefix))

  api.get('/cases/:projectNo/events', {
    config: { permission: 'cases:read', audit: { action: 'case.read', subjectKind: 'case', subjectParam: 'projectNo' } },
    schema: {
      summary: 'The events of a case, oldest first: who did what, when and why',
      tags: ['cases'],
      params: ProjectNo,
      response: { 200: CaseEvents, ...errorResponses('TB_CASE_NOT_FOUND') },
    },
  }, async (req) => ({ items: (await platform.cases.view(req.params.projectNo, scopeOf(req).prefix)).events }))

  api.post('/cases/:projectNo/transitions', {
    config: {
      permission: 'cases:act',
      audit: { action: 'case.transition', subjectKind: 'case', subjectParam: 'projectNo', describe: (req) => ({ details: { action: (req.body as TransitionInput | undefined)?.action } }) },
    },
    schema: {
      summary: 'Move a case with one action',
      description: 'The state machine decides: an action the state does not allow is 409 TB_CASE_TRANSITION_NOT_ALLOWED naming the state and the allowed actions. `extend` (延期, once, §42) needs `cases:approve` as well. A repeated `requestId` answers the event it made (`replayed: true`). Concurrent actions on one case take turns: one wins, the other meets the new state.',
      tags: ['cases'],
      params: ProjectNo,
      body: TransitionInput,
      response: { 200: TransitionAnswer, ...errorResponses('TB_CASE_NOT_FOUND', 'TB_CASE_TRANSITION_NOT_ALLOWED', 'TB_FORBIDDEN', 'TB_CALENDAR_NOT_COVERED') },
    },
  }, async (req) => {
    if (req.body.action === 'extend' && !can(req.principal, 'cases:approve')) throw new TongbanError('TB_FORBIDDEN', ['cases:approve'])
    const { prefix } = scopeOf(req)
    const { event, replayed } = await platform.cases.transition(req.params.projectNo, req.body, actorOf(req), 'window', prefix)
    return { event, case: await detail(req.params.projectNo, prefix), replayed }
  })

  api.get('/matters/:taskHandleItem/prefill', {
    config: {
      permission: 'cases:act',
      audit: {
        action: 'case.prefill',
        describe: (req) => {
          const applicant = (req.query as { applicant?: unknown } | undefined)?.applicant
          const [kind, key] = (typeof applicant === 'string' ? applicant : '').split(':')
          return { subjectKind: kind, subject: key, details: { taskHandleItem: (req.params as { taskHandleItem?: string }).taskHandleItem } }
        },
      },
    },
    schema: {
      summary: 'A matter\'s form pre-filled from the applicant\'s unified record',
      description: 'Each field the canonical model or a facet answers, with the department and time its value came from; the others empty. A sensitive facet\'s field only for the roles allowed, with a purpose (x-purpose or ?purpose=). Materials the government holds (source sharing) are marked exempt (免提交) with the record that replaces them. The matter is the version your town offers today.',
      tags: ['cases'],
      params: z.object({ taskHandleItem: z.string().length(33) }),
      querystring: PrefillQuery,
      response: { 200: PrefillAnswer, ...errorResponses('TB_CASE_MATTER_NOT_OFFERED', 'TB_ID_CHECKSUM') },
    },
  }, async (req) => {
    const town = townOf(req)
    const today = beijingToday()
    const matter = (await matterOf(db, { town, taskHandleItem: req.params.taskHandleItem, on: today }))?.inForce?.matter
    if (!matter) throw new TongbanError('TB_CASE_MATTER_NOT_OFFERED', [req.params.taskHandleItem, town, today, town])
    const [kind, key] = req.query.applicant.split(':') as ['person' | 'enterprise', string]
    const filled = await prefillForm(platformPrefill(platform, req.principal.roles), matter, { kind, key }, scopeOf(req), purposeOf(req))
    return { taskHandleItem: matter.taskHandleItem, taskVersion: matter.version, ...filled }
  })
}
