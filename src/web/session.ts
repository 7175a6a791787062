// The staff member's session as every face sees it (API, portal, sign-in, single sign-on): the
// cookie that carries it, its lookup, and the CSRF token that cookie-authenticated changes carry.
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import { TongbanError } from '../errors.ts'
import type { Platform } from '../platform.ts'
import type { Principal } from '../auth/principal.ts'
import { staffById, staffPrincipal } from '../auth/staff.ts'
import type { Session, SessionStore } from '../auth/sessions.ts'

export const SESSION_COOKIE = 'tb_session'

const digest = (s: string): Buffer => createHash('sha256').update(s).digest()
/** Compares secrets in constant time (of any length: both are hashed first). */
export const sameSecret = (a: string, b: string): boolean => timingSafeEqual(digest(a), digest(b))

/** The staff principal and session of a session cookie, if it is live and the account active. */
export async function sessionPrincipal (platform: Platform, sessions: SessionStore, req: FastifyRequest): Promise<{ principal: Principal, session: Session } | undefined> {
  const id = req.cookies[SESSION_COOKIE]
  if (!id) return undefined
  const session = await sessions.get(id)
  if (!session) return undefined
  const staff = await staffById(platform.db, session.staffId)
  if (!staff || staff.status !== 'active') return undefined
  return { principal: staffPrincipal(staff), session }
}

/** The CSRF token a request carries: the x-csrf-token header, or a form's `_csrf`. */
export function csrfTokenOf (req: FastifyRequest): string | undefined {
  const header = req.headers['x-csrf-token']
  if (typeof header === 'string') return header
  const body = req.body as Record<string, unknown> | undefined
  return typeof body?._csrf === 'string' ? body._csrf : undefined
}

/** Throws TB_CSRF unless `sent` is the session's CSRF token (each face reads it from where its requests carry it). */
export function requireCsrf (sent: string | undefined, session: Session): void {
  if (sent === undefined || !sameSecret(sent, session.csrf)) throw new TongbanError('TB_CSRF', [sent === undefined ? 'none sent' : 'it does not match the session'])
}

/** Our cookies: script cannot read them, other sites' forms cannot send them, and over HTTPS only where we are reached by it. */
export function cookieOptions (req: FastifyRequest, maxAgeMs?: number, path = '/') {
  return { path, httpOnly: true, sameSite: 'lax' as const, secure: req.protocol === 'https', ...(maxAgeMs ? { maxAge: Math.floor(maxAgeMs / 1000) } : {}) }
}
