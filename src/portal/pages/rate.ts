// The window tablet's rating page, `/rate/:token`: no sign-in — the one-time token in the URL is
// the capability (so no CSRF token either: a forged post would need the token, and spends it).
// Rate-limited per address; a used, expired or unknown token gets a clear message in Chinese.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { isTongbanError } from '../../errors.ts'
import { TOKEN_PATTERN } from '../../ratings/links.ts'
import { ratingServiceOf } from '../../ratings/of-platform.ts'
import { isBad } from '../../ratings/levels.ts'
import { langOf } from '../layout.ts'
import { translator } from '../i18n.ts'
import { beijingTime } from '../format.ts'
import type { PortalKit } from '../kit.ts'
import { closedPage, linkBody, ratePage, thanksPage, type RateContext } from './rate-view.ts'
import { actorOf, type LinkView } from '../../ratings/service.ts'
import { PageError } from '../kit.ts'

/** Taps per address per minute: a tablet rates a few residents a minute; guessing tokens is slowed. */
export const RATE_PAGE_LIMIT = { max: 60, timeWindow: 60_000 } as const

const Params = z.object({ token: z.string().max(128) })

export async function ratePages (app: FastifyInstance, kit: PortalKit): Promise<void> {
  const { platform, sendPage, signIn, requireCsrf, requirePermission, recordScope, audit } = kit
  const ratings = ratingServiceOf(platform)
  const api = app.withTypeProvider<ZodTypeProvider>()
  const rateLimit = { ...RATE_PAGE_LIMIT, hook: 'preHandler' as const, keyGenerator: (req: FastifyRequest) => `rate:${req.ip}` }

  function contextOf (req: FastifyRequest, reply: FastifyReply): RateContext {
    const lang = langOf(req, reply)
    const url = new URL(req.url, 'http://tablet.invalid')
    url.searchParams.set('lang', lang === 'zh' ? 'en' : 'zh')
    return { lang, t: translator(lang), switchHref: `${url.pathname}${url.search}` }
  }

  function closed (ctx: RateContext, view: Exclude<LinkView, { status: 'open' }>): { status: number, text: string } {
    if (view.status === 'used') return { status: 410, text: ctx.t('rate.used', beijingTime(view.at)) }
    if (view.status === 'expired') return { status: 410, text: ctx.t('rate.expired', beijingTime(view.at)) }
    return { status: 404, text: ctx.t('rate.unknown') }
  }

  api.get('/rate/:token', {
    config: { rateLimit },
    schema: { hide: true, params: Params, querystring: z.object({ lang: z.string().max(8).optional() }) },
  }, async (req, reply) => {
    const ctx = contextOf(req, reply)
    const view: LinkView = TOKEN_PATTERN.test(req.params.token) ? await ratings.viewLink(req.params.token) : { status: 'unknown' }
    if (view.status !== 'open') {
      const { status, text } = closed(ctx, view)
      return sendPage(reply, status, closedPage(ctx, text))
    }
    return sendPage(reply, 200, ratePage(ctx, `/rate/${req.params.token}`, view))
  })

  api.post('/rate/:token', {
    config: { rateLimit },
    schema: {
      hide: true,
      params: Params,
      body: z.object({ level: z.coerce.number().int().min(1).max(5), comment: z.string().max(500).optional() }),
    },
  }, async (req, reply) => {
    const ctx = contextOf(req, reply)
    const { token } = req.params
    if (!TOKEN_PATTERN.test(token)) return sendPage(reply, 404, closedPage(ctx, ctx.t('rate.unknown')))
    try {
      const { rating, case: c, rectificationId } = await ratings.rate(token, { level: req.body.level, comment: req.body.comment })
      await platform.audit.append({
        actor: { kind: 'anonymous', username: 'rating-link', roles: [], town: c.town },
        action: 'rating.rate',
        subjectKind: 'rating',
        subject: String(rating.id),
        clientIp: req.ip,
        outcome: 'ok',
        details: { route: 'POST /rate/:token', stage: rating.stage, level: rating.level, rerating: rating.reratingOf !== null, rectification: rectificationId },
      })
      return sendPage(reply, 200, thanksPage(ctx, rating.level, isBad(rating.level) && rectificationId !== null ? platform.config.ratings.rectifyWithin : undefined))
    } catch (err) {
      if (!isTongbanError(err)) throw err
      // Another link of the same case and stage was used first.
      if (err.code === 'TB_RATING_EXISTS') return sendPage(reply, 409, closedPage(ctx, ctx.t('rate.already')))
      const view = await ratings.viewLink(token)
      if (view.status !== 'open') {
        const { status, text } = closed(ctx, view)
        return sendPage(reply, status, closedPage(ctx, text))
      }
      throw err
    }
  })

  // Window staff make the link from the case page and open it on the tablet.
  api.post('/portal/cases/:projectNo/rating-link', {
    schema: {
      hide: true,
      params: z.object({ projectNo: z.string().length(43) }),
      body: z.object({ _csrf: z.string().max(128).optional(), stage: z.enum(['accept', 'conclude']) }),
    },
  }, async (req, reply) => {
    const s = await signIn(req, reply)
    if (!s) return reply
    requireCsrf(req, s)
    requirePermission(s, 'ratings:act')
    const { projectNo } = req.params
    const { stage } = req.body
    const t = kit.ctxOf(req, reply, s).t
    const note = { subjectKind: 'case', subject: projectNo, details: { stage } }
    try {
      const link = await ratings.createLink(projectNo, stage, actorOf(s.principal), recordScope(s).prefix)
      await audit(req, s, 'rating.link', note)
      return kit.render(req, reply, s, (ctx) => ctx.t('rate.linkTitle'), (ctx) => linkBody(ctx, { projectNo, stage, ...link }))
    } catch (err) {
      if (!isTongbanError(err)) throw err
      await audit(req, s, 'rating.link', { ...note, outcome: 'failed', details: { ...note.details, code: err.code } })
      if (err.code === 'TB_CASE_NOT_FOUND') throw new PageError(404)
      if (err.code === 'TB_RATING_STAGE_NOT_REACHED') throw new PageError(409, t('rate.linkNotReached'))
      if (err.code === 'TB_RATING_EXISTS') throw new PageError(409, t('rate.linkExists'))
      throw err
    }
  })
}
