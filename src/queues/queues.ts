// The BullMQ queues of each adapter instance: `ingest.<id>` carries inbox ids of webhooks,
// `pull.<id>` carries one page of a pull stream per job. Separate queues per instance are the
// bulkhead: a slow department fills only its own.
import { Queue, type JobsOptions } from 'bullmq'
import type { Redis } from 'ioredis'
import type { AdapterInstance } from '../config/schema.ts'

export const QUEUE_PREFIX = 'tongban'
export type QueueKind = 'ingest' | 'pull'

export function queueName (kind: QueueKind, instanceId: string): string {
  return `${kind}.${instanceId}`
}

export function jobOptions (instance: AdapterInstance): JobsOptions {
  return {
    attempts: instance.retries.attempts,
    backoff: { type: 'exponential', delay: instance.retries.backoff, jitter: 0.5 },
    removeOnComplete: { count: 1000, age: 3600 },
    // Jobs that ran out of retries stay in the failed set until retried through the API.
    removeOnFail: false,
  }
}

export interface InboxJobData { inboxIds: number[] }

const INBOX_IDS_PER_JOB = 100

/**
 * Queues inbox rows for processing, many rows per job and all jobs in one round trip. The job id
 * names its rows and their generation, so queueing the same rows twice (the sweeper finding rows
 * still waiting in the queue) adds nothing; a row in two jobs anyway is processed once, because
 * processing claims the row.
 */
export async function enqueueInboxRows (queue: Queue, rows: ReadonlyArray<{ id: number, generation: number }>, origin: 'webhooks' | 'sweep' | 'replay'): Promise<void> {
  const jobs = []
  for (let i = 0; i < rows.length; i += INBOX_IDS_PER_JOB) {
    const chunk = rows.slice(i, i + INBOX_IDS_PER_JOB)
    const generation = Math.max(...chunk.map((r) => r.generation))
    const jobId = `${origin}-${chunk[0]!.id}-${chunk[chunk.length - 1]!.id}-${chunk.length}-g${generation}`
    jobs.push({ name: 'inbox', data: { inboxIds: chunk.map((r) => r.id) } satisfies InboxJobData, opts: { jobId } })
  }
  if (jobs.length > 0) await queue.addBulk(jobs)
}

export interface InstanceQueues {
  ingest: Queue
  pull?: Queue
}

export function openQueues (connection: Redis, instance: AdapterInstance, pulls: boolean): InstanceQueues {
  const opts = { connection, prefix: QUEUE_PREFIX, defaultJobOptions: jobOptions(instance) }
  const queues: InstanceQueues = { ingest: new Queue(queueName('ingest', instance.id), opts) }
  if (pulls) queues.pull = new Queue(queueName('pull', instance.id), opts)
  return queues
}
