// The catalogue sync: for each town, a job reads the stored cursor and fetches pages of matter
// versions through the instance's department connection (auth, breaker, rate limit), for up to a
// few seconds, then queues a job for the rest until the catalogue has caught up. Each version is
// checked against the model; valid ones, the cursor and the run's counts are stored in one
// transaction, so a restart resumes after the last page stored. A failure (the platform's nightly
// 503 window, a busy answer) fails the job, which BullMQ retries with backoff; the scheduler
// starts the chain again from the cursor after that.
import { createHash } from 'node:crypto'
import type { Job, Queue } from 'bullmq'
import type { CataloguePage, CatalogueStream } from '../adapter-sdk/index.ts'
import type { Instance, Platform } from '../platform.ts'
import type { DepartmentConnection } from '../department/connection.ts'
import { loadCursor, saveCursor, startRun } from '../store/sync.ts'
import { storeCataloguePage } from '../store/matters.ts'
import { checkMatters } from './check.ts'

export interface CatalogueJobData { town: string }

/** Name of the jobs the scheduler adds; follow-up pages are named `page`. */
export const SCHEDULED = 'scheduled'

/** How long one job keeps paging before it hands the rest to a new job (keeps shutdown quick). */
const JOB_BUDGET_MS = 5000

/** The cursor's stream name in sync_cursors and adapter_runs: one per town. */
export function catalogueStream (town: string): string {
  return `catalogue:${town}`
}

export function cataloguePageJobId (town: string, runId: number, cursor: unknown): string {
  return `catalogue-${town}-run${runId}-${createHash('sha1').update(JSON.stringify(cursor)).digest('hex').slice(0, 16)}`
}

/** The queue of an instance's catalogue jobs (`{catalogue.<id>}`, a cluster hash tag like its other queues'). */
export function catalogueQueueName (instanceId: string): string {
  return `{catalogue.${instanceId}}`
}

const schedulerId = (town: string): string => `catalogue-${town}`

/** One job scheduler per configured town, every `every` of the instance (else the catalogue's own); those of towns no longer configured go. */
export async function scheduleCatalogue (instance: Instance, queue: Queue, towns: ReadonlyArray<{ code: string }>): Promise<void> {
  const catalogue = instance.adapter.catalogue
  if (!catalogue) return
  const wanted = new Set(towns.map((t) => schedulerId(t.code)))
  for (const scheduler of await queue.getJobSchedulers()) {
    if (!wanted.has(scheduler.key)) await queue.removeJobScheduler(scheduler.key)
  }
  for (const town of towns) {
    await queue.upsertJobScheduler(schedulerId(town.code), { every: instance.config.every ?? catalogue.everyMs }, { name: SCHEDULED, data: { town: town.code } })
  }
}

// A scheduled run must not start a second chain of pages beside one still queued; it does restart
// a chain whose next page was lost (Redis lost its data) or ran out of retries.
async function chainIsQueued (queue: Queue, jobId: string): Promise<boolean> {
  const next = await queue.getJob(jobId)
  if (!next) return false
  const state = await next.getState()
  return state === 'waiting' || state === 'delayed' || state === 'active' || state === 'prioritized' || state === 'waiting-children'
}

export interface CatalogueContext {
  platform: Platform
  instance: Instance
  connection: DepartmentConnection
  queue: Queue
  /** True once the worker is shutting down: finish the page in hand, leave the rest queued. */
  stopping: () => boolean
}

export interface CatalogueTotals { stored: number, rejected: number, done: boolean }

export async function processCatalogueJob (ctx: CatalogueContext, job: Job<CatalogueJobData>): Promise<CatalogueTotals> {
  const { platform, instance, connection, queue } = ctx
  const { db } = platform
  const catalogue: CatalogueStream | undefined = instance.adapter.catalogue
  if (!catalogue) throw new Error(`adapter ${instance.adapter.id} reads no matter catalogue`)
  const id = instance.config.id
  const { town } = job.data
  // A job queued before its town left the configuration: that town is no longer read.
  if (!platform.config.towns.some((t) => t.code === town)) return { stored: 0, rejected: 0, done: true }
  const stream = catalogueStream(town)

  const stored = await loadCursor(db, id, stream)
  let cursor: unknown = stored ? catalogue.cursor.parse(stored.cursor) : catalogue.initialCursor()
  if (job.name === SCHEDULED && stored?.runId && await chainIsQueued(queue, cataloguePageJobId(town, stored.runId, cursor))) {
    return { stored: 0, rejected: 0, done: false }
  }
  const runId = stored?.runId ?? await startRun(db, id, stream)
  if (!stored?.runId) await saveCursor(db, id, stream, cursor, runId)

  const pageSize = instance.config.pageSize ?? catalogue.pageSize
  const until = Date.now() + JOB_BUDGET_MS
  const totals: CatalogueTotals = { stored: 0, rejected: 0, done: false }
  for (;;) {
    const from = cursor
    const page: CataloguePage<unknown> = await connection.call(async (http) =>
      await catalogue.fetchPage({ http, town, cursor: from, pageSize, signal: AbortSignal.timeout(instance.config.timeout * 2) }))
    const { valid, rejected } = checkMatters(page.matters)
    for (const r of rejected) {
      platform.logger.warn({ adapter: id, town, taskHandleItem: r.taskHandleItem, version: r.version, problems: r.problems }, 'catalogue sent a matter version that does not fit the model; not stored')
    }
    await storeCataloguePage(db, { instance: id, stream, town, matters: valid, cursor: page.cursor, runId, rejected: rejected.length, done: page.done })
    platform.metrics.matters.inc({ adapter: id, outcome: 'stored' }, valid.length)
    platform.metrics.matters.inc({ adapter: id, outcome: 'rejected' }, rejected.length)
    totals.stored += valid.length
    totals.rejected += rejected.length
    totals.done = page.done
    cursor = page.cursor
    if (page.done) return totals
    if (Date.now() >= until || ctx.stopping()) {
      await queue.add('page', { town }, { jobId: cataloguePageJobId(town, runId, cursor) })
      return totals
    }
  }
}
