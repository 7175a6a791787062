// The sending side of a header-HMAC webhook, as a department following its own spec signs it:
// the declared parts (timestamp, a fresh nonce, the message id, the body) joined by the separator,
// HMAC-SHA256 or HMAC-SM3 under the secret's UTF-8 bytes, in the declared headers. Written from
// the declaration (src/adapter-sdk/webhook.ts), not from the platform's verifier, so a test that
// sends with it checks the one against the other.
import { createHmac, randomBytes } from 'node:crypto'
import type { HeaderHmacSignature } from '../webhook.ts'

export function headerHmacHeaders (d: HeaderHmacSignature, secret: string, id: string, nowMs: number, body: Buffer): Record<string, string> {
  const timestamp = String(d.timestamp === 'unix-ms' ? nowMs : Math.floor(nowMs / 1000))
  const nonce = randomBytes(8).toString('hex')
  const parts = d.canonical.map((p) => p === 'body' ? body : Buffer.from(p === 'timestamp' ? timestamp : p === 'nonce' ? nonce : id))
  const content = Buffer.concat(parts.flatMap((part, i) => i === 0 ? [part] : [Buffer.from(d.separator), part]))
  const mac = createHmac(d.algorithm === 'hmac-sm3' ? 'sm3' : 'sha256', Buffer.from(secret, 'utf8')).update(content).digest(d.encoding)
  return {
    [d.headers.timestamp]: timestamp,
    [d.headers.signature]: `${d.prefix ?? ''}${mac}`,
    ...(d.headers.nonce ? { [d.headers.nonce]: nonce } : {}),
    ...(d.headers.id ? { [d.headers.id]: id } : {}),
  }
}
