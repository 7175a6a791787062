// Webhook signature schemes: v1 (HMAC-SHA256, Standard Webhooks) and v1sm3 (HMAC-SM3 over the same
// signed content), each accepted only where the instance allows it. The end-to-end path through
// the gateway is in webhooks.test.ts.
import t from 'tap'
import * as nodeCrypto from 'node:crypto'
import { sm3 as independentSm3 } from 'sm-crypto-v2'
import { hmacSm3 } from '../src/crypto/index.ts'
import { secretKey, sign, signSm3, verify, WEBHOOK_SCHEMES, type WebhookHeaders } from '../src/crypto/webhook-signature.ts'

const SECRET = 'whsec_' + Buffer.from('a department secret for national algorithms').toString('base64')
const OLD_SECRET = 'whsec_' + Buffer.from('the previous secret, still in rotation').toString('base64')
const KEYS = [secretKey(SECRET)]
const ID = 'msg_2Yb7wJ3'
const TS = 1_790_000_000
const BODY = Buffer.from('{"msgId":"HR0001","records":[{"XM":"张三"}]}')
const BOTH = ['v1', 'v1sm3'] as const

function headers (signature: string, id = ID, timestamp = TS): WebhookHeaders {
  return { id, timestamp: String(timestamp), signature }
}

t.test('signSm3 is HMAC-SM3 of "{id}.{timestamp}.{body}" under the whsec_ key', async (t) => {
  const content = Buffer.concat([Buffer.from(`${ID}.${TS}.`), BODY])
  const expected = independentSm3(new Uint8Array(content), { key: new Uint8Array(secretKey(SECRET)), mode: 'hmac' })
  t.equal(signSm3(SECRET, ID, TS, BODY), `v1sm3,${Buffer.from(expected, 'hex').toString('base64')}`, 'agrees with an independent SM3')
  t.equal(signSm3(SECRET, ID, String(TS), BODY.toString()), `v1sm3,${hmacSm3(secretKey(SECRET), content).toString('base64')}`)
  t.not(signSm3(SECRET, ID, TS, BODY).slice('v1sm3,'.length), sign(SECRET, ID, TS, BODY).slice('v1,'.length))
  t.same(WEBHOOK_SCHEMES, ['v1', 'v1sm3'])
})

t.test('a valid v1sm3 signature is accepted where v1sm3 is', async (t) => {
  const signature = signSm3(SECRET, ID, TS, BODY)
  t.doesNotThrow(() => verify(KEYS, headers(signature), BODY, TS, 300, ['v1sm3']))
  t.doesNotThrow(() => verify(KEYS, headers(signature), BODY, TS, 300, BOTH))
  t.doesNotThrow(() => verify([secretKey(OLD_SECRET), ...KEYS], headers(signature), BODY, TS, 300, ['v1sm3']), 'with any of the rotated keys')
  t.doesNotThrow(() => verify(KEYS, headers(signSm3(SECRET, ID, TS - 299, BODY), ID, TS - 299), BODY, TS, 300, ['v1sm3']), 'inside the tolerance')
})

t.test('a tampered body, timestamp or id is rejected', async (t) => {
  const signature = signSm3(SECRET, ID, TS, BODY)
  const invalid = { code: 'TB_WEBHOOK_SIGNATURE_INVALID', statusCode: 401 }
  t.throws(() => verify(KEYS, headers(signature), Buffer.concat([BODY, Buffer.from(' ')]), TS, 300, ['v1sm3']), invalid, 'body')
  t.throws(() => verify(KEYS, headers(signature, ID, TS + 1), BODY, TS, 300, ['v1sm3']), invalid, 'timestamp')
  t.throws(() => verify(KEYS, headers(signature, `${ID}x`), BODY, TS, 300, ['v1sm3']), invalid, 'id')
  t.throws(() => verify([secretKey(OLD_SECRET)], headers(signature), BODY, TS, 300, ['v1sm3']), invalid, 'another key')
  t.throws(() => verify(KEYS, headers(signSm3(SECRET, ID, TS - 301, BODY), ID, TS - 301), BODY, TS, 300, ['v1sm3']), { code: 'TB_WEBHOOK_TIMESTAMP_STALE' }, 'outside the tolerance')
  t.throws(() => verify(KEYS, { id: ID, timestamp: String(TS), signature: undefined }, BODY, TS, 300, ['v1sm3']), { code: 'TB_WEBHOOK_HEADERS_MISSING' })
})

t.test('a scheme is accepted only where the instance allows it', async (t) => {
  const notAccepted = (accepts: string) => ({ code: 'TB_WEBHOOK_SCHEME_NOT_ACCEPTED', statusCode: 401, message: new RegExp(`\\(${accepts}\\)$`) })
  t.throws(() => verify(KEYS, headers(signSm3(SECRET, ID, TS, BODY)), BODY, TS, 300, ['v1']), notAccepted('v1'), 'v1sm3 where only v1 is')
  t.throws(() => verify(KEYS, headers(signSm3(SECRET, ID, TS, BODY)), BODY, TS), notAccepted('v1'), 'v1 only is the default')
  t.throws(() => verify(KEYS, headers(sign(SECRET, ID, TS, BODY)), BODY, TS, 300, ['v1sm3']), notAccepted('v1sm3'), 'v1 where only v1sm3 is')
  t.throws(() => verify(KEYS, headers('v2,AAAA v1a,AAAA nocomma ,AAAA'), BODY, TS, 300, BOTH), notAccepted('v1 or v1sm3'), 'unknown schemes are ignored')
  t.throws(() => verify(KEYS, headers(sign(SECRET, ID, TS, BODY).replace('v1,', 'v1sm3,')), BODY, TS, 300, BOTH), { code: 'TB_WEBHOOK_SIGNATURE_INVALID' }, 'an HMAC-SHA256 labelled v1sm3')
  t.throws(() => verify(KEYS, headers(signSm3(SECRET, ID, TS, BODY).replace('v1sm3,', 'v1,')), BODY, TS, 300, BOTH), { code: 'TB_WEBHOOK_SIGNATURE_INVALID' }, 'an HMAC-SM3 labelled v1')
})

t.test('mixed lists: one matching entry of an accepted scheme is enough', async (t) => {
  const v1 = sign(SECRET, ID, TS, BODY)
  const sm = signSm3(SECRET, ID, TS, BODY)
  const v1Old = sign(OLD_SECRET, ID, TS, BODY)
  const smOld = signSm3(OLD_SECRET, ID, TS, BODY)
  t.doesNotThrow(() => verify(KEYS, headers(`${v1} ${sm}`), BODY, TS, 300, ['v1']))
  t.doesNotThrow(() => verify(KEYS, headers(`${v1} ${sm}`), BODY, TS, 300, ['v1sm3']))
  t.doesNotThrow(() => verify(KEYS, headers(`${smOld} ${v1}`), BODY, TS, 300, BOTH), 'a stale v1sm3 beside a good v1')
  t.doesNotThrow(() => verify(KEYS, headers(`v2,AAAA ${v1Old} ${sm}`), BODY, TS, 300, BOTH), 'a good v1sm3 after a stale v1 and an unknown scheme')
  t.throws(() => verify(KEYS, headers(`${v1} ${smOld}`), BODY, TS, 300, ['v1sm3']), { code: 'TB_WEBHOOK_SIGNATURE_INVALID' }, 'a good v1 does not save a bad v1sm3 where only v1sm3 counts')
  t.throws(() => verify(KEYS, headers(`${v1Old} ${smOld}`), BODY, TS, 300, BOTH), { code: 'TB_WEBHOOK_SIGNATURE_INVALID' })
})

t.test('every comparison is constant-time, and no candidate length throws', async (t) => {
  const compared: Buffer[][] = []
  const { verify: spiedVerify } = await t.mockImport<typeof import('../src/crypto/webhook-signature.ts')>('../src/crypto/webhook-signature.ts', {
    'node:crypto': {
      ...nodeCrypto,
      timingSafeEqual: (a: Buffer, b: Buffer) => { compared.push([a, b]); return nodeCrypto.timingSafeEqual(a, b) },
    },
  })
  const good = signSm3(SECRET, ID, TS, BODY)
  const mac = Buffer.from(good.slice('v1sm3,'.length), 'base64')
  const lastBitFlipped = Buffer.from(mac)
  lastBitFlipped[31] = lastBitFlipped[31]! ^ 1
  t.throws(() => spiedVerify(KEYS, headers(`v1sm3,${lastBitFlipped.toString('base64')}`), BODY, TS, 300, ['v1sm3']), { code: 'TB_WEBHOOK_SIGNATURE_INVALID' }, 'one bit off')
  t.equal(compared.length, 1, 'the near miss went through timingSafeEqual')
  t.same(compared[0]![1], mac, 'against the expected HMAC-SM3')

  compared.length = 0
  t.throws(() => spiedVerify(KEYS, headers(`v1sm3,AAAA v1sm3,${mac.subarray(0, 31).toString('base64')} v1sm3,${Buffer.concat([mac, Buffer.alloc(1)]).toString('base64')}`), BODY, TS, 300, ['v1sm3']), { code: 'TB_WEBHOOK_SIGNATURE_INVALID' }, 'short, truncated and overlong MACs are rejected, not thrown on')
  t.equal(compared.length, 0, 'a MAC of another length is never compared (its length is public: 32 bytes)')

  compared.length = 0
  t.doesNotThrow(() => spiedVerify(KEYS, headers(`v1,${mac.toString('base64')} ${good}`), BODY, TS, 300, BOTH))
  t.equal(compared.length, 2, 'both schemes compare with timingSafeEqual')
  t.same(compared.at(-1), [mac, mac])
})
