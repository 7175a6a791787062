// Text to and from a department system in the charset it declares: UTF-8, GBK or GB18030. Read
// strictly: a byte that is not valid in the charset is TB_ENCODING_INVALID naming its offset,
// never U+FFFD in a resident's name. GBK is read with the GB18030 decoder, its superset, because
// Node's 'gbk' decoder turns GBK-extension characters such as 䶮 (FE 9F) into private-use code
// points. Writing needs iconv-lite (TextEncoder writes UTF-8 only).
import iconv from 'iconv-lite'
import { z } from 'zod'
import { TongbanError } from '../errors.ts'
import { decodeText, type TextEncoding } from '../normalize/encoding.ts'

export const Charset = z.enum(['utf-8', 'gbk', 'gb18030'])
export type Charset = z.infer<typeof Charset>

/** Labels departments write in Content-Type and XML declarations; GB2312 text is GBK text. */
const LABELS: Readonly<Record<string, Charset>> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  gbk: 'gbk',
  'x-gbk': 'gbk',
  gb2312: 'gbk',
  'gb_2312-80': 'gbk',
  cp936: 'gbk',
  'windows-936': 'gbk',
  gb18030: 'gb18030',
}

/** How a charset is named on the wire (Content-Type, XML declaration). */
export const CHARSET_LABEL: Readonly<Record<Charset, string>> = { 'utf-8': 'UTF-8', gbk: 'GBK', gb18030: 'GB18030' }

/** The charset a label names; one tongban cannot read is TB_ENCODING_INVALID. */
export function charsetOf (label: string): Charset {
  const charset = LABELS[label.trim().toLowerCase()]
  if (charset === undefined) throw new TongbanError('TB_ENCODING_INVALID', [label, 'tongban reads UTF-8, GBK (GB2312) and GB18030 only'])
  return charset
}

/** The charset a Content-Type header declares, if it declares one. */
export function contentTypeCharset (header: string | string[] | undefined): Charset | undefined {
  const value = Array.isArray(header) ? header[0] : header
  const label = value?.match(/;\s*charset\s*=\s*"?([^";\s]+)"?/i)?.[1]
  return label === undefined ? undefined : charsetOf(label)
}

const UTF8_BOM = [0xef, 0xbb, 0xbf]
const decoderOf = (charset: Charset): TextEncoding => (charset === 'utf-8' ? 'utf-8' : 'gb18030')

/**
 * Decode `bytes` as `charset`. A leading UTF-8 byte order mark is dropped whatever the charset:
 * some GBK services put one before their `encoding="GBK"` declaration. So is a GB18030 one.
 */
export function decodeBytes (bytes: Uint8Array, charset: Charset): string {
  const skipped = UTF8_BOM.every((b, i) => bytes[i] === b) ? UTF8_BOM.length : 0
  const text = bytes.subarray(skipped)
  const decoded = decodeText(text, decoderOf(charset))
  if (decoded.ok) return decoded.value.startsWith('\uFEFF') ? decoded.value.slice(1) : decoded.value
  const at = firstInvalidByte(text, decoderOf(charset))
  const shown = Buffer.from(text.subarray(at, at + 4)).toString('hex').replace(/(..)(?!$)/g, '$1 ')
  throw new TongbanError('TB_ENCODING_INVALID', [CHARSET_LABEL[charset], `bytes ${shown} at byte ${skipped + at}`])
}

/**
 * Offset of the sequence a strict decoder refuses (`bytes` is known not to decode). A streaming
 * decode of a prefix fails exactly when the prefix holds a bad sequence, so the shortest failing
 * prefix is found by bisection; the bad sequence starts where the longest clean prefix before it
 * ends (a sequence is at most 4 bytes). A truncated last sequence fails only the final decode.
 */
function firstInvalidByte (bytes: Uint8Array, encoding: TextEncoding): number {
  const fails = (end: number, stream: boolean): boolean => {
    try {
      new TextDecoder(encoding, { fatal: true }).decode(bytes.subarray(0, end), { stream })
      return false
    } catch {
      return true
    }
  }
  let lo = 0
  let hi = bytes.length
  if (!fails(hi, true)) hi = bytes.length + 1
  else {
    while (lo + 1 < hi) {
      const mid = (lo + hi) >>> 1
      if (fails(mid, true)) hi = mid
      else lo = mid
    }
  }
  for (let start = Math.min(hi - 1, bytes.length); start > Math.max(0, hi - 5); start--) {
    if (!fails(start, false)) return start
  }
  return Math.max(0, hi - 5)
}

/**
 * Encode `text` in `charset`. A character the charset cannot hold is TB_ENCODING_UNREPRESENTABLE
 * (iconv-lite would silently write `?`): found by reading the bytes back as the department will.
 */
export function encodeText (text: string, charset: Charset): Buffer {
  if (charset === 'utf-8') return Buffer.from(text, 'utf8')
  const bytes = iconv.encode(text, charset)
  const back = decodeText(bytes, 'gb18030')
  if (back.ok && back.value === text) return bytes
  const chars = [...text]
  const readBack = back.ok ? [...back.value] : []
  const at = chars.findIndex((ch, i) => readBack[i] !== ch)
  throw new TongbanError('TB_ENCODING_UNREPRESENTABLE', [CHARSET_LABEL[charset], `${JSON.stringify(chars[at])} (U+${chars[at]!.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}) at character ${at}`])
}
