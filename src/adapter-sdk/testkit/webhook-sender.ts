// The sending side of Standard Webhooks, as a department runs it: each message POSTed to the
// subscriber signed with every secret it holds (key rotation), retried on a schedule after a
// failed attempt (same webhook-id, new timestamp and signature), an attempt failing unless a 2xx
// comes within the timeout, and extra deliveries of a message already sent (the duplicates
// production sees). Signing is the platform's own src/crypto/webhook-signature.ts: the scheme is
// defined once, on both sides. A department that signs with a header HMAC instead is given its
// declaration (`signature`), and signs as header-hmac-signer.ts does.
import { Agent, request } from 'undici'
import { secretKey, sign, signSm3, type WebhookScheme } from '../../crypto/webhook-signature.ts'
import { WEBHOOK_SECRETS, type HeaderHmacSignature } from '../webhook.ts'
import { headerHmacHeaders } from './header-hmac-signer.ts'
import { SimHttpError } from './sim-routes.ts'

export interface Subscriber {
  url: string
  /** `whsec_...`; several secrets (key rotation) put several signatures in webhook-signature. With a header HMAC: the shared secret (the first, if several). */
  secret: string | readonly string[]
}

/** Retries after 5 s, 30 s, 2 min, 10 min and 1 h, then the message is given up. */
export const STANDARD_RETRY_SCHEDULE_MS: readonly number[] = [5_000, 30_000, 120_000, 600_000, 3_600_000]

export interface WebhookSenderOptions {
  subscriber?: Subscriber
  /** Delays before the retries after a failed attempt. Default STANDARD_RETRY_SCHEDULE_MS. */
  retryScheduleMs?: readonly number[]
  /** An attempt that gets no 2xx within this time fails. Default 10 s. */
  attemptTimeoutMs?: number
  /** Most concurrent connections to the subscriber. Default 64. */
  maxConnections?: number
  /** Clock for webhook-timestamp (tests). */
  now?: () => number
  userAgent?: string
  /** Default application/json; charset=utf-8. */
  contentType?: string
  /** `v1` (HMAC-SHA256, the default) or `v1sm3` (HMAC-SM3). */
  scheme?: WebhookScheme
  /** Sign with this header HMAC instead of Standard Webhooks. */
  signature?: HeaderHmacSignature
  /**
   * Statuses besides 2xx that mean the subscriber has the message (e.g. [409] where a department
   * reads "duplicate" so): the message counts as delivered and is not retried.
   */
  alreadyHaveIt?: readonly number[]
}

export interface WebhookSenderStats {
  /** Messages answered 2xx or an `alreadyHaveIt` status (duplicates not counted). */
  delivered: number
  /** Attempts (deliveries, retries and duplicates) answered with an `alreadyHaveIt` status. */
  alreadyHad: number
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

export interface WebhookSender {
  readonly subscriber: Subscriber | undefined
  setSubscriber: (subscriber: Subscriber | undefined) => void
  /** Deliver with retries; `then` runs once the message is delivered or given up (not when the sender closes first). */
  deliver: (id: string, body: Buffer, then?: () => void) => void
  /** One extra delivery of a message after `afterMs`, without retries. */
  duplicate: (id: string, body: Buffer, afterMs: number) => void
  stats: () => WebhookSenderStats
  /** Resolves when no delivery, duplicate or retry is pending. */
  settled: () => Promise<void>
  /** Cancels pending retries and open requests. */
  close: () => Promise<void>
}

/** A subscriber from untrusted input (a control endpoint): 400 unless an http(s) URL and whsec_ secrets. */
/** `signature`: the header HMAC the secrets are for; Standard Webhooks (whsec_…) when not given. */
export function checkSubscriber (value: unknown, signature?: HeaderHmacSignature): Subscriber {
  if (typeof value !== 'object' || value === null) throw new SimHttpError(400, 'expected {url, secret}')
  const { url, secret } = value as Record<string, unknown>
  if (typeof url !== 'string' || !/^https?:\/\//.test(url) || !URL.canParse(url)) throw new SimHttpError(400, 'url must be an http(s) URL')
  const secrets = typeof secret === 'string' ? [secret] : Array.isArray(secret) ? secret.map(String) : []
  if (secrets.length === 0) throw new SimHttpError(400, 'secret must be a whsec_ secret or a list of them')
  for (const s of secrets) {
    if (signature) {
      const bad = WEBHOOK_SECRETS['header-hmac'].safeParse(s).error?.issues[0]
      if (bad) throw new SimHttpError(400, bad.message)
    } else {
      try { secretKey(s) } catch (err) { throw new SimHttpError(400, (err as Error).message) }
    }
  }
  return { url, secret: typeof secret === 'string' ? secret : secrets }
}

export function webhookSender (opts: WebhookSenderOptions = {}): WebhookSender {
  const schedule = [...(opts.retryScheduleMs ?? STANDARD_RETRY_SCHEDULE_MS)]
  const attemptTimeoutMs = opts.attemptTimeoutMs ?? 10_000
  const now = opts.now ?? Date.now
  const signWith = opts.scheme === 'v1sm3' ? signSm3 : sign
  const agent = new Agent({ connections: opts.maxConnections ?? 64, keepAliveTimeout: 4_000 })
  const closing = new AbortController()
  const timers = new Set<NodeJS.Timeout>()
  const alreadyHaveIt = new Set(opts.alreadyHaveIt ?? [])
  const s: WebhookSenderStats = { delivered: 0, alreadyHad: 0, attempts: 0, failedAttempts: 0, retriesPending: 0, gaveUp: 0, duplicatesSent: 0, inFlight: 0 }
  let subscriber = opts.subscriber === undefined ? undefined : checkSubscriber(opts.subscriber, opts.signature)
  let closed = false

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

  /** One POST; true on a 2xx (or an `alreadyHaveIt` status) within the attempt timeout. New timestamp and signature each time. */
  async function attempt (id: string, body: Buffer): Promise<boolean> {
    const target = subscriber
    if (!target || closed) return false
    const timestamp = Math.floor(now() / 1000)
    const secrets = typeof target.secret === 'string' ? [target.secret] : target.secret
    s.attempts++
    s.inFlight++
    try {
      const res = await request(target.url, {
        method: 'POST',
        dispatcher: agent,
        headers: {
          'content-type': opts.contentType ?? 'application/json; charset=utf-8',
          'user-agent': opts.userAgent ?? 'tongban-department-simulator/1.0',
          ...opts.signature
            ? headerHmacHeaders(opts.signature, secrets[0]!, id, now(), body)
            : {
                'webhook-id': id,
                'webhook-timestamp': String(timestamp),
                'webhook-signature': secrets.map((secret) => signWith(secret, id, timestamp, body)).join(' '),
              },
        },
        body,
        signal: AbortSignal.any([closing.signal, AbortSignal.timeout(attemptTimeoutMs)]),
      })
      await res.body.dump()
      if (alreadyHaveIt.has(res.statusCode)) {
        s.alreadyHad++
        return true
      }
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

  function deliver (id: string, body: Buffer, then?: () => void): void {
    begin()
    const run = (n: number): void => {
      attempt(id, body).then((ok) => {
        if (closed) return end()
        if (ok) {
          s.delivered++
        } else if (n < schedule.length) {
          s.retriesPending++
          later(schedule[n]!, () => { s.retriesPending--; run(n + 1) })
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

  function duplicate (id: string, body: Buffer, afterMs: number): void {
    begin()
    later(afterMs, () => {
      s.duplicatesSent++
      attempt(id, body).finally(end)
    })
  }

  return {
    get subscriber () { return subscriber },
    setSubscriber (value) { subscriber = value === undefined ? undefined : checkSubscriber(value, opts.signature) },
    deliver,
    duplicate,
    stats: () => ({ ...s }),
    settled: () => pending === 0 ? Promise.resolve() : new Promise<void>((resolve) => { waiters.push(resolve) }),
    async close () {
      if (closed) return
      closed = true
      // every timer held one open task: release them so settled() resolves
      const cancelled = timers.size
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      s.retriesPending = 0
      for (let i = 0; i < cancelled; i++) end()
      closing.abort()
      await agent.destroy().catch(() => {})
    },
  }
}
