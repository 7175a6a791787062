// Re-queues inbox rows that were answered 2xx but never finished — their job was lost with
// Redis data, or queueing failed. Job ids are derived from the row, so a row whose job still
// exists is not queued twice.
import type { Platform } from '../platform.ts'
import { unfinishedInbox } from '../store/inbox.ts'
import { inboxJobId } from './queues.ts'

export interface Sweeper { sweep: () => Promise<number>, stop: () => void }

export function startSweeper (platform: Platform, opts: { everyMs: number, graceMs: number }): Sweeper {
  let running = false
  async function sweep (): Promise<number> {
    if (running) return 0
    running = true
    try {
      const rows = await unfinishedInbox(platform.db, new Date(Date.now() - opts.graceMs), 5000)
      const byInstance = new Map<string, Array<{ name: string, data: { inboxId: number }, opts: { jobId: string } }>>()
      for (const row of rows) {
        if (!platform.instances.has(row.adapter)) continue
        let jobs = byInstance.get(row.adapter)
        if (!jobs) byInstance.set(row.adapter, jobs = [])
        jobs.push({ name: 'webhook', data: { inboxId: row.id }, opts: { jobId: inboxJobId(row.id, row.generation) } })
      }
      for (const [adapter, jobs] of byInstance) await platform.instances.get(adapter)!.queues.ingest.addBulk(jobs)
      return rows.length
    } finally {
      running = false
    }
  }
  const timer = setInterval(() => {
    sweep().catch((err: Error) => platform.logger.warn({ err: err.message }, 'inbox sweep failed'))
  }, opts.everyMs)
  timer.unref()
  return { sweep, stop: () => { clearInterval(timer) } }
}
