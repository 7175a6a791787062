// Department text in and out: strict decoding that names the offending byte, GBK read as GB18030
// (its superset) so GBK-extension characters survive, a stray UTF-8 BOM skipped, and encoding
// that refuses characters the charset cannot hold instead of writing '?'.
import t from 'tap'
import iconv from 'iconv-lite'
import { charsetOf, contentTypeCharset, decodeBytes, encodeText } from '../../src/adapter-sdk/codec.ts'
import { TongbanError } from '../../src/errors.ts'

const hex = (s: string): Buffer => Buffer.from(s.replace(/ /g, ''), 'hex')
const refusal = (f: () => unknown): { code?: string, message?: string } => {
  try { f() } catch (err) { return err instanceof TongbanError ? { code: err.code, message: err.message } : { message: String(err) } }
  return {}
}

t.test('GBK text decodes, GBK-extension characters included', async (t) => {
  t.equal(decodeBytes(iconv.encode('民政 救助 王䶮', 'gbk'), 'gbk'), '民政 救助 王䶮')
  t.equal(decodeBytes(hex('cdf5 fe9f'), 'gbk'), '王䶮', 'FE 9F is 䶮 (U+4DAE), not a private-use code point')
  t.equal(decodeBytes(hex('80'), 'gbk'), '€')
  t.equal(decodeBytes(hex('9532 8236'), 'gb18030'), '𠀀', 'four-byte GB18030')
  t.equal(decodeBytes(Buffer.from('中文 ok', 'utf8'), 'utf-8'), '中文 ok')
})

t.test('a UTF-8 byte order mark before the text is skipped, whatever the charset', async (t) => {
  const gbk = Buffer.concat([hex('efbbbf'), iconv.encode('<?xml version="1.0" encoding="GBK"?><a>王䶮</a>', 'gbk')])
  t.equal(decodeBytes(gbk, 'gbk'), '<?xml version="1.0" encoding="GBK"?><a>王䶮</a>')
  t.equal(decodeBytes(hex('efbbbf e4b8ad'), 'utf-8'), '中')
  t.equal(decodeBytes(hex('84319533 d6d0'), 'gb18030'), '中', 'and a GB18030 one')
  t.equal(decodeBytes(hex('41 efbbbf'), 'utf-8'), 'A\uFEFF', 'only at the start')
})

t.test('a bad byte is TB_ENCODING_INVALID naming the charset, the bytes and their offset', async (t) => {
  t.same(refusal(() => decodeBytes(hex('41 ff 42'), 'gbk')), { code: 'TB_ENCODING_INVALID', message: 'The bytes are not valid GBK text: bytes ff 42 at byte 1' })
  t.same(refusal(() => decodeBytes(hex('41 c3 28 41'), 'utf-8')), { code: 'TB_ENCODING_INVALID', message: 'The bytes are not valid UTF-8 text: bytes c3 28 41 at byte 1' })
  t.match(refusal(() => decodeBytes(hex('d6d0 d6 20'), 'gbk')), { message: /bytes d6 20 at byte 2$/ }, 'a lead byte followed by a space')
  t.match(refusal(() => decodeBytes(hex('d6d0 8130'), 'gb18030')), { message: /bytes 81 30 at byte 2$/ }, 'a truncated four-byte sequence at the end')
  t.match(refusal(() => decodeBytes(hex('efbbbf 41 41 ff'), 'gbk')), { message: /bytes ff at byte 5$/ }, 'offsets count the skipped BOM')
  const long = Buffer.concat([iconv.encode('民'.repeat(5000), 'gbk'), hex('ff'), iconv.encode('政', 'gbk')])
  t.match(refusal(() => decodeBytes(long, 'gbk')), { message: /bytes ff d5 fe at byte 10000$/ }, 'deep in a long body')
})

t.test('charset labels from Content-Type and XML declarations', async (t) => {
  t.equal(charsetOf('GBK'), 'gbk')
  t.equal(charsetOf('gb2312'), 'gbk', 'GB2312 text is GBK text')
  t.equal(charsetOf('GB18030'), 'gb18030')
  t.equal(charsetOf('UTF8'), 'utf-8')
  t.equal(contentTypeCharset('text/xml; charset=GBK'), 'gbk')
  t.equal(contentTypeCharset('text/xml;charset="utf-8"'), 'utf-8')
  t.equal(contentTypeCharset('text/xml'), undefined)
  t.equal(contentTypeCharset(undefined), undefined)
  t.match(refusal(() => contentTypeCharset('text/html; charset=big5')), { code: 'TB_ENCODING_INVALID', message: /big5/ })
})

t.test('encoding writes the charset, and refuses what it cannot hold', async (t) => {
  t.equal(encodeText('王䶮€', 'gbk').toString('hex'), 'cdf5fe9f80')
  t.equal(encodeText('中', 'utf-8').toString('hex'), 'e4b8ad')
  t.equal(encodeText('王😀', 'gb18030').toString('hex'), 'cdf59439fc36', 'GB18030 holds every code point')
  t.same(refusal(() => encodeText('王小😀', 'gbk')), { code: 'TB_ENCODING_UNREPRESENTABLE', message: 'The text cannot be written in GBK: "😀" (U+1F600) at character 2' })
  t.match(refusal(() => encodeText('a?b\u{20000}', 'gbk')), { code: 'TB_ENCODING_UNREPRESENTABLE', message: /U\+20000\) at character 3/ }, 'a real ? before is not mistaken for a substitute')
})
