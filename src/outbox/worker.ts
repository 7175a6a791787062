// The outbox's BullMQ job scheduler: every two seconds one job sends what is due (send.ts) and
// updates the outbox gauges. The table is the truth: a lost job only delays a round, and the
// claims keep several workers (or processes) from sending one row twice.
import { Queue, Worker } from 'bullmq'
import type { Metrics } from '../metrics.ts'
import type { Logger } from '../log.ts'
import type { Redis } from '../redis/connect.ts'
import { QUEUE_PREFIX } from '../queues/queues.ts'
import { queueTelemetry } from '../telemetry/index.ts'
import { outboxStats } from '../store/outbox.ts'
import { drainOutbox, type OutboxDeps } from './send.ts'

export const OUTBOX_QUEUE = '{outbox}'
export const OUTBOX_EVERY_MS = 2000

export interface OutboxWorker { queue: Queue, worker: Worker }

/** The queue is the caller's to close, after the worker. */
export async function startOutboxWorker (deps: OutboxDeps & { redis: Redis, metrics: Metrics, logger: Logger, everyMs?: number }): Promise<OutboxWorker> {
  const { redis, metrics, logger } = deps
  const queue = new Queue(OUTBOX_QUEUE, { connection: redis, prefix: QUEUE_PREFIX, telemetry: queueTelemetry(), defaultJobOptions: { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } } })
  queue.on('error', (err) => logger.warn({ queue: OUTBOX_QUEUE, err: err.message }, 'queue error'))
  const worker = new Worker(OUTBOX_QUEUE, async () => {
    const round = await drainOutbox(deps)
    const stats = await outboxStats(deps.db, new Date().toISOString())
    for (const [state, n] of Object.entries(stats.byState)) metrics.outboxRows.set({ state }, n)
    metrics.outboxOldestPending.set(stats.oldestPendingSeconds)
    return round
  }, { connection: redis, prefix: QUEUE_PREFIX, concurrency: 1, telemetry: queueTelemetry() })
  worker.on('failed', (_job, err) => { logger.warn({ queue: OUTBOX_QUEUE, err: err.message }, 'outbox round failed; the next one tries again') })
  worker.on('error', (err) => logger.error({ queue: OUTBOX_QUEUE, err: err.message }, 'worker error'))
  await queue.upsertJobScheduler('outbox-round', { every: deps.everyMs ?? OUTBOX_EVERY_MS }, { name: 'round' })
  return { queue, worker }
}
