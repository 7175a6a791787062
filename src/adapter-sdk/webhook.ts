// What a push department sends and how it signs it, as the adapter declares it: the body format
// (JSON, XML or a form, with the charset where the department has one) and the signature scheme.
// The platform checks both before the adapter sees anything: the signature over the raw bytes at
// the door, the body's format when the inbox row is processed (a body that fails is quarantined
// whole, with its bytes). The instance supplies the secrets, of the shape the scheme names.
import { z } from 'zod'
import type { RawRecord } from '../model/intake.ts'
import type { Charset } from './codec.ts'

/** JSON in UTF-8 (the default): PostgreSQL must be able to store it (no NUL, no lone surrogate, 64 levels at most). */
export interface JsonBody { format: 'json' }

/**
 * XML in `charset` (a BOM before the declaration is skipped). Read without a DTD: a DOCTYPE is
 * refused, and only XML's five entities and character references are decoded, so nothing expands
 * (no XXE, no billion laughs). `lists` names the elements that are always arrays, even when one.
 */
export interface XmlBody { format: 'xml', charset: Charset, lists?: readonly string[] }

/** `application/x-www-form-urlencoded`, its percent-encoded bytes text in `charset`; a field given twice is refused. */
export interface FormBody { format: 'form', charset: Charset }

export type WebhookBody = JsonBody | XmlBody | FormBody
export type WebhookBodyFormat = WebhookBody['format']

/** The content types a body format is sent with; another is answered 415. */
export const BODY_MEDIA_TYPES: Readonly<Record<WebhookBodyFormat, readonly string[]>> = {
  json: ['application/json'],
  xml: ['application/xml', 'text/xml'],
  form: ['application/x-www-form-urlencoded'],
}

/**
 * A header HMAC, the pattern of many Chinese platforms: an HMAC over the parts in `canonical` (in
 * order, joined by `separator`; `body` is the raw bytes), under the secret's UTF-8 bytes, sent in
 * the `signature` header, optionally after `prefix` (e.g. `sha256=`). The timestamp header bounds
 * replays (the instance's `webhook.toleranceSeconds`); the webhook id, which makes retries
 * duplicates, is the `id` header, else the body's SHA-256 (a retry's new nonce must not make it a
 * new message).
 */
export interface HeaderHmacSignature {
  type: 'header-hmac'
  algorithm: 'hmac-sha256' | 'hmac-sm3'
  encoding: 'hex' | 'base64'
  timestamp: 'unix-s' | 'unix-ms'
  canonical: ReadonlyArray<'timestamp' | 'nonce' | 'id' | 'body'>
  separator: string
  headers: { signature: string, timestamp: string, nonce?: string, id?: string }
  prefix?: string
}

/**
 * `standard-webhooks`: webhook-id, webhook-timestamp and webhook-signature, `v1` (HMAC-SHA256) or
 * `v1sm3` (HMAC-SM3) as the instance's `webhook.schemes` accepts; or a scheme declared in full.
 */
export type WebhookSignature = 'standard-webhooks' | HeaderHmacSignature
export type WebhookSignatureType = 'standard-webhooks' | HeaderHmacSignature['type']

export const signatureType = (signature: WebhookSignature): WebhookSignatureType => typeof signature === 'string' ? signature : signature.type

/** What each scheme's secrets (`webhook.secrets` of an instance) must look like. */
export const WEBHOOK_SECRETS = {
  'standard-webhooks': z.string().regex(/^whsec_[A-Za-z0-9+/=]{22,}$/, 'a Standard Webhooks secret: whsec_ followed by base64'),
  'header-hmac': z.string().min(16, 'a shared secret of at least 16 characters'),
} as const satisfies Record<WebhookSignatureType, z.ZodType<string>>

/** How deep a body may nest, whatever its format: department messages are records of flat fields; 64 levels is far beyond any spec we know. */
export const MAX_BODY_DEPTH = 64

export interface WebhookMeta { webhookId: string, receivedAt: Date }

export interface WebhookReceive {
  /** Signature scheme the platform verifies before the adapter sees anything. */
  signature: WebhookSignature
  /** The body's format; JSON when not given. */
  body?: WebhookBody
  /** Largest body the department sends; bigger bodies are answered 413. */
  maxBodyBytes: number
  /**
   * How a repeated webhook id is answered: 200 (the default, a receipt marked duplicate), or 409
   * TB_WEBHOOK_DUPLICATE for departments that read 409 as "already have it". Processed once either way.
   */
  duplicateStatus?: 200 | 409
  /**
   * Split a verified body into raw records. Pure; throw TongbanError('TB_WEBHOOK_BODY_INVALID') if
   * unreadable. XML and form bodies are read with `readXmlBody` / `readFormBody` and the declared
   * `body`, which the platform has already run once (a body they refuse never reaches parse).
   */
  parse: (body: Buffer, meta: WebhookMeta) => RawRecord[]
}
