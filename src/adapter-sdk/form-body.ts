// An application/x-www-form-urlencoded webhook body, read strictly: only the bytes the encoders
// produce (ASCII letters, digits, `!'()*-._~`, `%XX`, `+`, `=` and `&`), every `%` followed by two hex
// digits, the decoded bytes text in the declared charset (GBK forms are common; bad bytes are
// TB_ENCODING_INVALID), no NUL (PostgreSQL cannot store it), and no field given twice (which of
// the two would be meant?). Empty pairs (`a=1&&b=2`) are skipped, as browsers do.
import { TongbanError } from '../errors.ts'
import { decodeBytes } from './codec.ts'
import type { FormBody } from './webhook.ts'

const invalid = (why: string): TongbanError => new TongbanError('TB_WEBHOOK_BODY_INVALID', [why])
const ALLOWED = /^[A-Za-z0-9!'()*\-._~%+=&]*$/

function decodeComponent (text: string, format: FormBody, what: string): string {
  const bad = /%(?![0-9A-Fa-f]{2})/.exec(text)
  if (bad) throw invalid(`${what}: a % not followed by two hex digits at "${text.slice(bad.index, bad.index + 3)}"`)
  const bytes = Buffer.from(text.replace(/\+/g, ' ').replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1')
  const value = decodeBytes(bytes, format.charset)
  if (value.includes('\u0000')) throw invalid(`${what}: a NUL character, which PostgreSQL cannot store`)
  return value
}

/** The fields by name. Throws catalogue errors only. */
export function readFormBody (body: Uint8Array, format: FormBody): Record<string, string> {
  const text = Buffer.from(body).toString('latin1')
  if (!ALLOWED.test(text)) {
    const at = text.search(/[^A-Za-z0-9!'()*\-._~%+=&]/)
    throw invalid(`byte 0x${text.charCodeAt(at).toString(16).padStart(2, '0')} at byte ${at} is not part of a form encoding (percent-encode it)`)
  }
  const fields: Record<string, string> = {}
  for (const pair of text.split('&')) {
    if (pair === '') continue
    const eq = pair.indexOf('=')
    const name = decodeComponent(eq < 0 ? pair : pair.slice(0, eq), format, 'a field name')
    const value = decodeComponent(eq < 0 ? '' : pair.slice(eq + 1), format, `field ${name}`)
    if (Object.hasOwn(fields, name)) throw invalid(`field ${name} is given twice`)
    Object.defineProperty(fields, name, { value, enumerable: true, writable: true, configurable: true })
  }
  return fields
}
