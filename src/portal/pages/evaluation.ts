// The evaluation page, `/portal/evaluation` (evaluation:read: town leaders and county admins): per
// department the period's figures with the formula beside each, a bar chart per figure, the
// monthly table, the hotline's 三率 by month, and the CSV of the monthly table. A town leader sees
// its town; a county admin the county or one town of it. The numbers are the API's
// (src/evaluation/evaluate.ts), from the stored events.
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { divisionPrefix } from '../../auth/access.ts'
import { MAX_MONTHS, MONTH, beijingMonth, evaluate, evaluateHotline, monthsOf } from '../../evaluation/evaluate.ts'
import { PageError, type PortalKit } from '../kit.ts'
import { evaluationBody } from './evaluation-view.ts'

/** The default period: this month and the five before it. */
const DEFAULT_MONTHS = 6

function monthsBefore (month: string, n: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number]
  const index = y * 12 + (m - 1) - n
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`
}

export async function evaluationPages (app: FastifyInstance, kit: PortalKit): Promise<void> {
  const { platform, signIn, requirePermission, recordScope } = kit
  const { db } = platform
  const api = app.withTypeProvider<ZodTypeProvider>()
  const names = new Map(platform.config.whistles.departments.map((d) => [d.code, d.name]))

  api.get('/portal/evaluation', {
    schema: {
      hide: true,
      querystring: z.object({
        lang: z.string().max(8).optional(),
        from: z.string().regex(MONTH).optional().catch(undefined),
        to: z.string().regex(MONTH).optional().catch(undefined),
        town: z.string().regex(/^\d{12}$/).optional().catch(undefined),
      }),
    },
  }, async (req, reply) => {
    const s = await signIn(req, reply)
    if (!s) return reply
    requirePermission(s, 'evaluation:read')
    const scope = recordScope(s)
    const ctx = kit.ctxOf(req, reply, s)
    const to = req.query.to ?? beijingMonth()
    const from = req.query.from ?? monthsBefore(to, DEFAULT_MONTHS - 1)
    const months = monthsOf(from, to)
    if (months.length === 0 || months.length > MAX_MONTHS) throw new PageError(422, ctx.t('evaluation.badPeriod', MAX_MONTHS))
    // A county admin picks one of the county's towns, or sees the county as a whole.
    const towns = platform.config.towns.filter((x) => x.code.startsWith(scope.prefix))
    const town = req.query.town !== undefined && req.query.town.startsWith(scope.prefix) ? req.query.town : undefined
    const prefix = town === undefined ? scope.prefix : divisionPrefix(town)
    const [evaluation, hotline] = await Promise.all([
      evaluate(db, { prefix, from, to, names, lang: ctx.lang }),
      evaluateHotline(db, { prefix, from, to, lang: ctx.lang }),
    ])
    return kit.render(req, reply, s, (c) => c.t('evaluation.title'), (c) => evaluationBody(c, {
      scopeName: town ? kit.townName(town) : scope.unlocated ? c.t('evaluation.county') : kit.townName(s.principal.town),
      towns: towns.length > 1 ? towns : [],
      town,
      from,
      to,
      months,
      evaluation,
      // the scope's towns together, month by month
      hotline: hotline.filter((r) => r.town === null),
    }))
  })
}
