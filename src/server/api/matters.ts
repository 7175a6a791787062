// Service matters (政务服务事项) of the towns' power lists: what a window offers on a day, one
// matter's versions and the county's local 赋权 decisions, and recording such a decision.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Platform } from '../../platform.ts'
import { Matter, MatterType, TimeLimit } from '../../model/matter.ts'
import { TongbanError } from '../../errors.ts'
import { divisionPrefix } from '../../auth/access.ts'
import { line } from '../../model/text.ts'
import { decisionsOf, matterOf, mattersInForce, type MatterOrigin, type OfferedMatter } from '../../store/matters.ts'
import { Day, DecisionInput, recordCountyDecision } from '../../matters/local.ts'
import { errorResponses } from '../errors.ts'

const PREFIX = '/api/v1'

const Origin = z.enum(['provincial', 'local']).describe("provincial: from the province's catalogue; local: a county 赋权 decision puts it on the town's list")
const originOf = (origin: MatterOrigin): z.infer<typeof Origin> => origin === 'catalogue' ? 'provincial' : 'local'

const Town = z.string().regex(/^\d{12}$/, 'a 12-digit division code')

const MatterItem = z.object({
  taskHandleItem: z.string(),
  name: z.string(),
  origin: Origin,
  version: z.number().int(),
  type: MatterType,
  department: z.object({ name: z.string(), creditCode: z.string() }),
  effectiveFrom: z.string(),
  effectiveUntil: z.string().nullable(),
  legalLimit: TimeLimit,
  promisedLimit: TimeLimit,
  projectType: z.enum(['immediate', 'promised']),
  entrusted: z.boolean(),
  decisionId: z.number().int().nullable().describe('the local grant that offers it'),
  href: z.string(),
}).meta({ id: 'MatterItem' })

const MatterDecision = z.object({
  id: z.number().int(),
  town: z.string(),
  taskHandleItem: z.string(),
  action: z.enum(['grant', 'withdraw']),
  localVersion: z.number().int().nullable().describe('the local matter version a grant brought; null when it grants the catalogue matter'),
  docNo: z.string().describe('文号'),
  decidedOn: z.string(),
  effectiveFrom: z.string(),
  reason: z.string(),
  decidedBy: z.string(),
  recordedAt: z.string(),
}).meta({ id: 'MatterDecision' })

const MatterDetail = z.object({
  town: z.string(),
  on: z.string(),
  inForce: z.object({ origin: Origin, decisionId: z.number().int().nullable(), matter: Matter }).nullable().describe('the version the window offers on the day; null when it offers none (withdrawn, not yet in force)'),
  versions: z.array(z.object({ origin: Origin, source: z.string().nullable().describe('adapter instance of the catalogue'), storedAt: z.string(), matter: Matter })).describe('every version, newest first'),
  decisions: z.array(MatterDecision).describe("the county's decisions on it, newest first"),
}).meta({ id: 'MatterDetail' })

/** Today in Beijing (UTC+8, no daylight saving): the day a window works in. */
function today (): string {
  return new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10)
}

const item = (o: OfferedMatter): z.infer<typeof MatterItem> => {
  const m = o.matter
  return {
    taskHandleItem: m.taskHandleItem, name: m.name, origin: originOf(o.origin), version: m.version, type: m.type, department: m.department,
    effectiveFrom: m.effectiveFrom, effectiveUntil: m.effectiveUntil ?? null, legalLimit: m.legalLimit, promisedLimit: m.promisedLimit,
    projectType: m.projectType, entrusted: m.entrusted, decisionId: o.decisionId, href: `${PREFIX}/matters/${m.taskHandleItem}`,
  }
}

export async function matterRoutes (app: FastifyInstance, opts: { platform: Platform }): Promise<void> {
  const { db, config } = opts.platform
  const api = app.withTypeProvider<ZodTypeProvider>()

  /** The division prefix whose towns the caller may ask about: its own town, a county admin's county. */
  const scopePrefix = (req: FastifyRequest): string => {
    const { town, roles } = req.principal
    if (town === null) throw new TongbanError('TB_FORBIDDEN', ['matters are read for a town; this caller has none'])
    const own = divisionPrefix(town)
    return roles.includes('county-admin') ? own.slice(0, 6) : own
  }
  /** The town asked for (the caller's own by default), in scope and configured. */
  const townOf = (req: FastifyRequest, asked: string | undefined): string => {
    const prefix = scopePrefix(req)
    const town = asked ?? req.principal.town!
    if (!town.startsWith(prefix)) throw new TongbanError('TB_TOWN_OUT_OF_SCOPE', [town, prefix])
    if (!config.towns.some((t) => t.code === town)) throw new TongbanError('TB_TOWN_NOT_CONFIGURED', [town, config.towns.map((t) => t.code).join(', ')])
    return town
  }

  api.get('/matters', {
    config: { permission: 'matters:read' },
    schema: {
      summary: "The matters a town's window offers on a day",
      description: "Per business item the newest version in force that day (effective dates, withdrawals), with the county's local grants and withdrawals applied; in business item code order. `town` defaults to the caller's own, `on` to today in Beijing; `q` matches the name or a code prefix.",
      tags: ['matters'],
      querystring: z.object({ town: Town.optional(), on: Day.optional(), q: line().max(100).optional() }),
      response: { 200: z.object({ town: z.string(), on: z.string(), items: z.array(MatterItem) }), ...errorResponses('TB_TOWN_OUT_OF_SCOPE', 'TB_TOWN_NOT_CONFIGURED') },
    },
  }, async (req) => {
    const town = townOf(req, req.query.town)
    const on = req.query.on ?? today()
    const offered = await mattersInForce(db, { town, on, ...(req.query.q ? { q: req.query.q } : {}) })
    return { town, on, items: offered.map(item) }
  })

  api.get('/matters/local-decisions', {
    config: { permission: 'matters:read' },
    schema: {
      summary: "The county's local 赋权 decisions",
      description: "Newest first: of one town, or of every town in the caller's scope when `town` is left out.",
      tags: ['matters'],
      querystring: z.object({ town: Town.optional(), limit: z.coerce.number().int().min(1).max(1000).default(200) }),
      response: { 200: z.object({ items: z.array(MatterDecision) }), ...errorResponses('TB_TOWN_OUT_OF_SCOPE', 'TB_TOWN_NOT_CONFIGURED') },
    },
  }, async (req) => {
    const filter = req.query.town === undefined ? { prefix: scopePrefix(req) } : { town: townOf(req, req.query.town) }
    return { items: await decisionsOf(db, { ...filter, limit: req.query.limit }) }
  })

  api.post('/matters/local-decisions', {
    config: {
      audit: {
        action: 'matter.decide',
        subjectKind: 'matter',
        subjectBody: 'taskHandleItem',
        describe: (req) => {
          const body = req.body as Partial<DecisionInput> | undefined
          return { details: { town: body?.town, decision: body?.action, docNo: body?.docNo, effectiveFrom: body?.effectiveFrom } }
        },
      },
      permission: 'matters:manage',
    },
    schema: {
      summary: "Record a county's local 赋权 decision for a town",
      description: "`grant` puts a matter on the town's list from `effectiveFrom` on: the town's catalogue matter, or, when the catalogue lacks it, the whole `matter` given here (shown as local). `withdraw` takes a matter off the list from `effectiveFrom` on; cases opened under it still read it. Decisions are append-only: a later one undoes an earlier one.",
      tags: ['matters'],
      body: DecisionInput,
      response: { 201: MatterDecision, ...errorResponses('TB_MATTER_DECISION_INVALID', 'TB_TOWN_OUT_OF_SCOPE', 'TB_TOWN_NOT_CONFIGURED', 'TB_MATTER_NOT_FOUND') },
    },
  }, async (req, reply) => {
    townOf(req, req.body.town)
    const recorded = await recordCountyDecision(db, config.towns, req.body, req.principal.username)
    return await reply.code(201).send(recorded)
  })

  api.get('/matters/:taskHandleItem', {
    config: { permission: 'matters:read' },
    schema: {
      summary: 'One matter: the version in force on a day, every version and the local decisions',
      description: "A withdrawn matter stays readable here (cases opened under it need it). `town` defaults to the caller's own, `on` to today in Beijing.",
      tags: ['matters'],
      params: z.object({ taskHandleItem: z.string().length(33) }),
      querystring: z.object({ town: Town.optional(), on: Day.optional() }),
      response: { 200: MatterDetail, ...errorResponses('TB_MATTER_NOT_FOUND', 'TB_TOWN_OUT_OF_SCOPE', 'TB_TOWN_NOT_CONFIGURED') },
    },
  }, async (req) => {
    const town = townOf(req, req.query.town)
    const on = req.query.on ?? today()
    const { taskHandleItem } = req.params
    const history = await matterOf(db, { town, taskHandleItem, on })
    if (!history) throw new TongbanError('TB_MATTER_NOT_FOUND', [taskHandleItem, town, town])
    return {
      town,
      on,
      inForce: history.inForce && { origin: originOf(history.inForce.origin), decisionId: history.inForce.decisionId, matter: history.inForce.matter },
      versions: history.versions.map((v) => ({ origin: originOf(v.origin), source: v.source, storedAt: v.storedAt, matter: v.matter })),
      decisions: history.decisions,
    }
  })
}
