// The BullMQ queues of each adapter instance: `{ingest.<id>}` carries inbox ids of webhooks,
// `{pull.<id>}` carries one page of a pull stream per job, `{files.<id>}` looks at a file drop or
// imports one of its files. Separate queues per instance are the
// bulkhead: a slow department fills only its own.
import { Queue, type JobsOptions } from 'bullmq'
import type { AdapterInstance } from '../config/schema.ts'
import type { Redis } from '../redis/connect.ts'
import { queueTelemetry } from '../telemetry/index.ts'

export const QUEUE_PREFIX = 'tongban'
export const QUEUE_KINDS = ['ingest', 'pull', 'files'] as const
export type QueueKind = (typeof QUEUE_KINDS)[number]

/**
 * A queue's name as a Redis Cluster hash tag: BullMQ's scripts touch several keys of one queue at
 * once (`tongban:{ingest.hr}:wait`, `…:active`, …), which a cluster allows only within one slot;
 * the braces put each queue on its own slot, so the queues of a province spread over the masters.
 */
export const slotted = (name: string): string => `{${name}}`

export function queueName (kind: QueueKind, instanceId: string): string {
  return slotted(`${kind}.${instanceId}`)
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

/** `inboxIds` holds one id (jobs queued before one job per row held up to 100; they still run). */
export interface InboxJobData { inboxIds: number[], origin?: 'webhooks' | 'sweep' | 'replay' }

/** The job of an inbox row in one generation (a replay is a new generation, so a new job). */
export function inboxJobId (row: { id: number, generation: number }): string {
  return `inbox-${row.id}-g${row.generation}`
}

/**
 * Queues inbox rows, one job per row, all in one round trip. The job id names the row and its
 * generation, and BullMQ adds no job whose id exists: the sweeper offers every unfinished row
 * and only rows whose job is gone (lost with Redis data, or never added) get one again, whatever
 * else the queue holds. A row queued twice anyway is processed once, because processing claims it.
 */
export async function enqueueInboxRows (queue: Queue, rows: ReadonlyArray<{ id: number, generation: number }>, origin: 'webhooks' | 'sweep' | 'replay'): Promise<void> {
  if (rows.length === 0) return
  await queue.addBulk(rows.map((row) => ({ name: 'inbox', data: { inboxIds: [row.id], origin } satisfies InboxJobData, opts: { jobId: inboxJobId(row) } })))
}

export interface InstanceQueues {
  /** Absent for an adapter that produces no records (a matter catalogue, operations only). */
  ingest?: Queue
  pull?: Queue
  files?: Queue
}

/** The queues an instance has, by kind (every instance producing records ingests; pulling and file drops are the adapter's). */
export function queuesOf (queues: InstanceQueues): Array<[QueueKind, Queue]> {
  return QUEUE_KINDS.flatMap((kind): Array<[QueueKind, Queue]> => { const q = queues[kind]; return q ? [[kind, q]] : [] })
}

export function openQueues (connection: Redis, instance: AdapterInstance, pulls: boolean, files = false, records = true): InstanceQueues {
  const opts = { connection, prefix: QUEUE_PREFIX, defaultJobOptions: jobOptions(instance), telemetry: queueTelemetry() }
  const queues: InstanceQueues = {}
  if (records) queues.ingest = new Queue(queueName('ingest', instance.id), opts)
  if (pulls) queues.pull = new Queue(queueName('pull', instance.id), opts)
  if (files) queues.files = new Queue(queueName('files', instance.id), opts)
  return queues
}
