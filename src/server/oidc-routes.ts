// The OpenID Provider under /oidc for department web apps (see provider-routes.ts): /oidc/* is
// handed to oidc-provider (a Koa app) on the raw request: Fastify neither parses the body nor
// answers; the path is stripped of /oidc the way Express mounts sub-apps. The one route of ours
// under /oidc is the interaction, where a tongban session becomes an OP login.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { STATUS_CODES } from 'node:http'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type Provider from 'oidc-provider'
import { errors as oidcErrors, type KoaContextWithOIDC } from 'oidc-provider'
import { TongbanError } from '../errors.ts'
import { sessionPrincipal } from './auth.ts'
import { amrOf, buildProvider, ensureGrant, type SignedInStaff } from '../auth/provider/oidc.ts'
import { KeyStore } from '../auth/provider/keys.ts'
import type { SsoConfig } from '../auth/provider/config.ts'
import { OIDC_PREFIX, issuerOf } from '../auth/provider/issuer.ts'
import { signInUrl, type Options } from './provider-routes.ts'

export async function oidcRoutes (app: FastifyInstance, opts: Options & { sso: SsoConfig }): Promise<void> {
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
