// Text in the encodings department systems send: GBK and GB18030 (older systems, file exports),
// and UTF-8. Decoded strictly with the decoders built into Node (full ICU): bytes that are not
// valid in the encoding are an error, never U+FFFD. 'gbk' reads one- and two-byte sequences only;
// 'gb18030' also the four-byte ones (rare ideographs such as 𠀀, minority scripts). A UTF-8 byte
// order mark is dropped.
import { fail, ok, type Normalized } from './result.ts'

export type TextEncoding = 'gbk' | 'gb18030' | 'utf-8'

const decoders = new Map<TextEncoding, TextDecoder>()

/** Bytes shown in an error message: enough to find the record, not the whole payload. */
const SHOWN_BYTES = 16

/** Decode `bytes` as `encoding`; invalid sequences are TB_ENCODING_INVALID. */
export function decodeText (bytes: Uint8Array, encoding: TextEncoding): Normalized<string> {
  let decoder = decoders.get(encoding)
  if (decoder === undefined) {
    decoder = new TextDecoder(encoding, { fatal: true })
    decoders.set(encoding, decoder)
  }
  try {
    return ok(decoder.decode(bytes))
  } catch {
    const shown = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, SHOWN_BYTES)).toString('hex').replace(/(..)(?!$)/g, '$1 ')
    return fail('TB_ENCODING_INVALID', encoding, `${shown}${bytes.length > SHOWN_BYTES ? ` … (${bytes.length} bytes)` : ''}`)
  }
}
