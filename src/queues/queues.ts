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

export function inboxJobId (inboxId: number, generation: number): string {
  return `inbox-${inboxId}-g${generation}`
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
