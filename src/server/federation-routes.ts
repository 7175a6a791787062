// Sign-in through the province's identity platform: OpenID Connect (authorization code + PKCE) at
// /auth/oidc/start → /auth/oidc/callback, and CAS 3.0 at /auth/cas/login → /auth/cas/callback.
// A successful sign-in starts a session exactly like /auth/login (a fresh id, the same cookie) and
// redirects to the portal, or to the `next` path the sign-in started with. Only configured
// protocols have routes; /auth/federation lists them.
import { createHash } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Platform } from '../platform.ts'
import { TongbanError, isTongbanError } from '../errors.ts'
import { recordSignIn, staffPrincipal, type Staff } from '../auth/staff.ts'
import type { SessionStore } from '../auth/sessions.ts'
import type { FederationConfig, Provisioning, TownMapping } from '../auth/federation/config.ts'
import { mapIdentity, townServed, type FederatedIdentity } from '../auth/federation/mapping.ts'
import { federatedStaff } from '../auth/federation/provision.ts'
import { OidcRelyingParty, type PendingOidcSignIn } from '../auth/federation/oidc.ts'
import { CasClient } from '../auth/federation/cas.ts'
import { SESSION_COOKIE, cookieOptions, sameSecret } from '../web/session.ts'
import { safeNext } from '../web/sign-in.ts'
import { errorResponses } from './errors.ts'

/** The browser's half of a pending OIDC sign-in: the state, in an httpOnly cookie. */
export const OIDC_STATE_COOKIE = 'tb_oidc_state'
const OIDC_COOKIE_PATH = '/auth/oidc'
/** How long a started sign-in may take at the identity platform. */
export const PENDING_SIGN_IN_MS = 10 * 60_000

/** Where the server's half (PKCE verifier, nonce) waits in Redis, keyed by a digest of the state. */
export const pendingOidcKey = (state: string): string => `tb:federation:oidc:${createHash('sha256').update(state).digest('base64url')}`

export const FederationProviders = z.object({
  providers: z.array(z.object({
    protocol: z.enum(['oidc', 'cas']),
    label: z.string().describe('the text of the sign-in button'),
    href: z.string().describe('where the button leads'),
  })),
}).meta({ id: 'FederationProviders' })

/** The sign-in buttons for the configured identity platforms (for the sign-in page). */
export function federationLinks (federation: FederationConfig | undefined): z.infer<typeof FederationProviders>['providers'] {
  const links: z.infer<typeof FederationProviders>['providers'] = []
  if (federation?.oidc) links.push({ protocol: 'oidc', label: federation.oidc.label, href: '/auth/oidc/start' })
  if (federation?.cas) links.push({ protocol: 'cas', label: federation.cas.label, href: '/auth/cas/login' })
  return links
}

const failed = (reason: string): TongbanError => new TongbanError('TB_FEDERATION_FAILED', [reason])

/** Where the CAS sign-in returns to afterwards (CAS carries no state of ours). */
const CAS_NEXT_COOKIE = 'tb_cas_next'
const CAS_COOKIE_PATH = '/auth/cas'

const NextQuery = z.object({ next: z.string().max(2048).optional().describe('where to go after signing in: a path on this site') })

const OidcCallbackQuery = z.object({
  code: z.string().max(4096).optional(),
  state: z.string().max(512).optional(),
  iss: z.string().max(2048).optional(),
  error: z.string().max(256).optional(),
  error_description: z.string().max(2048).optional(),
})

const CasCallbackQuery = z.object({ ticket: z.string().max(512).optional() })

const CALLBACK_ERRORS = errorResponses('TB_FEDERATION_FAILED', 'TB_FEDERATION_UNAVAILABLE', 'TB_FEDERATION_NOT_LINKED', 'TB_ACCOUNT_DISABLED')

function checkFixedTown (town: TownMapping | undefined, where: string, served: readonly string[]): void {
  if (town && 'fixed' in town && !townServed(town.fixed, served)) {
    throw new TongbanError('TB_CONFIG_INVALID', [where, `town ${town.fixed} is neither one of the configured towns nor in the county of one`])
  }
}

export async function federationRoutes (app: FastifyInstance, opts: { platform: Platform, sessions: SessionStore }): Promise<void> {
  const { platform, sessions } = opts
  const { federation } = platform.config
  const api = app.withTypeProvider<ZodTypeProvider>()
  const towns = platform.config.towns.map((t) => t.code)
  checkFixedTown(federation?.oidc?.claims.town, 'federation.oidc.claims.town.fixed', towns)
  checkFixedTown(federation?.cas?.attributes.town, 'federation.cas.attributes.town.fixed', towns)

  /** What a callback learnt so far, for the audit entry of its outcome. */
  interface Attempt { protocol: 'oidc' | 'cas', issuer: string, subject?: string, next?: string, identity?: FederatedIdentity, staff?: Staff }

  /** Provisions or links the account, refuses a disabled one, and starts a session as /auth/login does. */
  const signIn = async (req: FastifyRequest, reply: FastifyReply, attempt: Attempt, identity: FederatedIdentity, provisioning: Provisioning) => {
    attempt.identity = identity
    const staff = attempt.staff = await federatedStaff(platform.db, identity, provisioning)
    if (staff.status !== 'active') throw new TongbanError('TB_ACCOUNT_DISABLED')
    const previous = req.cookies[SESSION_COOKIE]
    if (previous) await sessions.destroy(previous)
    await recordSignIn(platform.db, staff.id)
    const method = `${attempt.protocol}:${attempt.issuer}`
    const { id } = await sessions.create(staff.id, method)
    await platform.audit.append({
      actor: staffPrincipal(staff), action: 'auth.login', subjectKind: 'staff', subject: staff.username, clientIp: req.ip, outcome: 'ok',
      details: { method: attempt.protocol, issuer: attempt.issuer },
    })
    reply.setCookie(SESSION_COOKIE, id, cookieOptions(req, sessions.options.absoluteMs))
    req.log.info({ staff: staff.username, method }, 'federated sign-in')
    return reply.redirect(safeNext(attempt.next), 303)
  }

  /** Every failed callback is audited like a failed password sign-in: who, as far as known, and why. */
  const audited = async (req: FastifyRequest, attempt: Attempt, run: (attempt: Attempt) => Promise<FastifyReply>): Promise<FastifyReply> => {
    try {
      return await run(attempt)
    } catch (err) {
      const code = isTongbanError(err) ? err.code : 'TB_INTERNAL'
      const username = attempt.staff?.username ?? attempt.identity?.username ?? null
      await platform.audit.append({
        actor: attempt.staff ? staffPrincipal(attempt.staff) : { kind: 'anonymous', username: username ?? '(unknown)', roles: [], town: null },
        action: 'auth.login-failed',
        subjectKind: 'staff',
        subject: username,
        clientIp: req.ip,
        outcome: isTongbanError(err) && err.statusCode < 500 ? 'denied' : 'failed',
        details: { method: attempt.protocol, issuer: attempt.issuer, upstreamSubject: attempt.subject, reason: code, ...(isTongbanError(err) ? { message: err.message } : {}) },
      }).catch((auditErr: Error) => { req.log.error({ err: auditErr.message }, 'the failed federated sign-in could not be audited') })
      throw err
    }
  }

  api.get('/auth/federation', {
    schema: { summary: 'The identity platforms staff can sign in through (the sign-in page\'s buttons)', tags: ['auth'], response: { 200: FederationProviders } },
  }, async () => ({ providers: federationLinks(federation) }))

  const oidcConfig = federation?.oidc
  if (oidcConfig) {
    const rp = new OidcRelyingParty(oidcConfig)

    api.get('/auth/oidc/start', {
      exposeHeadRoute: false,
      schema: {
        summary: 'Sign in through the identity platform (OpenID Connect): redirects to its authorization endpoint',
        description: 'Keeps the PKCE verifier and nonce in Redis for 10 minutes under the state, which the browser holds in an httpOnly cookie.',
        tags: ['auth'],
        querystring: NextQuery,
        response: errorResponses('TB_FEDERATION_UNAVAILABLE'),
      },
    }, async (req, reply) => {
      const { url, state, pending } = await rp.start()
      const next = safeNext(req.query.next)
      await platform.redis.set(pendingOidcKey(state), JSON.stringify({ ...pending, ...(next === '/' ? {} : { next }) } satisfies PendingOidcSignIn), 'PX', PENDING_SIGN_IN_MS)
      reply.setCookie(OIDC_STATE_COOKIE, state, cookieOptions(req, PENDING_SIGN_IN_MS, OIDC_COOKIE_PATH))
      return reply.redirect(url.href, 302)
    })

    api.get('/auth/oidc/callback', {
      // A HEAD (a link checker, a preview) must not use up the state.
      exposeHeadRoute: false,
      schema: {
        summary: 'Where the identity platform sends the browser back (OpenID Connect): signs in and redirects to the start\'s `next` or /',
        tags: ['auth'],
        querystring: OidcCallbackQuery,
        response: CALLBACK_ERRORS,
      },
    }, async (req, reply) => await audited(req, { protocol: 'oidc', issuer: oidcConfig.issuer }, async (attempt) => {
      const cookie = req.cookies[OIDC_STATE_COOKIE]
      reply.clearCookie(OIDC_STATE_COOKIE, { path: OIDC_COOKIE_PATH })
      const { state } = req.query
      if (!state) throw failed('the identity platform\'s answer carries no state')
      if (!cookie) throw failed('no sign-in through the identity platform was started in this browser, or it took longer than 10 minutes (state)')
      if (!sameSecret(cookie, state)) throw failed('the state does not match the sign-in started in this browser')
      // Single use: a replayed answer finds nothing.
      const raw = await platform.redis.getdel(pendingOidcKey(state))
      if (raw === null) throw failed('the sign-in with this state was already completed or took longer than 10 minutes')
      const pending = JSON.parse(raw) as PendingOidcSignIn
      attempt.next = pending.next
      const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : ''
      const result = await rp.finish(query, state, pending)
      attempt.issuer = result.issuer
      attempt.subject = result.subject
      const identity = mapIdentity(result.claims, {
        username: oidcConfig.claims.username,
        name: oidcConfig.claims.name,
        town: oidcConfig.claims.town,
        roles: oidcConfig.claims.roles,
      }, { issuer: result.issuer, subject: result.subject, configuredTowns: towns, what: 'claim' })
      return await signIn(req, reply, attempt, identity, oidcConfig.provisioning)
    }))
  }

  const casConfig = federation?.cas
  if (casConfig) {
    const cas = new CasClient(casConfig)

    api.get('/auth/cas/login', {
      schema: { summary: 'Sign in through the identity platform (CAS 3.0): redirects to the CAS server\'s /login', tags: ['auth'], querystring: NextQuery },
    }, async (req, reply) => {
      const next = safeNext(req.query.next)
      if (next === '/') reply.clearCookie(CAS_NEXT_COOKIE, { path: CAS_COOKIE_PATH })
      else reply.setCookie(CAS_NEXT_COOKIE, next, cookieOptions(req, PENDING_SIGN_IN_MS, CAS_COOKIE_PATH))
      return reply.redirect(cas.loginUrl(), 302)
    })

    api.get('/auth/cas/callback', {
      // A HEAD (a link checker, a preview) must not use up the ticket.
      exposeHeadRoute: false,
      schema: {
        summary: 'Where the CAS server sends the browser back with a service ticket: validates it (/p3/serviceValidate), signs in and redirects to the login\'s `next` or /',
        tags: ['auth'],
        querystring: CasCallbackQuery,
        response: CALLBACK_ERRORS,
      },
    }, async (req, reply) => await audited(req, { protocol: 'cas', issuer: cas.issuer }, async (attempt) => {
      attempt.next = req.cookies[CAS_NEXT_COOKIE]
      if (attempt.next !== undefined) reply.clearCookie(CAS_NEXT_COOKIE, { path: CAS_COOKIE_PATH })
      const validated = await cas.validate(req.query.ticket)
      attempt.subject = validated.subject
      const identity = mapIdentity(validated.attributes, {
        username: casConfig.attributes.username,
        name: casConfig.attributes.name,
        town: casConfig.attributes.town,
        roles: casConfig.attributes.roles,
      }, { issuer: validated.issuer, subject: validated.subject, configuredTowns: towns, what: 'attribute' })
      return await signIn(req, reply, attempt, identity, casConfig.provisioning)
    }))
  }
}
