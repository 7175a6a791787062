// The deadline sweeper's BullMQ job scheduler: one sweep a minute (sweep.ts). A lost or doubled
// job changes nothing: alerts are claimed on the deadline table, once.
import { Queue, Worker } from 'bullmq'
import type { Redis } from '../redis/connect.ts'
import { QUEUE_PREFIX } from '../queues/queues.ts'
import { queueTelemetry } from '../telemetry/index.ts'
import { sweepDeadlines, type SweepDeps } from './sweep.ts'

export const DEADLINES_QUEUE = '{deadlines}'
export const SWEEP_EVERY_MS = 60_000

export interface DeadlineWorker { queue: Queue, worker: Worker }

/** The queue is the caller's to close, after the worker. */
export async function startDeadlineWorker (deps: SweepDeps & { redis: Redis, everyMs?: number }): Promise<DeadlineWorker> {
  const { redis, logger } = deps
  const queue = new Queue(DEADLINES_QUEUE, { connection: redis, prefix: QUEUE_PREFIX, telemetry: queueTelemetry(), defaultJobOptions: { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } } })
  queue.on('error', (err) => logger.warn({ queue: DEADLINES_QUEUE, err: err.message }, 'queue error'))
  let closing = false
  const worker = new Worker(DEADLINES_QUEUE, async () => {
    const r = await sweepDeadlines({ ...deps, stopping: () => closing })
    return { recomputed: r.recomputed, released: r.released, alerts: r.alerts.length, uncomputable: r.uncomputable }
  }, { connection: redis, prefix: QUEUE_PREFIX, concurrency: 1, telemetry: queueTelemetry() })
  worker.on('failed', (_job, err) => { logger.warn({ queue: DEADLINES_QUEUE, err: err.message }, 'deadline sweep failed; the next one tries again') })
  worker.on('error', (err) => logger.error({ queue: DEADLINES_QUEUE, err: err.message }, 'worker error'))
  // A sweep recomputing many clocks lets go between cases, so shutdown does not wait for it.
  worker.on('closing', () => { closing = true })
  await queue.upsertJobScheduler('deadline-sweep', { every: deps.everyMs ?? SWEEP_EVERY_MS }, { name: 'sweep' })
  return { queue, worker }
}
