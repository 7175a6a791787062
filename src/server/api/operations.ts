// Operating the pipeline: sync status, quarantine review, the webhook inbox and its replay,
// and failed jobs.
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Platform } from '../../platform.ts'
import { TongbanError } from '../../errors.ts'
import { syncStatus } from '../../sync/status.ts'
import { QUARANTINE_STATUSES, dismissQuarantined, listQuarantine } from '../../store/quarantine.ts'
import { listInbox, markForReplay } from '../../store/inbox.ts'
import { recentRuns } from '../../store/sync.ts'
import { retryQuarantined } from '../../pipeline/retry.ts'
import { enqueueInboxRows, queuesOf, QUEUE_KINDS } from '../../queues/queues.ts'
import { listFailed, retryFailed } from '../../queues/failed.ts'
import { errorResponses } from '../errors.ts'
import { AdapterStatus, FailedJob, InboxItem, PullRun, QuarantineItem, QuarantineNote, page } from './schemas.ts'
import { decodeCursor, encodeCursor } from '../../web/cursor.ts'
import { line } from '../../model/text.ts'

/** An adapter instance id as a filter or in a body. */
const AdapterId = line().max(64)

const Paging = { cursor: z.string().max(128).optional(), limit: z.coerce.number().int().min(1).max(500).default(50) }

export async function operationRoutes (app: FastifyInstance, opts: { platform: Platform }): Promise<void> {
  const { platform } = opts
  const { db } = platform
  const api = app.withTypeProvider<ZodTypeProvider>()
  const instanceOf = (id: string) => {
    const instance = platform.instances.get(id)
    if (!instance) throw new TongbanError('TB_ADAPTER_NOT_FOUND', [id])
    return instance
  }

  api.get('/sync/status', {
    config: { permission: 'operations:read' },
    schema: { summary: 'Health of every adapter instance', tags: ['operations'], response: { 200: z.object({ adapters: z.array(AdapterStatus) }) } },
  }, async () => ({ adapters: await syncStatus(platform) }))

  api.get('/sync/:adapterId/runs', {
    config: { permission: 'operations:read' },
    schema: {
      summary: "An adapter instance's recent pull runs, newest first",
      tags: ['operations'],
      params: z.object({ adapterId: AdapterId }),
      querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(20) }),
      response: { 200: z.object({ items: z.array(PullRun) }), ...errorResponses('TB_ADAPTER_NOT_FOUND') },
    },
  }, async (req) => ({ items: await recentRuns(db, instanceOf(req.params.adapterId).config.id, req.query.limit) }))

  api.get('/quarantine', {
    config: { audit: { action: 'quarantine.read' }, permission: 'quarantine:read' },
    schema: {
      summary: 'Records that failed normalisation, newest first',
      tags: ['operations'],
      querystring: z.object({ adapter: AdapterId.optional(), status: z.enum(QUARANTINE_STATUSES).optional(), reasonCode: line().max(64).optional(), ...Paging }),
      response: { 200: page(QuarantineItem), ...errorResponses('TB_CURSOR_INVALID') },
    },
  }, async (req) => {
    const { limit } = req.query
    const items = await listQuarantine(db, { ...req.query, beforeId: decodeCursor(req.query.cursor, 'number'), limit: limit + 1 })
    const shown = items.slice(0, limit)
    return { items: shown as Array<z.infer<typeof QuarantineItem>>, next: items.length > limit ? encodeCursor(shown[shown.length - 1]!.id) : null }
  })

  api.post('/quarantine/:id/retry', {
    config: { audit: { action: 'quarantine.retry', subjectKind: 'quarantine', subjectParam: 'id' }, permission: 'quarantine:manage' },
    schema: {
      summary: 'Run a quarantined record through the current parse and mapping again',
      description: 'The body is optional; a note is kept on the item with who retried it. A resolved item stays resolved; a dismissed one answers 409.',
      tags: ['operations'],
      params: z.object({ id: z.coerce.number().int().positive() }),
      body: z.object({ note: QuarantineNote.optional() }).nullish(),
      response: { 200: z.object({ id: z.number().int(), status: z.enum(['resolved', 'open']), reasonCode: z.string().nullable(), reason: z.string().nullable() }), ...errorResponses('TB_QUARANTINE_NOT_FOUND', 'TB_QUARANTINE_CLOSED') },
    },
  }, async (req) => await retryQuarantined(platform, req.params.id, { by: req.principal.username, note: req.body?.note ?? null }))

  api.post('/quarantine/:id/dismiss', {
    config: { audit: { action: 'quarantine.dismiss', subjectKind: 'quarantine', subjectParam: 'id' }, permission: 'quarantine:manage' },
    schema: {
      summary: 'Close an open quarantined record without unifying it, with a note saying why',
      description: 'For records that will not be repaired (a test record, a duplicate the department has corrected and sent again). Only open items: a closed one answers 409.',
      tags: ['operations'],
      params: z.object({ id: z.coerce.number().int().positive() }),
      body: z.object({ note: QuarantineNote }),
      response: { 200: QuarantineItem, ...errorResponses('TB_QUARANTINE_NOT_FOUND', 'TB_QUARANTINE_CLOSED') },
    },
  }, async (req) => await dismissQuarantined(db, req.params.id, { note: req.body.note, by: req.principal.username }))

  api.get('/inbox', {
    config: { permission: 'intake:read' },
    schema: {
      summary: 'Received webhooks by adapter, time and outcome, newest first',
      tags: ['operations'],
      querystring: z.object({ adapter: AdapterId.optional(), status: z.enum(['received', 'done', 'failed']).optional(), from: z.iso.datetime({ offset: true }).optional(), to: z.iso.datetime({ offset: true }).optional(), ...Paging }),
      response: { 200: page(InboxItem), ...errorResponses('TB_CURSOR_INVALID') },
    },
  }, async (req) => {
    const { limit } = req.query
    const items = await listInbox(db, {
      adapter: req.query.adapter,
      status: req.query.status,
      from: req.query.from ? new Date(req.query.from) : undefined,
      to: req.query.to ? new Date(req.query.to) : undefined,
      beforeId: decodeCursor(req.query.cursor, 'number'),
      limit: limit + 1,
    })
    const shown = items.slice(0, limit)
    return { items: shown, next: items.length > limit ? encodeCursor(shown[shown.length - 1]!.id) : null }
  })

  api.post('/inbox/replay', {
    config: { audit: { action: 'inbox.replay' }, permission: 'operations:manage' },
    schema: {
      summary: "Run an adapter's stored messages from a time range through the current mapping again",
      description: 'How a fixed mapping repairs past data. Unify keeps the newest observation per field, so replaying old messages never overwrites newer data.',
      tags: ['operations'],
      body: z.object({ adapter: AdapterId, from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) })
        .refine((b) => new Date(b.from) <= new Date(b.to), { path: ['to'], message: 'the range ends before it starts: to must not be earlier than from' }),
      response: { 202: z.object({ replayed: z.number().int() }), ...errorResponses('TB_VALIDATION', 'TB_ADAPTER_NOT_FOUND') },
    },
  }, async (req, reply) => {
    const instance = instanceOf(req.body.adapter)
    const rows = await markForReplay(db, instance.config.id, new Date(req.body.from), new Date(req.body.to))
    // an adapter producing no records has no ingest queue, and no messages to replay
    if (instance.queues.ingest) await enqueueInboxRows(instance.queues.ingest, rows, 'replay')
    return reply.code(202).send({ replayed: rows.length })
  })

  api.get('/jobs/failed', {
    config: { permission: 'intake:read' },
    schema: {
      summary: 'Jobs that ran out of retries (kept until retried)',
      tags: ['operations'],
      querystring: z.object({ adapter: AdapterId.optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }),
      response: { 200: z.object({ items: z.array(FailedJob) }) },
    },
  }, async (req) => {
    const items: Array<z.infer<typeof FailedJob>> = []
    for (const [id, instance] of platform.instances) {
      if (req.query.adapter && req.query.adapter !== id) continue
      for (const [queue, q] of queuesOf(instance.queues)) {
        for (const job of await listFailed(q, req.query.limit)) items.push({ adapter: id, queue, ...job })
      }
    }
    return { items: items.slice(0, req.query.limit) }
  })

  api.post('/jobs/retry', {
    config: { audit: { action: 'job.retry' }, permission: 'operations:manage' },
    schema: {
      summary: "Retry an adapter's failed jobs (one, or all of a queue)",
      tags: ['operations'],
      body: z.object({ adapter: AdapterId, queue: z.enum(QUEUE_KINDS), jobId: line().max(128).optional() }),
      response: { 202: z.object({ retried: z.number().int() }), ...errorResponses('TB_ADAPTER_NOT_FOUND', 'TB_JOB_NOT_FOUND') },
    },
  }, async (req, reply) => {
    const instance = instanceOf(req.body.adapter)
    const queue = instance.queues[req.body.queue]
    if (!queue) throw new TongbanError('TB_JOB_NOT_FOUND', [req.body.jobId ?? '*', req.body.queue])
    const retried = await retryFailed(queue, req.body.jobId)
    if (retried === undefined) throw new TongbanError('TB_JOB_NOT_FOUND', [req.body.jobId, req.body.queue])
    return reply.code(202).send({ retried })
  })
}
