// Every route that reads or changes residents' or enterprises' data, or administers the system,
// names its audit action in `config.audit`; the entry is appended before the answer leaves, so an
// answer whose audit entry cannot be written is not given. The purpose (查询事由) travels in the
// `x-purpose` header, percent-encoded, or in a route's `purpose` query parameter.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Platform } from '../platform.ts'
import type { AuditAction, AuditOutcome } from '../audit/index.ts'
import type { JsonInput } from '../audit/entry.ts'

export interface AuditConfig {
  action: AuditAction
  subjectKind?: string
  /** The route parameter that names the subject. */
  subjectParam?: string
  /** The body field that names the subject, for routes that create it (no parameter names it yet). */
  subjectBody?: string
  /** What only the route can say: a subject it finds in its input (an operation's), details of the call. Runs for refusals too. */
  describe?: (req: FastifyRequest, reply: FastifyReply) => { subjectKind?: string, subject?: string, details?: { [key: string]: JsonInput } }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    audit?: AuditConfig
  }
}

/** The purpose a request gives: the `x-purpose` header, else a `purpose` query parameter (routes that take one say so). */
export function purposeOf (req: FastifyRequest): string | null {
  const header = req.headers['x-purpose']
  if (typeof header !== 'string' || header === '') {
    const query = (req.query as Record<string, unknown> | undefined)?.purpose
    return typeof query === 'string' && query !== '' ? query.slice(0, 200) : null
  }
  try {
    return decodeURIComponent(header).slice(0, 200)
  } catch {
    return header.slice(0, 200)
  }
}

function outcomeOf (status: number): AuditOutcome {
  if (status < 400) return 'ok'
  return status === 401 || status === 403 || status === 404 ? 'denied' : 'failed'
}

export function auditHook (app: FastifyInstance, platform: Platform): void {
  app.addHook('onSend', async (req, reply, payload) => {
    const audit = req.routeOptions.config.audit
    if (!audit || !req.principal) return payload
    const params = req.params as Record<string, unknown> | undefined
    const body = req.body as Record<string, unknown> | null | undefined
    const named = audit.subjectParam ? params?.[audit.subjectParam] : audit.subjectBody && typeof body === 'object' && body !== null ? body[audit.subjectBody] : undefined
    const described = audit.describe?.(req, reply)
    const subject = described?.subject ?? (typeof named === 'string' || typeof named === 'number' ? String(named) : null)
    const query = req.query as Record<string, unknown> | undefined
    await platform.audit.append({
      actor: req.principal,
      action: audit.action,
      subjectKind: described?.subjectKind ?? audit.subjectKind ?? null,
      subject,
      purpose: purposeOf(req),
      clientIp: req.ip,
      outcome: outcomeOf(reply.statusCode),
      details: { status: reply.statusCode, route: `${req.method} ${req.routeOptions.url ?? ''}`, ...(typeof query?.q === 'string' ? { q: query.q } : {}), ...described?.details },
    })
    return payload
  })
}
