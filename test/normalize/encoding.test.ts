import t from 'tap'
import { decodeText, type TextEncoding } from '../../src/normalize/index.ts'

// Byte sequences from the GBK / GB18030 code tables (not produced by an encoder under test).
const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/ /g, ''), 'hex'))

t.test('valid text decodes', async (t) => {
  const cases: Array<[bytes: string, encoding: TextEncoding, value: string, why: string]> = [
    ['d6d0 cec4', 'gbk', '中文', '中文 in GBK'],
    ['d6d0 cec4', 'gb18030', '中文', 'GB18030 agrees with GBK on two-byte sequences'],
    ['b3a3 d6dd cad0 cee4 bdf8 c7f8', 'gbk', '常州市武进区', 'GB2312 range'],
    ['e556 41', 'gbk', '錠A', 'a GBK extension character (trail byte below 0x80), then ASCII'],
    ['8140', 'gbk', '丂', 'first GBK extension code point'],
    ['c2f2 c2f2 cce1 a1a4 b0ac c1a6', 'gbk', '买买提·艾力', 'middle dot A1A4'],
    ['a1a1', 'gbk', '\u3000', 'ideographic space'],
    ['a3b1 a3b2 a3b3', 'gbk', '１２３', 'full-width digits stay full-width (normalisers fold them later)'],
    ['3332 3034 3132 d5c5', 'gbk', '320412张', 'ASCII mixed in'],
    ['9532 8236', 'gb18030', '𠀀', 'a four-byte sequence: U+20000, outside the BMP'],
    ['8139 ee39', 'gb18030', '㐀', 'a four-byte sequence: U+3400, CJK extension A'],
    ['', 'gbk', '', 'no bytes'],
    ['e4b8ad e69687', 'utf-8', '中文', 'UTF-8'],
    ['efbbbf e4b8ad', 'utf-8', '中', 'a UTF-8 byte order mark is dropped'],
  ]
  for (const [bytes, encoding, value, why] of cases) t.same(decodeText(hex(bytes), encoding), { ok: true, value }, `${why}: ${bytes} as ${encoding}`)
})

t.test('invalid sequences are TB_ENCODING_INVALID naming the encoding and the bytes', async (t) => {
  const cases: Array<[bytes: string, encoding: TextEncoding, why: string]> = [
    ['d6d0 ce', 'gbk', 'a lead byte without its trail byte at the end'],
    ['d6', 'gb18030', 'a lone lead byte'],
    ['a17f', 'gbk', 'trail byte 0x7F is never valid'],
    ['3fa1', 'gbk', 'a lead byte at the end after ASCII'],
    ['9532 8236', 'gbk', 'GBK has no four-byte sequences'],
    ['8130', 'gb18030', 'half of a four-byte sequence'],
    ['8431 a530', 'gb18030', 'an unassigned four-byte sequence (after U+FFFF, before U+10000 at 90 30 81 30)'],
    ['ff', 'gb18030', 'byte 0xFF'],
    ['d6d0', 'utf-8', 'GBK bytes read as UTF-8'],
    ['e4b8', 'utf-8', 'a truncated UTF-8 sequence'],
    ['c0af', 'utf-8', 'an overlong UTF-8 sequence'],
  ]
  for (const [bytes, encoding, why] of cases) {
    const r = decodeText(hex(bytes), encoding)
    t.equal(r.ok ? `ok ${JSON.stringify(r.value)}` : r.error.code, 'TB_ENCODING_INVALID', `${why}: ${bytes} as ${encoding}`)
    if (!r.ok) {
      t.ok(r.error.message.includes(JSON.stringify(encoding)), `${why}: the message names the encoding`)
      t.ok(r.error.message.includes(bytes.replace(/ /g, '').replace(/(..)(?!$)/g, '$1 ')), `${why}: the message shows the bytes (${r.error.message})`)
    }
  }
})

t.test('a long invalid input shows its first bytes and its length', async (t) => {
  const bytes = new Uint8Array(1000).fill(0x41)
  bytes[999] = 0xd6
  const r = decodeText(bytes, 'gbk')
  t.equal(r.ok ? 'ok' : r.error.message, 'The bytes are not valid "gbk" text: "41 41 41 41 41 41 41 41 41 41 41 41 41 41 41 41 … (1000 bytes)"')
})

t.test('a failure does not disturb the next decode (decoders are reused)', async (t) => {
  t.equal(decodeText(hex('d6'), 'gbk').ok, false)
  t.same(decodeText(hex('cec4'), 'gbk'), { ok: true, value: '文' })
  t.same(decodeText(hex('d6d0'), 'gbk'), { ok: true, value: '中' })
})

t.test('a view into a larger buffer decodes only its own bytes', async (t) => {
  const buffer = hex('ffff d6d0 cec4 ffff')
  t.same(decodeText(buffer.subarray(2, 6), 'gbk'), { ok: true, value: '中文' })
  const r = decodeText(buffer.subarray(2, 5), 'gbk')
  t.equal(r.ok ? 'ok' : r.error.message, 'The bytes are not valid "gbk" text: "d6 d0 ce"', 'the message shows the view\u2019s bytes')
})
