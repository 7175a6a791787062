// A header HMAC as many Chinese platforms sign their callbacks: HMAC-SHA256 or HMAC-SM3 over the
// declared parts (timestamp, nonce, id, body) under the shared secret's UTF-8 bytes, in a header
// of the department's naming. The timestamp bounds replays; within the window a replay is a
// duplicate of its webhook id: the id header, else the body's SHA-256 — not the nonce, which a
// department draws afresh for each retry of the same message.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import type { HeaderHmacSignature } from '../../adapter-sdk/index.ts'
import { TongbanError } from '../../errors.ts'
import { headerValue, type SignatureScheme } from './types.ts'

const DIGESTS = { 'hmac-sha256': 'sha256', 'hmac-sm3': 'sm3' } as const
const TIMESTAMPS = { 'unix-s': { shape: /^\d{1,12}$/, perSecond: 1 }, 'unix-ms': { shape: /^\d{1,15}$/, perSecond: 1000 } } as const

/** The MAC bytes a header carries, or undefined when it is not of the declared encoding. */
function macOf (value: string, d: HeaderHmacSignature): Buffer | undefined {
  const prefix = d.prefix ?? ''
  if (!value.startsWith(prefix)) return undefined
  const text = value.slice(prefix.length).trim()
  if (d.encoding === 'hex') return /^(?:[0-9a-fA-F]{2})+$/.test(text) ? Buffer.from(text, 'hex') : undefined
  return /^[A-Za-z0-9+/]+={0,2}$/.test(text) ? Buffer.from(text, 'base64') : undefined
}

export const headerHmac: SignatureScheme<HeaderHmacSignature> = {
  verifier (d, config) {
    for (const part of ['nonce', 'id'] as const) {
      if (d.canonical.includes(part) && !d.headers[part]) throw new TypeError(`header-hmac signs the ${part}, but declares no header for it (headers.${part})`)
    }
    const keys = config.secrets.map((s) => Buffer.from(s, 'utf8'))
    const wanted = [d.headers.signature, d.headers.timestamp, ...d.canonical.includes('nonce') ? [d.headers.nonce!] : [], ...d.canonical.includes('id') ? [d.headers.id!] : []]
    const timestamp = TIMESTAMPS[d.timestamp]
    const separator = Buffer.from(d.separator)
    return {
      verify (headers, body, nowSeconds) {
        const missing = wanted.filter((h) => !headerValue(headers, h))
        if (missing.length > 0) throw new TongbanError('TB_WEBHOOK_HEADERS_MISSING', [missing.join(', '), 'header HMAC'])
        const ts = headerValue(headers, d.headers.timestamp)!
        const seconds = timestamp.shape.test(ts) ? Number(ts) / timestamp.perSecond : Number.NaN
        if (!Number.isFinite(seconds) || Math.abs(nowSeconds - seconds) > config.toleranceSeconds) {
          throw new TongbanError('TB_WEBHOOK_TIMESTAMP_STALE', [ts, config.toleranceSeconds])
        }
        const nonce = d.headers.nonce === undefined ? undefined : headerValue(headers, d.headers.nonce)
        const id = d.headers.id === undefined ? undefined : headerValue(headers, d.headers.id)
        const part = (p: HeaderHmacSignature['canonical'][number]): Buffer => p === 'body' ? body : Buffer.from(p === 'timestamp' ? ts : p === 'nonce' ? nonce! : id!)
        const content = Buffer.concat(d.canonical.flatMap((p, i) => i === 0 ? [part(p)] : [separator, part(p)]))
        const candidate = macOf(headerValue(headers, d.headers.signature)!, d)
        const matches = candidate !== undefined && keys.some((key) => {
          const expected = createHmac(DIGESTS[d.algorithm], key).update(content).digest()
          // A MAC of another length is never compared: its length is public (32 bytes for both).
          return candidate.length === expected.length && timingSafeEqual(candidate, expected)
        })
        if (!matches) throw new TongbanError('TB_WEBHOOK_SIGNATURE_INVALID', [d.headers.signature])
        return id ?? `sha256:${createHash('sha256').update(body).digest('hex')}`
      },
    }
  },
}
