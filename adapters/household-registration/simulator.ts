// The department's push side, as a real HTTP server: it generates registration changes for a
// seeded population and delivers them to one subscriber exactly as the spec says — signed per
// Standard Webhooks, retried after 5 s, 30 s, 2 min, 10 min, 1 h, often delivered twice, and
// sometimes out of order. Control endpoints under /_sim let the demo and tests drive it. The
// server and the webhook sender are the SDK's test kit; what is here is the department.
import type { RunningSimulator } from '../../src/adapter-sdk/index.ts'
import {
  checkSubscriber, intOption, jsonAnswer, mulberry32, SimHttpError, startSimServer, webhookSender,
  type Subscriber, type WebhookSenderStats,
} from '../../src/adapter-sdk/testkit/index.ts'
import { buildMessage, messageResidents, residentAt, residentFacts, type HouseholdMessage } from './data.ts'

export type { Subscriber }

export interface HouseholdSimulatorOptions {
  seed?: number
  /** Population size, 10..1,000,000; residents are generated on demand. */
  residents?: number
  port?: number
  host?: string
  subscriber?: Subscriber
  /** Delays before the retries after a failed attempt; after the last one the message is given up. */
  retryScheduleMs?: readonly number[]
  /** An attempt that gets no 2xx within this time fails (spec: 10 s). */
  attemptTimeoutMs?: number
  /** Share of messages delivered a second time within a second (same webhook-id). */
  duplicateRate?: number
  /** Records per emitted message: a fixed count or an inclusive [min, max] range (spec: 1..500). */
  recordsPerMessage?: number | readonly [number, number]
  /** Emit one message this often once a subscriber is set (demo). */
  autoEmitEveryMs?: number
  /**
   * Share of emitted messages followed by a stale one: the same residents with an occurTime up to
   * an hour earlier, delivered after the newer message has been answered. It is an extra message.
   */
  outOfOrderRate?: number
  /** Clock for occurTime and webhook-timestamp (tests). */
  now?: () => number
  /** Most concurrent connections to the subscriber. */
  maxConnections?: number
}

export interface EmitOptions {
  messages?: number
  recordsPerMessage?: number
  /** CS, QR, QC, BG, SW — or any other string to exercise the unknown-type quarantine. */
  eventType?: string
  /** Take residents residentFrom, residentFrom+1, … instead of seeded picks. */
  residentFrom?: number
}

export interface SimulatorStats extends WebhookSenderStats {
  /** Messages generated. */
  emitted: number
}

export interface HouseholdSimulator extends RunningSimulator {
  readonly seed: number
  readonly residents: number
  /** Generate messages and start delivering them; returns once generated, not once delivered. Throws without a subscriber. */
  emit: (opts?: EmitOptions) => { msgIds: string[] }
  stats: () => SimulatorStats
  setSubscriber: (subscriber: Subscriber | undefined) => void
  /** Resolves when no delivery, duplicate or retry is pending. */
  settled: () => Promise<void>
  /** The messages emitted so far, by msgId (the exact bytes sent are `JSON.stringify(message)`). */
  message: (msgId: string) => HouseholdMessage | undefined
}

/** message() remembers recent messages up to this many records in all. */
const KEPT_RECORDS = 100_000

/** The emit options of a POST /_sim/emit body. */
function emitOptions (o: Record<string, unknown>, residents: number): EmitOptions {
  const e: EmitOptions = {}
  const messages = intOption(o.messages, 'messages', 1, 100_000)
  const recordsPerMessage = intOption(o.recordsPerMessage, 'recordsPerMessage', 1, 500)
  const residentFrom = intOption(o.residentFrom, 'residentFrom', 0, residents - 1)
  if (messages !== undefined) e.messages = messages
  if (recordsPerMessage !== undefined) e.recordsPerMessage = recordsPerMessage
  if (residentFrom !== undefined) e.residentFrom = residentFrom
  if (o.eventType !== undefined && o.eventType !== null) {
    if (typeof o.eventType !== 'string') throw new SimHttpError(400, 'eventType must be a string')
    e.eventType = o.eventType
  }
  return e
}

export async function startSimulator (opts: HouseholdSimulatorOptions = {}): Promise<HouseholdSimulator> {
  const seed = opts.seed ?? 1
  const residents = opts.residents ?? 1000
  if (!Number.isInteger(residents) || residents < 10 || residents > 1_000_000) throw new RangeError('residents must be an integer from 10 to 1,000,000')
  const duplicateRate = opts.duplicateRate ?? 0.2
  const outOfOrderRate = opts.outOfOrderRate ?? 0.05
  const perMessage = opts.recordsPerMessage ?? [1, 20]
  const [minRecords, maxRecords] = typeof perMessage === 'number' ? [perMessage, perMessage] : perMessage
  if (!(Number.isInteger(minRecords) && Number.isInteger(maxRecords) && minRecords >= 1 && maxRecords >= minRecords && maxRecords <= 500)) {
    throw new RangeError('recordsPerMessage must be 1..500 or a range within it')
  }
  const now = opts.now ?? Date.now
  const sender = webhookSender({
    ...(opts.subscriber === undefined ? {} : { subscriber: opts.subscriber }),
    ...(opts.retryScheduleMs === undefined ? {} : { retryScheduleMs: opts.retryScheduleMs }),
    attemptTimeoutMs: opts.attemptTimeoutMs ?? 10_000,
    maxConnections: opts.maxConnections ?? 64,
    now,
    userAgent: 'hr-population-push-simulator/1.0',
  })

  // The simulator's own choices (duplicates, sizes, reordering) come from one seeded stream, so a
  // run is repeatable given the same calls; the records come from data.ts keyed by message number.
  const chance = mulberry32(seed ^ 0x68720001)
  const sent = new Map<string, HouseholdMessage>() // recent messages for message(), bounded by KEPT_RECORDS
  let keptRecords = 0
  let messageNo = 0
  let emitted = 0
  let closed = false

  function remember (message: HouseholdMessage): Buffer {
    emitted++
    sent.set(message.msgId, message)
    keptRecords += message.records.length
    while (keptRecords > KEPT_RECORDS && sent.size > 1) {
      const oldest = sent.keys().next().value as string
      keptRecords -= sent.get(oldest)!.records.length
      sent.delete(oldest)
    }
    return Buffer.from(JSON.stringify(message), 'utf8')
  }

  function emit (e: EmitOptions = {}): { msgIds: string[] } {
    if (closed) throw new SimHttpError(409, 'the simulator is closed')
    if (!sender.subscriber) throw new SimHttpError(409, 'no subscriber: PUT /_sim/subscriber {url, secret} first')
    const msgIds: string[] = []
    for (let i = 0; i < (e.messages ?? 1); i++) {
      const records = e.recordsPerMessage ?? (minRecords + Math.floor(chance() * (maxRecords - minRecords + 1)))
      const residentFrom = e.residentFrom === undefined ? undefined : e.residentFrom + i * records
      const no = ++messageNo
      const at = now()
      const message = buildMessage(seed, no, {
        records,
        residents,
        ...(residentFrom === undefined ? {} : { residentFrom }),
        ...(e.eventType === undefined ? {} : { eventType: e.eventType }),
        occurTime: new Date(at),
      })
      const body = remember(message)
      msgIds.push(message.msgId)

      let afterwards: (() => void) | undefined
      if (chance() < outOfOrderRate) {
        // the same residents, registered earlier, arriving after the newer message
        const staleNo = ++messageNo
        const stale = buildMessage(seed, staleNo, {
          records: messageResidents(seed, no, records, residents, residentFrom).map((idx) => residentAt(seed, idx, staleNo)),
          eventType: chance() < 0.5 ? 'BG' : 'QR',
          occurTime: new Date(at - (60 + Math.floor(chance() * 3540)) * 1000),
        })
        const staleBody = remember(stale)
        msgIds.push(stale.msgId)
        afterwards = () => { if (!closed) sender.deliver(stale.msgId, staleBody) }
      }

      sender.deliver(message.msgId, body, afterwards)
      if (chance() < duplicateRate) sender.duplicate(message.msgId, body, Math.floor(chance() * 900))
    }
    return { msgIds }
  }

  const server = await startSimServer({
    port: opts.port,
    host: opts.host,
    bodyLimit: 64 * 1024,
    routes: {
      'GET /healthz': () => jsonAnswer({ status: 'ok', department: 'household-registration', seed, residents }),
      'GET /_sim/stats': () => jsonAnswer({ emitted, ...sender.stats() }),
      'PUT /_sim/subscriber': (req) => { sender.setSubscriber(checkSubscriber(req.json())); return { status: 204 } },
      'POST /_sim/emit': (req) => jsonAnswer(emit(emitOptions(req.json(), residents))),
      'GET /_sim/residents/:index': (req) => {
        const index = /^\d{1,7}$/.test(req.params.index!) ? Number(req.params.index) : residents
        if (index >= residents) throw new SimHttpError(404, `no resident ${req.params.index}`)
        return jsonAnswer({ index, record: residentAt(seed, index), facts: residentFacts(seed, index) })
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
    residents,
    emit,
    setSubscriber: (value) => { sender.setSubscriber(value) },
    stats: () => ({ emitted, ...sender.stats() }),
    message: (msgId) => sent.get(msgId),
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
