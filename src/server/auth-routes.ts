// Sign-in, sign-out and who am I. A session starts only on a successful sign-in (a fresh id every
// time: no fixation); the login form is protected by a double-submit token, everything after by
// the session's synchronizer token.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Platform } from '../platform.ts'
import { TongbanError, isTongbanError } from '../errors.ts'
import { ROLES } from '../auth/principal.ts'
import { checkSignIn, recordFailure, recordSignIn, staffPrincipal } from '../auth/staff.ts'
import { beginEnrolment, checkCode, confirmEnrolment } from '../auth/totp.ts'
import type { SessionStore } from '../auth/sessions.ts'
import { SESSION_COOKIE, cookieOptions, csrfTokenOf, requireCsrf, sameSecret, sessionPrincipal } from '../web/session.ts'
import { LOGIN_CSRF_COOKIE, issueLoginToken, safeNext } from '../web/sign-in.ts'
import { errorResponses } from './errors.ts'
import { escapeHtml } from '../html.ts'

/** Sign-in attempts per client address per minute (a town hall signs in through one NAT address). */
export const LOGIN_RATE = { max: 100, windowMs: 60_000 } as const

export const Me = z.object({
  username: z.string(),
  name: z.string(),
  town: z.string().nullable(),
  roles: z.array(z.enum(ROLES)),
  department: z.string().optional().describe("a department liaison's department code"),
  csrfToken: z.string().describe('send as x-csrf-token (or _csrf in forms) with every state-changing request'),
}).meta({ id: 'Me' })

const Credentials = z.object({
  username: z.string().trim().min(1).max(64),
  password: z.string().min(1).max(256),
  // Empty: none (a form sends its empty field).
  otp: z.union([z.literal(''), z.string().trim().regex(/^\d{6}$/, '6 digits')]).optional(),
  _csrf: z.string().max(128).optional(),
  next: z.string().max(2048).optional().describe('where a form sign-in goes afterwards: a path on this site'),
})

/** Sign-ins that go on to a department app (OpenID Connect interaction, CAS login), whose redirects end at the app's origin. */
const leadsToApp = (next: string): boolean => next.startsWith('/oidc/') || next.startsWith('/cas/')

/**
 * The answer to a form sign-in that goes on to a department app. A redirect would not do: the
 * browser holds the whole redirect chain after a form to the form page's CSP `form-action
 * 'self'`, and the chain ends at the app. A page that navigates on (meta refresh: no script
 * needed) starts a fresh navigation, which form-action does not govern, and CSP stays strict.
 */
const continueToApp = (next: string): string => `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${escapeHtml(next)}">
<title>已登录 通办</title><p>已登录，正在进入部门系统…… <a href="${escapeHtml(next)}">继续</a></p></html>`

/** TB_ACCOUNT_LOCKED, its end also kept as a detail for the sign-in page (not parsed back out of the message). */
const accountLocked = (lockedUntil: string): TongbanError => new TongbanError('TB_ACCOUNT_LOCKED', [lockedUntil], { details: { lockedUntil } })

/** The portal's sign-in page saying what went wrong: the code, the lockout's end, where to go after. */
export function signInErrorUrl (err: TongbanError, next: string | undefined): string {
  const until = err.details?.lockedUntil
  const q = new URLSearchParams({ error: err.code, ...(typeof until === 'string' ? { until } : {}), ...(safeNext(next) === '/' ? {} : { next: safeNext(next) }) })
  return `/portal/login?${q.toString()}`
}

const isForm = (req: FastifyRequest): boolean => (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')

export async function authRoutes (app: FastifyInstance, opts: { platform: Platform, sessions: SessionStore }): Promise<void> {
  const { platform, sessions } = opts
  const api = app.withTypeProvider<ZodTypeProvider>()

  api.get('/auth/login', {
    schema: { summary: 'The sign-in form (sets the form\'s CSRF cookie)', tags: ['auth'], hide: true, querystring: z.object({ next: z.string().max(2048).optional() }) },
  }, async (req, reply) => {
    const token = issueLoginToken(req, reply)
    const next = safeNext(req.query.next)
    return reply.type('text/html; charset=utf-8').send(`<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>登录 通办</title>
<form method="post" action="/auth/login"><input type="hidden" name="_csrf" value="${token}">${next === '/' ? '' : `<input type="hidden" name="next" value="${escapeHtml(next)}">`}
<label>用户名 <input name="username" autocomplete="username" required></label>
<label>密码 <input name="password" type="password" autocomplete="current-password" required></label>
<label>动态码 <input name="otp" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}"></label>
<button>登录</button></form></html>`)
  })

  const signIn = async (req: FastifyRequest, body: z.infer<typeof Credentials>, reply: FastifyReply) => {
    const form = isForm(req)
    if (form) {
      const cookie = req.cookies[LOGIN_CSRF_COOKIE]
      if (!cookie || !body._csrf || !sameSecret(cookie, body._csrf)) throw new TongbanError('TB_CSRF', ['the sign-in form token is missing or stale'])
    }
    const username = body.username.toLowerCase()
    const result = await checkSignIn(platform.db, username, body.password)
    const actor = result.staff ? staffPrincipal(result.staff) : { kind: 'anonymous' as const, username, roles: [], town: null }
    const record = async (action: 'auth.login' | 'auth.login-failed' | 'auth.locked', outcome: 'ok' | 'denied', reason?: string): Promise<void> => {
      await platform.audit.append({ actor, action, subjectKind: 'staff', subject: username, clientIp: req.ip, outcome, details: reason ? { reason } : {} })
    }
    if (!result.ok) {
      await record(result.reason === 'locked' ? 'auth.locked' : 'auth.login-failed', 'denied', result.reason)
      if (result.reason === 'locked') throw accountLocked(result.lockedUntil!)
      if (result.reason === 'disabled') throw new TongbanError('TB_ACCOUNT_DISABLED')
      throw new TongbanError('TB_SIGN_IN_FAILED')
    }
    let method = 'password'
    if (result.totpSecret) {
      if (!body.otp) {
        await record('auth.login-failed', 'denied', 'totp-required')
        throw new TongbanError('TB_TOTP_REQUIRED')
      }
      if (!platform.vault || !await checkCode(platform.db, platform.vault, result.staff.id, result.staff.username, result.totpSecret, body.otp)) {
        const lockedUntil = await recordFailure(platform.db, result.staff.id)
        await record(lockedUntil ? 'auth.locked' : 'auth.login-failed', 'denied', 'totp')
        if (lockedUntil) throw accountLocked(lockedUntil)
        throw new TongbanError('TB_TOTP_INVALID')
      }
      method = 'password+totp'
    }
    const previous = req.cookies[SESSION_COOKIE]
    if (previous) await sessions.destroy(previous)
    await recordSignIn(platform.db, result.staff.id)
    const { id, session } = await sessions.create(result.staff.id, method)
    await record('auth.login', 'ok')
    reply.setCookie(SESSION_COOKIE, id, cookieOptions(req, sessions.options.absoluteMs))
    reply.clearCookie(LOGIN_CSRF_COOKIE, { path: '/' })
    if (form) {
      const next = safeNext(body.next)
      if (leadsToApp(next)) return reply.code(200).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(continueToApp(next))
      return reply.code(303).header('location', next).send(null)
    }
    const { name, town, roles } = result.staff
    return { username: result.staff.username, name, town, roles, ...(result.staff.department ? { department: result.staff.department } : {}), csrfToken: session.csrf }
  }

  api.post('/auth/login', {
    // Guessing is slowed per address and per account (the lockout stops it per account).
    config: { rateLimit: { max: LOGIN_RATE.max, timeWindow: LOGIN_RATE.windowMs, hook: 'preHandler', keyGenerator: (req) => `login:${req.ip}` } },
    schema: {
      summary: 'Sign in with username and password (JSON or form)',
      description: 'Starts a session (httpOnly cookie). A form post must carry `_csrf` from the sign-in form; JSON needs none (browsers cannot send it cross-site without CORS). A form post answers 303 to `next`, or, when `next` goes on to a department app (/oidc/…, /cas/…), 200 with a page that navigates there.',
      tags: ['auth'],
      body: Credentials,
      response: { 200: Me, 303: z.null(), ...errorResponses('TB_SIGN_IN_FAILED', 'TB_ACCOUNT_LOCKED', 'TB_ACCOUNT_DISABLED', 'TB_CSRF', 'TB_TOTP_REQUIRED') },
    },
  }, async (req, reply) => {
    try {
      return await signIn(req, req.body, reply)
    } catch (err) {
      // A form posted without the sign-in script (no JavaScript, or it failed to load): back to
      // the sign-in page, which says what went wrong, instead of a JSON error.
      if (!isForm(req) || (req.headers.accept ?? '').includes('application/json') || !isTongbanError(err)) throw err
      return reply.code(303).header('location', signInErrorUrl(err, req.body.next)).send(null)
    }
  })

  const signedIn = async (req: FastifyRequest) => {
    const found = await sessionPrincipal(platform, sessions, req)
    if (!found) throw new TongbanError('TB_UNAUTHORIZED')
    return found
  }
  const withCsrf = async (req: FastifyRequest) => {
    const found = await signedIn(req)
    // An empty token counts as none sent.
    requireCsrf(csrfTokenOf(req) || undefined, found.session)
    return found
  }
  const endSession = async (req: FastifyRequest, reply: FastifyReply, all: boolean) => {
    const { principal, session } = await withCsrf(req)
    await platform.audit.append({ actor: principal, action: 'auth.logout', subjectKind: 'staff', subject: principal.username, clientIp: req.ip, outcome: 'ok', details: { all } })
    if (all) await sessions.destroyAllOf(session.staffId)
    else await sessions.destroy(req.cookies[SESSION_COOKIE]!)
    reply.clearCookie(SESSION_COOKIE, { path: '/' })
    return isForm(req) ? reply.code(303).header('location', '/auth/login').send(null) : reply.code(204).send(null)
  }

  api.post('/auth/logout', {
    schema: { summary: 'End this session', tags: ['auth'], response: { 204: z.null(), 303: z.null(), ...errorResponses('TB_UNAUTHORIZED', 'TB_CSRF') } },
  }, async (req, reply) => await endSession(req, reply, false))

  api.post('/auth/logout-all', {
    schema: { summary: 'End every session of the signed-in staff member', tags: ['auth'], response: { 204: z.null(), 303: z.null(), ...errorResponses('TB_UNAUTHORIZED', 'TB_CSRF') } },
  }, async (req, reply) => await endSession(req, reply, true))

  api.post('/auth/totp/setup', {
    schema: {
      summary: 'Start enrolling an authenticator app (TOTP)',
      description: 'Answers the secret and an otpauth:// URI (show it as a QR code); it takes effect once confirmed with a code from the app.',
      tags: ['auth'],
      response: { 200: z.object({ secret: z.string(), uri: z.string() }), ...errorResponses('TB_UNAUTHORIZED', 'TB_CSRF') },
    },
  }, async (req) => {
    const { principal } = await withCsrf(req)
    return await beginEnrolment(platform.redis, Number(principal.id), principal.username)
  })

  api.post('/auth/totp/confirm', {
    schema: {
      summary: 'Confirm the authenticator app with its current code; from now on sign-in asks for a code',
      tags: ['auth'],
      body: z.object({ otp: z.string().trim().regex(/^\d{6}$/, '6 digits'), _csrf: z.string().optional() }),
      response: { 204: z.null(), ...errorResponses('TB_UNAUTHORIZED', 'TB_CSRF', 'TB_TOTP_INVALID') },
    },
  }, async (req, reply) => {
    const { principal } = await withCsrf(req)
    if (!platform.vault || !await confirmEnrolment(platform.db, platform.redis, platform.vault, Number(principal.id), principal.username, req.body.otp)) throw new TongbanError('TB_TOTP_INVALID')
    return reply.code(204).send(null)
  })

  api.get('/auth/me', {
    schema: { summary: 'The signed-in staff member', tags: ['auth'], response: { 200: Me, ...errorResponses('TB_UNAUTHORIZED') } },
  }, async (req) => {
    const { principal, session } = await signedIn(req)
    return { username: principal.username, name: principal.name, town: principal.town, roles: [...principal.roles], ...(principal.department ? { department: principal.department } : {}), csrfToken: session.csrf }
  })
}
