// Re-queues inbox rows that were answered 2xx but never finished — their job was lost with
// Redis data, or queueing failed. Every unfinished row is offered every time: job ids are per
// row (enqueueInboxRows), so rows whose job still exists — waiting, delayed in a backoff, or
// failed for good and waiting for an operator — add nothing, and no other job holds a row back.
import type { Platform } from '../platform.ts'
import { unfinishedInbox } from '../store/inbox.ts'
import { enqueueInboxRows } from '../queues/queues.ts'

const PAGE = 5000
/** How often unfinished rows are offered again, unless TONGBAN_SWEEP_EVERY_MS says otherwise. */
export const SWEEP_EVERY_MS = 10_000
/** How old an unfinished row must be before a sweep offers it: its own job has had time to run. */
export const SWEEP_GRACE_MS = 15_000

/**
 * One sweep: offers every unfinished row older than the grace period to its queue; how many there
 * were. A sweep called while the last still runs offers nothing. Scheduler processes call it once
 * per round (runtime/clock-work.ts, rounds.ts), the all-in-one gateway as well.
 */
export function inboxSweep (platform: Platform, graceMs: number): () => Promise<number> {
  let running = false
  return async function sweep (): Promise<number> {
    if (running) return 0
    running = true
    try {
      const olderThan = new Date(Date.now() - graceMs)
      let offered = 0
      let afterId = 0
      for (;;) {
        const rows = await unfinishedInbox(platform.db, olderThan, PAGE, afterId)
        const byInstance = new Map<string, Array<{ id: number, generation: number }>>()
        for (const row of rows) {
          let list = byInstance.get(row.adapter)
          if (!list) byInstance.set(row.adapter, list = [])
          list.push(row)
        }
        for (const [adapter, list] of byInstance) {
          const queue = platform.instances.get(adapter)?.queues.ingest
          if (queue) await enqueueInboxRows(queue, list, 'sweep')
        }
        offered += rows.length
        if (rows.length < PAGE) return offered
        afterId = rows[rows.length - 1]!.id
      }
    } finally {
      running = false
    }
  }
}
