// The checks every webhook body passes before an adapter parses it (src/pipeline/webhook-body.ts).
import t from 'tap'
import { MAX_DEPTH, checkWebhookBody, messageFields } from '../src/pipeline/webhook-body.ts'

const refusal = (body: string | Buffer): { code: string, message: string } | undefined => {
  try {
    checkWebhookBody(typeof body === 'string' ? Buffer.from(body) : body)
    return undefined
  } catch (err) {
    return err as { code: string, message: string }
  }
}

t.test('storable JSON passes', async (t) => {
  for (const body of [
    '{"XM":"王芳","n":[1,{"a":[]}]}',
    '{"XM":"\\ud842\\udfb7"}', // 𠮷 as an escaped surrogate pair
    '{"XM":"\\\\u0000"}', // a backslash, then the text u0000
    '{"XM":"\\"[[[["}', // brackets in a string do not nest
    '{"XM":"\\u0001"}',
    `${'['.repeat(MAX_DEPTH)}${']'.repeat(MAX_DEPTH)}`,
  ]) t.equal(refusal(body), undefined, body.slice(0, 40))
})

t.test('what PostgreSQL cannot store is refused with the reason', async (t) => {
  t.match(refusal('{"XM":"王\\u0000芳"}'), { code: 'TB_WEBHOOK_BODY_INVALID', message: /\\u0000 \(NUL\) at character 8/ })
  t.match(refusal('{"XM":"\\uD800x"}'), { code: 'TB_WEBHOOK_BODY_INVALID', message: /lone surrogate \\ud800/ }, 'hex digits in either case')
  t.match(refusal('{"XM":"a\u0000"}'), { code: 'TB_WEBHOOK_BODY_INVALID', message: /a NUL character/ })
  t.match(refusal('{"XM":"\\ud800x"}'), { code: 'TB_WEBHOOK_BODY_INVALID', message: /lone surrogate \\ud800/ })
  t.match(refusal('{"XM":"\\ud800\\u0041"}'), { code: 'TB_WEBHOOK_BODY_INVALID', message: /lone surrogate \\ud800/ })
  t.match(refusal('{"XM":"\\udc00"}'), { code: 'TB_WEBHOOK_BODY_INVALID', message: /lone surrogate \\udc00/ })
  t.match(refusal(`${'['.repeat(MAX_DEPTH + 1)}${']'.repeat(MAX_DEPTH + 1)}`), { code: 'TB_WEBHOOK_BODY_INVALID', message: /nested deeper than 64 levels/ })
  t.match(refusal(`{"r":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`), { code: 'TB_WEBHOOK_BODY_INVALID', message: /nested deeper/ }, 'thousands deep, without a stack overflow')
})

t.test('bytes that are not UTF-8 are TB_ENCODING_INVALID, never U+FFFD', async (t) => {
  const gbk = Buffer.concat([Buffer.from('{"XM":"'), Buffer.from([0xcd, 0xf5, 0xb7, 0xbc]), Buffer.from('"}')])
  t.match(refusal(gbk), { code: 'TB_ENCODING_INVALID', message: 'The bytes are not valid UTF-8 text: bytes cd f5 b7 bc at byte 7 of the webhook body' })
  t.match(refusal(Buffer.from([0x00, 0x01, 0x02, 0xff])), { code: 'TB_ENCODING_INVALID', message: /bytes ff at byte 3/ })
  t.match(refusal(Buffer.concat([Buffer.from('"芳\uFFFD'), Buffer.from([0xed, 0xa0, 0x80])])), { code: 'TB_ENCODING_INVALID', message: /bytes ed a0 80 at byte 7/ }, 'a real U+FFFD before is passed over; an encoded surrogate is not UTF-8')
})

t.test('a whole message as quarantine fields keeps its bytes', async (t) => {
  t.same(messageFields(Buffer.from('{"XM":"\\u0000"}')), { body: '{"XM":"\\u0000"}' })
  t.same(messageFields(Buffer.from([0xcd, 0xf5])), { bodyBase64: 'zfU=' })
  t.same(messageFields(Buffer.from('a\u0000')), { bodyBase64: 'YQA=' })
})
