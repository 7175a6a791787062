import { once } from 'node:events'
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { secretKey, verify } from '../../src/crypto/webhook-signature.ts'
import { parse } from './adapter.ts'
import {
  buildMessage, idCheckChar, isQuirky, residentAt, residentFacts, type HouseholdMessage,
} from './data.ts'
import { startSimulator, type HouseholdSimulator, type HouseholdSimulatorOptions } from './simulator.ts'

const SECRET = 'whsec_' + Buffer.from('household-registration-test-secret').toString('base64')
const KEYS = [secretKey(SECRET)]

interface Received { headers: IncomingHttpHeaders, body: Buffer, at: number }
type Responder = (req: Received, n: number) => number | 'hang'

/** A real subscriber: records every POST and answers what `respond` says. */
async function receiver (respond: Responder = () => 202) {
  const got: Received[] = []
  const waiting: { count: number, resolve: () => void }[] = []
  const hanging: ServerResponse[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const r: Received = { headers: req.headers, body: Buffer.concat(chunks), at: Date.now() }
      got.push(r)
      const answer = respond(r, got.length)
      if (answer === 'hang') hanging.push(res)
      else res.writeHead(answer).end()
      for (const w of waiting.filter((w) => got.length >= w.count)) { waiting.splice(waiting.indexOf(w), 1); w.resolve() }
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/household-registration`
  return {
    url,
    got,
    /** Resolves once `count` requests have arrived. */
    received: (count: number) => got.length >= count ? Promise.resolve() : new Promise<void>((resolve) => { waiting.push({ count, resolve }) }),
    close: async () => {
      for (const res of hanging) res.destroy()
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    },
  }
}

type Receiver = Awaited<ReturnType<typeof receiver>>

async function setup (t: { teardown: (fn: () => unknown) => void }, respond?: Responder, opts: HouseholdSimulatorOptions = {}): Promise<{ sim: HouseholdSimulator, rx: Receiver }> {
  const rx = await receiver(respond)
  const sim = await startSimulator({ duplicateRate: 0, outOfOrderRate: 0, subscriber: { url: rx.url, secret: SECRET }, ...opts })
  t.teardown(async () => { await sim.close(); await rx.close() })
  return { sim, rx }
}

const msgOf = (r: Received): HouseholdMessage => JSON.parse(r.body.toString('utf8'))

t.test('deliveries are signed per Standard Webhooks and readable by the adapter', async (t) => {
  const { sim, rx } = await setup(t)
  const { msgIds } = sim.emit({ messages: 3, recordsPerMessage: 5, eventType: 'QR' })
  t.equal(msgIds.length, 3)
  await sim.settled()
  t.equal(rx.got.length, 3)
  t.same(rx.got.map((r) => r.headers['webhook-id']).sort(), [...msgIds].sort())
  for (const r of rx.got) {
    t.equal(r.headers['content-type'], 'application/json; charset=utf-8')
    t.match(r.headers['webhook-timestamp'], /^\d{10}$/)
    t.match(r.headers['webhook-signature'], /^v1,[A-Za-z0-9+/]+=*$/)
    t.doesNotThrow(() => verify(KEYS, {
      id: r.headers['webhook-id'] as string,
      timestamp: r.headers['webhook-timestamp'] as string,
      signature: r.headers['webhook-signature'] as string,
    }, r.body))
    const message = msgOf(r)
    t.equal(message.msgId, r.headers['webhook-id'], 'msgId is the webhook-id')
    t.match(message.msgId, /^HR\d{14}\d{6}$/)
    t.match(message.occurTime, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/)
    t.equal(message.records.length, 5)
    t.same(sim.message(message.msgId), message)
    const raws = parse(r.body, { webhookId: message.msgId, receivedAt: new Date() })
    t.equal(raws.length, 5)
    t.ok(raws.every((raw) => raw.set?.status === 'registered' && !raw.reject))
    t.ok(Math.abs(raws[0]!.observedAt.getTime() - Date.now()) < 60_000, 'occurTime is now, in Beijing time')
  }
  t.match(sim.stats(), { emitted: 3, delivered: 3, attempts: 3, retriesPending: 0, gaveUp: 0, duplicatesSent: 0, inFlight: 0 })
})

t.test('a tampered body or another secret does not verify', async (t) => {
  const { sim, rx } = await setup(t)
  sim.emit()
  await sim.settled()
  const r = rx.got[0]!
  const headers = { id: r.headers['webhook-id'] as string, timestamp: r.headers['webhook-timestamp'] as string, signature: r.headers['webhook-signature'] as string }
  t.throws(() => verify(KEYS, headers, Buffer.concat([r.body, Buffer.from(' ')])), { code: 'TB_WEBHOOK_SIGNATURE_INVALID' })
  t.throws(() => verify([secretKey('whsec_' + Buffer.from('another-secret-of-enough-length').toString('base64'))], headers, r.body), { code: 'TB_WEBHOOK_SIGNATURE_INVALID' })
})

t.test('during key rotation every secret signs', async (t) => {
  const old = 'whsec_' + Buffer.from('the-previous-secret-for-rotation').toString('base64')
  const { sim, rx } = await setup(t)
  sim.setSubscriber({ url: rx.url, secret: [SECRET, old] })
  sim.emit()
  await sim.settled()
  const r = rx.got[0]!
  const signature = r.headers['webhook-signature'] as string
  t.equal(signature.split(' ').length, 2)
  const headers = { id: r.headers['webhook-id'] as string, timestamp: r.headers['webhook-timestamp'] as string, signature }
  t.doesNotThrow(() => verify(KEYS, headers, r.body))
  t.doesNotThrow(() => verify([secretKey(old)], headers, r.body))
})

t.test('duplicates repeat the same webhook-id and body within a second', async (t) => {
  const { sim, rx } = await setup(t, undefined, { duplicateRate: 1 })
  const { msgIds } = sim.emit({ messages: 4 })
  await sim.settled()
  t.equal(rx.got.length, 8)
  for (const id of msgIds) {
    const copies = rx.got.filter((r) => r.headers['webhook-id'] === id)
    t.equal(copies.length, 2, `${id} twice`)
    t.same(copies[0]!.body, copies[1]!.body)
    t.ok(Math.abs(copies[0]!.at - copies[1]!.at) < 1500, 'within about a second')
  }
  t.match(sim.stats(), { delivered: 4, duplicatesSent: 4, attempts: 8 })
})

t.test('a failed attempt is retried on the schedule with a new timestamp and signature', async (t) => {
  let clock = 1_763_600_000_000
  const { sim, rx } = await setup(t, (_r, n) => (n <= 2 ? 500 : 204), {
    retryScheduleMs: [50, 100],
    now: () => (clock += 7_000),
  })
  const { msgIds } = sim.emit()
  await sim.settled()
  t.equal(rx.got.length, 3)
  t.ok(rx.got.every((r) => r.headers['webhook-id'] === msgIds[0]), 'same webhook-id')
  t.ok(rx.got.every((r) => r.body.equals(rx.got[0]!.body)), 'same body')
  const stamps = rx.got.map((r) => r.headers['webhook-timestamp'])
  t.equal(new Set(stamps).size, 3, 'a new timestamp each attempt')
  t.equal(new Set(rx.got.map((r) => r.headers['webhook-signature'])).size, 3, 'a new signature each attempt')
  for (const r of rx.got) {
    const timestamp = r.headers['webhook-timestamp'] as string
    t.doesNotThrow(() => verify(KEYS, { id: r.headers['webhook-id'] as string, timestamp, signature: r.headers['webhook-signature'] as string }, r.body, Number(timestamp)))
  }
  t.ok(rx.got[1]!.at - rx.got[0]!.at >= 45, 'first retry after ~50 ms')
  t.ok(rx.got[2]!.at - rx.got[1]!.at >= 95, 'second retry after ~100 ms')
  t.match(sim.stats(), { delivered: 1, attempts: 3, failedAttempts: 2, retriesPending: 0, gaveUp: 0 })
})

t.test('after the last retry the message is given up', async (t) => {
  const { sim, rx } = await setup(t, () => 503, { retryScheduleMs: [20, 20] })
  sim.emit({ messages: 2 })
  await sim.settled()
  t.equal(rx.got.length, 6)
  t.match(sim.stats(), { delivered: 0, attempts: 6, gaveUp: 2, retriesPending: 0 })
})

t.test('a subscriber that does not answer in time fails the attempt; emit is never blocked', async (t) => {
  const { sim, rx } = await setup(t, (_r, n) => (n === 1 ? 'hang' : 200), { attemptTimeoutMs: 500, retryScheduleMs: [10] })
  const first = sim.emit()
  await rx.received(1) // the first delivery is now hanging
  const second = sim.emit() // and another message goes out regardless
  t.equal(second.msgIds.length, 1)
  await sim.settled()
  const ids = rx.got.map((r) => r.headers['webhook-id'])
  t.equal(ids.filter((id) => id === first.msgIds[0]).length, 2, 'the hanging message was retried')
  t.equal(ids.filter((id) => id === second.msgIds[0]).length, 1)
  t.ok(ids.indexOf(second.msgIds[0]) < ids.lastIndexOf(first.msgIds[0]), 'the second message did not wait for the first')
  t.match(sim.stats(), { delivered: 2, failedAttempts: 1 })
})

t.test('close() cancels pending retries', async (t) => {
  const rx = await receiver(() => 500)
  t.teardown(rx.close)
  const sim = await startSimulator({ duplicateRate: 0, outOfOrderRate: 0, retryScheduleMs: [3_600_000], subscriber: { url: rx.url, secret: SECRET } })
  sim.emit()
  await rx.received(1)
  while (sim.stats().retriesPending === 0) await new Promise((resolve) => setImmediate(resolve))
  const settled = sim.settled()
  await sim.close()
  await settled
  t.equal(rx.got.length, 1)
  t.equal(sim.stats().retriesPending, 0)
  t.throws(() => sim.emit(), /closed/)
})

t.test('out-of-order: an older change for the same residents arrives after the newer one', async (t) => {
  const { sim, rx } = await setup(t, undefined, { outOfOrderRate: 1 })
  const { msgIds } = sim.emit({ recordsPerMessage: 3, eventType: 'SW' })
  t.equal(msgIds.length, 2)
  await sim.settled()
  t.same(rx.got.map((r) => r.headers['webhook-id']), msgIds, 'the newer message first')
  const [newer, older] = rx.got.map(msgOf) as [HouseholdMessage, HouseholdMessage]
  t.same(older.records.map((r) => r.GMSFHM), newer.records.map((r) => r.GMSFHM), 'same residents')
  t.ok(older.occurTime < newer.occurTime, `${older.occurTime} < ${newer.occurTime}`)
  t.equal(newer.eventType, 'SW')
  const rawNewer = parse(Buffer.from(JSON.stringify(newer)), { webhookId: newer.msgId, receivedAt: new Date() })
  const rawOlder = parse(Buffer.from(JSON.stringify(older)), { webhookId: older.msgId, receivedAt: new Date() })
  t.ok(rawOlder[0]!.observedAt < rawNewer[0]!.observedAt, 'occurTime orders them')
})

t.test('the same seed gives the same messages; another seed does not', async (t) => {
  const run = async (seed: number): Promise<string[]> => {
    const { sim, rx } = await setup(t, undefined, { seed, now: () => 1_763_602_265_000, duplicateRate: 0.5, outOfOrderRate: 0.3 })
    sim.emit({ messages: 5 })
    await sim.settled()
    return rx.got.map((r) => r.body.toString('utf8')).sort()
  }
  const a = await run(7)
  const b = await run(7)
  const c = await run(8)
  t.same(a, b)
  t.notSame(a, c)

  t.same(residentAt(7, 123_456), residentAt(7, 123_456))
  t.same(buildMessage(7, 9, { records: 20 }), buildMessage(7, 9, { records: 20 }))
  t.notSame(residentAt(7, 1), residentAt(8, 1))
  t.equal(residentAt(7, 5, 3).GMSFHM, residentAt(7, 5, 4).GMSFHM, 'identity survives a revision')
})

t.test('a 500-record message stays under 2 MB', async (t) => {
  const { sim, rx } = await setup(t)
  sim.emit({ recordsPerMessage: 500 })
  await sim.settled()
  const size = rx.got[0]!.body.length
  t.ok(size < 2 * 1024 * 1024, `${size} bytes`)
  t.equal(msgOf(rx.got[0]!).records.length, 500)
})

t.test('HTTP control endpoints', async (t) => {
  const { sim, rx } = await setup(t)
  const call = async (method: string, path: string, json?: unknown) => {
    const res = await fetch(sim.url + path, { method, ...(json === undefined ? {} : { body: JSON.stringify(json), headers: { 'content-type': 'application/json' } }) })
    const text = await res.text()
    return { status: res.status, body: text ? JSON.parse(text) : undefined }
  }
  t.match(await call('GET', '/healthz'), { status: 200, body: { status: 'ok' } })

  sim.setSubscriber(undefined)
  t.match(await call('POST', '/_sim/emit', {}), { status: 409 })
  t.equal((await call('PUT', '/_sim/subscriber', { url: rx.url, secret: 'not-a-secret' })).status, 400)
  t.equal((await call('PUT', '/_sim/subscriber', { url: 'ftp://x', secret: SECRET })).status, 400)
  t.equal((await call('PUT', '/_sim/subscriber', { url: rx.url, secret: SECRET })).status, 204)

  const emitted = await call('POST', '/_sim/emit', { messages: 2, recordsPerMessage: 4, eventType: 'QC', residentFrom: 10 })
  t.equal(emitted.status, 200)
  t.equal(emitted.body.msgIds.length, 2)
  t.equal((await call('POST', '/_sim/emit', { messages: 0 })).status, 400)
  t.equal((await call('POST', '/_sim/emit', { recordsPerMessage: 501 })).status, 400)
  t.equal((await call('POST', '/_sim/emit', { eventType: 5 })).status, 400)
  await sim.settled()
  const messages = rx.got.map(msgOf)
  t.same(messages.flatMap((m) => m.records.map((r) => r.GMSFHM)), [10, 11, 12, 13, 14, 15, 16, 17].map((i) => residentAt(sim.seed, i).GMSFHM), 'residents from 10 on')
  t.ok(messages.every((m) => m.eventType === 'QC'))

  t.match(await call('GET', '/_sim/stats'), { status: 200, body: { delivered: 2, attempts: 2, retriesPending: 0, gaveUp: 0, duplicatesSent: 0 } })
  t.match(await call('GET', '/_sim/residents/10'), { status: 200, body: { index: 10, record: { GMSFHM: residentAt(sim.seed, 10).GMSFHM } } })
  t.equal((await call('GET', '/_sim/residents/1000')).status, 404)
  t.equal((await call('GET', '/nope')).status, 404)

  const unknown = await call('POST', '/_sim/emit', { eventType: 'XX' })
  await sim.settled()
  const raws = parse(rx.got.at(-1)!.body, { webhookId: unknown.body.msgIds[0], receivedAt: new Date() })
  t.ok(raws.every((r) => r.reject?.code === 'TB_EVENT_TYPE_UNKNOWN'), 'unknown event types reach the subscriber')
})

t.test('auto-emit sends messages periodically once subscribed', async (t) => {
  const { sim, rx } = await setup(t, undefined, { autoEmitEveryMs: 20 })
  await rx.received(3)
  t.ok(sim.stats().emitted >= 3)
})

t.test('generated residents follow the spec', async (t) => {
  const seed = 3
  const n = 20_000
  let noTown = 0; let legacy = 0; let lowerX = 0; let dotted = 0; let quirky = 0; let landline = 0; let emptyPhone = 0; let han = 0
  const counties = new Set(['320402', '320404', '320411', '320412', '320413', '320481'])
  for (let i = 0; i < n; i++) {
    const r = residentAt(seed, i)
    const facts = residentFacts(seed, i)
    const quirk = isQuirky(seed, i)
    if (quirk) quirky++
    if (!counties.has(r.HJDZ_XZQHDM)) t.fail(`county ${r.HJDZ_XZQHDM}`)
    if (r.HJDZ_XZJDDM === undefined) noTown++
    else if (!(r.HJDZ_XZJDDM.length === 9 && r.HJDZ_XZJDDM.startsWith(r.HJDZ_XZQHDM))) t.fail(`town ${r.HJDZ_XZJDDM}`)
    if (r.GMSFHM.length === 15) { legacy++; if (!r.CSRQ.startsWith('19')) t.fail('15-digit IDs are for births before 2000') }
    if (r.GMSFHM.endsWith('x')) lowerX++
    if (r.XM.includes('·')) dotted++
    if (r.MZ === '01') han++
    if (r.LXDH === '') emptyPhone++
    else if (/^0519-8\d{7}$/.test(r.LXDH)) landline++
    else if (!/^1[3-9]\d{9}$/.test(r.LXDH)) t.fail(`phone ${r.LXDH}`)
    if (!/^(19[3-9]\d|20[0-2]\d)\d{4}$/.test(r.CSRQ) && !quirk) t.fail(`CSRQ ${r.CSRQ}`)
    // gender agrees with the 17th digit; the check character is right unless it is the quirk
    if (r.XB !== (Number(facts.idNumber[16]) % 2 === 1 ? '1' : '2')) t.fail(`gender of ${i}`)
    if (facts.idNumber[17] !== idCheckChar(facts.idNumber.slice(0, 17))) t.fail(`check of ${i}`)
    if (r.GMSFHM.length === 18 && (r.GMSFHM[17]!.toUpperCase() === idCheckChar(r.GMSFHM.slice(0, 17))) === (quirk === 'checksum')) t.fail(`checksum quirk of ${i}`)
    if ((r.CSRQ === facts.birthDate.replace(/-/g, '')) === (quirk === 'birthdate')) t.fail(`birthdate quirk of ${i}`)
  }
  const share = (x: number): number => x / n
  t.ok(share(noTown) > 0.035 && share(noTown) < 0.065, `1 in 20 without a town code (${noTown})`)
  t.ok(share(quirky) > 0.014 && share(quirky) < 0.026, `1 in 50 quirky (${quirky})`)
  t.ok(legacy > 0 && lowerX > 0 && dotted > 0, `legacy ${legacy}, lowercase x ${lowerX}, dotted names ${dotted}`)
  t.ok(share(han) > 0.85, 'mostly 汉族')
  t.ok(landline > 0 && emptyPhone > 0, 'landlines and empty phones occur')
})
