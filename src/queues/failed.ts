// Jobs that ran out of retries, for the API (/jobs/failed, /jobs/retry) and the portal's
// department pages: listed in one shape, retried one at a time or all of a queue.
import type { Queue } from 'bullmq'

export interface FailedJobInfo { jobId: string, name: string, attemptsMade: number, failedReason: string, finishedOn: string | null }

/** The queue's failed jobs, newest first, at most `limit`. */
export async function listFailed (queue: Queue, limit: number): Promise<FailedJobInfo[]> {
  return (await queue.getFailed(0, limit - 1)).map((job) => ({
    jobId: String(job.id),
    name: job.name,
    attemptsMade: job.attemptsMade,
    failedReason: job.failedReason ?? '',
    finishedOn: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
  }))
}

/** Retries one failed job, or every failed job of the queue: how many; undefined when that job is not (any longer) failed. */
export async function retryFailed (queue: Queue, jobId?: string): Promise<number | undefined> {
  if (jobId !== undefined && jobId !== '') {
    const job = await queue.getJob(jobId)
    if (!job || !(await job.isFailed())) return undefined
    await job.retry('failed')
    return 1
  }
  const failed = await queue.getFailedCount()
  await queue.retryJobs({ state: 'failed', count: 1000 })
  return failed
}
