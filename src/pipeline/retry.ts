// Runs a quarantined record through the adapter's current parse and mapping again — how a
// fixed adapter or normaliser repairs what it once rejected.
import type { RawRecord } from '../model/intake.ts'
import type { Platform } from '../platform.ts'
import { TongbanError, type ErrorCode } from '../errors.ts'
import { getQuarantineItem, updateQuarantineItem, type Handling, type StoredRawRecord } from '../store/quarantine.ts'
import { requeueMessage, storedMessage } from '../store/inbox.ts'
import { commitBatch } from './commit.ts'
import { fieldKeyOf, mapReceivedRecord } from './decrypt.ts'
import { MESSAGE_REASONS, parseWebhookBody } from './webhook-body.ts'

export interface RetryOutcome { id: number, status: 'resolved' | 'open', reasonCode: string | null, reason: string | null }

function reviveRaw (raw: StoredRawRecord): RawRecord {
  return { ...raw, observedAt: new Date(raw.observedAt) }
}

/** `handling`: who retries and why, kept on the item. A resolved item stays resolved; a dismissed one is TB_QUARANTINE_CLOSED. */
export async function retryQuarantined (platform: Platform, id: number, handling?: Handling): Promise<RetryOutcome> {
  const item = await getQuarantineItem(platform.db, id)
  const owner = item && platform.instances.get(item.adapter)
  // Before the transaction (from the vault it is a read and an audit row of its own), and fresh:
  // a retry usually follows storing the right key.
  const key = owner ? await fieldKeyOf(platform, owner, { fresh: true }) : undefined
  return await platform.db.transaction(async (tx) => {
    const item = await getQuarantineItem(tx, id, true)
    if (!item) throw new TongbanError('TB_QUARANTINE_NOT_FOUND', [id])
    const instance = platform.instances.get(item.adapter)
    if (!instance) throw new TongbanError('TB_ADAPTER_NOT_FOUND', [item.adapter])
    if (item.status === 'dismissed') throw new TongbanError('TB_QUARANTINE_CLOSED', [id, item.status])
    if (item.status !== 'open') return { id, status: 'resolved' as const, reasonCode: null, reason: null }
    const handled = handling ? { handling } : {}

    let raw: RawRecord | undefined = reviveRaw(item.raw)
    if (item.inboxId !== null && instance.adapter.receive) {
      // Parse the stored message again: the adapter's parse may have been fixed too.
      const row = await storedMessage(tx, item.inboxId)
      if (row) {
        try {
          const raws = parseWebhookBody(instance.adapter, row.body, { webhookId: row.webhook_id, receivedAt: row.received_at })
          const wholeMessage = MESSAGE_REASONS.has(item.reasonCode as ErrorCode)
          raw = wholeMessage ? undefined : raws.find((r) => r.sourceId === item.sourceId)
          if (!raw && wholeMessage) {
            // The whole message reads now: mark the inbox row to run again through the queue.
            await requeueMessage(tx, item.inboxId)
            await updateQuarantineItem(tx, id, { status: 'resolved', ...handled })
            return { id, status: 'resolved' as const, reasonCode: null, reason: null }
          }
        } catch (err) {
          if (!(err instanceof TongbanError)) throw err
          await updateQuarantineItem(tx, id, { status: 'open', reasonCode: err.code, reason: err.message, ...handled })
          return { id, status: 'open' as const, reasonCode: err.code, reason: err.message }
        }
      }
    }
    if (!raw) throw new TongbanError('TB_QUARANTINE_NOT_FOUND', [id])
    const result = mapReceivedRecord(instance.adapter, key, raw)
    if (!result.ok) {
      const r = result.rejection
      await updateQuarantineItem(tx, id, { status: 'open', reasonCode: r.code, reason: r.message, field: r.field ?? null, rawValue: r.rawValue ?? null, ...handled })
      return { id, status: 'open' as const, reasonCode: r.code, reason: r.message }
    }
    await commitBatch(tx, platform, instance, { records: [result.record], rejections: [] })
    await updateQuarantineItem(tx, id, { status: 'resolved', ...handled })
    return { id, status: 'resolved' as const, reasonCode: null, reason: null }
  })
}
