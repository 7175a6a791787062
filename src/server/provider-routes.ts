// Single sign-on for department web apps: the OpenID Provider under /oidc and the CAS 3.0 server
// under /cas. A staff member signed in to tongban (the tb_session cookie) is signed in to the app
// without a password; one who is not goes to /auth/login?next=<where they were> and comes back.
//
// /oidc/* is handed to oidc-provider (a Koa app) on the raw request: Fastify neither parses the
// body nor answers; the path is stripped of /oidc the way Express mounts sub-apps. The one route
// of ours under /oidc is the interaction, where a tongban session becomes an OP login.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type Provider from 'oidc-provider'
import { errors as oidcErrors, type KoaContextWithOIDC } from 'oidc-provider'
import { STATUS_CODES } from 'node:http'
import type { Platform } from '../platform.ts'
import type { SessionStore } from '../auth/sessions.ts'
import { TongbanError } from '../errors.ts'
import { sessionPrincipal } from './auth.ts'
import { amrOf, buildProvider, ensureGrant, type SignedInStaff } from '../auth/provider/oidc.ts'
import { KeyStore } from '../auth/provider/keys.ts'
import { ServiceTickets, casJson, casXml, matchService, withTicket, type Validation } from '../auth/provider/cas.ts'
import type { SsoConfig } from '../auth/provider/config.ts'
import { escapeHtml, page } from '../auth/provider/html.ts'

export const OIDC_PREFIX = '/oidc'

/** A CAS sign-in counts as new (isFromNewLogin, and good for renew) within this long of the tongban sign-in. */
export const NEW_LOGIN_WINDOW_MS = 60_000

interface Options { platform: Platform, sessions: SessionStore }

/** Where a staff member without a (fresh enough) session signs in, to come back to `path` afterwards. */
export const signInUrl = (path: string): string => `/auth/login?next=${encodeURIComponent(path)}`

const truthy = (v: string | undefined): boolean => v !== undefined && v.toLowerCase() !== 'false'

/** The OpenID Provider's issuer: `sso.issuer`, else the gateway's listening address (undefined before it listens). */
export function issuerOf (sso: SsoConfig, app: FastifyInstance): string | undefined {
  if (sso.issuer) return sso.issuer.replace(/\/$/, '')
  const address = app.server.address() as AddressInfo | null
  if (!address) return undefined
  const host = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.family === 'IPv6' ? `[${address.address}]` : address.address
  return `http://${host}:${address.port}${OIDC_PREFIX}`
}

export async function providerRoutes (app: FastifyInstance, opts: Options): Promise<void> {
  const sso = opts.platform.config.sso
  if (!sso) return
  if (sso.clients.length > 0) await app.register(oidcRoutes, { ...opts, sso })
  if (sso.cas.services.length > 0) await app.register(casRoutes, { ...opts, sso })
}

// ---------------------------------------------------------------------------------------------
// OpenID Provider

async function oidcRoutes (app: FastifyInstance, opts: Options & { sso: SsoConfig }): Promise<void> {
  const { platform, sessions, sso } = opts
  const logger = platform.logger
  const keyStore = new KeyStore(platform.redis)

  // The Fastify request behind each raw request the provider sees, and its tongban staff member.
  const fastifyRequests = new WeakMap<IncomingMessage, FastifyRequest>()
  const staffCache = new WeakMap<IncomingMessage, Promise<SignedInStaff | undefined>>()
  const signedInStaff = async (raw: IncomingMessage): Promise<SignedInStaff | undefined> => {
    const req = fastifyRequests.get(raw)
    if (!req) return undefined
    let found = staffCache.get(raw)
    if (!found) {
      found = sessionPrincipal(platform, sessions, req).then((s) => s && { accountId: s.principal.id, signedInAt: s.session.createdAt, method: s.session.method })
      staffCache.set(raw, found)
    }
    return await found
  }

  let issuer: string | undefined = sso.issuer?.replace(/\/$/, '')
  const issuerFor = (req: FastifyRequest): string => {
    if (issuer) return issuer
    issuer = issuerOf(sso, app)
    if (issuer) {
      logger.warn({ issuer }, 'sso.issuer is not set: the OpenID Provider calls itself by the listening address; set sso.issuer to the public URL, https://<host>/oidc')
      return issuer
    }
    return `http://${req.headers.host ?? 'localhost'}${OIDC_PREFIX}` // not listening (inject): per request
  }

  const renderError = (ctx: KoaContextWithOIDC, out: { error: string, error_description?: string | undefined }, error: Error): void => {
    const req = fastifyRequests.get(ctx.req)
    const status = (error as unknown as { statusCode?: number }).statusCode
    const err = (status === undefined || status >= 500) && out.error === 'server_error'
      ? new TongbanError('TB_INTERNAL', [req?.id ?? '?'])
      : new TongbanError('TB_SSO_REQUEST_INVALID', [`${out.error}${out.error_description ? `: ${out.error_description}` : ''}`])
    ctx.status = err.statusCode
    ctx.type = 'application/json'
    ctx.body = JSON.stringify({ statusCode: err.statusCode, code: err.code, error: STATUS_CODES[err.statusCode] ?? 'Error', message: err.message })
  }

  // One provider per set of keys: a provider's keystore is fixed, and Redis may come back with
  // other keys (see keys.ts).
  let built: { text: string, issuer: string, provider: Provider, callback: (req: IncomingMessage, res: ServerResponse) => Promise<void> } | undefined
  const providerFor = async (req: FastifyRequest): Promise<NonNullable<typeof built>> => {
    const { text, keys } = await keyStore.current()
    const iss = issuerFor(req)
    if (built?.text === text && built.issuer === iss) return built
    const provider = buildProvider({
      issuer: iss,
      keys,
      clients: sso.clients,
      db: platform.db,
      redis: platform.redis,
      sessionSeconds: Math.floor(sessions.options.absoluteMs / 1000),
      signedInStaff,
      renderError,
    })
    provider.on('server_error', (ctx: KoaContextWithOIDC, err: Error) => logger.error({ err, reqId: fastifyRequests.get(ctx.req)?.id }, 'sso: OpenID Provider error'))
    const refused = (event: string) => (ctx: KoaContextWithOIDC, err: Error & { error_description?: string }): void => {
      logger.info({ event, client: ctx.oidc?.client?.clientId, err: err.message, description: err.error_description }, 'sso: request refused')
    }
    provider.on('authorization.error', refused('authorization.error'))
    provider.on('grant.error', refused('grant.error'))
    provider.on('userinfo.error', refused('userinfo.error'))
    provider.on('end_session.error', refused('end_session.error'))
    provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
      const staffId = ctx.oidc.entities.AccessToken?.accountId
      logger.info({ client: ctx.oidc.client?.clientId, staffId }, 'sso: signed a staff member in to a department app')
      platform.audit.append({
        actor: { kind: 'staff', username: `staff:${staffId ?? '?'}`, roles: [], town: null },
        action: 'auth.sso', subjectKind: 'department-app', subject: ctx.oidc.client?.clientId ?? null, clientIp: ctx.ip, outcome: 'ok', details: { protocol: 'oidc' },
      }).catch((err: Error) => { logger.error({ err: err.message }, 'sso: the audit entry could not be written') })
    })
    const callback = provider.callback() as unknown as (req: IncomingMessage, res: ServerResponse) => Promise<void>
    built = { text, issuer: iss, provider, callback }
    return built
  }

  // The provider reads its own bodies (token, end_session): leave the stream alone.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', (_req, _payload, done) => { done(null) })

  const forward = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const { callback, issuer: iss } = await providerFor(req)
    const raw = req.raw as IncomingMessage & { originalUrl?: string }
    const url = raw.url ?? '/'
    raw.originalUrl = url
    const rest = url.slice(OIDC_PREFIX.length)
    raw.url = rest.startsWith('/') ? rest : `/${rest}`
    // Endpoints and cookie flags follow the issuer, whatever Host a client or proxy sent.
    const { host, protocol } = new URL(iss)
    raw.headers['x-forwarded-host'] = host
    raw.headers['x-forwarded-proto'] = protocol.slice(0, -1)
    fastifyRequests.set(raw, req)
    reply.hijack()
    await callback(raw, reply.raw)
  }
  app.all(OIDC_PREFIX, { schema: { hide: true } }, forward)
  app.all(`${OIDC_PREFIX}/*`, { schema: { hide: true } }, forward)

  const api = app.withTypeProvider<ZodTypeProvider>()
  api.get(`${OIDC_PREFIX}/interaction/:uid`, {
    schema: { hide: true, params: z.object({ uid: z.string().min(1).max(64) }) },
  }, async (req, reply) => {
    const { provider } = await providerFor(req)
    let details: Awaited<ReturnType<Provider['interactionDetails']>>
    try {
      details = await provider.interactionDetails(req.raw, reply.raw)
    } catch (err) {
      if (err instanceof oidcErrors.SessionNotFound) throw new TongbanError('TB_SSO_INTERACTION_EXPIRED', [err.error_description ?? err.message])
      throw err
    }
    if (details.uid !== req.params.uid) throw new TongbanError('TB_SSO_INTERACTION_EXPIRED', ['it belongs to another sign-in in this browser'])

    const signedIn = await sessionPrincipal(platform, sessions, req)
    const here = `${OIDC_PREFIX}/interaction/${details.uid}`
    if (!signedIn) return reply.redirect(signInUrl(here), 303)
    const { principal, session } = signedIn
    // prompt=login, or a max_age the tongban sign-in is older than: a sign-in made after the app asked.
    const { reasons } = details.prompt
    const maxAge = Number(details.params.max_age)
    const needsFresh = reasons.includes('login_prompt') || (reasons.includes('max_age') && Date.now() - session.createdAt > maxAge * 1000)
    if (needsFresh && session.createdAt < details.iat * 1000) return reply.redirect(signInUrl(here), 303)

    const clientId = String(details.params.client_id)
    let result: Parameters<Provider['interactionFinished']>[2]
    if (details.prompt.name === 'login') {
      const amr = amrOf(session.method)
      result = { login: { accountId: principal.id, ts: Math.floor(session.createdAt / 1000), ...(amr.length > 0 ? { amr } : {}), remember: false } }
    } else if (details.prompt.name === 'consent' && details.session?.accountId === principal.id) {
      const grant = await ensureGrant(provider, {
        grantId: details.grantId,
        accountId: principal.id,
        clientId,
        scopes: String(details.params.scope ?? '').split(' '),
        claims: (details.prompt.details.missingOIDCClaims as string[] | undefined) ?? [],
      })
      result = { consent: { grantId: grant.jti } }
    } else {
      result = { error: 'access_denied', error_description: `tongban cannot complete the ${details.prompt.name} prompt` }
    }
    reply.hijack()
    await provider.interactionFinished(req.raw, reply.raw, result, { mergeWithLastSubmission: false })
  })
}

// ---------------------------------------------------------------------------------------------
// CAS 3.0 server

const CasQuery = z.object({
  service: z.string().optional(),
  ticket: z.string().optional(),
  renew: z.string().optional(),
  gateway: z.string().optional(),
  format: z.string().optional(),
  pgtUrl: z.string().optional(),
})

async function casRoutes (app: FastifyInstance, opts: Options & { sso: SsoConfig }): Promise<void> {
  const { platform, sessions, sso } = opts
  const services = sso.cas.services
  const tickets = new ServiceTickets(platform.redis, platform.db, sso.cas.ticketSeconds * 1000)
  const api = app.withTypeProvider<ZodTypeProvider>()

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
