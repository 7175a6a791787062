// The XML and form readers a push adapter and the ingest step share, and the door's content-type
// check: what they read, and every way a body is refused with a catalogue code (never a parser's
// own error, never an expanded entity). End to end through the gateway: webhook-formats.test.ts.
import t from 'tap'
import iconv from 'iconv-lite'
import { readFormBody, readXmlBody, type FormBody, type XmlBody } from '../src/adapter-sdk/index.ts'
import { checkWebhookBody } from '../src/pipeline/webhook-body.ts'
import { contentTypeMatches, expectedContentType } from '../src/webhooks/media-type.ts'

const UTF8_XML: XmlBody = { format: 'xml', charset: 'utf-8', lists: ['record'] }
const GBK_XML: XmlBody = { format: 'xml', charset: 'gbk' }
const UTF8_FORM: FormBody = { format: 'form', charset: 'utf-8' }
const GBK_FORM: FormBody = { format: 'form', charset: 'gbk' }
const bodyInvalid = (message: RegExp) => ({ code: 'TB_WEBHOOK_BODY_INVALID', message })

t.test('XML: elements, attributes, CDATA, entities and lists', async (t) => {
  const xml = '<xml><To><![CDATA[a &amp; <b>]]></To><T>1 &amp; 2 &lt;&#20013;&#x6587;&gt;</T><A k="v&quot;w">t</A><E/><L><record>1</record></L></xml>'
  t.same(readXmlBody(Buffer.from(xml), UTF8_XML), { xml: { To: 'a &amp; <b>', T: '1 & 2 <中文>', A: { '@k': 'v"w', '#text': 't' }, E: '', L: { record: ['1'] } } },
    'CDATA is literal, text and attributes are decoded, a declared list is an array even with one element')
  const gbk = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), iconv.encode('<?xml version="1.0" encoding="GB2312"?><r><XM>李䶮</XM></r>', 'gbk')])
  t.same(readXmlBody(gbk, GBK_XML), { r: { XM: '李䶮' } }, 'GBK with a BOM, a GBK-extension character, GB2312 naming GBK')
})

t.test('XML that is refused, each with its reason', async (t) => {
  const refused: Array<[string, string | Buffer, ReturnType<typeof bodyInvalid> | { code: string }]> = [
    ['billion laughs', '<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><l>&b;</l>', bodyInvalid(/DOCTYPE/)],
    ['external entity', '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>', bodyInvalid(/DOCTYPE/)],
    ['an undeclared entity', '<r>&nbsp;</r>', bodyInvalid(/&nbsp; is not one of XML's five/)],
    ['a NUL reference', '<r>&#0;</r>', bodyInvalid(/&#0; names no XML character/)],
    ['a lone surrogate reference', '<r>&#xD800;</r>', bodyInvalid(/&#xD800; names no XML character/)],
    ['a raw NUL', '<r>a\u0000b</r>', bodyInvalid(/NUL character at character 4/)],
    ['a bare ampersand', '<r>a & b</r>', bodyInvalid(/not well-formed/)],
    ['a bare ampersand the validator lets by, in an attribute', '<r a="x &amp y"/>', bodyInvalid(/an & that starts no entity or character reference \(at character 2 of a text\)/)],
    ['an inherited property as an entity name', '<r>&toString;</r>', bodyInvalid(/&toString; is not one of XML's five/)],
    ['truncated', '<r><a>1</a>', bodyInvalid(/not well-formed/)],
    ['two roots', '<a/><b/>', bodyInvalid(/not one document element/)],
    ['not XML', '{"msgId":1}', bodyInvalid(/not well-formed/)],
    ['empty', '', bodyInvalid(/not well-formed/)],
    ['nested 66 deep', `${'<a>'.repeat(66)}${'</a>'.repeat(66)}`, bodyInvalid(/nested/i)],
    ['a declaration naming another charset', '<?xml version="1.0" encoding="GBK"?><r/>', bodyInvalid(/encoding="GBK", but this department sends UTF-8/)],
    ['a prototype key', '<__proto__><a>1</a></__proto__>', bodyInvalid(/cannot be read/)],
  ]
  for (const [name, body, expected] of refused) t.throws(() => readXmlBody(Buffer.from(body), UTF8_XML), expected, name)
  t.throws(() => readXmlBody(Buffer.from([0x3c, 0x72, 0x3e, 0xff, 0xff, 0x3c, 0x2f, 0x72, 0x3e]), GBK_XML), { code: 'TB_ENCODING_INVALID', message: /GBK.*ff ff.*at byte 3/ }, 'bytes that are not GBK')
  t.throws(() => readXmlBody(Buffer.from('<r>中</r>'), { format: 'xml', charset: 'gbk' }), { code: 'TB_ENCODING_INVALID' }, 'UTF-8 where GBK is declared')
})

t.test('forms: strict decoding in the declared charset', async (t) => {
  t.same(readFormBody(Buffer.from('a=1&b=%E4%B8%AD+x&&c&d=&e=!\'()*-._~'), UTF8_FORM), { a: '1', b: '中 x', c: '', d: '', e: '!\'()*-._~' })
  t.same(readFormBody(Buffer.from('XM=%C0%EE%FE%9F'), GBK_FORM), { XM: '李䶮' }, 'GBK, with a GBK-extension character')
  t.same(readFormBody(Buffer.alloc(0), UTF8_FORM), {})
  const fields = readFormBody(Buffer.from('__proto__=x&constructor=y'), UTF8_FORM)
  t.equal(Object.getPrototypeOf(fields), Object.prototype, 'a __proto__ field is a field, not a prototype')
  t.equal(fields.__proto__, 'x')
  t.throws(() => readFormBody(Buffer.from('a=%ZZ'), UTF8_FORM), bodyInvalid(/field a: a % not followed by two hex digits at "%ZZ"/))
  t.throws(() => readFormBody(Buffer.from('a=%4'), UTF8_FORM), bodyInvalid(/a % not followed/))
  t.throws(() => readFormBody(Buffer.from('a=1&a=2'), UTF8_FORM), bodyInvalid(/field a is given twice/))
  t.throws(() => readFormBody(Buffer.from('a=中'), UTF8_FORM), bodyInvalid(/byte 0xe4 at byte 2 is not part of a form encoding/))
  t.throws(() => readFormBody(Buffer.from('a=1 2'), UTF8_FORM), bodyInvalid(/byte 0x20/))
  t.throws(() => readFormBody(Buffer.from('a=%00'), UTF8_FORM), bodyInvalid(/NUL/))
  t.throws(() => readFormBody(Buffer.from('a=%FF'), UTF8_FORM), { code: 'TB_ENCODING_INVALID' })
  t.throws(() => readFormBody(Buffer.from('XM=%E6%9D%8E'), GBK_FORM), { code: 'TB_ENCODING_INVALID' }, 'UTF-8 where GBK is declared')
})

t.test('the ingest check runs the declared format; JSON stays as it was', async (t) => {
  t.doesNotThrow(() => checkWebhookBody(Buffer.from('<r/>'), UTF8_XML))
  t.throws(() => checkWebhookBody(Buffer.from('{"a":1}'), UTF8_XML), bodyInvalid(/not well-formed/))
  t.throws(() => checkWebhookBody(Buffer.from('a=%ZZ'), UTF8_FORM), bodyInvalid(/%ZZ/))
  t.doesNotThrow(() => checkWebhookBody(Buffer.from('<r/>')), 'JSON by default: not a JSON validator')
  t.throws(() => checkWebhookBody(Buffer.from('{"a":"\\u0000"}')), bodyInvalid(/NUL/))
})

t.test('content types at the door', async (t) => {
  const json = { format: 'json' } as const
  t.ok(contentTypeMatches(json, 'application/json'))
  t.ok(contentTypeMatches(json, 'application/json; charset=gbk'), 'JSON ignores the charset parameter, as before')
  t.notOk(contentTypeMatches(json, 'text/plain'))
  t.notOk(contentTypeMatches(json, undefined))
  t.equal(expectedContentType(json), 'application/json')
  t.ok(contentTypeMatches(GBK_XML, 'application/xml'))
  t.ok(contentTypeMatches(GBK_XML, 'text/xml; charset="gb2312"'), 'GB2312 is read as GBK')
  t.ok(contentTypeMatches(GBK_XML, 'Application/XML; Charset=GBK'))
  t.notOk(contentTypeMatches(GBK_XML, 'application/xml; charset=utf-8'))
  t.notOk(contentTypeMatches(GBK_XML, 'application/xml; charset=koi8-r'), 'a charset tongban does not read')
  t.notOk(contentTypeMatches(GBK_XML, 'application/json'))
  t.equal(expectedContentType(GBK_XML), 'application/xml; charset=GBK')
  t.ok(contentTypeMatches(GBK_FORM, 'application/x-www-form-urlencoded'))
  t.notOk(contentTypeMatches(GBK_FORM, 'multipart/form-data; boundary=x'))
  t.equal(expectedContentType(UTF8_FORM), 'application/x-www-form-urlencoded; charset=UTF-8')
})
