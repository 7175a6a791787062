// The audit log for auditors: who read or changed whose data, filterable, and the verification of
// its hash chain. Reading and verifying the log are themselves recorded in it.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Platform } from '../../platform.ts'
import { TongbanError } from '../../errors.ts'
import { can } from '../../auth/access.ts'
import { AUDIT_OUTCOMES, appendAudit, listAudit, parseAnchors, verifyAudit, type AuditAnchor, type AuditEntry } from '../../audit/index.ts'
import { errorResponses } from '../errors.ts'
import { page } from './schemas.ts'
import { encodeCursor } from '../../web/cursor.ts'
import { AuditFilterFields, auditFilter } from '../../web/audit-filter.ts'

export const AuditEntrySchema = z.object({
  id: z.number().int(),
  chain: z.string().describe('the county (first 6 digits of the town) whose SM3 chain holds the entry; 000000 for the platform, legacy for entries from before the chains'),
  seq: z.number().int().describe('the place in the chain, without gaps'),
  at: z.string(),
  actor: z.string().describe('username (or the name typed, for a failed sign-in)'),
  actorKind: z.string().describe('staff, token, bootstrap, anonymous or system'),
  roles: z.array(z.string()),
  town: z.string().nullable(),
  action: z.string().describe('e.g. person.read-full, auth.login-failed, vault.use'),
  subjectKind: z.string().nullable(),
  subject: z.string().nullable().describe('masked: 320412********0029, 138****8000; credit codes whole'),
  purpose: z.string().nullable().describe('查询事由, where the staff member gave one'),
  clientIp: z.string().nullable(),
  outcome: z.enum(AUDIT_OUTCOMES),
  details: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string().describe('SM3 over prevHash and the fields'),
}).meta({ id: 'AuditEntry' })

const Position = z.object({ seq: z.number().int(), hash: z.string() })
const Bad = z.object({ seq: z.number().int(), id: z.number().int().optional().describe('the row in the log, when it is there'), reason: z.string() })

export const AuditVerificationSchema = z.object({
  ok: z.boolean(),
  rows: z.number().int().describe('rows found sound, over all chains'),
  head: Position.extend({ chain: z.string(), id: z.number().int().optional() }).nullable()
    .describe('the last row found sound of the broken chain, else the newest head; kept outside the database, pass <chain>:<seq>:<hash> as an anchor later to detect truncation'),
  firstBad: Bad.extend({ chain: z.string() }).optional(),
  chains: z.array(z.object({
    chain: z.string(),
    rows: z.number().int(),
    head: Position.nullable(),
    after: Position.optional().describe('the last row of the detached months, where the chain now starts'),
    firstBad: Bad.optional(),
  })).describe('every chain: one per county'),
  roots: z.object({
    rows: z.number().int().describe('signed roots found sound'),
    keys: z.array(z.string()).describe('SM2 public keys that signed them: compare with the one kept outside the database'),
    last: z.object({ id: z.number().int(), at: z.string(), root: z.string() }).nullable(),
    firstBad: z.object({ id: z.number().int(), reason: z.string() }).optional(),
  }),
}).meta({ id: 'AuditVerification' })

const Time = z.iso.datetime({ offset: true })

const AuditQuery = AuditFilterFields.extend({
  from: Time.optional().describe('from this time (inclusive), ISO 8601'),
  to: Time.optional().describe('until this time (exclusive), ISO 8601'),
  cursor: z.string().max(128).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
})

function anchorsOf (text: string | undefined): AuditAnchor[] {
  const parsed = parseAnchors(text ? text.split(',') : [])
  if ('invalid' in parsed) throw new TongbanError('TB_VALIDATION', [`querystring.anchors: "${parsed.invalid}" is not <chain>:<seq>:<64 hex digits>`])
  return parsed.anchors
}

const actorOf = (req: FastifyRequest): Pick<AuditEntry, 'actor' | 'clientIp'> => ({ actor: req.principal, clientIp: req.ip })

export async function auditRoutes (app: FastifyInstance, opts: { platform: Platform }): Promise<void> {
  const { db } = opts.platform
  const api = app.withTypeProvider<ZodTypeProvider>()
  const config = { permission: 'audit:read' } as const

  // The auth plugin checks `config.permission` too; checked here as well so that the log stays
  // closed wherever this plugin is mounted.
  api.addHook('preHandler', async (req) => {
    if (!req.principal) throw new TongbanError('TB_UNAUTHORIZED')
    if (!can(req.principal, 'audit:read')) throw new TongbanError('TB_FORBIDDEN', ['audit:read'])
  })

  api.get('/audit', {
    config,
    schema: {
      summary: 'The audit log, newest first',
      description: 'Auditors only. Every read or change of residents\' and enterprises\' data, sign-in, vault use and admin action.',
      tags: ['audit'],
      querystring: AuditQuery,
      response: { 200: page(AuditEntrySchema), ...errorResponses('TB_VALIDATION', 'TB_CURSOR_INVALID', 'TB_FORBIDDEN') },
    },
  }, async (req) => {
    const q = req.query
    const result = await listAudit(db, auditFilter({
      ...q,
      from: q.from === undefined ? undefined : new Date(q.from),
      to: q.to === undefined ? undefined : new Date(q.to),
    }))
    const filters = { actor: q.actor, action: q.action, subject: q.subject, outcome: q.outcome, from: q.from, to: q.to }
    await appendAudit(db, { ...actorOf(req), action: 'audit.read', outcome: 'ok', details: { filters, rows: result.items.length } })
    return { items: result.items, next: result.next === null ? null : encodeCursor(result.next) }
  })

  api.get('/audit/verify', {
    config,
    schema: {
      summary: 'Verify the hash chain of the audit log',
      description: 'Walks every chain and checks every signed root: an edited row, a deleted row and (against signed roots and anchors recorded earlier) a truncated tail are reported in firstBad.',
      tags: ['audit'],
      querystring: z.object({
        anchors: z.string().max(8000).optional().describe('comma-separated heads recorded earlier, each <chain>:<seq>:<hash> (or <id>:<hash> of the legacy chain)'),
      }),
      response: { 200: AuditVerificationSchema, ...errorResponses('TB_VALIDATION', 'TB_FORBIDDEN') },
    },
  }, async (req) => {
    const result = await verifyAudit(db, { anchors: anchorsOf(req.query.anchors) })
    await appendAudit(db, { ...actorOf(req), action: 'audit.verify', outcome: 'ok', details: { ok: result.ok, rows: result.rows, ...(result.firstBad ? { firstBad: result.firstBad } : {}) } })
    return result
  })
}
