// Re-queues inbox rows that were answered 2xx but never finished — their job was lost with
// Redis data, or queueing failed.
import type { Platform } from '../platform.ts'
import { unfinishedInbox } from '../store/inbox.ts'
import { enqueueInboxRows } from './queues.ts'

export interface Sweeper { sweep: () => Promise<number>, stop: () => void }

export function startSweeper (platform: Platform, opts: { everyMs: number, graceMs: number }): Sweeper {
  let running = false
  async function sweep (): Promise<number> {
    if (running) return 0
    running = true
    try {
      const rows = await unfinishedInbox(platform.db, new Date(Date.now() - opts.graceMs), 5000)
      const byInstance = new Map<string, Array<{ id: number, generation: number }>>()
      for (const row of rows) {
        let list = byInstance.get(row.adapter)
        if (!list) byInstance.set(row.adapter, list = [])
        list.push(row)
      }
      for (const [adapter, list] of byInstance) {
        const queue = platform.instances.get(adapter)?.queues.ingest
        // A queue with work waiting is probably carrying these rows; sweep once it has drained.
        if (!queue || await queue.getWaitingCount() + await queue.getDelayedCount() > 0) continue
        await enqueueInboxRows(queue, list, 'sweep')
      }
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
