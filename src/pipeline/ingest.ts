// Step 4 and 5 of a webhook's way: load the committed raw body, let the adapter parse it, map
// and normalise every record, quarantine failures, unify the rest — all in one transaction
// with marking the inbox row done, so a message is processed once however often it is queued.
import type { Instance, Platform } from '../platform.ts'
import { isTongbanError } from '../errors.ts'
import { claimInboxRow, finishInboxRow } from '../store/inbox.ts'
import { resolveQuarantined } from '../store/quarantine.ts'
import type { Rejection } from '../model/intake.ts'
import { commitBatch, countCommitted } from './commit.ts'
import { mapBatch } from './map.ts'
import { messageFields, parseWebhookBody } from './webhook-body.ts'

export type IngestOutcome = { status: 'already-processed' } | { status: 'done' | 'failed', ok: number, quarantined: number }

export async function processInboxRow (platform: Platform, instance: Instance, inboxId: number): Promise<IngestOutcome> {
  const { adapter, config } = instance
  const outcome = await platform.db.transaction(async (tx): Promise<IngestOutcome> => {
    const row = await claimInboxRow(tx, inboxId)
    if (!row) return { status: 'already-processed' }
    let raws
    try {
      raws = parseWebhookBody(adapter, row.body, { webhookId: row.webhook_id, receivedAt: row.received_at })
    } catch (err) {
      if (!isTongbanError(err)) throw err
      // The body itself is unreadable or unstorable: keep it whole in quarantine, never drop it,
      // and finish the row — the same body would fail every retry.
      const rejection: Rejection = {
        sourceId: row.webhook_id,
        code: err.code,
        message: err.message,
        raw: { sourceId: row.webhook_id, observedAt: row.received_at, fields: messageFields(row.body) },
      }
      await commitBatch(tx, platform, instance, { records: [], rejections: [rejection] }, row.id)
      await finishInboxRow(tx, row.id, { status: 'failed', ok: 0, quarantined: 1, error: err.message })
      return { status: 'failed', ok: 0, quarantined: 1 }
    }
    const { records, rejections } = mapBatch(adapter, raws)
    await commitBatch(tx, platform, instance, { records, rejections }, row.id)
    // A replayed message whose records now map closes what its first run quarantined.
    if (row.generation > 0) await resolveQuarantined(tx, config.id, records.map((r) => r.sourceId))
    await finishInboxRow(tx, row.id, { status: 'done', ok: records.length, quarantined: rejections.length })
    return { status: 'done', ok: records.length, quarantined: rejections.length }
  })
  if (outcome.status !== 'already-processed') countCommitted(platform, instance, outcome)
  return outcome
}
