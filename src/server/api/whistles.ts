// Whistles (吹哨) through the API: blow one, list the scope's, read one with its answers, events,
// ladders and deliveries, and move it one action at a time — the town's decisions with
// whistles:lead, a department's answers with whistles:answer for its own department only. There
// is no route that deletes or hides a whistle, and none that lets a department close, withdraw,
// approve, re-route or reopen one (the service refuses it as well). The town's routing table
// (配合履职事项清单) is read and published here too.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Platform } from '../../platform.ts'
import { TongbanError } from '../../errors.ts'
import { divisionPrefix } from '../../auth/access.ts'
import { BlowInput, DEPARTMENT_ACTIONS, DepartmentCode, RoutingRule, WhistleState, WhistleTransitionInput, WhistleType } from '../../model/whistle.ts'
import { line } from '../../model/text.ts'
import { actorOf, whistleScope, type WhistleScope } from '../../whistles/service.ts'
import { publishRouting, routingOf } from '../../whistles/routing.ts'
import { decodeCursor, encodeCursor } from '../../web/cursor.ts'
import { errorResponses } from '../errors.ts'
import { page } from './schemas.ts'
import { RoutingTable, WhistleDetail, WhistleListItem, WhistleTransitionAnswer } from './whistle-schemas.ts'

const PREFIX = '/api/v1'
const Id = z.object({ id: z.string().regex(/^CS\d{24}$/, 'a whistle number: CS + town + YYYYMMDD + 4 digits') })

const ListQuery = z.object({
  state: line().max(200).optional().describe('one state or several, comma-separated'),
  type: WhistleType.shape.id.optional(),
  department: DepartmentCode.optional().describe('only whistles summoning this department (a department sees only its own anyway)'),
  overdue: z.enum(['true', 'false']).optional().describe('true: open whistles with a department\'s clock past its deadline and not met'),
  cursor: line().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
})

/** Reading: town staff with whistles:read, a department with whistles:answer (its own whistles only). */
const READ = { declaredBy: 'whistles:read; a department liaison or token: whistles:answer', of: (req: FastifyRequest) => req.principal.department !== undefined ? 'whistles:answer' as const : 'whistles:read' as const }

const isDepartmentAction = (action: unknown): boolean => (DEPARTMENT_ACTIONS as readonly unknown[]).includes(action)

function scopeOf (req: FastifyRequest): WhistleScope {
  const scope = whistleScope(req.principal)
  if (!scope) throw new TongbanError('TB_FORBIDDEN', ['whistles:read'])
  return scope
}

function townOf (req: FastifyRequest, town: string | undefined): string {
  const own = req.principal.town
  if (own === null) throw new TongbanError('TB_FORBIDDEN', ['whistles:lead'])
  const asked = town ?? own
  if (!asked.startsWith(divisionPrefix(own))) throw new TongbanError('TB_TOWN_OUT_OF_SCOPE', [asked, own])
  return asked
}

function cursorOf (cursor: string | undefined): { blownAt: string, id: string } | undefined {
  const text = decodeCursor(cursor, 'string')
  if (text === undefined) return undefined
  const [blownAt, id] = text.split('|')
  if (blownAt === undefined || id === undefined || Number.isNaN(Date.parse(blownAt))) throw new TongbanError('TB_CURSOR_INVALID')
  return { blownAt, id }
}

/** The whistle each blow made, for its audit entry. */
const blown = new WeakMap<FastifyRequest, string>()

export async function whistleRoutes (app: FastifyInstance, opts: { platform: Platform }): Promise<void> {
  const { platform } = opts
  const api = app.withTypeProvider<ZodTypeProvider>()

  const detail = async (id: string, req: FastifyRequest): Promise<z.infer<typeof WhistleDetail>> => {
    const v = await platform.whistles.view(id, req.principal)
    return { ...v.whistle, events: v.events, rungs: v.rungs, order: v.order, deliveries: v.deliveries, allowed: v.allowed, href: `${PREFIX}/whistles/${id}` }
  }

  api.post('/whistles', {
    config: {
      permission: 'whistles:blow',
      audit: { action: 'whistle.blow', subjectKind: 'whistle', describe: (req) => ({ subject: blown.get(req), details: { type: (req.body as BlowInput | undefined)?.type } }) },
    },
    schema: {
      summary: 'Blow a whistle (吹哨): summon departments to a matter of the town',
      description: 'Departments are those named, or the town\'s routing table\'s lead and co-departments for `category`. A leader\'s whistle opens at once: each department\'s clocks (respond, arrive, finish, by the type) start and their ladders are armed; a window worker\'s waits for a leader\'s approval when `whistles.windowNeedsApproval`. From a work order (`source.kind: order`) its close replies to the hotline. A repeated `requestId` answers 200 with the whistle it made.',
      tags: ['whistles'],
      body: BlowInput,
      response: { 201: WhistleDetail, 200: WhistleDetail, ...errorResponses('TB_WHISTLE_TYPE_UNKNOWN', 'TB_WHISTLE_DEPARTMENT_UNKNOWN', 'TB_WHISTLE_NO_ROUTE', 'TB_WHISTLE_SOURCE_NOT_FOUND', 'TB_FORBIDDEN') },
    },
  }, async (req, reply) => {
    const result = await platform.whistles.blow(req.body, req.principal)
    blown.set(req, result.id)
    return await reply.code(result.replayed ? 200 : 201).send(await detail(result.id, req))
  })

  api.get('/whistles', {
    config: { permission: READ },
    schema: {
      summary: 'The whistles of your scope, newest first',
      description: 'Town staff see their town\'s whistles, a county admin the county\'s, a department liaison or token only those summoning its department (in its county).',
      tags: ['whistles'],
      querystring: ListQuery,
      response: { 200: page(WhistleListItem), ...errorResponses('TB_CURSOR_INVALID', 'TB_VALIDATION') },
    },
  }, async (req) => {
    const q = req.query
    const scope = scopeOf(req)
    const states = q.state?.split(',').map((s) => s.trim()).filter((s) => s !== '')
    const bad = states?.find((s) => !WhistleState.safeParse(s).success)
    if (bad !== undefined) throw new TongbanError('TB_VALIDATION', [`querystring.state: ${bad} is not a whistle state (${WhistleState.options.join(', ')})`])
    const department = scope.department ?? q.department
    const after = cursorOf(q.cursor)
    const items = await platform.whistles.list({
      townPrefix: scope.prefix,
      ...(department ? { department } : {}),
      ...(states?.length ? { states: states as WhistleState[] } : {}),
      ...(q.type ? { type: q.type } : {}),
      ...(q.overdue === 'true' ? { overdueAt: new Date().toISOString() } : {}),
      ...(after ? { after } : {}),
      limit: q.limit + 1,
    })
    const shown = items.slice(0, q.limit)
    const last = shown.at(-1)
    return {
      items: shown.map((w) => ({ ...w, href: `${PREFIX}/whistles/${w.id}` })),
      next: items.length > q.limit && last ? encodeCursor(`${last.blownAt}|${last.id}`) : null,
    }
  })

  api.get('/whistles/routing', {
    config: { permission: 'whistles:read' },
    schema: {
      summary: 'The town\'s routing table in force (配合履职事项清单): category → lead and co-departments',
      tags: ['whistles'],
      querystring: z.object({ town: z.string().regex(/^\d{12}$/).optional().describe('default: your town') }),
      response: { 200: RoutingTable, ...errorResponses('TB_TOWN_OUT_OF_SCOPE') },
    },
  }, async (req) => {
    const town = townOf(req, req.query.town)
    const r = await routingOf(platform.db, platform.config.whistles, town, new Date().toISOString())
    return { town, version: r?.version ?? null, rules: r?.rules ?? [], createdBy: r?.createdBy ?? null, createdAt: r?.createdAt ?? null }
  })

  api.post('/whistles/routing', {
    config: {
      permission: 'whistles:lead',
      audit: { action: 'whistle.routing', subjectKind: 'town', describe: (req) => ({ subject: req.principal.town ?? undefined }) },
    },
    schema: {
      summary: 'Publish a new version of your town\'s routing table',
      description: 'The whole list replaces the one in force; earlier versions stay for the whistles blown under them.',
      tags: ['whistles'],
      body: z.object({ rules: z.array(RoutingRule).max(500) }),
      response: { 201: RoutingTable, ...errorResponses('TB_WHISTLE_ROUTING_INVALID', 'TB_FORBIDDEN') },
    },
  }, async (req, reply) => {
    const town = townOf(req, undefined)
    const r = await publishRouting(platform.db, platform.config.whistles, town, req.body.rules, actorOf(req.principal), new Date().toISOString())
    return await reply.code(201).send({ town, version: r.version, rules: r.rules, createdBy: r.createdBy, createdAt: r.createdAt })
  })

  api.get('/whistles/:id', {
    config: { permission: READ },
    schema: {
      summary: 'One whistle: its departments\' answers, events, ladders, deliveries and what you may do now',
      tags: ['whistles'],
      params: Id,
      response: { 200: WhistleDetail, ...errorResponses('TB_WHISTLE_NOT_FOUND') },
    },
  }, async (req) => await detail(req.params.id, req))

  api.post('/whistles/:id/transitions', {
    config: {
      permission: {
        declaredBy: 'whistles:answer for a department\'s answers (respond, arrive, progress, return, request-extension, declare-done); whistles:lead for the town\'s',
        of: (req) => isDepartmentAction((req.body as { action?: unknown } | undefined)?.action) ? 'whistles:answer' : 'whistles:lead',
      },
      audit: { action: 'whistle.transition', subjectKind: 'whistle', subjectParam: 'id', describe: (req) => ({ details: { action: (req.body as { action?: string } | undefined)?.action } }) },
    },
    schema: {
      summary: 'Move a whistle with one action',
      description: 'A department answers for itself (响应 respond, 报到 arrive, 进展 progress, 退回 return, 申请延期 request-extension, 办结申报 declare-done); the town decides (approve, withdraw, reroute, decide-extension, reject-done, close after 核查 with a 1–5 rating, reopen). An action the state does not allow is 409 TB_WHISTLE_TRANSITION_NOT_ALLOWED naming the state and the allowed actions. A close may name the `version` checked: an answer since makes it 409 TB_WHISTLE_CHANGED. A repeated `requestId` answers the event it made.',
      tags: ['whistles'],
      params: Id,
      body: WhistleTransitionInput,
      response: { 200: WhistleTransitionAnswer, ...errorResponses('TB_WHISTLE_NOT_FOUND', 'TB_WHISTLE_TRANSITION_NOT_ALLOWED', 'TB_WHISTLE_ACTION_REFUSED', 'TB_WHISTLE_NOT_YOUR_DEPARTMENT', 'TB_WHISTLE_CHANGED', 'TB_WHISTLE_REQUEST_REUSED', 'TB_FORBIDDEN') },
    },
  }, async (req) => {
    const { event, replayed } = await platform.whistles.transition(req.params.id, req.body, req.principal)
    return { event, whistle: await detail(req.params.id, req), replayed }
  })
}
