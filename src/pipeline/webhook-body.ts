// What a webhook body must be before an adapter parses it, by the format the adapter declares.
// JSON: UTF-8, read strictly (bad bytes are a data error, never U+FFFD in a resident's name), that
// PostgreSQL can store — no NUL (`\u0000`), no half of a surrogate pair, nested no deeper than
// MAX_DEPTH (deeper structures overflow the stack of JSON.stringify and of recursive code
// downstream). XML and forms: what the SDK's readers accept (src/adapter-sdk/xml-body.ts,
// form-body.ts), which the adapter's parse uses too. A body that fails is quarantined whole by the
// ingest step on its first attempt (the same bytes would fail every retry), and the inbox keeps
// its bytes.
import { isUtf8 } from 'node:buffer'
import type { AdapterDefinition, RawRecord, WebhookBody, WebhookMeta } from '../adapter-sdk/index.ts'
import { MAX_BODY_DEPTH as MAX_DEPTH } from '../adapter-sdk/webhook.ts'
import { readXmlBody } from '../adapter-sdk/xml-body.ts'
import { readFormBody } from '../adapter-sdk/form-body.ts'
import { TongbanError, type ErrorCode } from '../errors.ts'

export { MAX_DEPTH }

/** Quarantine reasons that concern a whole message (not one record): retrying one parses it again. */
export const MESSAGE_REASONS: ReadonlySet<ErrorCode> = new Set(['TB_WEBHOOK_BODY_INVALID', 'TB_ENCODING_INVALID'])

/** Bytes shown from where the decoding failed: enough to recognise the encoding, not the record. */
const SHOWN_BYTES = 4

/** Byte offset of the first sequence that is not UTF-8 (the body is known not to be UTF-8). */
function firstInvalidByte (body: Buffer): number {
  // The lenient decoder replaces exactly the invalid sequences: the first U+FFFD that the bytes
  // do not spell (EF BF BD) marks the spot.
  let offset = 0
  for (const ch of body.toString('utf8')) {
    const cp = ch.codePointAt(0)!
    if (cp === 0xfffd && !(body[offset] === 0xef && body[offset + 1] === 0xbf && body[offset + 2] === 0xbd)) return offset
    offset += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4
  }
  return offset
}

function hex4 (text: string, at: number): number {
  const digits = text.slice(at, at + 4)
  return /^[0-9a-fA-F]{4}$/.test(digits) ? parseInt(digits, 16) : -1
}

/**
 * Why PostgreSQL could not store the JSON in `text`, or undefined. Not a JSON validator (the
 * adapter's parse is): it reads strings, escapes and brackets only, in one pass, without recursion.
 */
function unstorable (text: string): string | undefined {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 0) return `a NUL character at character ${i}, which PostgreSQL cannot store`
    if (inString) {
      if (c === 0x22) inString = false
      else if (c === 0x5c) {
        if (text.charCodeAt(i + 1) !== 0x75) { i++; continue } // \" \\ \n … : two characters
        const unit = hex4(text, i + 2)
        if (unit === 0) return `the escape \\u0000 (NUL) at character ${i}, which PostgreSQL cannot store`
        if (unit >= 0xd800 && unit <= 0xdbff) {
          const low = text.charCodeAt(i + 6) === 0x5c && text.charCodeAt(i + 7) === 0x75 ? hex4(text, i + 8) : -1
          if (low < 0xdc00 || low > 0xdfff) return `a lone surrogate \\u${unit.toString(16)} at character ${i}, which is not text`
          i += 11
          continue
        }
        if (unit >= 0xdc00 && unit <= 0xdfff) return `a lone surrogate \\u${unit.toString(16)} at character ${i}, which is not text`
        i += 5
      }
    } else if (c === 0x22) inString = true
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_DEPTH) return `nested deeper than ${MAX_DEPTH} levels (at character ${i})`
    } else if (c === 0x5d || c === 0x7d) depth--
  }
  return undefined
}

/** Throws TB_ENCODING_INVALID or TB_WEBHOOK_BODY_INVALID when the body is not of its format, or cannot be stored. */
export function checkWebhookBody (body: Buffer, format: WebhookBody = { format: 'json' }): void {
  if (format.format === 'xml') { readXmlBody(body, format); return }
  if (format.format === 'form') { readFormBody(body, format); return }
  if (!isUtf8(body)) {
    const at = firstInvalidByte(body)
    const shown = body.subarray(at, at + SHOWN_BYTES).toString('hex').replace(/(..)(?!$)/g, '$1 ')
    throw new TongbanError('TB_ENCODING_INVALID', ['UTF-8', `bytes ${shown} at byte ${at} of the webhook body`])
  }
  const reason = unstorable(body.toString('utf8'))
  if (reason !== undefined) throw new TongbanError('TB_WEBHOOK_BODY_INVALID', [reason])
}

/** The adapter's parse, after the checks every webhook body must pass. */
export function parseWebhookBody (adapter: AdapterDefinition, body: Buffer, meta: WebhookMeta): RawRecord[] {
  checkWebhookBody(body, adapter.receive!.body)
  return adapter.receive!.parse(body, meta)
}

/**
 * A whole message as quarantine fields: its text where that can be stored as JSON text, else its
 * bytes in base64 (bytes that are not UTF-8, a NUL). Either way the inbox row keeps the original.
 */
export function messageFields (body: Buffer): { body: string } | { bodyBase64: string } {
  const text = isUtf8(body) ? body.toString('utf8') : undefined
  return text !== undefined && !text.includes('\u0000') ? { body: text } : { bodyBase64: body.toString('base64') }
}
