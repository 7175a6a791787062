// The steady load: signed household-registration webhooks at a fixed rate, spread over the api
// processes, each with its own webhook id and one resident no other webhook names — so a
// webhook's unification is visible as one row in `persons`. Every answer is kept: which webhooks
// were acknowledged (2xx), and when.
import { Agent } from 'undici'
import { buildMessage, idCheckChar } from '../adapters/household-registration/data.ts'
import { sign } from '../src/crypto/webhook-signature.ts'

/** The household webhook secret chaos/config.yaml names (the demo's own is refused outside config/demo.yaml). */
export const SECRET = 'whsec_dG9uZ2Jhbi1jaGFvcy1ob3VzZWhvbGQtc2VjcmV0'
const SEED = 7
/** Far more residents than a run sends: resident n is named by webhook n alone. */
const RESIDENTS = 50_000_000
/** A request not answered by then counts as not acknowledged (the sender would retry it). */
const TIMEOUT_MS = 5000

export interface Sent {
  id: string
  /** The ID number of the one resident the webhook carries. */
  idNumber: string
  sentAt: number
  /** When a 2xx came back; undefined if refused, failed or timed out. */
  ackAt?: number
  failedAt?: number
  /** The HTTP status, or 0 when no answer came (refused connection, timeout). */
  status?: number
}

export interface Load {
  /** Starts sending (a new batch of `Sent`, returned by `stop`). */
  start: () => void
  /** When the last refusal (error, or no answer in time) came; 0 if none since `start`. */
  lastRefusal: () => number
  /** Stops sending and waits for the answers in flight. */
  stop: () => Promise<Sent[]>
}

let next = Math.floor(Date.now() / 1000) % 1_000_000 * 100
let messageNo = 0

/** An 18-character ID number whose check character and birth date agree (the generator's quirks do not). */
function clean (id: string, birthDate: string): boolean {
  return id.length === 18 && idCheckChar(id.slice(0, 17)) === id[17] && id.slice(6, 14) === birthDate
}

/**
 * The next message: one resident no other message of the run names, whose record is clean (1 in
 * 50 is deliberately quirky and quarantined) and carries the 18-character ID number persons keys.
 */
function nextMessage (): { body: string, idNumber: string, n: number } {
  for (;;) {
    const n = next++
    // Message numbers set the event time: minutes after the simulator's base time, in order.
    const message = buildMessage(SEED, messageNo, { records: 1, residents: RESIDENTS, residentFrom: n, revision: 0, eventType: 'QR' })
    const record = message.records[0]!
    const id = record.GMSFHM.toUpperCase()
    if (!clean(id, record.CSRQ)) continue
    messageNo++
    return { body: JSON.stringify(message), idNumber: id, n }
  }
}

export function steadyLoad (opts: { urls: () => string[], perSecond: number }): Load {
  const dispatcher = new Agent({ connections: 16, keepAliveTimeout: 2000 })
  let timer: NodeJS.Timeout | undefined
  let batch: Sent[] = []
  const inFlight = new Set<Promise<void>>()
  let turn = 0

  function send (): void {
    const urls = opts.urls()
    const url = urls[turn++ % urls.length]!
    const { body, idNumber, n } = nextMessage()
    const sent: Sent = { id: `chaos_${n}`, idNumber, sentAt: Date.now() }
    batch.push(sent)
    const ts = Math.floor(sent.sentAt / 1000)
    const request = fetch(`${url}/webhooks/household-registration`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json; charset=utf-8', 'webhook-id': sent.id, 'webhook-timestamp': String(ts), 'webhook-signature': sign(SECRET, sent.id, ts, body) },
      signal: AbortSignal.timeout(TIMEOUT_MS),
      // @ts-expect-error undici's dispatcher option, which Node's fetch takes but its types omit
      dispatcher,
    }).then(async (res) => {
      await res.arrayBuffer()
      sent.status = res.status
      if (res.status >= 200 && res.status < 300) sent.ackAt = Date.now()
      else sent.failedAt = Date.now()
    }, () => { sent.status = 0; sent.failedAt = Date.now() })
    inFlight.add(request)
    void request.finally(() => inFlight.delete(request))
  }

  return {
    start () {
      batch = []
      const every = 1000 / opts.perSecond
      timer = setInterval(send, every)
    },
    lastRefusal: () => Math.max(0, ...batch.map((s) => s.failedAt ?? 0)),
    async stop () {
      clearInterval(timer)
      await Promise.all([...inFlight])
      return batch
    },
  }
}
