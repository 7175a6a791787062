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
import type { Platform } from '../platform.ts'
import type { SessionStore } from '../auth/sessions.ts'
import { SESSION_COOKIE, sessionPrincipal } from '../web/session.ts'
import { signInUrl } from '../web/sign-in.ts'
import { amrOf, buildProvider, ensureGrant, type SignedInStaff } from '../auth/provider/oidc.ts'
import { KeyStore } from '../auth/provider/keys.ts'
import type { SsoConfig } from '../auth/provider/config.ts'
import { OIDC_PREFIX, issuerOf } from '../auth/provider/issuer.ts'

/** How an OP session is noted with the tongban session (sessions.noteApp): by its uid. */
const OIDC_ENTRY = 'oidc:'

export async function oidcRoutes (app: FastifyInstance, opts: { platform: Platform, sessions: SessionStore, sso: SsoConfig }): Promise<void> {
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
  const issuerFor = (req: FastifyRequest | undefined): string | undefined => {
    if (issuer) return issuer
    issuer = issuerOf(sso, app)
    if (issuer) {
      logger.warn({ issuer }, 'sso.issuer is not set: the OpenID Provider calls itself by the listening address; set sso.issuer to the public URL, https://<host>/oidc')
      return issuer
    }
    return req && `http://${req.headers.host ?? 'localhost'}${OIDC_PREFIX}` // not listening (inject): per request
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
  async function providerFor (req: FastifyRequest): Promise<NonNullable<typeof built>>
  async function providerFor (req: FastifyRequest | undefined): Promise<typeof built>
  async function providerFor (req: FastifyRequest | undefined): Promise<typeof built> {
    const { text, keys } = await keyStore.current()
    const iss = issuerFor(req)
    if (iss === undefined) return undefined
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
    provider.on('backchannel.error', (_ctx: unknown, err: Error, client: { clientId: string }) => {
      logger.warn({ client: client.clientId, err: err.message }, 'sso: back-channel logout failed; the app\'s own session stays until it times out')
    })
    // A code issued to an app through this browser's OP session: note that session with the
    // tongban session, so that signing out of tongban signs out of the app (back-channel logout).
    provider.use(async (ctx, next) => {
      await next()
      const { route, session, entities } = (ctx as KoaContextWithOIDC).oidc ?? {}
      if ((route !== 'authorization' && route !== 'resume') || !entities?.AuthorizationCode || !session?.uid) return
      const tongbanSession = fastifyRequests.get(ctx.req)?.cookies[SESSION_COOKIE]
      if (tongbanSession) await sessions.noteApp(tongbanSession, `${OIDC_ENTRY}${session.uid}`)
    })
    const callback = provider.callback() as unknown as (req: IncomingMessage, res: ServerResponse) => Promise<void>
    built = { text, issuer: iss, provider, callback }
    return built
  }

  // Signing out of tongban: each app of each OP session the tongban session signed in through
  // gets a logout token (if it registered a backchannelLogoutUri), its grant is revoked, and the
  // OP session ends — as the provider itself does when an app asks to end the session.
  sessions.onEnd(async (apps) => {
    const uids = apps.filter((a) => a.startsWith(OIDC_ENTRY)).map((a) => a.slice(OIDC_ENTRY.length))
    if (uids.length === 0) return
    try {
      const found = await providerFor(undefined)
      if (!found) return
      await Promise.all(uids.map(async (uid) => { await endOpSession(found.provider, uid) }))
    } catch (err) {
      logger.error({ err }, 'sso: ending the OpenID Provider sessions of a tongban session failed')
    }
  })
  const endOpSession = async (provider: Provider, uid: string): Promise<void> => {
    const session = await provider.Session.findByUid(uid)
    if (!session?.accountId) return
    const accountId = session.accountId
    await Promise.all(Object.keys(session.authorizations ?? {}).map(async (clientId) => {
      const client = await provider.Client.find(clientId)
      if (!client) return
      const grantId = session.grantIdFor(clientId)
      if (grantId) await Promise.all([provider.AccessToken.revokeByGrantId(grantId), provider.Grant.adapter.destroy(grantId)])
      if (!client.backchannelLogoutUri) return
      try {
        // Typed as unknown by @types/oidc-provider: Client#backchannelLogout(sub, sid) signs and POSTs the logout token.
        await (client.backchannelLogout as (sub: string, sid: string | undefined) => Promise<void>).call(client, accountId, session.sidFor(clientId))
        logger.info({ client: clientId, staffId: accountId }, 'sso: back-channel logout sent')
      } catch (err) {
        logger.warn({ client: clientId, staffId: accountId, err: (err as Error).message }, 'sso: back-channel logout failed; the app\'s own session stays until it times out')
      }
    }))
    await session.destroy()
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
