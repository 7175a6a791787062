// A department's own system, simulated (the demo, and tests of the whole loop): it receives the
// department's whistles as Standard Webhooks at POST /whistles, checks the signature in the
// department's scheme (v1 or v1sm3), answers 204 at once, and later answers the town through
// tongban's API with its department token — 响应 soon, 报到 on site a while after — as a real
// department system behind a duty desk would. A repeated webhook-id is acknowledged, not acted on.
import { request } from 'undici'
import { isTongbanError } from '../errors.ts'
import { secretKey, verify, type WebhookScheme } from '../crypto/webhook-signature.ts'
import { jsonAnswer, startSimServer, SimHttpError, type SimServer } from '../adapter-sdk/testkit/index.ts'
import type { Logger } from '../log.ts'

export const WHISTLE_PATH = '/whistles'

/** Whistle events a department acts on: a new (or reopened) whistle is answered with 响应 and 报到. */
const ANSWERED = new Set(['whistle.blown', 'whistle.reopened'])

export interface WhistleReceiverOptions {
  department: string
  scheme: WebhookScheme
  /** The `whsec_` secret tongban signs with (the same as in the vault). */
  secret: string
  /** tongban's base URL (a function: the gateway may listen after the receiver starts). */
  gatewayUrl: () => string
  /** The department's API token (role department-liaison, its department). */
  token: string
  respondAfterMs: number
  arriveAfterMs: number
  /** Who reports on site (报到). */
  who: string
  port?: number
  host?: string
  logger?: Logger
}

export interface ReceivedWhistle { webhookId: string, type: string, whistleId: string | undefined, data: Record<string, unknown> }

export interface WhistleReceiver extends SimServer {
  /** The whistle events received and verified, in order (repeats once). */
  received: () => readonly ReceivedWhistle[]
  /** The answers the receiver sent to tongban, with tongban's status. */
  answers: () => ReadonlyArray<{ whistleId: string, action: string, status: number }>
}

export async function startWhistleReceiver (opts: WhistleReceiverOptions): Promise<WhistleReceiver> {
  const keys = [secretKey(opts.secret)]
  const received: ReceivedWhistle[] = []
  const answers: Array<{ whistleId: string, action: string, status: number }> = []
  const seen = new Set<string>()
  const timers = new Set<NodeJS.Timeout>()

  const answer = async (whistleId: string, body: Record<string, unknown>): Promise<void> => {
    const res = await request(`${opts.gatewayUrl()}/api/v1/whistles/${encodeURIComponent(whistleId)}/transitions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${opts.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    const text = await res.body.text()
    answers.push({ whistleId, action: String(body.action), status: res.statusCode })
    if (res.statusCode >= 300) opts.logger?.warn({ department: opts.department, whistleId, action: body.action, status: res.statusCode, answer: text.slice(0, 300) }, 'department system: tongban refused its answer')
  }
  const later = (ms: number, fn: () => Promise<void>): void => {
    const timer = setTimeout(() => {
      timers.delete(timer)
      fn().catch((err: Error) => { opts.logger?.warn({ department: opts.department, err: err.message }, 'department system: answering tongban failed') })
    }, ms)
    timer.unref()
    timers.add(timer)
  }

  const server = await startSimServer({
    port: opts.port,
    host: opts.host,
    routes: {
      [`POST ${WHISTLE_PATH}`]: {
        faults: 'all',
        handler (req) {
          const header = (name: string): string | undefined => { const v = req.headers[name]; return Array.isArray(v) ? v[0] : v }
          try {
            verify(keys, { id: header('webhook-id'), timestamp: header('webhook-timestamp'), signature: header('webhook-signature') }, req.body, Date.now() / 1000, undefined, [opts.scheme])
          } catch (err) {
            throw new SimHttpError(401, isTongbanError(err) ? err.message : (err as Error).message)
          }
          const webhookId = header('webhook-id')!
          if (seen.has(webhookId)) return jsonAnswer({ received: webhookId }, 200, 'repeat')
          seen.add(webhookId)
          const event = req.json() as { type?: unknown, data?: Record<string, unknown> }
          const data = event.data ?? {}
          const whistleId = typeof data.whistleId === 'string' ? data.whistleId : undefined
          const type = String(event.type)
          received.push({ webhookId, type, whistleId, data })
          if (whistleId && ANSWERED.has(type)) {
            const requestId = webhookId.replace(/[^A-Za-z0-9_-]/g, '-')
            later(opts.respondAfterMs, async () => { await answer(whistleId, { action: 'respond', note: '已收到，正在安排人员', requestId: `${requestId}-respond` }) })
            later(opts.arriveAfterMs, async () => { await answer(whistleId, { action: 'arrive', who: opts.who, at: new Date().toISOString(), requestId: `${requestId}-arrive` }) })
          }
          return jsonAnswer({ received: webhookId }, 200, type)
        },
      },
    },
  })
  return {
    ...server,
    url: server.url,
    faults: server.faults,
    calls: server.calls,
    received: () => received,
    answers: () => answers,
    async close () {
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      await server.close()
    },
  }
}
