// Risk reports (风险源/隐患) through the API: grid staff report one (after uploading its photos to
// /api/v1/photos), the town lists and reads them (a county admin: every town's open reports by
// age), and one action at a time moves a report: correct, whistle, verify, close. The risk service
// decides and writes; these routes say who acts and within which scope, and audit every report,
// list, view and action. There is no route to delete or hide a report, and none a department's
// role may call (department-liaison holds no risks permission).
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Platform } from '../../platform.ts'
import { TongbanError } from '../../errors.ts'
import type { Permission } from '../../auth/access.ts'
import { ReportRisk, RiskEventInput, RiskState } from '../../model/risk.ts'
import type { RiskView } from '../../risks/service.ts'
import { hoursBetween, townPlace, villagePlace } from '../../risks/places.ts'
import { listRisks } from '../../store/risks.ts'
import { line } from '../../model/text.ts'
import { decodeCursor, encodeCursor } from '../../web/cursor.ts'
import { errorResponses } from '../errors.ts'
import { scopeOf } from '../scope.ts'
import { page } from './schemas.ts'
import { RiskDetail, RiskEventAnswer, RiskListItem } from './risk-schemas.ts'

const PREFIX = '/api/v1'
const RiskId = z.object({ id: z.string().regex(/^FX\d{24}$/, 'a risk report number: FX + town (12) + YYYYMMDD + 4 digits') })
const OPEN: readonly RiskState[] = ['reported', 'whistled', 'verified']

const ListQuery = z.object({
  state: line().max(100).optional().describe('open (reported, whistled, verified), closed, all, or states comma-separated; default: open for a county admin, all for a town'),
  sort: z.enum(['age', 'newest']).optional().describe('age: open the longest first (a county admin\'s default); newest: the latest reports first (a town\'s default)'),
  cursor: line().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
})

/** Which permission each action needs: grid staff correct, the town blows, a leader verifies and closes. */
const ACTION_PERMISSION: Record<RiskEventInput['action'], Permission> = { correct: 'risks:report', whistle: 'whistles:blow', verify: 'risks:close', close: 'risks:close' }

function statesOf (state: string | undefined, county: boolean): RiskState[] | undefined {
  const asked = state ?? (county ? 'open' : 'all')
  if (asked === 'all') return undefined
  if (asked === 'open') return [...OPEN]
  const states = asked.split(',').map((s) => s.trim()).filter((s) => s !== '')
  const bad = states.find((s) => !RiskState.safeParse(s).success)
  if (bad !== undefined) throw new TongbanError('TB_VALIDATION', [`querystring.state: ${bad} is not a risk state (open, all, ${RiskState.options.join(', ')})`])
  return states as RiskState[]
}

function cursorOf (cursor: string | undefined): { reportedAt: string, id: string } | undefined {
  const text = decodeCursor(cursor, 'string')
  if (text === undefined) return undefined
  const [reportedAt, id] = text.split('|')
  if (reportedAt === undefined || id === undefined || Number.isNaN(Date.parse(reportedAt))) throw new TongbanError('TB_CURSOR_INVALID')
  return { reportedAt, id }
}

export function riskDetail (config: Platform['config'], v: RiskView): z.infer<typeof RiskDetail> {
  const { risk, current } = v
  return {
    id: risk.id,
    town: townPlace(config, risk.town),
    state: risk.state,
    reportedBy: risk.reportedBy,
    reportedAt: risk.reportedAt,
    closedAt: risk.closedAt,
    version: risk.version,
    current: {
      category: current.category,
      village: villagePlace(config, risk.town, current.village),
      address: current.address,
      location: current.location,
      description: current.description,
      photos: current.photos.map((sha256) => ({ sha256, href: `${PREFIX}/photos/${sha256}` })),
      severity: current.severity,
    },
    corrected: current.corrected,
    events: v.events,
    allowed: v.allowed,
    whistleId: v.whistleId,
  }
}

export async function riskRoutes (app: FastifyInstance, opts: { platform: Platform }): Promise<void> {
  const { platform } = opts
  const api = app.withTypeProvider<ZodTypeProvider>()
  const reported = new WeakMap<FastifyRequest, string>()

  const detail = async (id: string, prefix: string): Promise<z.infer<typeof RiskDetail>> => riskDetail(platform.config, await platform.risks.view(id, prefix))

  api.post('/risks', {
    config: {
      permission: 'risks:report',
      audit: { action: 'risk.report', subjectKind: 'risk', describe: (req) => ({ subject: reported.get(req), details: { category: (req.body as ReportRisk | undefined)?.category, severity: (req.body as ReportRisk | undefined)?.severity } }) },
    },
    schema: {
      summary: 'Report a risk source or hidden danger (风险源/隐患上报)',
      description: 'The village is one of the reporter\'s town\'s `villages`, the category one of `risks.categories`, each photo a SHA-256 answered by `POST /api/v1/photos`; otherwise 422 with `errors[]` and nothing stored. Coordinates, if given, lie within China. A repeated `requestId` answers 200 with the report it made.',
      tags: ['risks'],
      body: ReportRisk,
      response: { 201: RiskDetail, 200: RiskDetail, ...errorResponses('TB_RISK_INVALID', 'TB_TOWN_NOT_CONFIGURED', 'TB_FORBIDDEN') },
    },
  }, async (req, reply) => {
    const { prefix } = scopeOf(req)
    const { id, replayed } = await platform.risks.report(req.body, req.principal)
    reported.set(req, id)
    return await reply.code(replayed ? 200 : 201).send(await detail(id, prefix))
  })

  api.get('/risks', {
    config: { permission: 'risks:read', audit: { action: 'risk.list', subjectKind: 'risk' } },
    schema: {
      summary: 'The risk reports of your scope: a town\'s, or a county\'s open ones by age',
      tags: ['risks'],
      querystring: ListQuery,
      response: { 200: page(RiskListItem), ...errorResponses('TB_CURSOR_INVALID', 'TB_VALIDATION') },
    },
  }, async (req) => {
    const q = req.query
    const scope = scopeOf(req)
    const county = req.principal.roles.includes('county-admin')
    const order = (q.sort ?? (county ? 'age' : 'newest')) === 'age' ? 'oldest' as const : 'newest' as const
    const states = statesOf(q.state, county)
    const after = cursorOf(q.cursor)
    const items = await listRisks(platform.db, { townPrefix: scope.prefix, ...(states && { states }), order, ...(after && { after }), limit: q.limit + 1 })
    const shown = items.slice(0, q.limit)
    const last = shown.at(-1)
    const now = new Date().toISOString()
    return {
      items: shown.map((r) => ({
        id: r.id, town: townPlace(platform.config, r.town), village: r.village === null ? null : villagePlace(platform.config, r.town, r.village),
        category: r.category, severity: r.severity, state: r.state, address: r.address, reportedBy: r.reportedBy, reportedAt: r.reportedAt, closedAt: r.closedAt,
        ageHours: hoursBetween(r.reportedAt, r.closedAt ?? now), href: `${PREFIX}/risks/${r.id}`,
      })),
      next: items.length > q.limit && last ? encodeCursor(`${last.reportedAt}|${last.id}`) : null,
    }
  })

  api.get('/risks/:id', {
    config: { permission: 'risks:read', audit: { action: 'risk.read', subjectKind: 'risk', subjectParam: 'id' } },
    schema: {
      summary: 'One risk report: its current values, its history and what its state allows',
      tags: ['risks'],
      params: RiskId,
      response: { 200: RiskDetail, ...errorResponses('TB_RISK_NOT_FOUND') },
    },
  }, async (req) => await detail(req.params.id, scopeOf(req).prefix))

  api.post('/risks/:id/events', {
    config: {
      // Before the body is validated: an unknown action is refused as the strictest (a leader's).
      permission: {
        declaredBy: 'the action: correct risks:report, whistle whistles:blow, verify and close risks:close',
        of: (req) => ACTION_PERMISSION[(req.body as { action?: RiskEventInput['action'] } | undefined)?.action ?? 'close'] ?? 'risks:close',
      },
      audit: { action: 'risk.event', subjectKind: 'risk', subjectParam: 'id', describe: (req) => ({ details: { action: (req.body as RiskEventInput | undefined)?.action } }) },
    },
    schema: {
      summary: 'Act on a risk report: correct, whistle, verify or close',
      description: 'Each action is a new event; nothing is edited or deleted. `correct` names the changed fields (the reporter, or a town leader). `whistle` blows a whistle with the report as its source. `verify` records the on-site check; `close` needs a prior `verify` or a `verification` note (409 TB_RISK_NOT_VERIFIED). An action the state does not allow is 409 TB_RISK_TRANSITION_NOT_ALLOWED naming the state and the allowed actions. A repeated `requestId` answers the event it made (`replayed: true`).',
      tags: ['risks'],
      params: RiskId,
      body: RiskEventInput,
      response: { 200: RiskEventAnswer, ...errorResponses('TB_RISK_NOT_FOUND', 'TB_RISK_TRANSITION_NOT_ALLOWED', 'TB_RISK_NOT_YOURS', 'TB_RISK_INVALID', 'TB_FORBIDDEN') },
    },
  }, async (req) => {
    const { prefix } = scopeOf(req)
    const { event, replayed } = await platform.risks.act(req.params.id, req.body, req.principal, prefix)
    return { event, risk: await detail(req.params.id, prefix), replayed }
  })
}
