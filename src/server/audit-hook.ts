// Every route that reads or changes residents' or enterprises' data, or administers the system,
// names its audit action in `config.audit`; the entry is appended before the answer leaves, so an
// answer whose audit entry cannot be written is not given. The purpose (查询事由) travels in the
// `x-purpose` header, percent-encoded.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Platform } from '../platform.ts'
import type { AuditAction, AuditOutcome } from '../audit/index.ts'

export interface AuditConfig {
  action: AuditAction
  subjectKind?: string
  /** The route parameter that names the subject. */
  subjectParam?: string
  /** The body field that names the subject, for routes that create it (no parameter names it yet). */
  subjectBody?: string
}

declare module 'fastify' {
  interface FastifyContextConfig {
    audit?: AuditConfig
  }
}

function purposeOf (req: FastifyRequest): string | null {
  const header = req.headers['x-purpose']
  if (typeof header !== 'string' || header === '') return null
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
    const subject = typeof named === 'string' || typeof named === 'number' ? String(named) : null
    const query = req.query as Record<string, unknown> | undefined
    await platform.audit.append({
      actor: req.principal,
      action: audit.action,
      subjectKind: audit.subjectKind ?? null,
      subject,
      purpose: purposeOf(req),
      clientIp: req.ip,
      outcome: outcomeOf(reply.statusCode),
      details: { status: reply.statusCode, route: `${req.method} ${req.routeOptions.url ?? ''}`, ...(typeof query?.q === 'string' ? { q: query.q } : {}) },
    })
    return payload
  })
}
