// What HMAC and SM2 header signatures share: the stamp (app id, timestamp, nonce) and the
// canonical bytes made of the request parts the department's spec lists.
import { createHash } from 'node:crypto'
import type { HmacHeadersAuth, RequestPart, Sm2Auth } from '../../adapter-sdk/index.ts'
import type { OutgoingRequest } from './types.ts'
import { formatTimestamp } from './timestamp.ts'
import { nonce } from './nonce.ts'

type Declaration = HmacHeadersAuth | Sm2Auth

export interface Stamp { appId: string, timestamp: string, nonce: string }

export function stamp (d: Declaration, appId: string, now: Date): Stamp {
  const wantsNonce = d.headers.nonce !== undefined || d.canonical.includes('nonce')
  return { appId, timestamp: formatTimestamp(now, d.timestamp), nonce: wantsNonce ? nonce() : '' }
}

/** The signed bytes: the body enters as sent (any charset), the other parts as UTF-8. */
export function canonicalRequest (d: Declaration, request: OutgoingRequest, s: Stamp): Buffer {
  const body = request.body === undefined ? Buffer.alloc(0) : Buffer.from(request.body)
  const part = (p: RequestPart): Buffer => {
    switch (p) {
      case 'appId': return Buffer.from(s.appId)
      case 'timestamp': return Buffer.from(s.timestamp)
      case 'nonce': return Buffer.from(s.nonce)
      case 'method': return Buffer.from(request.method.toUpperCase())
      case 'path': return Buffer.from(request.url.pathname)
      case 'query': return Buffer.from(request.url.search.slice(1))
      case 'body': return body
      case 'body-sha256': return Buffer.from(createHash('sha256').update(body).digest('hex'))
      case 'body-sm3': return Buffer.from(createHash('sm3').update(body).digest('hex'))
    }
  }
  const separator = Buffer.from(d.separator)
  return Buffer.concat(d.canonical.flatMap((p, i) => i === 0 ? [part(p)] : [separator, part(p)]))
}

export function setStampHeaders (d: Declaration, request: OutgoingRequest, s: Stamp, signature: string): void {
  request.headers[d.headers.timestamp] = s.timestamp
  if (d.headers.appId) request.headers[d.headers.appId] = s.appId
  if (d.headers.nonce) request.headers[d.headers.nonce] = s.nonce
  request.headers[d.headers.signature] = signature
}
