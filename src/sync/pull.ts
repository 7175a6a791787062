// A pull job reads the persisted cursor and works through pages for up to a few seconds: it
// fetches each page through the department connection (breaker, token refresh), stores the
// page's records, then its quarantine and the next cursor (lanes.ts), and
// fetches the next pages while the current one is stored. Then it queues a job for the rest,
// until the stream has caught up. A restart resumes from the stored cursor.
import { createHash } from 'node:crypto'
import type { Job } from 'bullmq'
import type { PullPage, PullStream } from '../adapter-sdk/index.ts'
import type { Instance, Platform } from '../platform.ts'
import type { DepartmentConnection } from '../department/connection.ts'
import { fieldKeyOf, mapReceivedInSlices } from '../pipeline/decrypt.ts'
import { countCommitted } from '../pipeline/commit.ts'
import { laneWriter } from '../pipeline/lanes.ts'
import { loadCursor, recordPage, saveCursor, startRun } from '../store/sync.ts'

export interface PullJobData { stream: string }

export interface PullContext {
  platform: Platform
  instance: Instance
  connection: DepartmentConnection
  /** True once the worker is shutting down: finish the page in hand, leave the rest queued. */
  stopping: () => boolean
}

async function fetchPage (ctx: PullContext, stream: PullStream, cursor: unknown, pageSize: number, signal: AbortSignal): Promise<PullPage<unknown>> {
  return await ctx.connection.call(async (http) => await stream.fetchPage({ http, cursor, pageSize, signal }))
}

/** How long one job keeps paging before it hands the rest to a new job (keeps shutdown quick). */
const JOB_BUDGET_MS = 5000

/** How many mapped pages may wait for their commit: enough to keep this thread busy while PostgreSQL works. */
const STORES_AHEAD = 2

/** Name of the jobs the scheduler adds; follow-up pages are named `page`. */
export const SCHEDULED = 'scheduled'

// A scheduled run must not start a second chain of pages beside one still queued; it does
// restart a chain whose next page was lost (Redis lost its data) or ran out of retries.
async function chainIsQueued (instance: Instance, nextJobId: string): Promise<boolean> {
  const next = await instance.queues.pull!.getJob(nextJobId)
  if (!next) return false
  const state = await next.getState()
  return state === 'waiting' || state === 'delayed' || state === 'active' || state === 'prioritized' || state === 'waiting-children'
}

export function pageJobId (stream: string, runId: number, cursor: unknown): string {
  return `${stream}-run${runId}-${createHash('sha1').update(JSON.stringify(cursor)).digest('hex').slice(0, 16)}`
}

export async function processPullJob (ctx: PullContext, job: Job<PullJobData>): Promise<{ records: number, quarantined: number, done: boolean }> {
  const { platform, instance } = ctx
  const { db } = platform
  const streamName = job.data.stream
  const stream = instance.adapter.pull?.[streamName]
  if (!stream) throw new Error(`adapter ${instance.adapter.id} has no pull stream ${streamName}`)

  const stored = await loadCursor(db, instance.config.id, streamName)
  const cursor = stored ? stream.cursor.parse(stored.cursor) : stream.initialCursor()
  if (job.name === SCHEDULED && stored?.runId && await chainIsQueued(instance, pageJobId(streamName, stored.runId, cursor))) {
    return { records: 0, quarantined: 0, done: false }
  }
  const runId = stored?.runId ?? await startRun(db, instance.config.id, streamName)
  if (!stored?.runId) await saveCursor(db, instance.config.id, streamName, cursor, runId)

  const key = await fieldKeyOf(platform, instance)
  const pageSize = instance.config.pageSize ?? stream.pageSize
  const timeout = instance.config.timeout * 2
  const fetchFrom = (from: unknown): Promise<PullPage<unknown>> => {
    const pending = fetchPage(ctx, stream, from, pageSize, AbortSignal.timeout(timeout))
    pending.catch(() => {}) // awaited below; a prefetch abandoned after a failed store must not go unhandled
    return pending
  }
  const until = Date.now() + JOB_BUDGET_MS
  let next: Promise<PullPage<unknown>> | undefined = fetchFrom(cursor)
  const totals = { records: 0, quarantined: 0, done: false }
  // Stores commit in page order, so the cursor only ever moves forward; pages are fetched, mapped
  // and split into lanes ahead of them, up to STORES_AHEAD waiting their turn (lanes.ts).
  const writer = laneWriter(platform, instance, STORES_AHEAD)
  try {
    while (next) {
      const page: PullPage<unknown> = await next
      next = !page.done && Date.now() < until && !ctx.stopping() ? fetchFrom(page.cursor) : undefined
      const batch = await mapReceivedInSlices(instance.adapter, key, page.records)
      const { records, rejections } = batch
      await writer.write(batch, async (tx) => {
        await saveCursor(tx, instance.config.id, streamName, page.cursor, page.done ? null : runId)
        await recordPage(tx, runId, records.length, rejections.length, page.done)
      }, () => {
        countCommitted(platform, instance, { ok: records.length, quarantined: rejections.length })
        totals.records += records.length
        totals.quarantined += rejections.length
        totals.done = page.done
      })
      if (!page.done && !next) {
        await writer.settled()
        await instance.queues.pull!.add('page', { stream: streamName }, { jobId: pageJobId(streamName, runId, page.cursor) })
      }
    }
  } finally {
    // A job that fails leaves no store running behind it (its retry reads the cursor).
    await writer.settled().catch(() => {})
  }
  await writer.settled()
  return totals
}
