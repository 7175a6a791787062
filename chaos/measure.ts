// What a scenario is judged by, read from the stores themselves once its load has stopped and the
// system has had time to drain: every acknowledged webhook's inbox row (one, done) and resident
// (one row in persons), the time to the first acknowledgement and the first unification after
// the fault, and the jobs left in the queues.
import { Queue } from 'bullmq'
import { queryOnce } from '../test/helpers/pg-cluster.ts'
import { connectRedis } from '../src/redis/connect.ts'
import { QUEUE_PREFIX, queueName } from '../src/queues/queues.ts'
import type { Sent } from './load.ts'
import { sleep } from './support.ts'

export interface Outcome {
  sent: number
  acked: number
  /** Answered with an error, or not at all within the sender's timeout. */
  refused: number
  /** Acknowledged webhooks whose inbox row is done and whose resident is in persons. */
  unified: number
  /** Acknowledged webhooks whose record went to quarantine instead (the load sends clean records: expected 0). */
  quarantined: number
  /** Acknowledged webhook ids with more than one inbox row, or residents with more than one person row. */
  duplicates: number
  /** From the fault to the first 2xx after the last refusal (0: nothing was refused). */
  ackRecoveredMs: number | undefined
  /** From the fault to the first unification of a webhook sent after it and after the last refusal. */
  unifiedRecoveredMs: number | undefined
  /** Jobs waiting, active, delayed (not a schedule's next run) or failed in the suite's queues at the end. */
  stuck: { waiting: number, active: number, delayed: number, failed: number }
}

/** A query that survives the faults the suite makes (a pooler cutting connections, a promotion). */
async function query<T> (url: () => string, sql: string, params: unknown[] = []): Promise<T[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await queryOnce<T>(url(), sql, params)
    } catch (err) {
      if (attempt >= 20) throw err
      await sleep(500)
    }
  }
}

interface RowState { webhook_id: string, status: string, rows: number, quarantined: number }

async function inboxStates (databaseUrl: () => string, ids: string[]): Promise<Map<string, RowState>> {
  const rows = await query<RowState>(databaseUrl,
    "SELECT webhook_id, min(status) AS status, count(*)::int AS rows, coalesce(sum(records_quarantined), 0)::int AS quarantined FROM inbox WHERE adapter = 'household-registration' AND webhook_id = ANY($1::text[]) GROUP BY webhook_id", [ids])
  return new Map(rows.map((r) => [r.webhook_id, r]))
}

/** Waits until every acknowledged webhook's row is done, or `timeoutMs` passes. */
export async function drain (databaseUrl: () => string, sent: Sent[], timeoutMs: number): Promise<void> {
  const ids = sent.filter((s) => s.ackAt !== undefined).map((s) => s.id)
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    const states = await inboxStates(databaseUrl, ids)
    if (ids.every((id) => states.get(id)?.status === 'done')) return
    await sleep(1000)
  }
}

async function stuckJobs (redisUrl: string): Promise<Outcome['stuck']> {
  const connection = connectRedis(redisUrl, { maxRetriesPerRequest: 3 })
  connection.on('error', () => {})
  const total = { waiting: 0, active: 0, delayed: 0, failed: 0 }
  try {
    for (const name of [queueName('ingest', 'household-registration'), queueName('pull', 'market-regulation')]) {
      const queue = new Queue(name, { connection, prefix: QUEUE_PREFIX })
      const counts = await queue.getJobCounts('waiting', 'active', 'failed')
      // A job scheduler's next run waits in the delayed set by design: only other delayed jobs (retries in backoff) count.
      const delayed = (await queue.getJobs(['delayed'])).filter((job) => job.repeatJobKey === undefined)
      await queue.close()
      total.waiting += counts.waiting ?? 0
      total.active += counts.active ?? 0
      total.failed += counts.failed ?? 0
      total.delayed += delayed.length
    }
  } finally {
    connection.disconnect()
  }
  return total
}

/**
 * How long jobs left over are looked at again before they count. A job whose completion died with
 * its Redis master (its webhook already unified) is back in `active` on the promoted replica,
 * with no lock: BullMQ's stall check (every 30 s) marks it and takes it back at its next pass.
 */
const SETTLE_MS = 70_000

const fewer = (a: Outcome['stuck'], b: Outcome['stuck']): Outcome['stuck'] => ({
  waiting: Math.min(a.waiting, b.waiting),
  active: Math.min(a.active, b.active),
  delayed: Math.min(a.delayed, b.delayed),
  failed: Math.min(a.failed, b.failed),
})

/**
 * Jobs left over, as the smaller of two looks 3 s apart (the pull department's schedule starts a
 * job every 5 s, and one caught running is not stuck), looked at again while any is left, up to
 * SETTLE_MS.
 */
async function lingering (redisUrl: string): Promise<Outcome['stuck']> {
  const end = Date.now() + SETTLE_MS
  let previous = await stuckJobs(redisUrl)
  for (;;) {
    await sleep(3000)
    const current = await stuckJobs(redisUrl)
    const left = fewer(previous, current)
    if (Object.values(left).every((n) => n === 0) || Date.now() >= end) return left
    previous = current
  }
}

export async function measure (opts: { databaseUrl: () => string, redisUrl: string, sent: Sent[], faultAt: number }): Promise<Outcome> {
  const { sent, faultAt } = opts
  const acked = sent.filter((s) => s.ackAt !== undefined)
  const states = await inboxStates(opts.databaseUrl, acked.map((s) => s.id))
  const persons = await query<{ id_number: string, rows: number }>(opts.databaseUrl,
    'SELECT id_number, count(*)::int AS rows FROM persons WHERE id_number = ANY($1::text[]) GROUP BY id_number', [acked.map((s) => s.idNumber)])
  const personRows = new Map(persons.map((p) => [p.id_number, p.rows]))
  const unified = acked.filter((s) => states.get(s.id)?.status === 'done' && personRows.has(s.idNumber)).length
  const duplicates = [...states.values()].filter((r) => r.rows > 1).length + persons.filter((p) => p.rows > 1).length

  const lastRefusal = Math.max(0, ...sent.filter((s) => s.ackAt === undefined && s.sentAt >= faultAt).map((s) => s.sentAt))
  const firstAck = lastRefusal === 0 ? undefined : Math.min(...acked.filter((s) => s.sentAt > lastRefusal).map((s) => s.ackAt!))
  // Webhooks sent after the last refusal: those the system took once it was back (a fault that
  // needs a moment to bite lets a few through first, which say nothing about the recovery).
  const since = sent.filter((s) => s.sentAt > Math.max(faultAt, lastRefusal)).map((s) => s.id)
  const [first] = await query<{ at: Date | null }>(opts.databaseUrl,
    "SELECT min(processed_at) AS at FROM inbox WHERE adapter = 'household-registration' AND status = 'done' AND webhook_id = ANY($1::text[])", [since])
  return {
    sent: sent.length,
    acked: acked.length,
    refused: sent.length - acked.length,
    unified,
    quarantined: [...states.values()].filter((r) => r.quarantined > 0).length,
    duplicates,
    ackRecoveredMs: lastRefusal === 0 ? 0 : (Number.isFinite(firstAck) ? firstAck! - faultAt : undefined),
    unifiedRecoveredMs: first?.at ? first.at.getTime() - faultAt : undefined,
    stuck: await lingering(opts.redisUrl),
  }
}
