// The way of one message, end to end: signed webhook -> inbox -> queue -> map -> unify, on
// real Redis and both stores.
import t from 'tap'
import { sign, signSm3 } from '../src/crypto/webhook-signature.ts'
import { buildMessage as buildSpecMessage, residentAt, residentFacts, isQuirky, type HouseholdRecord } from '../adapters/household-registration/data.ts'
import { DEMO_SECRET, eventually, startTestGateway } from './helpers.ts'

const OTHER_SECRET = 'whsec_b3RoZXItc2VjcmV0LWZvci1yb3RhdGlvbg=='

interface PostOptions { id?: string, secret?: string | string[], timestamp?: number, contentType?: string, headers?: Record<string, string>, adapter?: string }

async function post (url: string, body: string | Buffer, opts: PostOptions = {}) {
  const id = opts.id ?? `msg_${Math.random().toString(36).slice(2)}`
  const ts = opts.timestamp ?? Math.floor(Date.now() / 1000)
  const secrets = Array.isArray(opts.secret) ? opts.secret : [opts.secret ?? DEMO_SECRET]
  const res = await fetch(`${url}/webhooks/${opts.adapter ?? 'household-registration'}`, {
    method: 'POST',
    headers: {
      'content-type': opts.contentType ?? 'application/json; charset=utf-8',
      'webhook-id': id,
      'webhook-timestamp': String(ts),
      'webhook-signature': secrets.map((s) => sign(s, id, ts, body)).join(' '),
      ...opts.headers,
    },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  })
  return { status: res.status, headers: res.headers, body: await res.json() as Record<string, any> }
}

// Message numbers repeat across seeds in the generator's msgIds; each test message gets its own.
let sequence = 0
function buildMessage (...args: Parameters<typeof buildSpecMessage>): ReturnType<typeof buildSpecMessage> {
  return { ...buildSpecMessage(...args), msgId: `HRTEST${process.pid}${String(++sequence).padStart(6, '0')}${Date.now()}` }
}

function record (overrides: Partial<HouseholdRecord> = {}): HouseholdRecord {
  return { ...residentAt(7, 3), ...overrides }
}

for (const store of ['pglite', 'postgres'] as const) {
  t.test(`webhook ingest on ${store}`, async (t) => {
    const { gateway, auth, logLines } = await startTestGateway(t, { store, redisIndex: store === 'pglite' ? 2 : 3, sweepEveryMs: 500 })
    const api = async (path: string) => {
      const res = await fetch(`${gateway.url}/api/v1${path}`, { headers: auth })
      return { status: res.status, body: await res.json() as Record<string, any> }
    }
    const personEventually = async (id: string, check: (p: Record<string, any>) => boolean = () => true) =>
      await eventually(async () => { const r = await api(`/persons/${id}`); return r.status === 200 && check(r.body) ? r.body : undefined })

    t.test('a signed webhook is accepted and unified', async (t) => {
      const facts = residentFacts(11, 5)
      const msg = buildMessage(11, 1, { records: [residentAt(11, 5)], eventType: 'QR', occurTime: '2026-11-20 09:31:05' })
      const res = await post(gateway.url, JSON.stringify(msg), { id: msg.msgId })
      t.equal(res.status, 202)
      t.match(res.body, { receiptId: /^\d+$/, duplicate: false })
      t.same(Object.keys(res.body), ['receiptId', 'duplicate'], 'the receipt as documented, nothing more')
      t.equal(res.headers.get('x-content-type-options'), 'nosniff', 'the security headers every answer carries')
      t.match(res.headers.get('content-security-policy'), /frame-ancestors 'none'/)
      const person = await personEventually(facts.idNumber)
      t.match(person, { idNumber: facts.idNumber, name: facts.name, gender: facts.gender, birthDate: facts.birthDate, status: 'registered' })
      t.match(person.divisionCode, /^\d{12}$/)
      t.same(person.provenance.name, { adapter: 'household-registration', sourceId: `${msg.msgId}#0`, observedAt: '2026-11-20T01:31:05.000Z' })
    })

    t.test('signature, timestamp, adapter, media type and size are checked', async (t) => {
      const body = JSON.stringify(buildMessage(11, 2, { records: 1 }))
      const bad = await post(gateway.url, body, { secret: OTHER_SECRET })
      t.match(bad, { status: 401, body: { code: 'TB_WEBHOOK_SIGNATURE_INVALID' } })
      const tampered = await post(gateway.url, body, { headers: { 'webhook-signature': 'v1,AAAA' } })
      t.match(tampered, { status: 401, body: { code: 'TB_WEBHOOK_SIGNATURE_INVALID' } })
      const missing = await fetch(`${gateway.url}/webhooks/household-registration`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
      t.equal(missing.status, 401)
      t.match(await missing.json(), { code: 'TB_WEBHOOK_HEADERS_MISSING', message: /webhook-id, webhook-timestamp, webhook-signature/ })
      const stale = await post(gateway.url, body, { timestamp: Math.floor(Date.now() / 1000) - 301 })
      t.match(stale, { status: 401, body: { code: 'TB_WEBHOOK_TIMESTAMP_STALE' } })
      const future = await post(gateway.url, body, { timestamp: Math.floor(Date.now() / 1000) + 301 })
      t.match(future, { status: 401, body: { code: 'TB_WEBHOOK_TIMESTAMP_STALE' } })
      const rotated = await post(gateway.url, body, { secret: [OTHER_SECRET, DEMO_SECRET] })
      t.equal(rotated.status, 202, 'one matching signature among several is enough (key rotation)')
      const now = Math.floor(Date.now() / 1000)
      const sm3Only = await post(gateway.url, body, { id: 'msg_sm3', timestamp: now, headers: { 'webhook-signature': signSm3(DEMO_SECRET, 'msg_sm3', now, body) } })
      t.match(sm3Only, { status: 401, body: { code: 'TB_WEBHOOK_SCHEME_NOT_ACCEPTED', message: /\(v1\)/ } }, 'v1sm3 is refused where the instance accepts v1, the default')
      const mixedId = `msg_mixed_${process.pid}_${now}`
      const mixed = await post(gateway.url, body, { id: mixedId, timestamp: now, headers: { 'webhook-signature': `${signSm3(DEMO_SECRET, mixedId, now, body)} ${sign(DEMO_SECRET, mixedId, now, body)}` } })
      t.equal(mixed.status, 202, 'a v1sm3 entry beside a good v1 one is ignored there')
      const unknown = await post(gateway.url, body, { adapter: 'no-such-department' })
      t.match(unknown, { status: 404, body: { code: 'TB_ADAPTER_NOT_FOUND' } })
      const overlong = await post(gateway.url, body, { adapter: 'h'.repeat(65) })
      t.match(overlong, { status: 404, body: { code: 'TB_ADAPTER_NOT_FOUND' } }, 'an id longer than any instance\'s (64) is refused too')
      const text = await post(gateway.url, body, { contentType: 'text/plain' })
      t.match(text, { status: 415, body: { code: 'TB_UNSUPPORTED_MEDIA_TYPE' } })
      const huge = await post(gateway.url, Buffer.alloc(4 * 1024 * 1024 + 1, 0x20))
      t.match(huge, { status: 413, body: { code: 'TB_BODY_TOO_LARGE' } })
    })

    t.test('a repeated webhook-id is answered 2xx and processed once', async (t) => {
      const msg = buildMessage(12, 1, { records: 3, eventType: 'QR' })
      const body = JSON.stringify(msg)
      const first = await post(gateway.url, body, { id: msg.msgId })
      const again = await post(gateway.url, body, { id: msg.msgId })
      t.equal(first.status, 202)
      t.match(again, { status: 200, body: { receiptId: first.body.receiptId, duplicate: true } })
      const reusedCount = async (): Promise<number> => {
        const text = await (await fetch(`${gateway.url}/metrics`)).text()
        return Number(/^tongban_webhook_id_reused_total\{adapter="household-registration"\} (\d+)$/m.exec(text)?.[1] ?? 0)
      }
      t.equal(await reusedCount(), 0, 'a repeat with the same body is an ordinary retry')

      // The same id with another body: still a duplicate, but counted and logged (ids, no data).
      const other = buildMessage(12, 3, { records: 1, eventType: 'QR' })
      const reused = await post(gateway.url, JSON.stringify({ ...other, msgId: msg.msgId }), { id: msg.msgId })
      t.match(reused, { status: 200, body: { receiptId: first.body.receiptId, duplicate: true } })
      t.equal(await reusedCount(), 1, 'tongban_webhook_id_reused_total counts it')
      const warning = logLines.map((l) => JSON.parse(l) as Record<string, any>).find((l) => l.msg?.startsWith('webhook-id reused'))
      t.match(warning, { level: 40, adapter: 'household-registration', webhookId: msg.msgId, inboxId: Number(first.body.receiptId) })
      t.notMatch(JSON.stringify(warning), other.records[0]!.GMSFHM, 'no personal data in the log')

      // Concurrent repeats, as the department sends them "twice within a second".
      const msg2 = buildMessage(12, 2, { records: 3, eventType: 'QR' })
      const results = await Promise.all(Array.from({ length: 12 }, async () => await post(gateway.url, JSON.stringify(msg2), { id: msg2.msgId })))
      t.equal(results.filter((r) => r.status === 202).length, 1, 'exactly one is accepted as new')
      t.equal(new Set(results.map((r) => r.body.receiptId)).size, 1, 'all share one receipt')
      const inbox = await eventually(async () => {
        const r = await api(`/inbox?adapter=household-registration&limit=500`)
        const rows = r.body.items.filter((i: any) => i.webhookId === msg2.msgId)
        return rows.length === 1 && rows[0].status === 'done' ? rows : undefined
      })
      t.equal(inbox[0].recordsOk + inbox[0].recordsQuarantined, 3)
    })

    t.test('a 500-record webhook lands; invalid records are quarantined with a reason', async (t) => {
      const seed = 21
      const msg = buildMessage(seed, 1, { records: 500, residents: 100_000, residentFrom: 0, eventType: 'QR' })
      const body = JSON.stringify(msg)
      t.ok(Buffer.byteLength(body) < 2 * 1024 * 1024)
      const res = await post(gateway.url, body, { id: msg.msgId })
      t.equal(res.status, 202)
      const quirky = Array.from({ length: 500 }, (_, i) => i).filter((i) => isQuirky(seed, i))
      t.ok(quirky.length > 0, 'the generated batch contains quirky records')
      const row = await eventually(async () => {
        const r = await api('/inbox?adapter=household-registration&status=done&limit=500')
        return r.body.items.find((i: any) => i.webhookId === msg.msgId)
      })
      t.equal(row.recordsQuarantined, quirky.length)
      t.equal(row.recordsOk, 500 - quirky.length)
      const good = residentFacts(seed, quirky[0] === 0 ? 1 : 0)
      await personEventually(good.idNumber)
      const q = await api('/quarantine?adapter=household-registration&limit=500')
      const mine = q.body.items.filter((i: any) => i.sourceId.startsWith(`${msg.msgId}#`))
      t.equal(mine.length, quirky.length)
      for (const item of mine) t.match(item.reasonCode, /^TB_ID_(CHECKSUM|BIRTHDATE)$/)
      t.match(mine[0].raw.fields, { GMSFHM: String })
    })

    t.test('one bad record does not stop its batch; the raw value is kept', async (t) => {
      const ok = record({ GMSFHM: residentFacts(7, 3).idNumber })
      const badId = record({ GMSFHM: '320412194912310021' })
      const badPhone = { ...residentAt(7, 4), GMSFHM: residentFacts(7, 4).idNumber, LXDH: '12345' }
      const msg = buildMessage(7, 1, { records: [ok, badId, badPhone], eventType: 'BG' })
      t.equal((await post(gateway.url, JSON.stringify(msg), { id: msg.msgId })).status, 202)
      await personEventually(residentFacts(7, 3).idNumber)
      const q = await eventually(async () => {
        const r = await api('/quarantine?adapter=household-registration&limit=500')
        const mine = r.body.items.filter((i: any) => i.sourceId.startsWith(`${msg.msgId}#`))
        return mine.length === 2 ? mine : undefined
      })
      const byField = Object.fromEntries(q.map((i: any) => [i.field, i]))
      t.match(byField.GMSFHM, { reasonCode: 'TB_ID_CHECKSUM', rawValue: '320412194912310021' })
      t.match(byField.LXDH, { reasonCode: 'TB_PHONE_INVALID', rawValue: '12345' })
    })

    t.test('an older message never overwrites a newer one', async (t) => {
      const base = residentAt(31, 9)
      const id = residentFacts(31, 9).idNumber
      const newer = buildMessage(31, 2, { records: [{ ...base, HJDZ_QHNXXDZ: '湟里镇新址1号' }], eventType: 'BG', occurTime: '2026-11-21 10:00:00' })
      const older = buildMessage(31, 1, { records: [{ ...base, HJDZ_QHNXXDZ: '湟里镇旧址9号' }], eventType: 'QR', occurTime: '2026-11-20 10:00:00' })
      t.equal((await post(gateway.url, JSON.stringify(newer), { id: newer.msgId })).status, 202)
      await personEventually(id, (p) => p.address === '湟里镇新址1号')
      t.equal((await post(gateway.url, JSON.stringify(older), { id: older.msgId })).status, 202)
      await eventually(async () => {
        const r = await api('/inbox?adapter=household-registration&status=done&limit=500')
        return r.body.items.some((i: any) => i.webhookId === older.msgId)
      })
      const person = (await api(`/persons/${id}`)).body
      t.equal(person.address, '湟里镇新址1号')
      t.equal(person.provenance.address.observedAt, '2026-11-21T02:00:00.000Z')

      const moved = buildMessage(31, 3, { records: [base], eventType: 'QC', occurTime: '2026-11-22 10:00:00' })
      await post(gateway.url, JSON.stringify(moved), { id: moved.msgId })
      await personEventually(id, (p) => p.status === 'moved-out')
    })

    t.test('an unknown event type and an unreadable body are quarantined, not dropped', async (t) => {
      const msg = buildMessage(41, 1, { records: 2, eventType: 'ZZ' })
      await post(gateway.url, JSON.stringify(msg), { id: msg.msgId })
      const notJson = await post(gateway.url, '{"msgId": "HRbroken", records: [', { id: 'HRbroken' })
      t.equal(notJson.status, 202, 'the raw body is committed before anything reads it')
      const items = await eventually(async () => {
        const r = await api('/quarantine?adapter=household-registration&limit=500')
        const mine = r.body.items.filter((i: any) => i.sourceId.startsWith(msg.msgId) || i.sourceId === 'HRbroken')
        return mine.length === 3 ? mine : undefined
      })
      t.same(items.map((i: any) => i.reasonCode).sort(), ['TB_EVENT_TYPE_UNKNOWN', 'TB_EVENT_TYPE_UNKNOWN', 'TB_WEBHOOK_BODY_INVALID'])
    })
  })
}
