// Who is calling /api/v1: a bearer token (an API token, or the bootstrap admin token for first
// set-up) or the session cookie of a signed-in staff member. Cookie-authenticated requests that
// change something must carry the session's CSRF token. Every route names the permission it
// needs in `config.permission`; a route without one is refused (fail closed).
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { TongbanError } from '../errors.ts'
import type { Platform } from '../platform.ts'
import type { Principal } from '../auth/principal.ts'
import { can, type Permission } from '../auth/access.ts'
import { looksLikeToken, tokenPrincipal } from '../auth/tokens.ts'
import type { Session, SessionStore } from '../auth/sessions.ts'
import { csrfTokenOf, requireCsrf, sameSecret, sessionPrincipal } from '../web/session.ts'

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal
    /** The session behind a cookie-authenticated request. */
    session: Session | null
  }
  interface FastifyContextConfig {
    permission?: Permission | PermissionOf
  }
}

/**
 * A permission that depends on what is asked for: an adapter operation declares its own. `of`
 * runs before the body is validated and may refuse (404) what does not exist; `declaredBy` says
 * where the permission comes from in the OpenAPI document.
 */
export interface PermissionOf {
  declaredBy: string
  of: (req: FastifyRequest) => Permission
}

/** Requests per caller per minute on /api/v1. */
export const API_RATE = { max: 1200, windowMs: 60_000 } as const

const BOOTSTRAP: Principal = { kind: 'bootstrap', id: 'bootstrap', username: 'admin', name: 'bootstrap admin token', town: null, roles: [] }
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

export async function authPlugin (app: FastifyInstance, opts: { platform: Platform, sessions: SessionStore, adminToken: string }): Promise<void> {
  const { platform, sessions, adminToken } = opts
  app.decorateRequest('principal', null as unknown as Principal)
  app.decorateRequest('session', null)

  app.addHook('onRequest', async (req) => {
    const header = req.headers.authorization
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(header)
      const token = match?.[1]
      const principal = token === undefined
        ? undefined
        : sameSecret(token, adminToken) ? BOOTSTRAP : looksLikeToken(token) ? await tokenPrincipal(platform.db, token) : undefined
      if (!principal) throw new TongbanError('TB_UNAUTHORIZED')
      req.principal = principal
      return
    }
    const signedIn = await sessionPrincipal(platform, sessions, req)
    if (!signedIn) throw new TongbanError('TB_UNAUTHORIZED')
    req.principal = signedIn.principal
    req.session = signedIn.session
  })

  // Per caller, right after authentication and across every /api/v1 route: a runaway script
  // slows itself, not the town hall. A hook of this context, not a route's `config.rateLimit`:
  // @fastify/rate-limit reads that in its own onRoute hook, which runs before any hook added here.
  app.addHook('onRequest', app.rateLimit({ max: API_RATE.max, timeWindow: API_RATE.windowMs, keyGenerator: (req: FastifyRequest) => `api:${req.principal.kind}:${req.principal.id}` }))

  // After body parsing (a form's CSRF token travels in its body), before validation (a caller
  // without the permission learns nothing about the route's input).
  app.addHook('preValidation', async (req) => {
    const declared = req.routeOptions.config.permission
    const permission = typeof declared === 'object' ? declared.of(req) : declared
    if (permission === undefined || !can(req.principal, permission)) throw new TongbanError('TB_FORBIDDEN', [permission ?? 'no permission is defined for this route'])
    if (req.session && UNSAFE.has(req.method)) requireCsrf(csrfTokenOf(req), req.session)
  })

  app.addHook('onRoute', (route) => {
    // The permission in the OpenAPI document too, so clients (and the README's role table) can tell who may call it.
    const declared = route.config?.permission
    const permission = { 'x-permission': typeof declared === 'object' ? `declared by ${declared.declaredBy}` : declared ?? null }
    route.schema = { ...route.schema, security: [{ bearer: [] }, { session: [] }], ...permission }
  })
}
