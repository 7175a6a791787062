import { once } from 'node:events'
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { decryptSm4Field } from '../../src/crypto/sm4.ts'
import { secretKey, verify } from '../../src/crypto/webhook-signature.ts'
import { webhookVerifier } from '../../src/webhooks/signatures/index.ts'
import { parse } from './adapter.ts'
import { ENCRYPTED_FIELDS, insuredAt, type InsuranceBatch } from './data.ts'
import { RETRY_SCHEDULE_MS, startSimulator, type SocialInsuranceSimulator, type SocialInsuranceSimulatorOptions } from './simulator.ts'

const SECRET = 'whsec_' + Buffer.from('social-insurance-test-secret').toString('base64')
const KEYS = [secretKey(SECRET)]
const DATA_KEY = '00112233445566778899aabbccddeeff'
const KEY = Buffer.from(DATA_KEY, 'hex')
// The platform's own verifier, as the gateway builds it for an instance accepting only v1sm3.
const platform = webhookVerifier('standard-webhooks', { secrets: [SECRET], schemes: ['v1sm3'], toleranceSeconds: 300 })

interface Received { headers: IncomingHttpHeaders, body: Buffer, at: number }
type Responder = (req: Received, n: number) => number

/** A real subscriber: records every POST and answers what `respond` says. */
async function receiver (respond: Responder = () => 202) {
  const got: Received[] = []
  const waiting: Array<{ count: number, resolve: () => void }> = []
  const server = createServer((req, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const r: Received = { headers: req.headers, body: Buffer.concat(chunks), at: Date.now() }
      got.push(r)
      res.writeHead(respond(r, got.length)).end()
      for (const w of waiting.filter((w) => got.length >= w.count)) { waiting.splice(waiting.indexOf(w), 1); w.resolve() }
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/social-insurance`,
    got,
    received: async (count: number) => { if (got.length < count) await new Promise<void>((resolve) => { waiting.push({ count, resolve }) }) },
    close: async () => { server.closeAllConnections(); server.close(); await once(server, 'close') },
  }
}

type Receiver = Awaited<ReturnType<typeof receiver>>

async function setup (t: { teardown: (fn: () => unknown) => void }, respond?: Responder, opts: Partial<SocialInsuranceSimulatorOptions> = {}): Promise<{ sim: SocialInsuranceSimulator, rx: Receiver }> {
  const rx = await receiver(respond)
  const sim = await startSimulator({ dataKey: DATA_KEY, subscriber: { url: rx.url, secret: SECRET }, ...opts })
  t.teardown(async () => { await sim.close(); await rx.close() })
  return { sim, rx }
}

const headersOf = (r: Received): { id: string, timestamp: string, signature: string } =>
  ({ id: r.headers['webhook-id'] as string, timestamp: r.headers['webhook-timestamp'] as string, signature: r.headers['webhook-signature'] as string })

/** The wire batch with AAC002 and AAE005 decrypted under `key`. */
function decrypted (r: Received, key = KEY): InsuranceBatch {
  const batch = JSON.parse(r.body.toString('utf8')) as InsuranceBatch
  return { ...batch, items: batch.items.map((item) => ({ ...item, AAC002: decryptSm4Field(key, item.AAC002), AAE005: decryptSm4Field(key, item.AAE005) })) }
}

t.test('batches are signed v1sm3, verify with the platform, and carry the ID number and phone SM4-encrypted', async (t) => {
  const { sim, rx } = await setup(t)
  const { batchNos } = sim.emit({ batches: 2, items: 50 })
  await sim.settled()
  t.equal(rx.got.length, 2)
  t.same(rx.got.map((r) => r.headers['webhook-id']).sort(), [...batchNos].sort(), 'the webhook-id is the batchNo')
  for (const r of rx.got) {
    t.equal(r.headers['content-type'], 'application/json; charset=utf-8')
    t.match(r.headers['webhook-signature'], /^v1sm3,[A-Za-z0-9+/]+=*$/)
    t.equal(platform.verify(r.headers, r.body, Date.now() / 1000), r.headers['webhook-id'], 'the gateway\'s verifier accepts it')
    t.throws(() => verify(KEYS, headersOf(r), r.body), { code: 'TB_WEBHOOK_SCHEME_NOT_ACCEPTED' }, 'an instance accepting only v1 (HMAC-SHA256) refuses it')
    t.throws(() => verify(KEYS, headersOf(r), Buffer.concat([r.body, Buffer.from(' ')]), Date.now() / 1000, 300, ['v1sm3']), { code: 'TB_WEBHOOK_SIGNATURE_INVALID' }, 'a tampered body does not verify')

    const wire = JSON.parse(r.body.toString('utf8')) as InsuranceBatch
    t.match(wire.batchNo, /^SI\d{8}\d{5}$/)
    t.match(wire.sendTime, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/)
    t.ok(wire.items.length > 46 && wire.items.length <= 50, 'whole persons, up to 50 rows')
    const clear = sim.batch(wire.batchNo)!
    t.same(decrypted(r), clear, 'decrypted with the data key: the batch as generated')
    for (const [i, item] of wire.items.entries()) {
      for (const field of ENCRYPTED_FIELDS) {
        const bytes = Buffer.from(item[field], 'base64')
        if (bytes.length % 16 !== 0 || bytes.length < 32 || item[field] === clear.items[i]![field]) t.fail(`${field} of item ${i} is not IV || ciphertext`)
      }
    }
    t.equal(new Set(wire.items.map((i) => i.AAC002.slice(0, 24))).size, wire.items.length, 'a fresh IV per value')
    const wrong = Buffer.from('ffeeddccbbaa99887766554433221100', 'hex')
    const refused = wire.items.filter((item) => { try { decryptSm4Field(wrong, item.AAC002); return false } catch { return true } })
    t.ok(refused.length > 40, `another key fails to decrypt (${refused.length} of ${wire.items.length}; a wrong key passes the padding check about 1 time in 256)`)
    t.ok(wire.items.every((item, i) => { try { return decryptSm4Field(wrong, item.AAC002) !== clear.items[i]!.AAC002 } catch { return true } }), 'and never gives the ID number')
    const raws = parse(r.body, { webhookId: wire.batchNo, receivedAt: new Date() })
    t.equal(raws.length, wire.items.length)
    t.ok(raws.every((raw) => !raw.reject && Math.abs(raw.observedAt.getTime() - Date.now()) < 60_000), 'AAE036 is now, in Beijing time')
  }
  t.match(sim.stats(), { emitted: 2, items: rx.got.reduce((n, r) => n + decrypted(r).items.length, 0), delivered: 2, attempts: 2, retriesPending: 0, gaveUp: 0 })
})

t.test('a 1,000-item batch: several rows per person, one per insurance type, within the body limit', async (t) => {
  const { sim, rx } = await setup(t, undefined, { persons: 5000 })
  sim.emit({ items: 1000 })
  await sim.settled()
  const r = rx.got[0]!
  t.ok(r.body.length < 1024 * 1024, `${r.body.length} bytes`)
  const batch = decrypted(r)
  t.ok(batch.items.length > 996 && batch.items.length <= 1000, `${batch.items.length} rows`)
  const rows = new Map<string, string[]>()
  for (const item of batch.items) rows.set(item.AAC002, [...rows.get(item.AAC002) ?? [], item.AAE140])
  t.ok(rows.size < 500, `${rows.size} persons`)
  t.ok([...rows.values()].every((types) => new Set(types).size === types.length), 'one row per person and type')
  t.ok([...rows.values()].some((types) => types.length === 4), 'employees: four rows in one batch')
  const employee = batch.items.find((i) => i.AAE140 === '110')!
  t.ok(employee.AAB998 !== '' && employee.AAB004 !== '' && employee.AAB001 !== '', 'employees name their employer')
  t.ok(batch.items.filter((i) => i.AAE140 === '390').every((i) => i.AAB998 === '' && i.AAB001 === ''), "residents' insurance names none")
  t.throws(() => sim.emit({ items: 1001 }), /items|1,000/, 'never more than 1,000')
})

t.test('the retry schedule: 1 min, 5 min, 30 min, 2 h, then daily for 3 days', async (t) => {
  t.same(RETRY_SCHEDULE_MS, [60_000, 300_000, 1_800_000, 7_200_000, 86_400_000, 86_400_000, 86_400_000])
  let clock = 1_763_600_000_000
  const { sim, rx } = await setup(t, (_r, n) => (n <= 2 ? 503 : 204), { retryScheduleMs: [50, 100], now: () => (clock += 7_000) })
  const { batchNos } = sim.emit({ items: 5 })
  await sim.settled()
  t.equal(rx.got.length, 3)
  t.ok(rx.got.every((r) => r.headers['webhook-id'] === batchNos[0] && r.body.equals(rx.got[0]!.body)), 'same webhook-id and body')
  t.equal(new Set(rx.got.map((r) => r.headers['webhook-signature'])).size, 3, 'a new timestamp and signature each attempt')
  for (const r of rx.got) t.doesNotThrow(() => verify(KEYS, headersOf(r), r.body, Number(headersOf(r).timestamp), 300, ['v1sm3']))
  t.ok(rx.got[2]!.at - rx.got[1]!.at >= 95, 'the second retry after the second delay')
  t.match(sim.stats(), { delivered: 1, attempts: 3, failedAttempts: 2, gaveUp: 0 })

  const failing = await setup(t, () => 500, { retryScheduleMs: [10, 10, 10] })
  failing.sim.emit({ items: 1 })
  await failing.sim.settled()
  t.equal(failing.rx.got.length, 4, 'the first attempt and one per retry')
  t.match(failing.sim.stats(), { delivered: 0, gaveUp: 1 })
})

t.test('a 409 is "already have it": delivered, not retried', async (t) => {
  const { sim, rx } = await setup(t, () => 409, { retryScheduleMs: [10, 10] })
  sim.emit({ items: 3 })
  await sim.settled()
  t.equal(rx.got.length, 1, 'no retry')
  t.match(sim.stats(), { delivered: 1, alreadyHad: 1, attempts: 1, failedAttempts: 0, gaveUp: 0, retriesPending: 0 })

  // a subscriber that, like the gateway, answers a repeated webhook-id 409
  const seen = new Set<string>()
  const repeats = await setup(t, (r) => { const id = r.headers['webhook-id'] as string; if (seen.has(id)) return 409; seen.add(id); return 202 }, { duplicateRate: 1, retryScheduleMs: [10] })
  repeats.sim.emit({ batches: 3, items: 2 })
  await repeats.sim.settled()
  t.equal(repeats.rx.got.length, 6, 'each batch twice, neither retried')
  t.match(repeats.sim.stats(), { emitted: 3, delivered: 3, alreadyHad: 3, duplicatesSent: 3, attempts: 6, failedAttempts: 0, gaveUp: 0 })
})

t.test('HTTP control endpoints', async (t) => {
  const { sim, rx } = await setup(t)
  const call = async (method: string, path: string, json?: unknown): Promise<{ status: number, body: any }> => {
    const res = await fetch(sim.url + path, { method, ...(json === undefined ? {} : { body: JSON.stringify(json), headers: { 'content-type': 'application/json' } }) })
    const text = await res.text()
    return { status: res.status, body: text ? JSON.parse(text) : undefined }
  }
  t.match(await call('GET', '/healthz'), { status: 200, body: { status: 'ok', department: 'social-insurance' } })
  sim.setSubscriber(undefined)
  t.match(await call('POST', '/_sim/emit', {}), { status: 409 })
  t.equal((await call('PUT', '/_sim/subscriber', { url: rx.url, secret: 'not-a-secret' })).status, 400)
  t.equal((await call('PUT', '/_sim/subscriber', { url: rx.url, secret: SECRET })).status, 204)
  const emitted = await call('POST', '/_sim/emit', { batches: 2, items: 7 })
  t.equal(emitted.status, 200)
  t.equal(emitted.body.batchNos.length, 2)
  t.equal(new Set(emitted.body.batchNos).size, 2, 'batch numbers never repeat')
  t.equal((await call('POST', '/_sim/emit', { items: 1001 })).status, 400)
  t.equal((await call('POST', '/_sim/emit', { batches: 0 })).status, 400)
  await sim.settled()
  const [first, second] = rx.got.map((r) => decrypted(r))
  const items = first!.items.length + second!.items.length
  t.ok(items > 8 && items <= 14, `${items} rows in two batches of up to 7`)
  t.equal(first!.items[0]!.AAC002, insuredAt(sim.register, 0).idNumber, 'rows in register order from person 0')
  t.match(await call('GET', '/_sim/stats'), { status: 200, body: { emitted: 2, items, delivered: 2, attempts: 2 } })
  t.match(await call('GET', '/_sim/persons/3'), { status: 200, body: { index: 3, person: { idNumber: insuredAt(sim.register, 3).idNumber } } })
  t.equal((await call('GET', '/_sim/persons/1000')).status, 404)
})

t.test('the same seed and clock give the same bytes; another seed does not', async (t) => {
  const run = async (seed: number): Promise<string[]> => {
    const { sim, rx } = await setup(t, undefined, { seed, now: () => 1_763_602_265_000 })
    sim.emit({ batches: 2, items: 20 })
    await sim.settled()
    return rx.got.map((r) => r.body.toString('utf8')).sort()
  }
  const a = await run(7)
  t.same(a, await run(7))
  t.notSame(a, await run(8))
})

t.test('auto-emit sends batches once subscribed', async (t) => {
  const { sim, rx } = await setup(t, undefined, { autoEmitEveryMs: 20, itemsPerBatch: 3 })
  await rx.received(3)
  t.ok(sim.stats().emitted >= 3)
})
