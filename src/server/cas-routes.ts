// The CAS 3.0 server under /cas for department web apps (see provider-routes.ts): service tickets
// for a tongban session, their validation (CAS 1.0, 2.0 and 3.0 paths), and single logout by a
// SAML LogoutRequest to every app the session signed in to.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Platform } from '../platform.ts'
import type { SessionStore } from '../auth/sessions.ts'
import { TongbanError } from '../errors.ts'
import { SESSION_COOKIE, sessionPrincipal } from '../web/session.ts'
import { signInUrl } from '../web/sign-in.ts'
import { ServiceTickets, casJson, casXml, matchService, sendLogoutRequest, withTicket, type IssuedTicket, type Validation } from '../auth/provider/cas.ts'
import type { SsoConfig } from '../auth/provider/config.ts'
import { escapeHtml } from '../html.ts'
import { page } from '../auth/provider/html.ts'

/** A CAS sign-in counts as new (isFromNewLogin, and good for renew) within this long of the tongban sign-in. */
export const NEW_LOGIN_WINDOW_MS = 60_000

/** How long an app has to acknowledge a single logout (oidc-provider's own timeout for logout tokens); a slow app must not hold up signing out. */
export const SINGLE_LOGOUT_TIMEOUT_MS = 2500

const truthy = (v: string | undefined): boolean => v !== undefined && v.toLowerCase() !== 'false'

const CasQuery = z.object({
  service: z.string().optional(),
  ticket: z.string().optional(),
  renew: z.string().optional(),
  gateway: z.string().optional(),
  format: z.string().optional(),
  pgtUrl: z.string().optional(),
})

export async function casRoutes (app: FastifyInstance, opts: { platform: Platform, sessions: SessionStore, sso: SsoConfig }): Promise<void> {
  const { platform, sessions, sso } = opts
  const services = sso.cas.services
  const tickets = new ServiceTickets(platform.redis, platform.db, sso.cas.ticketSeconds * 1000)
  const api = app.withTypeProvider<ZodTypeProvider>()

  const CAS_ENTRY = 'cas:'
  sessions.onEnd(async (apps) => {
    const issued = apps.filter((a) => a.startsWith(CAS_ENTRY)).map((a) => JSON.parse(a.slice(CAS_ENTRY.length)) as IssuedTicket)
    await Promise.all(issued.map(async (one) => {
      const name = matchService(services, one.service)?.name
      if (!name) return // no longer registered: not ours to call
      try {
        await sendLogoutRequest(one, SINGLE_LOGOUT_TIMEOUT_MS)
        platform.logger.info({ service: name, username: one.username }, 'sso: CAS single logout sent')
      } catch (err) {
        platform.logger.warn({ service: name, username: one.username, err: (err as Error).message }, 'sso: CAS single logout failed; the app\'s own session stays until it times out')
      }
    }))
  })

  api.get('/cas/login', {
    schema: {
      summary: 'CAS 3.0 /login: a service ticket for a registered department app',
      description: 'With a tongban session: redirects to `service` with `ticket=ST-…` (single-use, short-lived, bound to that exact service URL). Without one: to `/auth/login?next=…`, and back here after signing in. `renew` asks for a sign-in made within the last minute; `gateway` goes back to the service without a ticket instead of asking to sign in.',
      tags: ['sso'],
      querystring: CasQuery.pick({ service: true, renew: true, gateway: true }),
    },
  }, async (req, reply) => {
    const { service } = req.query
    const renew = truthy(req.query.renew)
    const signedIn = await sessionPrincipal(platform, sessions, req)
    if (service === undefined) {
      if (!signedIn) return reply.redirect(signInUrl('/cas/login'), 303)
      return reply.type('text/html; charset=utf-8').send(page('已登录', `<p>${escapeHtml(signedIn.principal.name)}，您已登录通办。</p>`))
    }
    const registered = matchService(services, service)
    if (!registered) throw new TongbanError('TB_CAS_SERVICE_NOT_REGISTERED', [service])
    const fresh = signedIn !== undefined && Date.now() - signedIn.session.createdAt <= NEW_LOGIN_WINDOW_MS
    if (!signedIn || (renew && !fresh)) {
      if (!signedIn && truthy(req.query.gateway) && !renew) return reply.redirect(service, 303)
      return reply.redirect(signInUrl(req.url), 303)
    }
    const ticket = await tickets.issue({ service, staffId: Number(signedIn.principal.id), signedInAt: signedIn.session.createdAt, fromNewLogin: fresh })
    // The ticket itself is the SessionIndex of single logout; it is spent or expired within ticketSeconds.
    const issued: IssuedTicket = { service, ticket, username: signedIn.principal.username }
    await sessions.noteApp(req.cookies[SESSION_COOKIE]!, `${CAS_ENTRY}${JSON.stringify(issued)}`)
    req.log.info({ service: registered.name, staffId: signedIn.principal.id }, 'sso: CAS service ticket issued')
    await platform.audit.append({ actor: signedIn.principal, action: 'auth.sso', subjectKind: 'department-app', subject: registered.name, clientIp: req.ip, outcome: 'ok', details: { protocol: 'cas' } })
    return reply.redirect(withTicket(service, ticket), 302)
  })

  const validate = async (req: FastifyRequest, query: z.infer<typeof CasQuery>): Promise<Validation> => {
    const { service, ticket } = query
    try {
      const v = await tickets.validate({ service, ticket, renew: truthy(query.renew), services })
      if (v.ok) req.log.info({ service: matchService(services, service!)?.name, staffId: v.staff.id }, 'sso: CAS service ticket validated')
      else req.log.info({ code: v.code, msg: v.description }, 'sso: CAS ticket validation failed')
      return v
    } catch (err) {
      req.log.error({ err, reqId: req.id }, 'sso: CAS ticket validation error')
      return { ok: false, code: 'INTERNAL_ERROR', description: `tongban could not validate the ticket; the log has the details under request id ${req.id}` }
    }
  }

  // /p3/* is CAS 3.0; the 2.0 paths answer the same (with attributes), as CAS servers do today.
  // Proxy tickets are not issued: the proxy paths validate service tickets and ignore pgtUrl.
  for (const path of ['/cas/p3/serviceValidate', '/cas/serviceValidate', '/cas/p3/proxyValidate', '/cas/proxyValidate']) {
    api.get(path, {
      schema: {
        summary: `CAS 3.0 ${path.slice(4)}: validate a service ticket`,
        description: 'Answers the CAS 3.0 XML (or JSON with `format=JSON`) with the staff attributes username, name, town, roles (one element per role), staffId, authenticationDate and isFromNewLogin; failures carry INVALID_REQUEST, INVALID_TICKET, INVALID_SERVICE or INTERNAL_ERROR. A ticket is gone after one attempt.',
        tags: ['sso'],
        querystring: CasQuery.omit({ gateway: true }),
      },
    }, async (req, reply) => {
      const v = await validate(req, req.query)
      if (req.query.format?.toUpperCase() === 'JSON') return reply.type('application/json; charset=utf-8').send(JSON.stringify(casJson(v)))
      return reply.type('application/xml; charset=utf-8').send(casXml(v))
    })
  }

  api.get('/cas/validate', {
    schema: { summary: 'CAS 1.0 /validate: yes and the username, or no', tags: ['sso'], querystring: CasQuery.pick({ service: true, ticket: true, renew: true }) },
  }, async (req, reply) => {
    const v = await validate(req, req.query)
    return reply.type('text/plain; charset=utf-8').send(v.ok ? `yes\n${v.staff.username}\n` : 'no\n')
  })

  // CAS clients send staff here on signing out of the app. Signing out of tongban is a POST with
  // the session's CSRF token (/auth/logout), so this asks rather than acts.
  api.get('/cas/logout', {
    schema: { summary: 'CAS 3.0 /logout: offers to sign out of tongban', tags: ['sso'], querystring: CasQuery.pick({ service: true }) },
  }, async (req, reply) => {
    const signedIn = await sessionPrincipal(platform, sessions, req)
    const back = req.query.service && matchService(services, req.query.service) ? req.query.service : undefined
    if (!signedIn) {
      if (back) return reply.redirect(back, 303)
      return reply.type('text/html; charset=utf-8').send(page('已退出', '<p>您未登录通办。</p>'))
    }
    return reply.type('text/html; charset=utf-8').send(page('退出', `<form method="post" action="/auth/logout"><input type="hidden" name="_csrf" value="${escapeHtml(signedIn.session.csrf)}">
<p>已退出部门系统。是否同时退出通办（所有部门系统都需要重新登录）？</p><button>退出通办</button>${back ? ` <a href="${escapeHtml(back)}">返回</a>` : ''}</form>`))
  })
}
