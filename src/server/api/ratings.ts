// 好差评 through the API: rating links for the window tablet, the ratings of a town (window staff
// see those of their own steps), rectifications with their follow-ups and re-rating links, and
// appeals the county decides. Every change is audited; the rows themselves are append-only.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Platform } from '../../platform.ts'
import type { Principal } from '../../auth/principal.ts'
import { can, divisionPrefix } from '../../auth/access.ts'
import { line, lines } from '../../model/text.ts'
import { listRatings, listRectifications, listAppeals } from '../../store/ratings.ts'
import { actorOf, actorRef } from '../../ratings/service.ts'
import { ratingServiceOf } from '../../ratings/of-platform.ts'
import { errorResponses } from '../errors.ts'
import { scopeOf } from '../scope.ts'
import { beijingPeriod } from '../../ratings/period.ts'

const Stage = z.enum(['accept', 'conclude']).describe('accept: 受理, conclude: 办结')
const ActorOut = z.object({ kind: z.string(), id: z.string(), name: z.string() })

export const Rating = z.object({
  id: z.number().int(),
  projectNo: z.string(),
  stage: Stage,
  level: z.number().int().describe('1 非常不满意, 2 不满意, 3 基本满意, 4 满意, 5 非常满意; 1 and 2 are 差评'),
  channel: z.string().describe("'01' the window's tablet"),
  comment: z.string().nullable(),
  town: z.string(),
  taskHandleItem: z.string(),
  matterName: z.string(),
  staff: ActorOut.describe('who took the rated step'),
  staffId: z.string(),
  ratedAt: z.string(),
  reratingOf: z.number().int().nullable().describe('the rating this re-rating follows (after rectification)'),
  reratedBy: z.number().int().nullable(),
  appeal: z.enum(['none', 'pending', 'upheld', 'dismissed']),
}).meta({ id: 'Rating' })

const FollowUp = z.object({
  id: z.number().int(),
  rectificationId: z.number().int(),
  contactedBy: z.string(),
  contactedAt: z.string(),
  action: z.string(),
  recordedBy: ActorOut,
  recordedAt: z.string(),
}).meta({ id: 'RectificationFollowUp' })

const Appeal = z.object({
  id: z.number().int(),
  ratingId: z.number().int(),
  projectNo: z.string(),
  town: z.string(),
  matterName: z.string(),
  level: z.number().int(),
  reason: z.string(),
  appealedBy: ActorOut,
  appealedAt: z.string(),
  decision: z.object({ decision: z.enum(['upheld', 'dismissed']), reason: z.string(), decidedBy: ActorOut, decidedAt: z.string() }).nullable(),
}).meta({ id: 'RatingAppeal' })

const Rectification = z.object({
  id: z.number().int(),
  ratingId: z.number().int(),
  projectNo: z.string(),
  town: z.string(),
  matterName: z.string(),
  stage: Stage,
  level: z.number().int(),
  staff: ActorOut,
  openedAt: z.string(),
  due: z.string().nullable().describe('the last working day (YYYY-MM-DD); null when the calendar cannot compute it'),
  dueProblem: z.string().nullable().describe('why there is no due day'),
  withinDays: z.number().int(),
  followUps: z.number().int(),
  status: z.enum(['open', 're-rated', 'void']).describe('void: an upheld appeal found the rating abusive'),
  rerating: z.object({ id: z.number().int(), level: z.number().int(), ratedAt: z.string() }).nullable(),
}).meta({ id: 'Rectification' })

const RectificationDetail = Rectification.extend({ followUpList: z.array(FollowUp), appeal: Appeal.nullable() }).meta({ id: 'RectificationDetail' })
const Link = z.object({ url: z.string().describe('the tablet page; the token in it is the only copy'), expiresAt: z.string() }).meta({ id: 'RatingLink' })
const Id = z.object({ id: z.coerce.number().int().positive() })
const Day = z.iso.date()

/** Window staff without ratings:read see the ratings of their own steps only. */
export function ownOnly (p: Principal): string | undefined {
  return can(p, 'ratings:read') ? undefined : actorRef(actorOf(p))
}

/** The scope's prefix narrowed to `town` (a division code); undefined when the two do not meet. */
function townPrefixOf (req: FastifyRequest, town: string | undefined): string | undefined {
  const scope = scopeOf(req).prefix
  if (town === undefined) return scope
  const asked = divisionPrefix(town)
  if (asked.startsWith(scope)) return asked
  return scope.startsWith(asked) ? scope : undefined
}

export async function ratingRoutes (app: FastifyInstance, opts: { platform: Platform }): Promise<void> {
  const { db } = opts.platform
  const ratings = ratingServiceOf(opts.platform)
  const api = app.withTypeProvider<ZodTypeProvider>()
  const absolute = (req: FastifyRequest, path: string): string => `${req.protocol}://${req.host}${path}`

  api.post('/cases/:projectNo/rating-links', {
    config: { audit: { action: 'rating.link', subjectKind: 'case', subjectParam: 'projectNo' }, permission: 'ratings:act' },
    schema: {
      summary: 'A one-time link for the resident to rate the case on the window tablet',
      description: 'Only once the case has reached the stage (accepted for `accept`, concluded for `conclude`) and not yet rated there. The link opens the tablet page without sign-in, rates once, and expires after `ratings.linkMinutes` (30).',
      tags: ['ratings'],
      params: z.object({ projectNo: z.string().length(43) }),
      body: z.object({ stage: Stage }),
      response: { 201: Link, ...errorResponses('TB_CASE_NOT_FOUND', 'TB_RATING_STAGE_NOT_REACHED', 'TB_RATING_EXISTS') },
    },
  }, async (req, reply) => {
    const link = await ratings.createLink(req.params.projectNo, req.body.stage, actorOf(req.principal), scopeOf(req).prefix)
    return reply.code(201).send({ url: absolute(req, link.url), expiresAt: link.expiresAt })
  })

  api.get('/ratings', {
    config: { audit: { action: 'rating.read' }, permission: 'ratings:view' },
    schema: {
      summary: 'Ratings, newest first',
      tags: ['ratings'],
      querystring: z.object({
        town: z.string().regex(/^\d{6,12}$/).optional().describe('division code; within your scope'),
        matter: z.string().length(33).optional().describe('taskHandleItem'),
        staff: line().max(100).optional().describe('who took the rated step, as `staffId` (staff:<id>)'),
        from: Day.optional().describe('rated on or after this Beijing day'),
        to: Day.optional().describe('rated on or before this Beijing day'),
        projectNo: z.string().length(43).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(100),
      }),
      response: { 200: z.object({ items: z.array(Rating) }), ...errorResponses('TB_VALIDATION') },
    },
  }, async (req) => {
    const q = req.query
    const townPrefix = townPrefixOf(req, q.town)
    if (townPrefix === undefined) return { items: [] }
    const own = ownOnly(req.principal)
    const period = beijingPeriod(q.from, q.to)
    const items = await listRatings(db, { townPrefix, taskHandleItem: q.matter, staffId: own ?? q.staff, from: period.from, to: period.to, projectNo: q.projectNo, limit: q.limit })
    return { items: own !== undefined && q.staff !== undefined && q.staff !== own ? [] : items }
  })

  api.get('/ratings/:id', {
    config: { audit: { action: 'rating.read', subjectKind: 'rating', subjectParam: 'id' }, permission: 'ratings:view' },
    schema: { summary: 'One rating', tags: ['ratings'], params: Id, response: { 200: Rating, ...errorResponses('TB_RATING_NOT_FOUND') } },
  }, async (req) => await ratings.rating(req.params.id, scopeOf(req).prefix, ownOnly(req.principal)))

  api.get('/rectifications', {
    config: { audit: { action: 'rating.read' }, permission: 'ratings:view' },
    schema: {
      summary: 'Rectifications (整改) of 差评, soonest due first',
      tags: ['ratings'],
      querystring: z.object({ open: z.enum(['true', 'false']).default('true').describe('only those neither re-rated nor voided'), limit: z.coerce.number().int().min(1).max(500).default(100) }),
      response: { 200: z.object({ items: z.array(Rectification) }) },
    },
  }, async (req) => ({ items: await listRectifications(db, { townPrefix: scopeOf(req).prefix, open: req.query.open === 'true', staffId: ownOnly(req.principal), limit: req.query.limit }) }))

  api.get('/rectifications/:id', {
    config: { audit: { action: 'rating.read', subjectKind: 'rectification', subjectParam: 'id' }, permission: 'ratings:view' },
    schema: { summary: 'One rectification with its follow-ups and appeal', tags: ['ratings'], params: Id, response: { 200: RectificationDetail, ...errorResponses('TB_RECTIFICATION_NOT_FOUND') } },
  }, async (req) => await ratings.rectification(req.params.id, scopeOf(req).prefix, ownOnly(req.principal)))

  api.post('/rectifications/:id/follow-ups', {
    config: { audit: { action: 'rating.follow-up', subjectKind: 'rectification', subjectParam: 'id' }, permission: 'ratings:act' },
    schema: {
      summary: 'Record a follow-up contact: who called the resident, when, and what was done',
      tags: ['ratings'],
      params: Id,
      body: z.object({
        contactedBy: line().trim().min(1).max(100).describe('who called the resident'),
        contactedAt: z.iso.datetime({ offset: true }).describe('when'),
        action: lines().trim().min(1).max(2000).describe('what was done'),
      }),
      response: { 201: FollowUp, ...errorResponses('TB_RECTIFICATION_NOT_FOUND', 'TB_RECTIFICATION_CLOSED') },
    },
  }, async (req, reply) => reply.code(201).send(await ratings.followUp(req.params.id, req.body, actorOf(req.principal), scopeOf(req).prefix)))

  api.post('/rectifications/:id/rating-links', {
    config: { audit: { action: 'rating.link', subjectKind: 'rectification', subjectParam: 'id' }, permission: 'ratings:act' },
    schema: {
      summary: 'A one-time link for the re-rating after rectification',
      description: 'Once at least one follow-up is recorded; the re-rating is kept as a new rating linked to the first and closes the rectification.',
      tags: ['ratings'],
      params: Id,
      response: { 201: Link, ...errorResponses('TB_RECTIFICATION_NOT_FOUND', 'TB_RECTIFICATION_CLOSED', 'TB_RECTIFICATION_NO_FOLLOW_UP') },
    },
  }, async (req, reply) => {
    const link = await ratings.createRerateLink(req.params.id, actorOf(req.principal), scopeOf(req).prefix)
    return reply.code(201).send({ url: absolute(req, link.url), expiresAt: link.expiresAt })
  })

  api.post('/ratings/:id/appeal', {
    config: { audit: { action: 'rating.appeal', subjectKind: 'rating', subjectParam: 'id' }, permission: 'ratings:appeal' },
    schema: {
      summary: 'Appeal (申诉) a 差评 judged abusive; the county decides',
      tags: ['ratings'],
      params: Id,
      body: z.object({ reason: lines().trim().min(1).max(2000) }),
      response: { 201: Appeal, ...errorResponses('TB_RATING_NOT_FOUND', 'TB_RATING_NOT_APPEALABLE', 'TB_APPEAL_EXISTS') },
    },
  }, async (req, reply) => reply.code(201).send(await ratings.appeal(req.params.id, req.body.reason, actorOf(req.principal), scopeOf(req).prefix, ownOnly(req.principal))))

  api.get('/appeals', {
    config: { audit: { action: 'rating.read' }, permission: 'ratings:read' },
    schema: {
      summary: 'Appeals, oldest first',
      tags: ['ratings'],
      querystring: z.object({ pending: z.enum(['true', 'false']).default('true'), limit: z.coerce.number().int().min(1).max(500).default(100) }),
      response: { 200: z.object({ items: z.array(Appeal) }) },
    },
  }, async (req) => ({ items: await listAppeals(db, { townPrefix: scopeOf(req).prefix, pending: req.query.pending === 'true', limit: req.query.limit }) }))

  api.post('/appeals/:id/decision', {
    config: { audit: { action: 'rating.decide', subjectKind: 'appeal', subjectParam: 'id' }, permission: 'ratings:decide' },
    schema: {
      summary: "The county's decision on an appeal",
      description: '`upheld`: the rating was abusive; it no longer counts in the figures and its rectification is void. `dismissed`: the rating stands. The first decision is final.',
      tags: ['ratings'],
      params: Id,
      body: z.object({ decision: z.enum(['upheld', 'dismissed']), reason: lines().trim().min(1).max(2000) }),
      response: { 200: Appeal, ...errorResponses('TB_APPEAL_NOT_FOUND', 'TB_APPEAL_DECIDED') },
    },
  }, async (req) => await ratings.decide(req.params.id, req.body.decision, req.body.reason, actorOf(req.principal), scopeOf(req).prefix))
}
