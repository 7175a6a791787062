// The worker and schedulers of one instance's matter catalogue: its own queue, one job at a time
// (pages of a town follow one cursor; towns take turns), a scheduler per configured town.
import { Queue, Worker, type Job } from 'bullmq'
import type { Instance, Platform } from '../platform.ts'
import type { DepartmentConnection } from '../department/connection.ts'
import { DepartmentRateLimitedError } from '../adapter-sdk/index.ts'
import { QUEUE_PREFIX, jobOptions } from '../queues/queues.ts'
import { queueTelemetry } from '../telemetry/index.ts'
import { failRun, loadCursor } from '../store/sync.ts'
import { catalogueQueueName, catalogueStream, processCatalogueJob, scheduleCatalogue, type CatalogueJobData } from './sync.ts'

/** The queue is the caller's to close, after the worker. */
export interface CatalogueWorker { queue: Queue, worker: Worker }

export async function startCatalogueWorker (platform: Platform, instance: Instance, connection: DepartmentConnection): Promise<CatalogueWorker> {
  const { config } = instance
  const { logger, metrics } = platform
  const queue = new Queue(catalogueQueueName(config.id), { connection: platform.redis, prefix: QUEUE_PREFIX, defaultJobOptions: jobOptions(config), telemetry: queueTelemetry() })
  queue.on('error', (err) => logger.warn({ adapter: config.id, queue: queue.name, err: err.message }, 'queue error'))
  const worker: Worker = new Worker(queue.name, async (job: Job<CatalogueJobData>) => {
    try {
      return await processCatalogueJob({ platform, instance, connection, queue, stopping: () => worker.closing !== undefined }, job)
    } catch (err) {
      if (err instanceof DepartmentRateLimitedError) {
        // Back off the whole queue; the job waits without spending one of its attempts.
        await worker.rateLimit(config.rateLimit?.duration ?? 1000)
        throw Worker.RateLimitError()
      }
      // The run keeps the latest error (the nightly 503 window shows here); it fails for good when the job is out of attempts.
      const cursor = await loadCursor(platform.db, config.id, catalogueStream(job.data.town)).catch(() => undefined)
      if (cursor?.runId) {
        const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1)
        await failRun(platform.db, cursor.runId, (err as Error).message, final).catch(() => {})
      }
      throw err
    }
  }, { connection: platform.redis, prefix: QUEUE_PREFIX, concurrency: 1, telemetry: queueTelemetry() })
  worker.on('completed', () => { metrics.jobs.inc({ adapter: config.id, queue: 'catalogue', outcome: 'completed' }) })
  worker.on('failed', (job, err) => {
    const final = job ? job.attemptsMade >= (job.opts.attempts ?? 1) : true
    metrics.jobs.inc({ adapter: config.id, queue: 'catalogue', outcome: final ? 'failed' : 'retried' })
    logger.warn({ adapter: config.id, queue: 'catalogue', jobId: job?.id, town: job?.data.town, attempt: job?.attemptsMade, final, code: (err as { code?: string }).code, err: err.message }, 'job failed')
  })
  worker.on('error', (err) => logger.error({ adapter: config.id, queue: 'catalogue', err: err.message }, 'worker error'))
  await scheduleCatalogue(instance, queue, platform.config.towns)
  return { queue, worker }
}
