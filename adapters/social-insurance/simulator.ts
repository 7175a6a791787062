// The department's push side, as a real HTTP server: it reads its insured persons' rows in order
// and delivers them to one subscriber in batches exactly as the spec says — Standard Webhooks
// signed with HMAC-SM3 (`v1sm3`), AAC002 and AAE005 SM4-CBC encrypted under the subscriber's data
// key, retried after 1 min, 5 min, 30 min, 2 h and then daily for 3 days, a 409 taken as "already
// have it". Control endpoints under /_sim let the demo and tests drive it. The server and the
// webhook sender are the SDK's test kit; what is here is the department.
import type { RunningSimulator } from '../../src/adapter-sdk/index.ts'
import { encryptSm4Field } from '../../src/crypto/sm4.ts'
import {
  checkSubscriber, intOption, jsonAnswer, mulberry32, SimHttpError, startSimServer, webhookSender,
  type Subscriber, type WebhookSenderStats,
} from '../../src/adapter-sdk/testkit/index.ts'
import {
  batchNo, ENCRYPTED_FIELDS, insuredAt, ivFor, rowsFrom, sendTime, startOfRegister,
  type Employers, type InsuranceBatch, type People, type Register, type RowCursor,
} from './data.ts'

export type { Subscriber }

const MINUTE = 60_000
const DAY = 24 * 60 * MINUTE
/** Spec: 1 min, 5 min, 30 min, 2 h, then daily for 3 days. */
export const RETRY_SCHEDULE_MS: readonly number[] = [MINUTE, 5 * MINUTE, 30 * MINUTE, 120 * MINUTE, DAY, DAY, DAY]
/** Spec: up to 1,000 items per batch. */
export const MAX_ITEMS = 1000

export interface SocialInsuranceSimulatorOptions {
  seed?: number
  /** Insured persons, 10..1,000,000; generated on demand. */
  persons?: number
  /** Employers the employees work for, 1..100,000. */
  employers?: number
  /** Who person `p` is (the demo: household residents); the register's own population otherwise. */
  people?: People
  /** Employer `e` (the demo: market-register enterprises); the register's own otherwise. */
  employerAt?: Employers
  /** The subscriber's 16-byte SM4 data key, as 32 hex characters. */
  dataKey: string
  port?: number
  host?: string
  subscriber?: Subscriber
  /** Delays before the retries after a failed attempt (default the spec's). */
  retryScheduleMs?: readonly number[]
  /** An attempt that gets no answer within this time fails. */
  attemptTimeoutMs?: number
  /** Rows per batch, 1..1,000. */
  itemsPerBatch?: number
  /** Emit one batch this often once a subscriber is set (demo). */
  autoEmitEveryMs?: number
  /** Share of batches delivered a second time (a repeat the subscriber answers 409). */
  duplicateRate?: number
  /** Clock for AAE036, sendTime, batchNo and webhook-timestamp (tests). */
  now?: () => number
  maxConnections?: number
}

export interface EmitOptions {
  batches?: number
  items?: number
}

export interface SimulatorStats extends WebhookSenderStats {
  /** Batches generated. */
  emitted: number
  /** Rows in them. */
  items: number
}

export interface SocialInsuranceSimulator extends RunningSimulator {
  readonly seed: number
  readonly register: Register
  /** Generate batches and start delivering them; returns once generated, not once delivered. Throws without a subscriber. */
  emit: (opts?: EmitOptions) => { batchNos: string[] }
  stats: () => SimulatorStats
  setSubscriber: (subscriber: Subscriber | undefined) => void
  /** Resolves when no delivery, duplicate or retry is pending. */
  settled: () => Promise<void>
  /** A batch emitted so far, in clear (the bytes sent have AAC002 and AAE005 encrypted), by batchNo. */
  batch: (batchNo: string) => InsuranceBatch | undefined
}

/** batch() remembers recent batches up to this many rows in all. */
const KEPT_ITEMS = 100_000

/** The emit options of a POST /_sim/emit body. */
function emitOptions (o: Record<string, unknown>): EmitOptions {
  const e: EmitOptions = {}
  const batches = intOption(o.batches, 'batches', 1, 10_000)
  const items = intOption(o.items, 'items', 1, MAX_ITEMS)
  if (batches !== undefined) e.batches = batches
  if (items !== undefined) e.items = items
  return e
}

/** The wire form of a batch: the spec's encrypted fields as base64 of IV || SM4-CBC ciphertext. */
export function encryptBatch (batch: InsuranceBatch, key: Buffer, seed: number): Buffer {
  const items = batch.items.map((item, index) => {
    const out: Record<string, string> = { ...item }
    for (const field of ENCRYPTED_FIELDS) out[field] = encryptSm4Field(key, item[field], ivFor(seed, batch.batchNo, index, field))
    return out
  })
  return Buffer.from(JSON.stringify({ ...batch, items }), 'utf8')
}

export async function startSimulator (opts: SocialInsuranceSimulatorOptions): Promise<SocialInsuranceSimulator> {
  const seed = opts.seed ?? 1
  const register: Register = {
    seed,
    persons: opts.persons ?? 1000,
    employers: opts.employers ?? 100,
    ...(opts.people ? { people: opts.people } : {}),
    ...(opts.employerAt ? { employerAt: opts.employerAt } : {}),
  }
  if (!Number.isInteger(register.persons) || register.persons < 10 || register.persons > 1_000_000) throw new RangeError('persons must be an integer from 10 to 1,000,000')
  if (!Number.isInteger(register.employers) || register.employers < 1 || register.employers > 100_000) throw new RangeError('employers must be an integer from 1 to 100,000')
  if (!/^[0-9a-fA-F]{32}$/.test(opts.dataKey)) throw new RangeError('dataKey must be 32 hex characters (16 bytes)')
  const key = Buffer.from(opts.dataKey, 'hex')
  const itemsPerBatch = opts.itemsPerBatch ?? 200
  if (!Number.isInteger(itemsPerBatch) || itemsPerBatch < 1 || itemsPerBatch > MAX_ITEMS) throw new RangeError(`itemsPerBatch must be 1..${MAX_ITEMS}`)
  const duplicateRate = opts.duplicateRate ?? 0
  const now = opts.now ?? Date.now
  const sender = webhookSender({
    ...(opts.subscriber === undefined ? {} : { subscriber: opts.subscriber }),
    retryScheduleMs: opts.retryScheduleMs ?? RETRY_SCHEDULE_MS,
    attemptTimeoutMs: opts.attemptTimeoutMs ?? 30_000,
    maxConnections: opts.maxConnections ?? 16,
    now,
    scheme: 'v1sm3',
    // the spec: a 409 is "already have it", delivered, not retried
    alreadyHaveIt: [409],
    userAgent: 'hrss-insurance-push-simulator/1.0',
  })

  const chance = mulberry32(seed ^ 0x72730001)
  const sent = new Map<string, InsuranceBatch>()
  let keptItems = 0
  let cursor: RowCursor = startOfRegister
  // batchNo's sequence: the second of the Beijing day the batch is sent in, or one past the last
  // when batches outrun the clock, so a restarted simulator never reuses a batchNo of that day
  // (the subscriber would answer 409 to a new batch under an old number)
  let day = ''
  let sequence = -1
  const nextSequence = (at: number): number => {
    const today = sendTime(at).slice(0, 10)
    if (today !== day) { day = today; sequence = -1 }
    const second = Math.floor(((at + 8 * 3_600_000) % DAY) / 1000)
    sequence = Math.max(sequence + 1, second)
    return sequence
  }
  let emitted = 0
  let items = 0
  let closed = false

  function remember (batch: InsuranceBatch): void {
    emitted++
    items += batch.items.length
    sent.set(batch.batchNo, batch)
    keptItems += batch.items.length
    while (keptItems > KEPT_ITEMS && sent.size > 1) {
      const oldest = sent.keys().next().value as string
      keptItems -= sent.get(oldest)!.items.length
      sent.delete(oldest)
    }
  }

  function emit (e: EmitOptions = {}): { batchNos: string[] } {
    if (closed) throw new SimHttpError(409, 'the simulator is closed')
    if (!sender.subscriber) throw new SimHttpError(409, 'no subscriber: PUT /_sim/subscriber {url, secret} first')
    if (e.items !== undefined && !(Number.isInteger(e.items) && e.items >= 1 && e.items <= MAX_ITEMS)) throw new SimHttpError(400, `items must be an integer from 1 to ${MAX_ITEMS}`)
    const batchNos: string[] = []
    for (let i = 0; i < (e.batches ?? 1); i++) {
      const at = now()
      const rows = rowsFrom(register, cursor, e.items ?? itemsPerBatch, at)
      cursor = rows.next
      const batch: InsuranceBatch = { batchNo: batchNo(at, nextSequence(at)), sendTime: sendTime(at), items: rows.items }
      remember(batch)
      const body = encryptBatch(batch, key, seed)
      batchNos.push(batch.batchNo)
      sender.deliver(batch.batchNo, body)
      if (chance() < duplicateRate) sender.duplicate(batch.batchNo, body, Math.floor(chance() * 900))
    }
    return { batchNos }
  }

  const server = await startSimServer({
    port: opts.port,
    host: opts.host,
    bodyLimit: 64 * 1024,
    routes: {
      'GET /healthz': () => jsonAnswer({ status: 'ok', department: 'social-insurance', seed, persons: register.persons }),
      'GET /_sim/stats': () => jsonAnswer({ emitted, items, ...sender.stats() }),
      'PUT /_sim/subscriber': (req) => { sender.setSubscriber(checkSubscriber(req.json())); return { status: 204 } },
      'POST /_sim/emit': (req) => jsonAnswer(emit(emitOptions(req.json()))),
      'GET /_sim/persons/:index': (req) => {
        const index = /^\d{1,7}$/.test(req.params.index!) ? Number(req.params.index) : register.persons
        if (index >= register.persons) throw new SimHttpError(404, `no insured person ${req.params.index}`)
        return jsonAnswer({ index, person: insuredAt(register, index) })
      },
    },
  })

  let autoTimer: NodeJS.Timeout | undefined
  if (opts.autoEmitEveryMs !== undefined && opts.autoEmitEveryMs > 0) {
    autoTimer = setInterval(() => { if (sender.subscriber && !closed) emit() }, opts.autoEmitEveryMs)
    autoTimer.unref()
  }

  return {
    url: server.url,
    seed,
    register,
    emit,
    setSubscriber: (value) => { sender.setSubscriber(value) },
    stats: () => ({ emitted, items, ...sender.stats() }),
    batch: (no) => sent.get(no),
    settled: sender.settled,
    async close () {
      if (closed) return
      closed = true
      if (autoTimer) clearInterval(autoTimer)
      await sender.close()
      await server.close()
    },
  }
}
