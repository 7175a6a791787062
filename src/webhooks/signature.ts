// Standard Webhooks (https://www.standardwebhooks.com): the signed content is
// "{webhook-id}.{webhook-timestamp}.{body}", the key is the base64 part of `whsec_...`, and
// webhook-signature holds space-separated "v1,<base64 HMAC-SHA256>" entries (several during key
// rotation). Comparison is constant-time.
import { createHmac, timingSafeEqual } from 'node:crypto'
import { TongbanError } from '../errors.ts'

export const DEFAULT_TOLERANCE_SECONDS = 300

export function secretKey (secret: string): Buffer {
  const b64 = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret
  const key = Buffer.from(b64, 'base64')
  if (key.length < 16) throw new TypeError('a webhook secret must be whsec_ followed by at least 16 bytes of base64')
  return key
}

function hmac (key: Buffer, id: string, timestamp: string, body: Buffer | string): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest()
}

export function sign (secret: string, id: string, timestamp: number | string, body: Buffer | string): string {
  return `v1,${hmac(secretKey(secret), id, String(timestamp), body).toString('base64')}`
}

export interface WebhookHeaders {
  id: string | undefined
  timestamp: string | undefined
  signature: string | undefined
}

/**
 * Throws a TongbanError (401) unless one `v1` signature made with one of `keys` matches.
 * Keys are decoded once per adapter instance (see secretKey).
 */
export function verify (keys: readonly Buffer[], headers: WebhookHeaders, body: Buffer, nowSeconds = Date.now() / 1000, toleranceSeconds = DEFAULT_TOLERANCE_SECONDS): void {
  const missing = (['id', 'timestamp', 'signature'] as const).filter((h) => !headers[h]).map((h) => `webhook-${h}`)
  if (missing.length > 0) throw new TongbanError('TB_WEBHOOK_HEADERS_MISSING', [missing.join(', ')])
  const { id, timestamp, signature } = headers as Required<{ [K in keyof WebhookHeaders]: string }>

  const ts = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : Number.NaN
  if (!Number.isFinite(ts) || Math.abs(nowSeconds - ts) > toleranceSeconds) {
    throw new TongbanError('TB_WEBHOOK_TIMESTAMP_STALE', [timestamp, toleranceSeconds])
  }

  const candidates: Buffer[] = []
  for (const part of signature.split(' ')) {
    const comma = part.indexOf(',')
    if (comma > 0 && part.slice(0, comma) === 'v1') candidates.push(Buffer.from(part.slice(comma + 1), 'base64'))
  }
  for (const key of keys) {
    const expected = hmac(key, id, timestamp, body)
    for (const candidate of candidates) {
      if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) return
    }
  }
  throw new TongbanError('TB_WEBHOOK_SIGNATURE_INVALID')
}
