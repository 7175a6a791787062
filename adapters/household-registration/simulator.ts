// The department's push side, as a real HTTP server: it generates registration changes for a
// seeded population and delivers them to one subscriber exactly as the spec says — signed per
// Standard Webhooks, retried after 5 s, 30 s, 2 min, 10 min, 1 h, often delivered twice, and
// sometimes out of order. Control endpoints under /_sim let the demo and tests drive it.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Agent, request } from 'undici'
import type { RunningSimulator } from '../../src/adapter-sdk/index.ts'
import { secretKey, sign } from '../../src/webhooks/signature.ts'
import {
  buildMessage, messageResidents, mulberry32, residentAt, residentFacts, type HouseholdMessage,
} from './data.ts'

export interface Subscriber {
  url: string
  /** `whsec_...`; several secrets (key rotation) put several signatures in webhook-signature. */
  secret: string | readonly string[]
}

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

export interface SimulatorStats {
  /** Messages generated. */
  emitted: number
  /** Messages answered 2xx (duplicates not counted). */
  delivered: number
  /** POSTs made, including retries and duplicates. */
  attempts: number
  /** Attempts that got no 2xx in time. */
  failedAttempts: number
  /** Messages waiting for their next retry. */
  retriesPending: number
  /** Messages abandoned after the last retry. */
  gaveUp: number
  /** Extra deliveries of an already sent message. */
  duplicatesSent: number
  /** Requests currently open. */
  inFlight: number
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

const DEFAULT_RETRIES = [5_000, 30_000, 120_000, 600_000, 3_600_000] as const
const CONTROL_BODY_LIMIT = 64 * 1024
/** message() remembers recent messages up to this many records in all. */
const KEPT_RECORDS = 100_000

class HttpError extends Error {
  constructor (readonly status: number, message: string) { super(message) }
}

function checkSubscriber (value: unknown): Subscriber {
  if (typeof value !== 'object' || value === null) throw new HttpError(400, 'expected {url, secret}')
  const { url, secret } = value as Record<string, unknown>
  if (typeof url !== 'string' || !/^https?:\/\//.test(url)) throw new HttpError(400, 'url must be an http(s) URL')
  try { new URL(url) } catch { throw new HttpError(400, 'url must be an http(s) URL') }
  const secrets = typeof secret === 'string' ? [secret] : Array.isArray(secret) ? secret : []
  if (secrets.length === 0) throw new HttpError(400, 'secret must be a whsec_ secret or a list of them')
  for (const s of secrets) {
    try { secretKey(String(s)) } catch (err) { throw new HttpError(400, (err as Error).message) }
  }
  return { url, secret: typeof secret === 'string' ? secret : secrets.map(String) }
}

function intOption (value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new HttpError(400, `${name} must be an integer from ${min} to ${max}`)
  }
  return value
}

async function readJson (req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > CONTROL_BODY_LIMIT) throw new HttpError(413, 'body too large')
    chunks.push(chunk as Buffer)
  }
  if (size === 0) return {}
  try { return JSON.parse(Buffer.concat(chunks).toString('utf8')) } catch { throw new HttpError(400, 'body is not JSON') }
}

function send (res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) { res.writeHead(status).end(); return }
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text)
}

export async function startSimulator (opts: HouseholdSimulatorOptions = {}): Promise<HouseholdSimulator> {
  const seed = opts.seed ?? 1
  const residents = opts.residents ?? 1000
  if (!Number.isInteger(residents) || residents < 10 || residents > 1_000_000) throw new RangeError('residents must be an integer from 10 to 1,000,000')
  const retrySchedule = [...(opts.retryScheduleMs ?? DEFAULT_RETRIES)]
  const attemptTimeoutMs = opts.attemptTimeoutMs ?? 10_000
  const duplicateRate = opts.duplicateRate ?? 0.2
  const outOfOrderRate = opts.outOfOrderRate ?? 0.05
  const perMessage = opts.recordsPerMessage ?? [1, 20]
  const [minRecords, maxRecords] = typeof perMessage === 'number' ? [perMessage, perMessage] : perMessage
  if (!(Number.isInteger(minRecords) && Number.isInteger(maxRecords) && minRecords >= 1 && maxRecords >= minRecords && maxRecords <= 500)) {
    throw new RangeError('recordsPerMessage must be 1..500 or a range within it')
  }
  const now = opts.now ?? Date.now
  let subscriber = opts.subscriber === undefined ? undefined : checkSubscriber(opts.subscriber)

  // The simulator's own choices (duplicates, sizes, reordering) come from one seeded stream, so a
  // run is repeatable given the same calls; the records come from data.ts keyed by message number.
  const chance = mulberry32(seed ^ 0x68720001)
  const agent = new Agent({ connections: opts.maxConnections ?? 64, keepAliveTimeout: 4_000 })
  const closing = new AbortController()
  const timers = new Set<NodeJS.Timeout>()
  const sent = new Map<string, HouseholdMessage>() // recent messages for message(), bounded by KEPT_RECORDS
  let messageNo = 0
  let closed = false
  const s = { emitted: 0, delivered: 0, attempts: 0, failedAttempts: 0, retriesPending: 0, gaveUp: 0, duplicatesSent: 0, inFlight: 0 }

  // settled(): a count of open tasks (a message's delivery chain, a duplicate) and its waiters
  let pending = 0
  let waiters: (() => void)[] = []
  const begin = (): void => { pending++ }
  const end = (): void => {
    if (--pending === 0) { const w = waiters; waiters = []; for (const f of w) f() }
  }
  const later = (ms: number, fn: () => void): void => {
    const timer = setTimeout(() => { timers.delete(timer); fn() }, ms)
    timers.add(timer)
  }

  /** One POST; true on a 2xx within the attempt timeout. New timestamp and signature each time. */
  async function attempt (msgId: string, body: Buffer): Promise<boolean> {
    const target = subscriber
    if (!target || closed) return false
    const timestamp = Math.floor(now() / 1000)
    const secrets = typeof target.secret === 'string' ? [target.secret] : target.secret
    const signature = secrets.map((secret) => sign(secret, msgId, timestamp, body)).join(' ')
    s.attempts++
    s.inFlight++
    try {
      const res = await request(target.url, {
        method: 'POST',
        dispatcher: agent,
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'user-agent': 'hr-population-push-simulator/1.0',
          'webhook-id': msgId,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signature,
        },
        body,
        signal: AbortSignal.any([closing.signal, AbortSignal.timeout(attemptTimeoutMs)]),
      })
      await res.body.dump()
      const ok = res.statusCode >= 200 && res.statusCode < 300
      if (!ok) s.failedAttempts++
      return ok
    } catch {
      s.failedAttempts++
      return false
    } finally {
      s.inFlight--
    }
  }

  /** Deliver with retries per the schedule; `then` runs once the chain ends (delivered or given up). */
  function deliver (msgId: string, body: Buffer, then?: () => void): void {
    begin()
    const run = (n: number): void => {
      attempt(msgId, body).then((ok) => {
        if (closed) return end()
        if (ok) {
          s.delivered++
        } else if (n < retrySchedule.length) {
          s.retriesPending++
          later(retrySchedule[n]!, () => { s.retriesPending--; run(n + 1) })
          return
        } else {
          s.gaveUp++
        }
        then?.()
        end()
      }, () => end())
    }
    run(0)
  }

  function duplicate (msgId: string, body: Buffer): void {
    begin()
    later(Math.floor(chance() * 900), () => {
      s.duplicatesSent++
      attempt(msgId, body).finally(end)
    })
  }

  let keptRecords = 0
  function remember (message: HouseholdMessage): void {
    sent.set(message.msgId, message)
    keptRecords += message.records.length
    while (keptRecords > KEPT_RECORDS && sent.size > 1) {
      const oldest = sent.keys().next().value as string
      keptRecords -= sent.get(oldest)!.records.length
      sent.delete(oldest)
    }
  }

  function emit (e: EmitOptions = {}): { msgIds: string[] } {
    if (closed) throw new HttpError(409, 'the simulator is closed')
    if (!subscriber) throw new HttpError(409, 'no subscriber: PUT /_sim/subscriber {url, secret} first')
    const count = e.messages ?? 1
    const msgIds: string[] = []
    for (let i = 0; i < count; i++) {
      const records = e.recordsPerMessage ?? (minRecords + Math.floor(chance() * (maxRecords - minRecords + 1)))
      const no = ++messageNo
      const at = now()
      const message = buildMessage(seed, no, {
        records,
        residents,
        ...(e.residentFrom === undefined ? {} : { residentFrom: e.residentFrom + i * records }),
        ...(e.eventType === undefined ? {} : { eventType: e.eventType }),
        occurTime: new Date(at),
      })
      const body = Buffer.from(JSON.stringify(message), 'utf8')
      s.emitted++
      remember(message)
      msgIds.push(message.msgId)

      let afterwards: (() => void) | undefined
      if (chance() < outOfOrderRate) {
        // the same residents, registered earlier, arriving after the newer message
        const staleNo = ++messageNo
        const indices = messageResidents(seed, no, records, residents,
          e.residentFrom === undefined ? undefined : e.residentFrom + i * records)
        const stale = buildMessage(seed, staleNo, {
          records: indices.map((idx) => residentAt(seed, idx, staleNo)),
          eventType: chance() < 0.5 ? 'BG' : 'QR',
          occurTime: new Date(at - (60 + Math.floor(chance() * 3540)) * 1000),
        })
        const staleBody = Buffer.from(JSON.stringify(stale), 'utf8')
        s.emitted++
        remember(stale)
        msgIds.push(stale.msgId)
        afterwards = () => { if (!closed) deliver(stale.msgId, staleBody) }
      }

      deliver(message.msgId, body, afterwards)
      if (chance() < duplicateRate) duplicate(message.msgId, body)
    }
    return { msgIds }
  }

  function setSubscriber (value: Subscriber | undefined): void {
    subscriber = value === undefined ? undefined : checkSubscriber(value)
  }

  async function handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]
    const route = `${req.method} ${path}`
    if (route === 'GET /healthz') return send(res, 200, { status: 'ok', department: 'household-registration', seed, residents })
    if (route === 'GET /_sim/stats') return send(res, 200, { ...s })
    if (route === 'PUT /_sim/subscriber') {
      setSubscriber(checkSubscriber(await readJson(req)))
      return send(res, 204)
    }
    if (route === 'POST /_sim/emit') {
      const b = await readJson(req)
      if (typeof b !== 'object' || b === null || Array.isArray(b)) throw new HttpError(400, 'expected a JSON object')
      const o = b as Record<string, unknown>
      const e: EmitOptions = {}
      const messages = intOption(o.messages, 'messages', 1, 100_000)
      const recordsPerMessage = intOption(o.recordsPerMessage, 'recordsPerMessage', 1, 500)
      const residentFrom = intOption(o.residentFrom, 'residentFrom', 0, residents - 1)
      if (messages !== undefined) e.messages = messages
      if (recordsPerMessage !== undefined) e.recordsPerMessage = recordsPerMessage
      if (residentFrom !== undefined) e.residentFrom = residentFrom
      if (o.eventType !== undefined && o.eventType !== null) {
        if (typeof o.eventType !== 'string') throw new HttpError(400, 'eventType must be a string')
        e.eventType = o.eventType
      }
      return send(res, 200, emit(e))
    }
    const resident = /^\/_sim\/residents\/(\d{1,7})$/.exec(path ?? '')
    if (req.method === 'GET' && resident) {
      const index = Number(resident[1])
      if (index >= residents) throw new HttpError(404, `no resident ${index}`)
      return send(res, 200, { index, record: residentAt(seed, index), facts: residentFacts(seed, index) })
    }
    throw new HttpError(404, `no route ${route}`)
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500
      if (!res.headersSent) send(res, status, { error: (err as Error).message })
      else res.destroy()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => { server.off('error', reject); resolve() })
  })
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  const url = `http://${host}:${address.port}`

  let autoTimer: NodeJS.Timeout | undefined
  if (opts.autoEmitEveryMs !== undefined && opts.autoEmitEveryMs > 0) {
    autoTimer = setInterval(() => { if (subscriber && !closed) emit() }, opts.autoEmitEveryMs)
    autoTimer.unref()
  }

  return {
    url,
    seed,
    residents,
    emit,
    setSubscriber,
    stats: () => ({ ...s }),
    message: (msgId) => sent.get(msgId),
    settled: () => pending === 0 ? Promise.resolve() : new Promise<void>((resolve) => { waiters.push(resolve) }),
    async close () {
      if (closed) return
      closed = true
      if (autoTimer) clearInterval(autoTimer)
      for (const timer of timers) clearTimeout(timer)
      // every timer held one open task: release them so settled() resolves
      const cancelled = timers.size
      timers.clear()
      s.retriesPending = 0
      for (let i = 0; i < cancelled; i++) end()
      closing.abort()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await agent.destroy().catch(() => {})
    },
  }
}
