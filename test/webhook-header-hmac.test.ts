// The header-HMAC webhook scheme on its own, against MACs computed here with node:crypto from the
// department's description: parts and separator, hex and base64, a prefix, seconds and
// milliseconds, the replay window, key rotation, the webhook id it gives, and every way a request
// is refused (401 with its code). Also: the registry picks the scheme by the adapter's declaration,
// and an instance's secrets are checked against the scheme at start-up. End to end through the
// gateway: webhook-formats.test.ts.
import t from 'tap'
import { createHash, createHmac } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { HeaderHmacSignature } from '../src/adapter-sdk/index.ts'
import { loadConfig } from '../src/config/load.ts'
import { sign } from '../src/crypto/webhook-signature.ts'
import { webhookVerifier, WEBHOOK_SIGNATURES } from '../src/webhooks/signatures/index.ts'
import { tempDir } from './helpers.ts'

const SECRET = 'department-shared-secret-0001'
const OLD_SECRET = 'department-previous-secret-01'
const NOW = 1_790_000_000
const BODY = Buffer.from('msgId=M1&XM=%E6%9D%8E')
const BODY_ID = `sha256:${createHash('sha256').update(BODY).digest('hex')}`
const config = (secrets = [SECRET], toleranceSeconds = 300) => ({ secrets, toleranceSeconds, schemes: ['v1' as const] })

const SM3_HEX: HeaderHmacSignature = {
  type: 'header-hmac', algorithm: 'hmac-sm3', encoding: 'hex', timestamp: 'unix-ms',
  canonical: ['timestamp', 'nonce', 'body'], separator: '\n',
  headers: { signature: 'X-Sign', timestamp: 'X-Timestamp', nonce: 'X-Nonce' },
}
const SHA256_B64: HeaderHmacSignature = {
  type: 'header-hmac', algorithm: 'hmac-sha256', encoding: 'base64', timestamp: 'unix-s',
  canonical: ['id', 'timestamp', 'body'], separator: '.', prefix: 'sha256=',
  headers: { signature: 'x-signature', timestamp: 'x-ts', id: 'x-event-id' },
}

function sm3Headers (opts: { secret?: string, ms?: number, nonce?: string, body?: Buffer } = {}): Record<string, string> {
  const ms = String(opts.ms ?? NOW * 1000)
  const nonce = opts.nonce ?? 'n0nce'
  return { 'x-timestamp': ms, 'x-nonce': nonce, 'x-sign': createHmac('sm3', opts.secret ?? SECRET).update(`${ms}\n${nonce}\n`).update(opts.body ?? BODY).digest('hex') }
}

t.test('HMAC-SM3, hex, over timestamp (ms), nonce and body', async (t) => {
  const verifier = webhookVerifier(SM3_HEX, config())
  t.equal(verifier.verify(sm3Headers(), BODY, NOW), BODY_ID, 'the body hash is the webhook id when no id header is declared')
  t.equal(verifier.verify(sm3Headers({ nonce: 'another' }), BODY, NOW), BODY_ID, 'a retry with a new nonce is the same message')
  t.equal(verifier.verify({ ...sm3Headers(), 'x-sign': sm3Headers()['x-sign']!.toUpperCase() }, BODY, NOW), BODY_ID, 'upper-case hex')
  t.equal(verifier.verify(sm3Headers({ ms: (NOW - 300) * 1000 }), BODY, NOW), BODY_ID, 'at the edge of the window')
  t.equal(webhookVerifier(SM3_HEX, config([OLD_SECRET, SECRET])).verify(sm3Headers(), BODY, NOW), BODY_ID, 'any configured secret (rotation)')

  const invalid = { code: 'TB_WEBHOOK_SIGNATURE_INVALID', statusCode: 401, message: /No signature in X-Sign matches/ }
  t.throws(() => verifier.verify(sm3Headers({ secret: OLD_SECRET }), BODY, NOW), invalid, 'another secret')
  t.throws(() => verifier.verify(sm3Headers(), Buffer.concat([BODY, Buffer.from('&x=1')]), NOW), invalid, 'another body')
  t.throws(() => verifier.verify({ ...sm3Headers(), 'x-nonce': 'other' }, BODY, NOW), invalid, 'another nonce')
  t.throws(() => verifier.verify({ ...sm3Headers(), 'x-sign': 'not hex' }, BODY, NOW), invalid, 'not hex')
  t.throws(() => verifier.verify({ ...sm3Headers(), 'x-sign': sm3Headers()['x-sign']!.slice(2) }, BODY, NOW), invalid, 'a MAC of another length')
  const stale = { code: 'TB_WEBHOOK_TIMESTAMP_STALE', statusCode: 401 }
  t.throws(() => verifier.verify(sm3Headers({ ms: (NOW - 301) * 1000 }), BODY, NOW), stale, 'before the window')
  t.throws(() => verifier.verify(sm3Headers({ ms: (NOW + 301) * 1000 }), BODY, NOW), stale, 'after it')
  t.throws(() => verifier.verify({ ...sm3Headers(), 'x-timestamp': '1790000000000.5' }, BODY, NOW), stale, 'not an integer')
  t.throws(() => webhookVerifier(SM3_HEX, config([SECRET], 10)).verify(sm3Headers({ ms: (NOW - 11) * 1000 }), BODY, NOW), stale, "the instance's tolerance")
  const { 'x-nonce': _n, ...noNonce } = sm3Headers()
  t.throws(() => verifier.verify(noNonce, BODY, NOW), { code: 'TB_WEBHOOK_HEADERS_MISSING', message: /X-Nonce \(header HMAC\)/ })
  t.throws(() => verifier.verify({}, BODY, NOW), { code: 'TB_WEBHOOK_HEADERS_MISSING', message: /X-Sign, X-Timestamp, X-Nonce/ })
})

t.test('HMAC-SHA256, base64 after a prefix, over id, timestamp (s) and body', async (t) => {
  const verifier = webhookVerifier(SHA256_B64, config())
  const mac = createHmac('sha256', SECRET).update(`evt_1.${NOW}.`).update(BODY).digest('base64')
  const headers = { 'x-event-id': 'evt_1', 'x-ts': String(NOW), 'x-signature': `sha256=${mac}` }
  t.equal(verifier.verify(headers, BODY, NOW), 'evt_1', 'the id header is the webhook id')
  t.throws(() => verifier.verify({ ...headers, 'x-signature': mac }, BODY, NOW), { code: 'TB_WEBHOOK_SIGNATURE_INVALID' }, 'without the prefix')
  t.throws(() => verifier.verify({ ...headers, 'x-event-id': 'evt_2' }, BODY, NOW), { code: 'TB_WEBHOOK_SIGNATURE_INVALID' }, 'the id is signed')
  t.throws(() => verifier.verify({ ...headers, 'x-ts': String(NOW * 1000) }, BODY, NOW), { code: 'TB_WEBHOOK_TIMESTAMP_STALE' }, 'milliseconds where seconds are declared')
})

t.test('without a nonce either, the webhook id is the body hash', async (t) => {
  const d: HeaderHmacSignature = { ...SM3_HEX, canonical: ['timestamp', 'body'], headers: { signature: 'x-sign', timestamp: 'x-timestamp' } }
  const ms = String(NOW * 1000)
  const headers = { 'x-timestamp': ms, 'x-sign': createHmac('sm3', SECRET).update(`${ms}\n`).update(BODY).digest('hex') }
  t.equal(webhookVerifier(d, config()).verify(headers, BODY, NOW), `sha256:${createHash('sha256').update(BODY).digest('hex')}`)
})

t.test('a declaration that signs a header it does not name is refused at start', async (t) => {
  t.throws(() => webhookVerifier({ ...SM3_HEX, headers: { signature: 'x-sign', timestamp: 'x-timestamp' } }, config()), { name: 'TypeError', message: /signs the nonce, but declares no header for it/ })
  t.throws(() => webhookVerifier({ ...SHA256_B64, headers: { signature: 'x-sign', timestamp: 'x-timestamp' } }, config()), { message: /signs the id/ })
})

t.test('the registry: one scheme per declared type; Standard Webhooks as before', async (t) => {
  t.same(Object.keys(WEBHOOK_SIGNATURES).sort(), ['header-hmac', 'standard-webhooks'])
  const secret = 'whsec_' + Buffer.from('a standard webhooks secret!').toString('base64')
  const verifier = webhookVerifier('standard-webhooks', config([secret]))
  const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(NOW), 'webhook-signature': sign(secret, 'msg_1', NOW, BODY) }
  t.equal(verifier.verify(headers, BODY, NOW), 'msg_1')
  t.throws(() => verifier.verify({ ...headers, 'webhook-signature': 'v1,AAAA' }, BODY, NOW), { code: 'TB_WEBHOOK_SIGNATURE_INVALID', message: /in webhook-signature/ })
  t.throws(() => verifier.verify({ ...headers, 'webhook-timestamp': String(NOW - 301) }, BODY, NOW), { code: 'TB_WEBHOOK_TIMESTAMP_STALE' })
  t.throws(() => verifier.verify({}, BODY, NOW), { code: 'TB_WEBHOOK_HEADERS_MISSING', message: /\(Standard Webhooks\)/ })
})

t.test("an instance's webhook secrets are checked against its adapter's scheme at start-up", async (t) => {
  const dir = await tempDir(t)
  const adapters = pathToFileURL(join(import.meta.dirname, 'webhook-format-adapters.ts')).href
  await writeFile(join(dir, 'form.js'), `export { formAdapter as default } from ${JSON.stringify(adapters)}\n`)
  const file = join(dir, 'tongban.yaml')
  const write = async (secrets: string[]): Promise<void> => {
    await writeFile(file, `towns: [{ code: "320412120000", name: 湟里镇 }]\nadapters:\n  - { id: form-register, path: form.js, webhook: { secrets: ${JSON.stringify(secrets)} } }\n  - { id: household-registration, adapter: household-registration, webhook: { secrets: ["plain-text-secret-not-whsec"] } }\n`)
  }
  await write(['short'])
  await t.rejects(loadConfig(file, {}), { code: 'TB_CONFIG_INVALID', message: /adapters\[0\]\.webhook\.secrets\[0\]: a shared secret of at least 16 characters/ })
  await write([SECRET])
  await t.rejects(loadConfig(file, {}), { code: 'TB_CONFIG_INVALID', message: /adapters\[1\]\.webhook\.secrets\[0\]: a Standard Webhooks secret: whsec_ followed by base64/ }, 'a plain secret where Standard Webhooks needs whsec_')
})
