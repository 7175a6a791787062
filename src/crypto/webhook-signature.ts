// Standard Webhooks (https://www.standardwebhooks.com): the signed content is
// "{webhook-id}.{webhook-timestamp}.{body}", the key is the base64 part of `whsec_...`, and
// webhook-signature holds space-separated "<scheme>,<base64 MAC>" entries (several during key
// rotation). Schemes: `v1` is the standard's HMAC-SHA256; `v1sm3` is HMAC-SM3 over the same content
// and key, for departments bound to national algorithms. Comparison is constant-time.
import { createHmac, timingSafeEqual } from 'node:crypto'
import { TongbanError } from '../errors.ts'

export const DEFAULT_TOLERANCE_SECONDS = 300

export const WEBHOOK_SCHEMES = ['v1', 'v1sm3'] as const
export type WebhookScheme = typeof WEBHOOK_SCHEMES[number]
const DIGESTS: Record<WebhookScheme, string> = { v1: 'sha256', v1sm3: 'sm3' }

export function secretKey (secret: string): Buffer {
  const b64 = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret
  const key = Buffer.from(b64, 'base64')
  if (key.length < 16) throw new TypeError('a webhook secret must be whsec_ followed by at least 16 bytes of base64')
  return key
}

function mac (scheme: WebhookScheme, key: Buffer, id: string, timestamp: string, body: Buffer | string): Buffer {
  return createHmac(DIGESTS[scheme], key).update(`${id}.${timestamp}.`).update(body).digest()
}

/** A `v1,<base64 HMAC-SHA256>` signature entry. */
export function sign (secret: string, id: string, timestamp: number | string, body: Buffer | string): string {
  return `v1,${mac('v1', secretKey(secret), id, String(timestamp), body).toString('base64')}`
}

/** A `v1sm3,<base64 HMAC-SM3>` signature entry, as a department using national algorithms sends it. */
export function signSm3 (secret: string, id: string, timestamp: number | string, body: Buffer | string): string {
  return `v1sm3,${mac('v1sm3', secretKey(secret), id, String(timestamp), body).toString('base64')}`
}

export interface WebhookHeaders {
  id: string | undefined
  timestamp: string | undefined
  signature: string | undefined
}

/**
 * Throws a TongbanError (401) unless one signature of a scheme in `schemes`, made with one of
 * `keys`, matches. Entries of other schemes are ignored, as the standard asks; if they are all
 * there is, the error says which schemes this instance accepts. Keys are decoded once per adapter
 * instance (see secretKey).
 */
export function verify (keys: readonly Buffer[], headers: WebhookHeaders, body: Buffer, nowSeconds = Date.now() / 1000, toleranceSeconds = DEFAULT_TOLERANCE_SECONDS, schemes: readonly WebhookScheme[] = ['v1']): void {
  const missing = (['id', 'timestamp', 'signature'] as const).filter((h) => !headers[h]).map((h) => `webhook-${h}`)
  if (missing.length > 0) throw new TongbanError('TB_WEBHOOK_HEADERS_MISSING', [missing.join(', '), 'Standard Webhooks'])
  const { id, timestamp, signature } = headers as Required<{ [K in keyof WebhookHeaders]: string }>

  const ts = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : Number.NaN
  if (!Number.isFinite(ts) || Math.abs(nowSeconds - ts) > toleranceSeconds) {
    throw new TongbanError('TB_WEBHOOK_TIMESTAMP_STALE', [timestamp, toleranceSeconds])
  }

  const candidates = new Map<WebhookScheme, Buffer[]>()
  for (const part of signature.split(' ')) {
    const comma = part.indexOf(',')
    const scheme = part.slice(0, comma) as WebhookScheme
    if (comma > 0 && schemes.includes(scheme)) {
      candidates.set(scheme, [...candidates.get(scheme) ?? [], Buffer.from(part.slice(comma + 1), 'base64')])
    }
  }
  if (candidates.size === 0) throw new TongbanError('TB_WEBHOOK_SCHEME_NOT_ACCEPTED', [schemes.join(' or ')])
  for (const [scheme, macs] of candidates) {
    for (const key of keys) {
      const expected = mac(scheme, key, id, timestamp, body)
      for (const candidate of macs) {
        if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) return
      }
    }
  }
  throw new TongbanError('TB_WEBHOOK_SIGNATURE_INVALID', ['webhook-signature'])
}
