// Step 4 and 5 of a webhook's way: load the committed raw bodies, let the adapter parse them, map
// and normalise every record, quarantine failures, unify the rest — all in one transaction with
// marking the inbox rows done, so a message is processed once however often it is queued.
// Several messages may share one transaction (the worker gathers the jobs running at the same
// time): one unify of all their records costs far less than one per message. What needs no lock
// (reading, parsing, mapping, preparing the unify) may be done before, while another group commits.
import type { Instance, Platform } from '../platform.ts'
import { isTongbanError } from '../errors.ts'
import { claimInboxRows, finishInboxRows, unfinishedInboxRows, type InboxOutcome, type InboxRow } from '../store/inbox.ts'
import { resolveQuarantined } from '../store/quarantine.ts'
import type { MappedRecord, Rejection } from '../model/intake.ts'
import type { Queryable } from '../store/db.ts'
import { commitBatch, countCommitted, prepareBatch, type PreparedBatch } from './commit.ts'
import { fieldKeyOf, mapReceived } from './decrypt.ts'
import { messageFields, parseWebhookBody } from './webhook-body.ts'

export type IngestOutcome = { status: 'already-processed' } | { status: 'done' | 'failed', ok: number, quarantined: number }

/** A message read and mapped; its row's body, id and time never change, so this holds whenever it is claimed. */
interface ReadMessage { row: InboxRow, batch: { records: readonly MappedRecord[], rejections: readonly Rejection[] }, outcome: InboxOutcome }

/** Messages read ahead of their transaction, with their records' unify prepared. */
export interface PreparedMessages { messages: ReadonlyMap<number, ReadMessage>, batch: PreparedBatch }

/** Parses and maps one row (`key`: its encrypted fields' data key); a body that cannot be read is kept whole as one rejection. */
function readMessage (instance: Instance, row: InboxRow, key: Buffer | undefined): ReadMessage {
  const { adapter } = instance
  try {
    const raws = parseWebhookBody(adapter, row.body, { webhookId: row.webhook_id, receivedAt: row.received_at })
    const { records, rejections } = mapReceived(adapter, key, raws)
    return { row, batch: { records, rejections }, outcome: { status: 'done', ok: records.length, quarantined: rejections.length } }
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
    return { row, batch: { records: [], rejections: [rejection] }, outcome: { status: 'failed', ok: 0, quarantined: 1, error: err.message } }
  }
}

/** Every record of the messages, for one unify: messages in id order, so records of one key at one instant go as one by one. */
async function recordsBatch (platform: Platform, instance: Instance, messages: readonly ReadMessage[]): Promise<PreparedBatch> {
  return await prepareBatch(platform, instance, { records: messages.flatMap((m) => m.batch.records), rejections: [] })
}

/** Reads, parses and maps the unfinished rows among `ids` without locking them: what their transaction then need not do. */
export async function prepareInboxRows (platform: Platform, instance: Instance, ids: readonly number[]): Promise<PreparedMessages> {
  const key = await fieldKeyOf(platform, instance)
  const messages = (await unfinishedInboxRows(platform.db, ids)).map((row) => readMessage(instance, row, key))
  return { messages: new Map(messages.map((m) => [m.row.id, m])), batch: await recordsBatch(platform, instance, messages) }
}

async function commitMessages (tx: Queryable, platform: Platform, instance: Instance, messages: readonly ReadMessage[], batch: PreparedBatch): Promise<void> {
  if (messages.some((m) => m.row.generation > 0)) {
    // A replayed message closes what its first run quarantined, once its records map; message
    // by message, so a later message quarantining the same source id leaves it open, as alone.
    await commitBatch(tx, platform, instance, batch)
    for (const m of messages) {
      await commitBatch(tx, platform, instance, { records: [], rejections: m.batch.rejections }, m.row.id)
      if (m.row.generation > 0) await resolveQuarantined(tx, instance.config.id, m.batch.records.map((r) => r.sourceId))
    }
  } else {
    // All rejections in one statement, each kept with the message it came in.
    const rejections = messages.flatMap((m) => m.batch.rejections)
    await commitBatch(tx, platform, instance, { ...batch, rejections }, messages.flatMap((m) => m.batch.rejections.map(() => m.row.id)))
  }
  await finishInboxRows(tx, messages.map((m) => ({ id: m.row.id, ...m.outcome })))
}

/**
 * Processes inbox rows in ONE transaction: any error rolls back all of them (the caller then
 * runs them one by one, so a bad message fails alone). A row already finished, or listed twice,
 * is processed once. `prepared`: the rows read ahead (prepareInboxRows); rows finished since are
 * left out, rows not among them are read in the transaction.
 */
export async function processInboxRows (platform: Platform, instance: Instance, inboxIds: readonly number[], prepared?: PreparedMessages): Promise<Map<number, IngestOutcome>> {
  const ids = [...new Set(inboxIds)]
  // Before the transaction: from the vault (once a minute) it is a read and an audit row of its own.
  const key = await fieldKeyOf(platform, instance)
  const messages = await platform.db.transaction(async (tx) => {
    const claimed = await claimInboxRows(tx, ids)
    if (claimed.length === 0) return []
    const ahead = prepared?.messages ?? new Map<number, ReadMessage>()
    const missing = claimed.filter((c) => !ahead.has(c.id)).map((c) => c.id)
    const late = new Map(missing.length === 0 ? [] : (await unfinishedInboxRows(tx, missing)).map((row) => [row.id, readMessage(instance, row, key)]))
    // The claimed generation: a replay may have marked the row again since it was read.
    const read = claimed.map((c) => { const m = (ahead.get(c.id) ?? late.get(c.id))!; return { ...m, row: { ...m.row, generation: c.generation } } })
    const batch = prepared && missing.length === 0 && read.length === prepared.messages.size ? prepared.batch : await recordsBatch(platform, instance, read)
    await commitMessages(tx, platform, instance, read, batch)
    return read
  })
  const outcomes = new Map<number, IngestOutcome>(ids.map((id) => [id, { status: 'already-processed' }]))
  for (const { row, outcome } of messages) {
    const { status, ok, quarantined } = outcome
    outcomes.set(row.id, { status, ok, quarantined })
    countCommitted(platform, instance, outcome)
  }
  return outcomes
}

export async function processInboxRow (platform: Platform, instance: Instance, inboxId: number): Promise<IngestOutcome> {
  return (await processInboxRows(platform, instance, [inboxId])).get(inboxId)!
}
