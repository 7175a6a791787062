// The town leader's view, `/portal/leader` (ratings:read: town leaders and county admins): the
// town's cases and ratings for a period (the last 30 days unless asked), per matter and per worker,
// with server-rendered charts, the open rectifications and the appeals awaiting the county.
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { divisionPrefix } from '../../auth/access.ts'
import { beijingToday } from '../../calendar/days.ts'
import { casesPerDay, figuresBy, ratingDistribution } from '../../store/case-figures.ts'
import { listAppeals, listRectifications } from '../../store/ratings.ts'
import { beijingPeriod, daysOf, lastDays } from '../../ratings/period.ts'
import { PageError, type PortalKit } from '../kit.ts'
import { leaderBody } from './leader-view.ts'

/** The default period, in Beijing days, today included. */
export const DEFAULT_DAYS = 30
const MAX_DAYS = 366
const LISTED = 100

export async function leaderPages (app: FastifyInstance, kit: PortalKit): Promise<void> {
  const { platform, signIn, requirePermission, recordScope, audit } = kit
  const { db } = platform
  const api = app.withTypeProvider<ZodTypeProvider>()

  api.get('/portal/leader', {
    schema: {
      hide: true,
      querystring: z.object({
        lang: z.string().max(8).optional(),
        from: z.iso.date().optional().catch(undefined),
        to: z.iso.date().optional().catch(undefined),
        town: z.string().regex(/^\d{12}$/).optional().catch(undefined),
      }),
    },
  }, async (req, reply) => {
    const s = await signIn(req, reply)
    if (!s) return reply
    requirePermission(s, 'ratings:read')
    const scope = recordScope(s)
    const t = kit.ctxOf(req, reply, s).t
    const fallback = lastDays(DEFAULT_DAYS)
    const from = req.query.from ?? fallback.from
    const to = req.query.to ?? fallback.to
    const days = daysOf(from, to)
    if (from > to || days.length > MAX_DAYS) throw new PageError(422, t('leader.badPeriod'))
    // A county admin picks one of the county's towns, or sees the county as a whole.
    const towns = platform.config.towns.filter((x) => x.code.startsWith(scope.prefix))
    const town = req.query.town !== undefined && req.query.town.startsWith(scope.prefix) ? req.query.town : undefined
    const townPrefix = town === undefined ? scope.prefix : divisionPrefix(town)
    const instants = beijingPeriod(from, to)
    const period = { townPrefix, from: instants.from!, to: instants.to! }
    const [perDay, byMatter, byWorker, distribution, rectifications, appeals] = await Promise.all([
      casesPerDay(db, period),
      figuresBy(db, period, 'matter'),
      figuresBy(db, period, 'worker'),
      ratingDistribution(db, period),
      listRectifications(db, { townPrefix, open: true, limit: LISTED }),
      listAppeals(db, { townPrefix, pending: true, limit: LISTED }),
    ])
    await audit(req, s, 'rating.read', { details: { view: 'leader', town: town ?? scope.prefix, from, to } })
    const counts = new Map(perDay.map((d) => [d.day, d.count]))
    return kit.render(req, reply, s, (ctx) => ctx.t('leader.title'), (ctx) => leaderBody(ctx, {
      townName: town ? kit.townName(town) : towns.length === 1 ? towns[0]!.name : undefined,
      towns: towns.length > 1 ? towns : [],
      town,
      from,
      to,
      today: beijingToday(),
      perDay: days.map((day) => ({ day, count: counts.get(day) ?? 0 })),
      byMatter,
      byWorker,
      distribution,
      rectifications,
      appeals,
    }))
  })
}
