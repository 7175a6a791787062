// The contract between the webhook door and a signature scheme: the door hands over the request's
// headers and raw bytes; the scheme says whether they are signed with one of the instance's
// secrets, recently enough, and what id the inbox deduplicates the message by.
import type { IncomingHttpHeaders } from 'node:http'
import type { WebhookSignature } from '../../adapter-sdk/index.ts'
import type { AdapterInstance } from '../../config/schema.ts'

export type WebhookConfig = NonNullable<AdapterInstance['webhook']>

export interface WebhookVerifier {
  /** The webhook id, once the signature is good; otherwise a 401 TongbanError saying why. Constant-time. */
  verify: (headers: IncomingHttpHeaders, body: Buffer, nowSeconds: number) => string
}

export interface SignatureScheme<D extends WebhookSignature> {
  /** Decodes the instance's secrets once, at start. */
  verifier: (declaration: D, config: WebhookConfig) => WebhookVerifier
}

/** A header's value as one string (repeated headers joined, as Node does for most). */
export function headerValue (headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()]
  return Array.isArray(value) ? value.join(' ') : value
}
