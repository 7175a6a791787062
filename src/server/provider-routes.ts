// Single sign-on for department web apps: the OpenID Provider under /oidc and the CAS 3.0 server
// under /cas. A staff member signed in to tongban (the tb_session cookie) is signed in to the app
// without a password; one who is not goes to /auth/login?next=<where they were> and comes back.
//
// The OpenID Provider is in oidc-routes.ts, loaded only when OpenID Connect apps are configured;
// the CAS server is in cas-routes.ts.
//
// Single logout: each app a tongban session signs in to is noted with the session
// (sessions.noteApp); when the session ends by signing out, every one is told, in parallel and
// within SINGLE_LOGOUT_TIMEOUT_MS (cas-routes.ts), before the sign-out answers: OpenID Connect
// apps by a back-channel logout token, CAS apps by a SAML LogoutRequest. A session that merely
// times out tells nobody (the apps' own sessions time out too).
import type { FastifyInstance } from 'fastify'
import type { Platform } from '../platform.ts'
import type { SessionStore } from '../auth/sessions.ts'
import { casRoutes } from './cas-routes.ts'

export async function providerRoutes (app: FastifyInstance, opts: { platform: Platform, sessions: SessionStore }): Promise<void> {
  const sso = opts.platform.config.sso
  if (!sso) return
  // oidc-provider is loaded only for OpenID Connect apps (on Node 20 it warns at load).
  if (sso.clients.length > 0) await app.register((await import('./oidc-routes.ts')).oidcRoutes, { ...opts, sso })
  if (sso.cas.services.length > 0) await app.register(casRoutes, { ...opts, sso })
}
