// Starts the BullMQ workers of the given adapter instances (all of them in the gateway process
// by default, or one per process with `tongban worker --adapter <id>`), and the job schedulers
// and deadline sweep unless a `scheduler` role process runs those (roles.ts).
import { join } from 'node:path'
import { Queue, Worker, type Job } from 'bullmq'
import type { Instance, Platform } from '../platform.ts'
import { queueName, QUEUE_PREFIX, type InboxJobData, type QueueKind } from '../queues/queues.ts'
import { ingestGroups } from './ingest-groups.ts'
import { queueTelemetry } from '../telemetry/index.ts'
import { processPullJob, SCHEDULED, type PullJobData } from '../sync/pull.ts'
import type { DepartmentConnection } from '../department/connection.ts'
import { departmentConnections, type DepartmentConnections } from '../department/connections.ts'
import { DepartmentRateLimitedError } from '../adapter-sdk/index.ts'
import { failRun, loadCursor } from '../store/sync.ts'
import { processFileDropJob, scheduleFileDrop, type FileJobData } from '../sync/file-drop.ts'
import { catalogueQueueName, scheduleCatalogue } from '../matters/sync.ts'
import { openFileSource, type FileSource } from '../department/files/index.ts'
import { FileBytes } from '../store/file-bytes.ts'
import { startCatalogueWorker } from '../matters/worker.ts'
import { createOperations } from '../department/operations.ts'
import { startOutboxWorker } from '../outbox/worker.ts'
import { departmentWebhooks } from '../outbox/department-webhooks.ts'
import { startDeadlineWorker, type DeadlineWorker } from '../deadlines/worker.ts'
import { sweepLadders } from '../deadlines/ladder.ts'
import { applyCaseEvents } from '../cases/department-events.ts'
import { applyOrderEvents, type OrderEventDeps } from '../orders/events.ts'

/** How long a shutdown waits for running jobs: a message's transaction takes well under a second, and pull paging stops at once. */
export const DRAIN_TIMEOUT_MS = 5000

export interface RunningWorkers {
  /** Waits for running jobs up to `drainMs`, then abandons them (logged): their work is uncommitted and runs again. */
  close: (drainMs?: number) => Promise<void>
}

interface RunningJob { adapter: string, queue: QueueKind, jobId: string | undefined, attempt: number }

function observe (platform: Platform, worker: Worker, instanceId: string, queue: QueueKind, running: Map<string, RunningJob>): void {
  const { metrics, logger } = platform
  const key = (job: Job | undefined): string => `${queue}.${instanceId}/${job?.id}`
  worker.on('active', (job) => { running.set(key(job), { adapter: instanceId, queue, jobId: job.id, attempt: job.attemptsMade + 1 }) })
  worker.on('completed', (job) => {
    running.delete(key(job))
    metrics.jobs.inc({ adapter: instanceId, queue, outcome: 'completed' })
  })
  worker.on('failed', (job, err) => {
    running.delete(key(job))
    const final = job ? job.attemptsMade >= (job.opts.attempts ?? 1) : true
    metrics.jobs.inc({ adapter: instanceId, queue, outcome: final ? 'failed' : 'retried' })
    logger.warn({ adapter: instanceId, queue, jobId: job?.id, attempt: job?.attemptsMade, final, code: (err as { code?: string }).code, err: err.message }, 'job failed')
  })
  worker.on('error', (err) => logger.error({ adapter: instanceId, queue, err: err.message }, 'worker error'))
}

/** Messages one group transaction of the ingest worker commits at most, per unit of the instance's `concurrency`. */
export const MESSAGES_PER_GROUP = 8

/**
 * Group transactions the ingest worker commits at once: two on PostgreSQL, where one group's
 * statements run while the other's results are merged (the drain bench unifies about 20 % more
 * records per second than with one, which left the gateway and PostgreSQL each idle a third of the time);
 * one on PGlite, whose single connection would only queue them.
 */
const INGEST_TRANSACTIONS = { postgres: 2, pglite: 1 } as const

function startIngestWorker (platform: Platform, instance: Instance, running: Map<string, RunningJob>): Worker {
  // The messages of the jobs running at once are committed in groups (ingest-groups.ts). Groups
  // sharing records cannot deadlock on them (each claims its rows in id order, and records are
  // written in key order); one that loses a race with the other anyway runs again. The next group
  // is read and mapped while others commit. A group that fails is committed message by message.
  // Three groups' worth of jobs run at once.
  const transactions = INGEST_TRANSACTIONS[platform.db.kind]
  const perGroup = MESSAGES_PER_GROUP * instance.config.concurrency
  const commit = ingestGroups(platform, instance, transactions, perGroup)
  const worker = new Worker(queueName('ingest', instance.config.id), async (job: Job<InboxJobData>) => {
    await commit(job.data.inboxIds)
  }, { connection: platform.redis, prefix: QUEUE_PREFIX, concurrency: 3 * perGroup, telemetry: queueTelemetry() })
  observe(platform, worker, instance.config.id, 'ingest', running)
  return worker
}

/** The department's case events, from the inbox to the cases they name, one job at a time (a case's events in the order they came). */
function startCaseEventWorker (platform: Platform, instance: Instance, running: Map<string, RunningJob>): Worker {
  const deps = {
    db: platform.db,
    cases: platform.cases,
    intake: instance.adapter.caseEvents!,
    actor: { kind: 'department' as const, id: instance.config.id, name: instance.adapter.department.name },
    logger: platform.logger,
  }
  const worker = new Worker(queueName('ingest', instance.config.id), async (job: Job<InboxJobData>) => {
    await applyCaseEvents(deps, job.data.inboxIds)
  }, { connection: platform.redis, prefix: QUEUE_PREFIX, concurrency: 1, telemetry: queueTelemetry() })
  observe(platform, worker, instance.config.id, 'ingest', running)
  return worker
}

/** The hotline's work-order events, from the inbox to the town's orders, one job at a time (an order's events in the order they came). */
function startOrderEventWorker (platform: Platform, instance: Instance, running: Map<string, RunningJob>): Worker {
  const deps: OrderEventDeps = {
    db: platform.db,
    intake: instance.adapter.orderEvents!,
    instance: instance.config.id,
    actor: { kind: 'department', id: instance.config.id, name: instance.adapter.department.name },
    towns: platform.config.towns,
    town: instance.config.town,
    whistles: platform.whistles,
    logger: platform.logger,
  }
  const worker = new Worker(queueName('ingest', instance.config.id), async (job: Job<InboxJobData>) => {
    await applyOrderEvents(deps, job.data.inboxIds)
  }, { connection: platform.redis, prefix: QUEUE_PREFIX, concurrency: 1, telemetry: queueTelemetry() })
  observe(platform, worker, instance.config.id, 'ingest', running)
  return worker
}

function startPullWorker (platform: Platform, instance: Instance, connection: DepartmentConnection, running: Map<string, RunningJob>): Worker {
  const { config } = instance
  // One job at a time: pages of one stream follow one cursor. The department's rate limit is
  // applied by its HTTP client; only one chain of page jobs runs per stream, in any process.
  const worker: Worker = new Worker(queueName('pull', config.id), async (job: Job<PullJobData>) => {
    try {
      return await processPullJob({ platform, instance, connection, stopping: () => worker.closing !== undefined }, job)
    } catch (err) {
      if (err instanceof DepartmentRateLimitedError) {
        // Back off the whole queue; the job waits without spending one of its attempts.
        await worker.rateLimit(config.rateLimit?.duration ?? 1000)
        throw Worker.RateLimitError()
      }
      // The run keeps the latest error; it fails for good when the job is out of attempts.
      const cursor = await loadCursor(platform.db, config.id, job.data.stream).catch(() => undefined)
      if (cursor?.runId) {
        const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1)
        await failRun(platform.db, cursor.runId, (err as Error).message, final).catch(() => {})
      }
      throw err
    }
  }, {
    connection: platform.redis,
    prefix: QUEUE_PREFIX,
    concurrency: 1,
    telemetry: queueTelemetry(),
  })
  observe(platform, worker, config.id, 'pull', running)
  return worker
}

function startFileWorker (platform: Platform, instance: Instance, source: FileSource, running: Map<string, RunningJob>): Worker {
  const { config } = instance
  // The fetched files are kept under the data directory, one folder per instance (its retention).
  if (!platform.dataDir) throw new Error(`adapter instance ${config.id} takes files, but this process has no data directory to keep them in`)
  const bytes = new FileBytes(join(platform.dataDir, 'files', config.id))
  // One job at a time: files are imported one after the other, in the order they were queued.
  const worker: Worker = new Worker(queueName('files', config.id), async (job: Job<FileJobData>) =>
    await processFileDropJob({ platform, instance, source, bytes, stopping: () => worker.closing !== undefined }, job),
  { connection: platform.redis, prefix: QUEUE_PREFIX, concurrency: 1, telemetry: queueTelemetry() })
  observe(platform, worker, config.id, 'files', running)
  return worker
}

export async function schedulePulls (instance: Instance): Promise<void> {
  const pull = instance.adapter.pull
  if (!pull || !instance.queues.pull) return
  for (const [stream, def] of Object.entries(pull)) {
    await instance.queues.pull.upsertJobScheduler(`stream-${stream}`, { every: instance.config.every ?? def.everyMs }, { name: SCHEDULED, data: { stream } })
  }
}

/**
 * The job schedulers of an instance: its pull streams, its file drop and its matter catalogue's
 * towns. Upserting is idempotent by scheduler id, so any number of processes may do it.
 */
export async function scheduleInstance (platform: Platform, instance: Instance, opts: { catalogue: boolean } = { catalogue: true }): Promise<void> {
  await schedulePulls(instance)
  if (instance.adapter.files) await scheduleFileDrop(instance)
  if (opts.catalogue && instance.adapter.catalogue) {
    const queue = new Queue(catalogueQueueName(instance.config.id), { connection: platform.redis, prefix: QUEUE_PREFIX, telemetry: queueTelemetry() })
    try {
      await scheduleCatalogue(instance, queue, platform.config.towns)
    } finally {
      await queue.close()
    }
  }
}

/** The deadline sweep's job scheduler and worker (alerts and ladder rungs are claimed in the database, so several never act twice). */
export async function startDeadlineSweeps (platform: Platform): Promise<DeadlineWorker> {
  const { db, redis, logger, metrics, config } = platform
  return await startDeadlineWorker({
    db, redis, logger, metrics, calendar: () => platform.calendar, recompute: platform.cases.recompute, dueSoonWorkingDays: config.cases.dueSoonWorkingDays,
    ladders: async (nowMs) => await sweepLadders({ db, logger, metrics, config: () => config.whistles }, nowMs),
  })
}

export interface WorkerOptions {
  /** Upsert the instances' job schedulers (default); false when a `scheduler` process does. */
  schedules?: boolean
  /** Run the deadline sweep (default); false when a `scheduler` process does. */
  deadlines?: boolean
}

/** `shared`: the process's department connections (the gateway's, which its operations use too); without them the workers open their own and close them. */
export async function startWorkers (platform: Platform, instanceIds: readonly string[], shared?: DepartmentConnections, opts: WorkerOptions = {}): Promise<RunningWorkers> {
  const { schedules = true, deadlines = true } = opts
  const workers: Worker[] = []
  const connections = shared ?? departmentConnections(platform)
  const running = new Map<string, RunningJob>()
  const sources: FileSource[] = []
  const ownQueues: Queue[] = []
  for (const id of instanceIds) {
    const instance = platform.instances.get(id)
    if (!instance) throw new Error(`no enabled adapter instance "${id}"`)
    if (instance.adapter.receive) workers.push(startIngestWorker(platform, instance, running))
    if (instance.adapter.caseEvents) workers.push(startCaseEventWorker(platform, instance, running))
    if (instance.adapter.orderEvents) workers.push(startOrderEventWorker(platform, instance, running))
    if (instance.adapter.files) {
      const source = openFileSource(instance, platform)
      sources.push(source)
      workers.push(startFileWorker(platform, instance, source, running))
    }
    if (instance.adapter.pull) {
      const connection = await connections.of(instance)
      workers.push(startPullWorker(platform, instance, connection, running))
    }
    // A catalogue worker schedules its towns itself, when it starts.
    if (schedules) await scheduleInstance(platform, instance, { catalogue: false })
    if (instance.adapter.catalogue) {
      const catalogue = await startCatalogueWorker(platform, instance, await connections.of(instance))
      workers.push(catalogue.worker)
      ownQueues.push(catalogue.queue)
    }
  }
  // The case reports and the deadline sweep are no instance's: every worker process runs them (their
  // rows are claimed in the database, so several never send or alert one thing twice).
  // Whistles to departments' own systems go out with the case reports, as signed webhooks.
  const webhooks = departmentWebhooks({ db: platform.db, vault: platform.vault, departments: platform.departments, attempts: platform.config.whistles.deliveryAttempts })
  if (instanceIds.length > 0) {
    const { db, vault, audit, instances, logger, metrics, redis, config } = platform
    const operations = createOperations({ db, vault, audit, instances, logger, metrics, connections })
    const outbox = await startOutboxWorker({ db, operations, logger, metrics, redis, attempts: config.cases.reportAttempts, departmentWebhooks: webhooks })
    workers.push(outbox.worker)
    ownQueues.push(outbox.queue)
    if (deadlines) {
      const sweeps = await startDeadlineSweeps(platform)
      workers.push(sweeps.worker)
      ownQueues.push(sweeps.queue)
    }
  }
  return {
    async close (drainMs = DRAIN_TIMEOUT_MS) {
      // Worker.close() waits for active jobs to finish: in-flight pages and messages drain. It
      // also waits for Redis, which may be gone: bounded, so a shutdown always ends.
      const drained = Promise.all(workers.map(async (w) => { await w.close() })).then(() => true, () => true)
      let timer: NodeJS.Timeout | undefined
      const late = new Promise<false>((resolve) => { timer = setTimeout(() => { resolve(false) }, drainMs) })
      const inTime = await Promise.race([drained, late])
      clearTimeout(timer)
      if (!inTime) {
        // Nothing is lost: a message's transaction was not committed and its row stays unfinished
        // for the sweeper; a pull page resumes from the stored cursor.
        platform.logger.warn({ drainMs, abandoned: [...running.values()], redis: platform.redis.status }, 'workers did not drain in time; abandoned their jobs, which run again')
        for (const w of workers) w.close(true).catch(() => {})
      }
      await Promise.all(ownQueues.map(async (q) => { await q.close().catch(() => {}) }))
      if (!shared) await connections.close()
      await webhooks.close()
      await Promise.all(sources.map(async (s) => { await s.close() }))
    },
  }
}
