// What every portal page needs, made once per gateway and handed to each page module: the
// session check (redirect to sign-in), permissions, town scope, CSRF, audit entries and the
// page answer. Page modules under pages/ register their routes with it.
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Platform } from '../platform.ts'
import type { Principal } from '../auth/principal.ts'
import type { Session, SessionStore } from '../auth/sessions.ts'
import { can, scopeOf, type Permission } from '../auth/access.ts'
import type { Scope } from '../model/scope.ts'
import { requireCsrf, sessionPrincipal } from '../web/session.ts'
import type { AuditAction } from '../audit/index.ts'
import type { JsonInput } from '../audit/entry.ts'
import type { Assets } from './assets.ts'
import type { Html } from '../html.ts'
import { contextOf, page, type PageContext, type PageOptions } from './layout.ts'

export interface SignedIn { principal: Principal, session: Session }

/** A page that answers with a message instead of its content (not found, not allowed, invalid input). */
export class PageError extends Error {
  constructor (readonly status: 403 | 404 | 409 | 422, readonly text?: string) { super(`portal page ${status}`) }
}

export interface AuditNote {
  subjectKind?: string
  subject?: string
  purpose?: string
  outcome?: 'ok' | 'denied' | 'failed'
  details?: { [key: string]: JsonInput }
}

export interface PortalKit {
  platform: Platform
  sessions: SessionStore
  assets: Assets
  /** An HTML answer that no cache keeps. */
  sendPage: (reply: FastifyReply, status: number, body: string) => FastifyReply
  /** The signed-in staff member, or a redirect to sign-in (answered; undefined returned). */
  signIn: (req: FastifyRequest, reply: FastifyReply) => Promise<SignedIn | undefined>
  /** Throws TB_CSRF unless the form carries the session's token as `_csrf`. */
  requireCsrf: (req: FastifyRequest, s: SignedIn) => void
  /** Throws a 403 page without the permission. */
  requirePermission: (s: SignedIn, permission: Permission) => void
  /** The records the staff member may see; a 403 page when none. */
  recordScope: (s: SignedIn) => Scope
  ctxOf: (req: FastifyRequest, reply: FastifyReply, s: SignedIn) => PageContext
  /** A 200 page in the shell, for a signed-in staff member. */
  render: (req: FastifyRequest, reply: FastifyReply, s: SignedIn, title: (ctx: PageContext) => string, body: (ctx: PageContext) => Html, opts?: PageOptions) => FastifyReply
  /** Writes an audit entry for this page (before the answer leaves). */
  audit: (req: FastifyRequest, s: SignedIn, action: AuditAction, note?: AuditNote) => Promise<void>
  /** A configured town's name by its code (the code itself when unknown). */
  townName: (code: string | null) => string
}

export function createKit (platform: Platform, sessions: SessionStore, assets: Assets): PortalKit {
  const sendPage = (reply: FastifyReply, status: number, body: string): FastifyReply =>
    reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body)
  const ctxOf = (req: FastifyRequest, reply: FastifyReply, s: SignedIn): PageContext =>
    contextOf(req, reply, assets, { principal: s.principal, csrf: s.session.csrf })
  return {
    platform,
    sessions,
    assets,
    sendPage,
    ctxOf,
    async signIn (req, reply) {
      const found = await sessionPrincipal(platform, sessions, req)
      if (!found) {
        const next = req.method === 'GET' ? req.url : '/'
        await reply.code(303).header('location', `/portal/login${next === '/' ? '' : `?next=${encodeURIComponent(next)}`}`).send()
        return undefined
      }
      req.portal = found
      return found
    },
    requireCsrf (req, s) {
      const sent = (req.body as Record<string, unknown> | undefined)?._csrf
      requireCsrf(typeof sent === 'string' ? sent : undefined, s.session)
    },
    requirePermission (s, permission) {
      if (!can(s.principal, permission)) throw new PageError(403)
    },
    recordScope (s) {
      const scope = scopeOf(s.principal)
      if (!scope) throw new PageError(403)
      return scope
    },
    render (req, reply, s, title, body, opts) {
      const ctx = ctxOf(req, reply, s)
      return sendPage(reply, 200, page(ctx, title(ctx), body(ctx), opts))
    },
    async audit (req, s, action, e = {}) {
      await platform.audit.append({
        actor: s.principal,
        action,
        subjectKind: e.subjectKind ?? null,
        subject: e.subject ?? null,
        purpose: e.purpose ?? null,
        clientIp: req.ip,
        outcome: e.outcome ?? 'ok',
        details: { route: `${req.method} ${req.routeOptions.url ?? ''}`, via: 'portal', ...e.details },
      })
    },
    townName: (code) => platform.config.towns.find((town) => town.code === code)?.name ?? code ?? '',
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in staff member of a portal page. */
    portal: SignedIn | null
  }
}
