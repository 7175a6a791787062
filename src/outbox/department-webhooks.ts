// Delivers the outbox rows addressed to a department's own system (`department:<code>`) as
// Standard Webhooks: POST {type, timestamp, data} to the URL kept in the vault, signed with its
// `whsec_` secret in the department's scheme (v1 HMAC-SHA256 or v1sm3 HMAC-SM3). webhook-id is
// the outbox row's, the same on every try, so the department can drop a repeat. Every try is
// logged (outbox_attempts). The outbox (send.ts) keeps the order, backoff and dead semantics; this
// says how a try went: 2xx sent; a 4xx other than 408/429 refused for good; anything else (5xx,
// refused connection, timeout) tried again; no endpoint in the vault waits for one, never dead.
import { Agent, request } from 'undici'
import { TongbanError } from '../errors.ts'
import { secretKey, sign, signSm3 } from '../crypto/webhook-signature.ts'
import { departmentOfInstance, vaultNameOf, type DepartmentRegistry } from '../departments/registry.ts'
import type { Queryable } from '../store/db.ts'
import type { OutboxRow } from '../store/outbox.ts'
import { addOutboxAttempt } from '../store/outbox-attempts.ts'
import { getServiceCredentials } from '../vault/credentials.ts'
import type { Vault } from '../vault/vault.ts'

export const DEFAULT_TIMEOUT_MS = 10_000
const EXCERPT_CHARS = 500

/** A try that did not deliver: `final` no retry can change; `waits` for a person to store the endpoint (never dead for that). */
export class DeliveryFailure extends Error {
  constructor (message: string, readonly final: boolean, readonly waits = false, readonly answer?: { status: number, excerpt: string }) { super(message) }
}

export interface DepartmentWebhooks {
  /** Whether this row goes to a department's system rather than through an adapter operation. */
  handles: (row: OutboxRow) => boolean
  /** Tries before a row is left dead (config.whistles.deliveryAttempts). */
  attempts: number
  /** One try; resolves with what the department answered, throws DeliveryFailure. */
  deliver: (row: OutboxRow) => Promise<{ output: { status: number } }>
  close: () => Promise<void>
}

export interface DepartmentWebhookDeps {
  db: Queryable
  vault: Vault | undefined
  departments: DepartmentRegistry
  attempts: number
  timeoutMs?: number
  now?: () => number
}

/** The body a department receives: the whistle event as the outbox row carries it. */
export function webhookBody (row: Pick<OutboxRow, 'operation' | 'input'>, at: Date): string {
  return JSON.stringify({ type: row.operation, timestamp: at.toISOString(), data: row.input })
}

/** The Standard Webhooks headers for `body`, signed in `scheme`. */
export function webhookHeaders (scheme: 'v1' | 'v1sm3', secret: string, id: string, seconds: number, body: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(seconds),
    'webhook-signature': (scheme === 'v1sm3' ? signSm3 : sign)(secret, id, seconds, body),
  }
}

/** Where and how to send one department's rows: its configured scheme, its vault `{url, secret}`. */
async function endpointOf (deps: DepartmentWebhookDeps, code: string): Promise<{ url: string, secret: string, scheme: 'v1' | 'v1sm3' }> {
  const department = deps.departments.find(code)
  if (!department) throw new DeliveryFailure(`department ${code} is not in whistles.departments of the configuration`, true)
  if (!department.webhook) throw new DeliveryFailure(`department ${code} has no webhook in the configuration (it answers through the portal)`, true)
  const missing = (): never => {
    const err = new TongbanError('TB_DEPARTMENT_ENDPOINT_MISSING', [code, code, code])
    throw new DeliveryFailure(`${err.code}: ${err.message}`, false, true)
  }
  const stored = deps.vault ? await getServiceCredentials(deps.db, deps.vault, vaultNameOf(code)) : undefined
  if (!stored?.url || !stored.secret) return missing()
  try {
    secretKey(stored.secret)
    const url = new URL(stored.url)
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError('the url is not http(s)')
  } catch (err) {
    throw new DeliveryFailure(`the endpoint of department ${code} in the vault is not usable (${(err as Error).message}); store {url, secret} again for ${vaultNameOf(code)}`, false, true)
  }
  return { url: stored.url, secret: stored.secret, scheme: department.webhook.scheme }
}

const retryable = (status: number): boolean => status === 408 || status === 429 || status >= 500

export function departmentWebhooks (deps: DepartmentWebhookDeps): DepartmentWebhooks {
  const timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const now = deps.now ?? Date.now
  const agent = new Agent({ connect: { timeout: timeoutMs }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs })

  async function attempt (row: OutboxRow): Promise<{ status: number, excerpt: string }> {
    const code = departmentOfInstance(row.instance)!
    const { url, secret, scheme } = await endpointOf(deps, code)
    const at = new Date(now())
    const body = webhookBody(row, at)
    let status: number
    let excerpt: string
    try {
      const res = await request(url, {
        method: 'POST',
        dispatcher: agent,
        headers: webhookHeaders(scheme, secret, `outbox-${row.id}`, Math.floor(at.getTime() / 1000), body),
        body,
        signal: AbortSignal.timeout(timeoutMs),
      })
      status = res.statusCode
      excerpt = (await res.body.text()).slice(0, EXCERPT_CHARS)
    } catch (err) {
      const e = err as Error
      const timedOut = e.name === 'TimeoutError' || e.name === 'AbortError' || /timeout/i.test(e.name)
      throw new DeliveryFailure(timedOut ? `department ${code} did not answer within ${timeoutMs} ms` : `department ${code} cannot be reached: ${e.message}`, false)
    }
    if (status >= 200 && status < 300) return { status, excerpt }
    const said = `department ${code} answered HTTP ${status}${excerpt ? `: ${excerpt.slice(0, 200)}` : ''}`
    throw new DeliveryFailure(said, !retryable(status), false, { status, excerpt })
  }

  return {
    handles: (row) => departmentOfInstance(row.instance) !== undefined,
    attempts: deps.attempts,
    async deliver (row) {
      const started = now()
      const log = async (status: number | null, error: string | null, excerpt: string | null): Promise<void> => {
        await addOutboxAttempt(deps.db, { outboxId: row.id, attempt: row.attempts, at: new Date(started).toISOString(), status, error, durationMs: Math.max(0, now() - started), responseExcerpt: excerpt })
      }
      try {
        const { status, excerpt } = await attempt(row)
        await log(status, null, excerpt || null)
        return { output: { status } }
      } catch (err) {
        const failure = err instanceof DeliveryFailure ? err : new DeliveryFailure((err as Error).message, false)
        await log(failure.answer?.status ?? null, failure.message, failure.answer?.excerpt || null)
        throw failure
      }
    },
    close: async () => { await agent.close() },
  }
}
