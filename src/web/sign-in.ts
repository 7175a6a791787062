// Going to sign in and coming back: where a staff member without a session is sent, the form's
// double-submit token, and the only places `next` may lead afterwards.
import { randomBytes } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { cookieOptions } from './session.ts'

export const LOGIN_CSRF_COOKIE = 'tb_login_csrf'

/** A path on this site to go to after signing in; anything else (another site, `//host`) is `/`. */
export function safeNext (next: string | undefined): string {
  // Printable ASCII only: browsers drop tabs and newlines from URLs, so `/\t/evil` would become `//evil`.
  return next !== undefined && /^\/(?![/\\])[\x21-\x7e]*$/.test(next) ? next : '/'
}

/** Where a staff member without a (fresh enough) session signs in, to come back to `path` afterwards. */
export const signInUrl = (path: string): string => `/auth/login?next=${encodeURIComponent(path)}`

/** Sets a fresh double-submit token for a sign-in form (cookie) and returns it (for the form's `_csrf`). */
export function issueLoginToken (req: FastifyRequest, reply: FastifyReply): string {
  const token = randomBytes(24).toString('base64url')
  reply.setCookie(LOGIN_CSRF_COOKIE, token, cookieOptions(req))
  return token
}
