// The outbox seen from outside: the reports owed to department systems (the provincial
// platform's case reports), filtered by state and case, and re-sending a dead one once a person
// has mended what its last error names.
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { line } from '../../model/text.ts'
import type { Platform } from '../../platform.ts'
import { TongbanError } from '../../errors.ts'
import { listOutbox, outboxRowIn, resendOutbox, type OutboxRow } from '../../store/outbox.ts'
import { listOutboxAttempts } from '../../store/outbox-attempts.ts'
import { errorResponses } from '../errors.ts'
import { scopeOf } from '../scope.ts'

const State = z.enum(['pending', 'held', 'sent', 'dead'])

const OutboxItem = z.object({
  id: z.number().int(),
  subject: z.string().describe('what the call is about: case:<projectNo>, whistle:<id>'),
  instance: z.string().describe('the adapter instance it goes to, or department:<code> for a whistle to a department\'s system'),
  operation: z.string(),
  input: z.record(z.string(), z.unknown()),
  state: State.describe('pending: sent in its turn (each case in order); held: incomplete until the calendar covers its year; sent; dead: out of tries or refused, a person must mend and re-send it'),
  heldReason: z.string().nullable(),
  attempts: z.number().int(),
  nextAt: z.string(),
  lastError: z.string().nullable().describe("why the last try failed; for the platform's 2001 the refused fields as JSON"),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
  output: z.unknown(),
}).meta({ id: 'OutboxItem' })

const item = (r: OutboxRow): z.infer<typeof OutboxItem> => r

const OutboxAttemptItem = z.object({
  attempt: z.number().int().describe("the row's try number (a re-send starts again at 1)"),
  at: z.string(),
  status: z.number().int().nullable().describe("the department's HTTP status; null when no answer came"),
  error: z.string().nullable(),
  durationMs: z.number().int(),
  responseExcerpt: z.string().nullable().describe("the start of the department's answer"),
}).meta({ id: 'OutboxAttempt' })

export async function outboxRoutes (app: FastifyInstance, opts: { platform: Platform }): Promise<void> {
  const { db } = opts.platform
  const api = app.withTypeProvider<ZodTypeProvider>()

  // Reading reports reads cases' personal data (case.list); a re-send is a retry like a failed job's (job.retry).
  api.get('/outbox', {
    config: { audit: { action: 'case.list' }, permission: 'operations:read' },
    schema: {
      summary: 'Reports owed to department systems, oldest first',
      description: 'The case reports to the provincial platform, each with its state, tries and last error. `after` pages on (the last id seen).',
      tags: ['operations'],
      querystring: z.object({
        state: State.optional(),
        subject: line().max(80).optional(),
        after: z.coerce.number().int().min(0).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(100),
      }),
      response: { 200: z.object({ items: z.array(OutboxItem) }) },
    },
  }, async (req) => {
    const rows = await listOutbox(db, { ...req.query, townPrefix: scopeOf(req).prefix })
    return { items: rows.map(item) }
  })

  api.get('/outbox/:id/attempts', {
    config: { permission: 'operations:read' },
    schema: {
      summary: "Every try at delivering a row to a department's system (its delivery log)",
      description: 'Whistles go to departments with a system as signed webhooks; each try is logged with the HTTP status or the error, its duration and the start of the answer. Rows sent through adapter operations log none.',
      tags: ['operations'],
      params: z.object({ id: z.coerce.number().int().positive() }),
      response: { 200: z.object({ items: z.array(OutboxAttemptItem) }), ...errorResponses('TB_OUTBOX_NOT_FOUND') },
    },
  }, async (req) => {
    const row = await outboxRowIn(db, req.params.id, scopeOf(req).prefix)
    if (!row) throw new TongbanError('TB_OUTBOX_NOT_FOUND', [req.params.id])
    return { items: (await listOutboxAttempts(db, row.id)).map(({ outboxId: _, ...a }) => a) }
  })

  api.post('/outbox/:id/resend', {
    config: { audit: { action: 'job.retry', subjectKind: 'outbox', subjectParam: 'id' }, permission: 'operations:manage' },
    schema: {
      summary: 'Send a dead report again',
      description: 'A dead row goes back to pending with fresh tries; it is sent in its case\'s turn.',
      tags: ['operations'],
      params: z.object({ id: z.coerce.number().int().positive() }),
      response: { 200: OutboxItem, ...errorResponses('TB_OUTBOX_NOT_FOUND', 'TB_OUTBOX_NOT_DEAD') },
    },
  }, async (req) => {
    const row = await outboxRowIn(db, req.params.id, scopeOf(req).prefix)
    if (!row) throw new TongbanError('TB_OUTBOX_NOT_FOUND', [req.params.id])
    const resent = await resendOutbox(db, row.id, new Date().toISOString())
    if (!resent) throw new TongbanError('TB_OUTBOX_NOT_DEAD', [row.id, row.state])
    return item(resent)
  })
}
