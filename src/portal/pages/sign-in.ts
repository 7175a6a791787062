// Signing in and out of the portal: the sign-in page (also what `/` shows without a session),
// posting to /auth/login, and signing out.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { SESSION_COOKIE, sessionPrincipal } from '../../web/session.ts'
import { issueLoginToken, safeNext } from '../../web/sign-in.ts'
import { raw } from '../../html.ts'
import { contextOf, page } from '../layout.ts'
import type { PortalKit } from '../kit.ts'
import { loginBody, signInError, type FederationButton } from './sign-in-view.ts'

/** The identity platform's button, when federation is configured; it comes back to `next`. */
function federationButtons (kit: PortalKit, next: string): FederationButton[] {
  const f = kit.platform.config.federation
  const q = next === '/' ? '' : `?next=${encodeURIComponent(next)}`
  const out: FederationButton[] = []
  if (f?.oidc) out.push({ href: `/auth/oidc/start${q}`, label: f.oidc.label })
  else if (f?.cas) out.push({ href: `/auth/cas/login${q}`, label: f.cas.label })
  return out
}

/** The sign-in page, with a fresh form token; after signing in the staff member goes to `next`. */
export async function signInPage (kit: PortalKit, req: FastifyRequest, reply: FastifyReply, nextParam: string | undefined, failed?: { error: string, until?: string | undefined }): Promise<FastifyReply> {
  const next = safeNext(nextParam)
  const token = issueLoginToken(req, reply)
  const ctx = contextOf(req, reply, kit.assets)
  const error = failed ? signInError(ctx, failed.error, failed.until) : undefined
  const body = loginBody(ctx, { csrf: token, next, federation: federationButtons(kit, next), error })
  return kit.sendPage(reply, 200, page(ctx, ctx.t('login.title'), body, { scripts: raw(`<script src="${kit.assets.url('login.js')}" defer></script>`) }))
}

export async function signInPages (app: FastifyInstance, kit: PortalKit): Promise<void> {
  const { platform, sessions, requireCsrf } = kit
  const api = app.withTypeProvider<ZodTypeProvider>()

  api.get('/portal/login', {
    schema: {
      hide: true,
      querystring: z.object({
        next: z.string().max(2048).optional(),
        lang: z.string().max(8).optional(),
        // The last attempt's failure, when /auth/login sent a form without the sign-in script back here.
        error: z.string().regex(/^TB_[A-Z_]{1,60}$/).optional().catch(undefined),
        until: z.iso.datetime().optional().catch(undefined),
      }),
    },
  }, async (req, reply) => {
    const { next, error, until } = req.query
    if (await sessionPrincipal(platform, sessions, req)) return reply.code(303).header('location', safeNext(next)).send()
    return await signInPage(kit, req, reply, next, error ? { error, until } : undefined)
  })

  api.post('/portal/logout', {
    schema: { hide: true, body: z.object({ _csrf: z.string().max(128).optional() }).passthrough() },
  }, async (req, reply) => {
    const s = await sessionPrincipal(platform, sessions, req)
    if (!s) return reply.code(303).header('location', '/portal/login').send()
    requireCsrf(req, s)
    await platform.audit.append({ actor: s.principal, action: 'auth.logout', subjectKind: 'staff', subject: s.principal.username, clientIp: req.ip, outcome: 'ok', details: { all: false, via: 'portal' } })
    await sessions.destroy(req.cookies[SESSION_COOKIE]!)
    reply.clearCookie(SESSION_COOKIE, { path: '/' })
    return reply.code(303).header('location', '/portal/login').send()
  })
}
