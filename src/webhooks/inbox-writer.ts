// Group commit for the webhook inbox: webhooks arriving together are committed in one INSERT
// and their jobs added in one round trip per queue. Each request still waits for its own row
// to be committed before it is answered.
import type { Platform } from '../platform.ts'
import { commitWebhooks, type IncomingWebhook, type Receipt } from '../store/inbox.ts'
import { enqueueInboxRows } from '../queues/queues.ts'

const MAX_BATCH = 256
// Commits at once; more webhooks wait for one to finish and go together in the next.
const MAX_IN_FLIGHT = 2

interface Pending { webhook: IncomingWebhook, resolve: (r: Receipt) => void, reject: (e: unknown) => void }

export interface InboxWriter {
  commit: (webhook: IncomingWebhook) => Promise<Receipt>
}

export function createInboxWriter (platform: Platform): InboxWriter {
  let pending: Pending[] = []
  let scheduled = false
  let inFlight = 0

  async function flush (): Promise<void> {
    scheduled = false
    if (inFlight >= MAX_IN_FLIGHT) return
    const batch = pending.splice(0, MAX_BATCH)
    if (batch.length === 0) return
    if (pending.length > 0) schedule()
    inFlight++
    let receipts: Receipt[]
    try {
      receipts = await commitWebhooks(platform.db, batch.map((p) => p.webhook))
    } catch (err) {
      for (const p of batch) p.reject(err)
      return
    } finally {
      inFlight--
      if (pending.length > 0) schedule()
    }
    batch.forEach((p, i) => p.resolve(receipts[i]!))
    enqueue(batch.map((p) => p.webhook), receipts)
  }

  // Not awaited by the request: the row is committed, and if Redis is down the sweeper
  // queues it later. Queues carry ids, never the only copy of a webhook.
  function enqueue (webhooks: IncomingWebhook[], receipts: Receipt[]): void {
    const byInstance = new Map<string, Array<{ id: number, generation: number }>>()
    receipts.forEach((r, i) => {
      if (!r.fresh) return
      const adapter = webhooks[i]!.adapter
      let rows = byInstance.get(adapter)
      if (!rows) byInstance.set(adapter, rows = [])
      rows.push({ id: r.inboxId, generation: r.generation })
    })
    for (const [adapter, rows] of byInstance) {
      const queue = platform.instances.get(adapter)?.queues.ingest
      if (!queue) continue
      enqueueInboxRows(queue, rows, 'webhooks').catch((err: Error) => {
        platform.logger.warn({ adapter, webhooks: rows.length, err: err.message }, 'enqueue failed; the inbox sweeper will queue these webhooks')
      })
    }
  }

  function schedule (): void {
    if (scheduled || inFlight >= MAX_IN_FLIGHT) return
    scheduled = true
    setImmediate(() => { flush().catch(() => {}) })
  }

  return {
    async commit (webhook) {
      return await new Promise<Receipt>((resolve, reject) => {
        pending.push({ webhook, resolve, reject })
        schedule()
      })
    },
  }
}
