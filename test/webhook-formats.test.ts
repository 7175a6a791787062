// Webhooks that are not Standard Webhooks JSON, through a real gateway: GBK XML and GBK forms,
// Standard Webhooks and header-HMAC signatures. Content types are checked at the door (415 naming
// what to send), signatures before anything reads the body (401 with the reason), and a body that
// is not of its declared format is still committed, then quarantined whole with its bytes —
// DOCTYPEs (XXE, billion laughs) included. On PGlite and real Redis.
import t from 'tap'
import { createHash, createHmac, randomBytes } from 'node:crypto'
import iconv from 'iconv-lite'
import { sign } from '../src/crypto/webhook-signature.ts'
import { webhookSender } from '../src/adapter-sdk/testkit/webhook-sender.ts'
import { residentFacts } from '../adapters/household-registration/data.ts'
import { BUILT_IN_ADAPTERS, type LoadedAdapter } from '../src/config/adapters.ts'
import { Config } from '../src/config/schema.ts'
import { startGateway } from '../src/runtime/gateway.ts'
import { FORM_SIGNATURE, formAdapter, jsonHmacAdapter, xmlAdapter } from './webhook-format-adapters.ts'
import { captureLogger, eventually, freshRedis, operatorAuth, tempDir, type Json } from './helpers.ts'

const XML_SECRET = 'whsec_' + Buffer.from('xml-register webhook secret').toString('base64')
const FORM_SECRET = 'form-register-shared-secret-2026'
const OLD_FORM_SECRET = 'form-register-previous-secret-25'
const JSON_SECRET = 'json-hmac-register-shared-secret'

/** Residents whose ID numbers are valid (the generator makes 1 in 50 wrong on purpose). */
const residents = Array.from({ length: 60 }, (_, i) => residentFacts(91, i)).filter((f) => f.quirk === undefined).slice(0, 6)

const gateway = await (async () => {
  const loaded = new Map<string, LoadedAdapter>(BUILT_IN_ADAPTERS)
  for (const definition of [xmlAdapter, formAdapter, jsonHmacAdapter]) loaded.set(definition.id, { definition, source: { kind: 'path', file: 'test/webhook-format-adapters.ts' } })
  const config = {
    ...Config.parse({
      towns: [{ code: '320412120000', name: '武进区湟里镇' }],
      adapters: [
        { id: 'xml-register', adapter: 'xml-register', webhook: { secrets: [XML_SECRET] } },
        { id: 'form-register', adapter: 'form-register', webhook: { secrets: [OLD_FORM_SECRET, FORM_SECRET] } },
        { id: 'json-hmac-register', adapter: 'json-hmac-register', webhook: { secrets: [JSON_SECRET] } },
      ],
    }),
    loadedAdapters: loaded,
  }
  const started = await startGateway({
    port: 0, host: '127.0.0.1', dataDir: await tempDir(t), configPath: '(test)', redisUrl: await freshRedis(t, 22), databaseUrl: undefined, adminToken: 'test-admin-token-0123456789',
  }, { config, logger: captureLogger().logger, sweepEveryMs: 500 })
  t.teardown(started.stop)
  return started
})()
const auth = await operatorAuth(gateway.url)

async function post (adapter: string, body: Buffer | string, headers: Record<string, string>): Promise<{ status: number, body: Json }> {
  const res = await fetch(`${gateway.url}/webhooks/${adapter}`, { method: 'POST', headers, body: typeof body === 'string' ? body : new Uint8Array(body) })
  return { status: res.status, body: await res.json() as Json }
}

async function api (path: string): Promise<Json> {
  return await (await fetch(`${gateway.url}/api/v1${path}`, { headers: auth })).json() as Json
}

const personEventually = async (id: string): Promise<Json> => await eventually(async () => {
  const res = await fetch(`${gateway.url}/api/v1/persons/${id}`, { headers: auth })
  return res.status === 200 ? await res.json() as Json : undefined
})

const quarantinedEventually = async (adapter: string, sourceId: string): Promise<Json> => await eventually(async () =>
  ((await api(`/quarantine?adapter=${adapter}&limit=500`)).items as Json[]).find((i) => i.sourceId === sourceId))

let sequence = 0
const nextId = (prefix: string): string => `${prefix}${process.pid}x${++sequence}x${Date.now()}`

t.test('XML in GBK, signed the Standard Webhooks way', async (t) => {
  const standard = (id: string, body: Buffer, contentType = 'application/xml; charset=GBK'): Record<string, string> => {
    const ts = Math.floor(Date.now() / 1000)
    return { 'content-type': contentType, 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': sign(XML_SECRET, id, ts, body) }
  }
  const message = (msgId: string, records: Array<{ id: string, name: string }>): Buffer => Buffer.concat([
    Buffer.from([0xef, 0xbb, 0xbf]), // a BOM before the declaration, as some GBK services send
    iconv.encode(`<?xml version="1.0" encoding="GBK"?><MESSAGE><MSGID>${msgId}</MSGID><OCCURTIME>2026-11-20T09:31:05+08:00</OCCURTIME><RECORDS>${
      records.map((r) => `<RECORD><SFZH>${r.id}</SFZH><XM><![CDATA[${r.name}]]></XM></RECORD>`).join('')}</RECORDS></MESSAGE>`, 'gbk'),
  ])

  t.test('a GBK message is committed, read and unified; a GBK-extension character survives', async (t) => {
    const msgId = nextId('XML')
    const body = message(msgId, [{ id: residents[0]!.idNumber, name: '李䶮' }])
    t.equal((await post('xml-register', body, standard(msgId, body))).status, 202)
    t.match(await personEventually(residents[0]!.idNumber), { name: '李䶮', provenance: { name: { adapter: 'xml-register', sourceId: `${msgId}#0` } } })
    const textXml = nextId('XML')
    const other = message(textXml, [{ id: residents[1]!.idNumber, name: residents[1]!.name }])
    t.equal((await post('xml-register', other, standard(textXml, other, 'text/xml'))).status, 202, 'text/xml without a charset is accepted too')
    await personEventually(residents[1]!.idNumber)
  })

  t.test('another content type, or another charset, is a 415 saying what to send', async (t) => {
    const body = message(nextId('XML'), [])
    for (const type of ['application/json', 'application/xml; charset=UTF-8', 'text/plain', 'application/xml; charset=latin-1']) {
      const res = await post('xml-register', body, standard('x', body, type))
      t.match(res, { status: 415, body: { code: 'TB_UNSUPPORTED_MEDIA_TYPE', message: /send application\/xml; charset=GBK$/ } }, type)
    }
  })

  t.test('unreadable XML is committed, then quarantined whole with its bytes', async (t) => {
    const cases = {
      laughs: '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><MESSAGE>&lol3;</MESSAGE>',
      xxe: '<?xml version="1.0"?><!DOCTYPE MESSAGE [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><MESSAGE><MSGID>&xxe;</MSGID></MESSAGE>',
      truncated: '<MESSAGE><MSGID>X</MSGID><RECORDS><RECORD><SFZH>',
      undeclared: '<MESSAGE><MSGID>&nbsp;</MSGID></MESSAGE>',
    }
    for (const [name, text] of Object.entries(cases)) {
      const id = nextId(`XMLBAD${name}`)
      const body = iconv.encode(text, 'gbk')
      t.equal((await post('xml-register', body, standard(id, body))).status, 202, `${name}: the raw body is committed before anything reads it`)
      const item = await quarantinedEventually('xml-register', id)
      t.equal(item.reasonCode, 'TB_WEBHOOK_BODY_INVALID', name)
      t.equal(item.raw.fields.body, text, `${name}: kept whole`)
    }
    const notGbk = Buffer.concat([iconv.encode('<MESSAGE><MSGID>', 'gbk'), Buffer.from([0xff, 0xff]), iconv.encode('</MSGID></MESSAGE>', 'gbk')])
    const id = nextId('XMLBYTES')
    t.equal((await post('xml-register', notGbk, standard(id, notGbk))).status, 202)
    const item = await quarantinedEventually('xml-register', id)
    t.match(item, { reasonCode: 'TB_ENCODING_INVALID', reason: /GBK.*ff ff/ })
    t.equal(item.raw.fields.bodyBase64, notGbk.toString('base64'), 'bytes that are no text are kept in base64')
  })
})

t.test('a GBK form, signed with a header HMAC-SM3 over timestamp, nonce and body', async (t) => {
  const form = (fields: Record<string, string>): Buffer => Buffer.from(Object.entries(fields)
    .map(([k, v]) => `${k}=${[...iconv.encode(v, 'gbk')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('')}`).join('&'))
  // The department's own signing, written from its spec with node:crypto.
  const signed = (body: Buffer, opts: { secret?: string, timestampMs?: number, nonce?: string } = {}): Record<string, string> => {
    const timestamp = String(opts.timestampMs ?? Date.now())
    const nonce = opts.nonce ?? randomBytes(8).toString('hex')
    const sig = createHmac('sm3', opts.secret ?? FORM_SECRET).update(`${timestamp}\n${nonce}\n`).update(body).digest('hex')
    return { 'content-type': 'application/x-www-form-urlencoded; charset=GBK', 'x-timestamp': timestamp, 'x-nonce': nonce, 'x-sign': sig }
  }
  const resident = residents[2]!
  const body = form({ msgId: nextId('FORM'), occurTime: '2026-11-21T10:00:00+08:00', SFZH: resident.idNumber, XM: '王䶮' })

  t.test('accepted and unified; every configured secret verifies (key rotation)', async (t) => {
    t.equal((await post('form-register', body, signed(body))).status, 202)
    t.match(await personEventually(resident.idNumber), { name: '王䶮' })
    const other = form({ msgId: nextId('FORM'), occurTime: '2026-11-21T10:00:00+08:00', SFZH: residents[3]!.idNumber, XM: residents[3]!.name })
    t.equal((await post('form-register', other, signed(other, { secret: OLD_FORM_SECRET }))).status, 202, 'the previous secret, still configured')
  })

  t.test('a wrong signature, a stale or future timestamp and a missing header are 401 with their code', async (t) => {
    t.match(await post('form-register', body, signed(body, { secret: 'not-the-department-secret-000000' })), { status: 401, body: { code: 'TB_WEBHOOK_SIGNATURE_INVALID', message: /x-sign/ } })
    const tampered = Buffer.from(body.toString().replace('occurTime=', 'occurTime=2'))
    t.match(await post('form-register', tampered, signed(body)), { status: 401, body: { code: 'TB_WEBHOOK_SIGNATURE_INVALID' } }, 'a body changed after signing')
    t.match(await post('form-register', body, { ...signed(body), 'x-sign': 'zz' }), { status: 401, body: { code: 'TB_WEBHOOK_SIGNATURE_INVALID' } }, 'not hex')
    t.match(await post('form-register', body, signed(body, { timestampMs: Date.now() - 301_000 })), { status: 401, body: { code: 'TB_WEBHOOK_TIMESTAMP_STALE' } }, 'outside the window')
    t.match(await post('form-register', body, signed(body, { timestampMs: Date.now() + 301_000 })), { status: 401, body: { code: 'TB_WEBHOOK_TIMESTAMP_STALE' } }, 'from the future')
    t.match(await post('form-register', body, { ...signed(body), 'x-timestamp': String(Math.floor(Date.now() / 1000)) }), { status: 401, body: { code: 'TB_WEBHOOK_TIMESTAMP_STALE' } }, 'seconds where milliseconds are declared')
    const { 'x-nonce': _nonce, ...withoutNonce } = signed(body)
    t.match(await post('form-register', body, withoutNonce), { status: 401, body: { code: 'TB_WEBHOOK_HEADERS_MISSING', message: /x-nonce \(header HMAC\)/ } })
  })

  t.test('a replay inside the window is a duplicate of the first, processed once', async (t) => {
    const replayed = form({ msgId: nextId('FORM'), occurTime: '2026-11-21T11:00:00+08:00', SFZH: residents[4]!.idNumber, XM: residents[4]!.name })
    const headers = signed(replayed)
    const first = await post('form-register', replayed, headers)
    const again = await post('form-register', replayed, headers)
    t.equal(first.status, 202)
    t.match(again, { status: 200, body: { receiptId: first.body.receiptId, duplicate: true } })
    t.match(await post('form-register', replayed, signed(replayed)), { status: 200, body: { receiptId: first.body.receiptId, duplicate: true } }, 'a retry signed anew (new nonce) is the same message: its id is the body hash')
  })

  t.test("the simulator kit's sender signs as such a department does", async (t) => {
    const sender = webhookSender({
      subscriber: { url: `${gateway.url}/webhooks/form-register`, secret: FORM_SECRET },
      signature: FORM_SIGNATURE,
      contentType: 'application/x-www-form-urlencoded; charset=GBK',
      retryScheduleMs: [200],
    })
    t.teardown(sender.close)
    const resident = residents[3]!
    const sent = form({ msgId: nextId('KIT'), occurTime: '2026-11-21T12:00:00+08:00', SFZH: resident.idNumber, XM: '赵䶮' })
    await new Promise<void>((resolve) => { sender.deliver('kit-1', sent, resolve) })
    t.match(sender.stats(), { delivered: 1, failedAttempts: 0 })
    await eventually(async () => (await personEventually(resident.idNumber)).name === '赵䶮')
    t.throws(() => sender.setSubscriber({ url: gateway.url, secret: 'short' }), { status: 400, message: /at least 16 characters/ }, 'a header-HMAC secret is not a whsec_ one')
  })

  t.test('content type and a form that is not strictly encoded', async (t) => {
    t.match(await post('form-register', body, { ...signed(body), 'content-type': 'application/json' }), { status: 415, body: { code: 'TB_UNSUPPORTED_MEDIA_TYPE', message: /send application\/x-www-form-urlencoded; charset=GBK$/ } })
    const bad = Buffer.from(`msgId=${nextId('FORMBAD')}&XM=%ZZ`)
    const headers = signed(bad)
    t.equal((await post('form-register', bad, headers)).status, 202)
    const item = await quarantinedEventually('form-register', `sha256:${createHash('sha256').update(bad).digest('hex')}`)
    t.match(item, { reasonCode: 'TB_WEBHOOK_BODY_INVALID', reason: /field XM: a % not followed by two hex digits/, raw: { fields: { body: bad.toString() } } })
  })
})

t.test('JSON with a prefixed HMAC-SHA256 header and the event id in a header', async (t) => {
  const signed = (id: string, body: string, secret = JSON_SECRET, ts = Math.floor(Date.now() / 1000)): Record<string, string> => ({
    'content-type': 'application/json', 'x-event-id': id, 'x-hub-timestamp': String(ts),
    'x-hub-signature': `sha256=${createHmac('sha256', secret).update(`${ts}.${body}`).digest('base64')}`,
  })
  const id = nextId('EVT')
  const body = JSON.stringify({ occurTime: '2026-11-22T08:00:00+08:00', SFZH: residents[5]!.idNumber, XM: residents[5]!.name })
  const first = await post('json-hmac-register', body, signed(id, body))
  t.equal(first.status, 202)
  t.match(await personEventually(residents[5]!.idNumber), { provenance: { name: { adapter: 'json-hmac-register', sourceId: id } } }, 'the id header is the webhook id')
  t.match(await post('json-hmac-register', body, signed(id, body)), { status: 200, body: { receiptId: first.body.receiptId, duplicate: true } })
  const headers = signed(nextId('EVT'), body)
  t.match(await post('json-hmac-register', body, { ...headers, 'x-hub-signature': headers['x-hub-signature']!.replace('sha256=', '') }), { status: 401, body: { code: 'TB_WEBHOOK_SIGNATURE_INVALID', message: /x-hub-signature/ } }, 'without the declared prefix')
  t.match(await post('json-hmac-register', body, signed(nextId('EVT'), body, 'another-secret-of-the-same-size!')), { status: 401, body: { code: 'TB_WEBHOOK_SIGNATURE_INVALID' } })
  t.match(await post('json-hmac-register', body, { ...signed(nextId('EVT'), body), 'webhook-signature': 'v1,AAAA' }), { status: 202 }, 'Standard Webhooks headers mean nothing to this scheme')
})
