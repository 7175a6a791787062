// The unified portal: server-rendered pages for town staff at `/` and `/portal/…`. Every page
// needs a live session (else it redirects to sign-in), checks the staff member's roles and town
// scope (a record outside it is "not found"), requires the session's CSRF token on every POST,
// and writes reads of residents' and enterprises' data to the audit log.
import type { FastifyInstance } from 'fastify'
import { hasZodFastifySchemaValidationErrors, type ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Platform } from '../platform.ts'
import type { SessionStore } from '../auth/sessions.ts'
import { isTongbanError } from '../errors.ts'
import { sessionPrincipal } from '../web/session.ts'
import { Assets } from './assets.ts'
import { CONTROL_CHARACTER_MESSAGE } from './query.ts'
import { contextOf, messagePage } from './layout.ts'
import { PageError, createKit } from './kit.ts'
import { signInPages } from './pages/sign-in.ts'
import { homePages } from './pages/home.ts'
import { searchPages } from './pages/search.ts'
import { recordPages } from './pages/records.ts'
import { departmentPages } from './pages/departments.ts'
import { quarantinePages } from './pages/quarantine.ts'
import { auditPages } from './pages/audit.ts'
import { staffPages } from './pages/staff.ts'
import { ratePages } from './pages/rate.ts'
import { leaderPages } from './pages/leader.ts'
import { evaluationPages } from './pages/evaluation.ts'
import { matterPages } from './pages/matters.ts'
import { newCasePages } from './pages/matters-new.ts'
import { casePages } from './pages/cases.ts'
import { riskPages } from './pages/risks.ts'
import { orderPages } from './pages/orders.ts'
import { whistlePages } from './pages/whistles.ts'

/** Each registers its routes with the kit (pages/<area>.ts, its HTML in pages/<area>-view.ts). */
const PAGE_MODULES = [signInPages, homePages, searchPages, recordPages, departmentPages, quarantinePages, auditPages, staffPages, matterPages, newCasePages, casePages, ratePages, leaderPages, evaluationPages, orderPages, whistlePages, riskPages]

export async function portalPlugin (app: FastifyInstance, opts: { platform: Platform, sessions: SessionStore }): Promise<void> {
  const assets = new Assets()
  const kit = createKit(opts.platform, opts.sessions, assets)
  const { sendPage } = kit
  const api = app.withTypeProvider<ZodTypeProvider>()

  // Pages answer pages, also when something goes wrong.
  app.setErrorHandler(async (err, req, reply) => {
    // Input refused by a route's schema never reached the page's sign-in: look the session up
    // here, so the answer still has the staff member's menu and search box.
    const signedIn = req.portal ?? await sessionPrincipal(opts.platform, opts.sessions, req).catch(() => undefined)
    const ctx = contextOf(req, reply, assets, signedIn ? { principal: signedIn.principal, csrf: signedIn.session.csrf } : undefined)
    const { t } = ctx
    if (err instanceof PageError) {
      if (err.status === 404) return sendPage(reply, 404, messagePage(ctx, t('notFound.title'), err.text ?? t('notFound.body')))
      if (err.status === 403) return sendPage(reply, 403, messagePage(ctx, t('forbidden.title'), err.text ?? t('forbidden.body')))
      return sendPage(reply, err.status, messagePage(ctx, t('error.title'), err.text ?? ''))
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      // A query or form the page's schema refuses: say which parameter and why, as a 400 page.
      const first = err.validation[0]
      const param = first?.instancePath.replace(/^\//, '').replace(/\//g, '.') || (err.validationContext ?? '')
      const text = first?.message === CONTROL_CHARACTER_MESSAGE ? t('error.controlCharacter', param, 'TB_VALIDATION') : t('error.invalidParam', param, first?.message ?? '', 'TB_VALIDATION')
      req.log.info({ code: 'TB_VALIDATION', param, msg: first?.message }, 'portal page refused its input')
      return sendPage(reply, 400, messagePage(ctx, t('error.invalidTitle'), text))
    }
    const code = isTongbanError(err) ? err.code : 'TB_INTERNAL'
    const status = isTongbanError(err) ? err.statusCode : (err as { statusCode?: number }).statusCode === 400 ? 400 : 500
    if (status >= 500) req.log.error({ err }, 'portal page failed')
    if (code === 'TB_CSRF') return sendPage(reply, 403, messagePage(ctx, t('csrf.title'), t('csrf.body')))
    return sendPage(reply, status, messagePage(ctx, t('error.title'), t('error.body', status >= 500 ? `${code}, ${req.id}` : code)))
  })

  app.decorateRequest('portal', null)

  // -------------------------------------------------------------------------------------------
  // static assets: content-hashed names, cached for a year

  api.get('/portal/static/:name', {
    schema: { hide: true, params: z.object({ name: z.string().max(100) }) },
  }, async (req, reply) => {
    const asset = assets.byName.get(req.params.name)
    if (!asset) throw new PageError(404)
    return reply.type(asset.type).header('cache-control', 'public, max-age=31536000, immutable').send(asset.body)
  })

  for (const pages of PAGE_MODULES) await pages(app, kit)
}
