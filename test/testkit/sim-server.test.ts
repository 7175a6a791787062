// The simulator kit itself: the server and its route table, every fault kind, the token endpoint,
// the Standard Webhooks sender against a real receiving server, the changing register and the
// shared geography. Department simulators have their own tests beside them.
import { once } from 'node:events'
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import {
  changingRegistry, checkSubscriber, COUNTIES, FaultInjector, jsonAnswer, placeName, SimHttpError, startSimServer,
  tokenEndpoint, webhookSender, ETHNICITIES, SURNAMES, type SimServer, type SimServerOptions,
} from '../../src/adapter-sdk/testkit/index.ts'
import { secretKey, verify } from '../../src/crypto/webhook-signature.ts'

type Tap = Test

async function serve (tt: Tap, opts: SimServerOptions): Promise<SimServer> {
  const server = await startSimServer(opts)
  tt.teardown(server.close)
  return server
}

async function call (url: string, init: RequestInit = {}): Promise<{ status: number, type: string, text: string, ms: number }> {
  const started = performance.now()
  const res = await fetch(url, init)
  const text = await res.text()
  return { status: res.status, type: res.headers.get('content-type') ?? '', text, ms: performance.now() - started }
}

const hello = { 'GET /hello': { handler: () => jsonAnswer({ hello: 'world' }, 200, 'ok'), faults: 'all' as const } }

t.test('routes: parameters, bodies, 404, 405, 413 and errors', async (tt) => {
  const gbk = Buffer.from([0xd6, 0xd0, 0xce, 0xc4]) // 中文 in GBK, sent as bytes
  const s = await serve(tt, {
    bodyLimit: 1024,
    routes: {
      'GET /items/:id/parts/:part': (req) => jsonAnswer({ params: req.params, q: req.query.get('q') }),
      'POST /echo': (req) => jsonAnswer(req.json()),
      'POST /form': (req) => jsonAnswer({ a: req.form().get('a') }),
      'GET /gbk': () => ({ body: gbk, type: 'text/xml; charset=GBK' }),
      'GET /teapot': () => { throw new SimHttpError(418, 'short and stout') },
      'GET /range': () => { throw new RangeError('out of range') },
      'GET /boom': () => { throw new Error('boom') },
    },
  })
  tt.same(JSON.parse((await call(`${s.url}/items/7/parts/%E4%B8%AD?q=x`)).text), { params: { id: '7', part: '中' }, q: 'x' })
  tt.same(JSON.parse((await call(`${s.url}/echo`, { method: 'POST', body: '{"a":1}' })).text), { a: 1 })
  tt.same(JSON.parse((await call(`${s.url}/echo`, { method: 'POST' })).text), {}, 'an empty body is {}')
  tt.match(await call(`${s.url}/echo`, { method: 'POST', body: 'nope' }), { status: 400, text: /not JSON/ })
  tt.match(await call(`${s.url}/echo`, { method: 'POST', body: '[1]' }), { status: 400, text: /JSON object/ })
  tt.same(JSON.parse((await call(`${s.url}/form`, { method: 'POST', body: 'a=b%20c' })).text), { a: 'b c' })
  const bytes = await fetch(`${s.url}/gbk`)
  tt.equal(bytes.headers.get('content-type'), 'text/xml; charset=GBK')
  tt.same(Buffer.from(await bytes.arrayBuffer()), gbk, 'bytes go out as given')
  tt.match(await call(`${s.url}/teapot`), { status: 418, text: /short and stout/ })
  tt.match(await call(`${s.url}/range`), { status: 400, text: /out of range/ })
  tt.match(await call(`${s.url}/boom`), { status: 500, text: /boom/ })
  tt.match(await call(`${s.url}/nowhere`), { status: 404, text: /no route GET \/nowhere/ })
  tt.match(await call(`${s.url}/echo`), { status: 405 })
  tt.match(await call(`${s.url}/echo`, { method: 'POST', body: 'x'.repeat(2048) }).catch(() => ({ status: 413 })), { status: 413 })
})

t.test('one-shot gateway faults: 503, HTML 502/503/504, timeout; counted per route; control routes never fail', async (tt) => {
  const faults = new FaultInjector({ timeoutMs: 200 })
  const s = await serve(tt, { faults, routes: { ...hello, 'GET /control': () => jsonAnswer({}) } })
  faults.failNext('503', 'html502', 'html503', 'html504', 'timeout')
  tt.match(await call(`${s.url}/control`), { status: 200 }, 'a control route takes no fault')
  tt.match(await call(`${s.url}/hello`), { status: 503, type: /text\/plain/, text: 'Service Unavailable' })
  tt.match(await call(`${s.url}/hello`), { status: 502, type: /text\/html/, text: /<html>[\s\S]*502 Bad Gateway[\s\S]*nginx/ })
  tt.match(await call(`${s.url}/hello`), { status: 503, type: /text\/html/, text: /503 Service Temporarily Unavailable/ })
  tt.match(await call(`${s.url}/hello`), { status: 504, type: /text\/html/, text: /504 Gateway Time-out/ })
  const timeout = await call(`${s.url}/hello`)
  tt.equal(timeout.status, 504)
  tt.ok(timeout.ms >= 190, `the timeout waits timeoutMs first (${timeout.ms.toFixed(0)} ms)`)
  tt.match(await call(`${s.url}/hello`), { status: 200 }, 'one-shots are used up')
  tt.same(s.calls('GET /hello'), { calls: 6, outcomes: { http503: 2, http502: 1, http504: 1, timeout: 1, ok: 1 } })
  tt.throws(() => faults.failNext('teapot'), RangeError)
  tt.throws(() => faults.set({ unavailableRate: -1 }), RangeError)
})

t.test('slow answers and hangs', async (tt) => {
  const faults = new FaultInjector({ slowMs: 250 })
  const s = await serve(tt, { faults, routes: hello })
  faults.failNext('slow')
  const slow = await call(`${s.url}/hello`)
  tt.equal(slow.status, 200, 'a slow answer is still the answer')
  tt.ok(slow.ms >= 240, `after slowMs (${slow.ms.toFixed(0)} ms)`)

  faults.failNext('hang')
  const hung = await call(`${s.url}/hello`, { signal: AbortSignal.timeout(300) }).then(() => 'answered', (err: Error) => err.name)
  tt.equal(hung, 'TimeoutError', 'a hang is never answered: the client gives up')

  faults.set({ hang: true })
  let answered = false
  const pending = call(`${s.url}/hello`).then((r) => { answered = true; return r })
  await new Promise((resolve) => setTimeout(resolve, 200))
  tt.notOk(answered, 'held while the hang switch is on')
  faults.set({ hang: false })
  tt.equal((await pending).status, 200, 'and answered once it is off')

  faults.set({ down: true })
  tt.match(await call(`${s.url}/hello`), { status: 503 })
  faults.set({ down: false })
  tt.match(await call(`${s.url}/hello`), { status: 200 })
})

t.test('close does not wait for a hanging call', async (tt) => {
  const faults = new FaultInjector()
  const s = await startSimServer({ faults, routes: hello })
  faults.set({ hang: true })
  const pending = call(`${s.url}/hello`).catch(() => 'closed')
  await new Promise((resolve) => setTimeout(resolve, 50))
  const started = Date.now()
  await s.close()
  tt.equal(await pending, 'closed')
  tt.ok(Date.now() - started < 1000)
})

t.test('random faults follow their rates and the seed', async (tt) => {
  const run = async (seed: number): Promise<string[]> => {
    const s = await serve(tt, { faults: new FaultInjector({ seed, unavailableRate: 0.3, slowRate: 0.1, slowMs: 1 }), routes: hello })
    const out: string[] = []
    for (let i = 0; i < 120; i++) {
      const r = await call(`${s.url}/hello`)
      out.push(`${r.status}${r.type.includes('html') ? 'h' : ''}`)
    }
    return out
  }
  const a = await run(3)
  tt.same(await run(3), a, 'the same seed, the same run')
  tt.notSame(await run(4), a)
  const failed = a.filter((x) => x !== '200').length
  tt.ok(failed > 15 && failed < 60, `about 30% (${failed} of 120)`)
  tt.ok(a.includes('503') && a.includes('503h') && a.includes('502h') && a.includes('504h'), 'plain 503 and HTML 502/503/504')
})

t.test('department one-shots reach the route as req.fault', async (tt) => {
  const faults = new FaultInjector({ kinds: ['4290'] })
  const s = await serve(tt, { faults, routes: { 'GET /api': { handler: (req) => jsonAnswer({ code: req.fault ?? '0000' }), faults: 'all' } } })
  faults.failNext('4290')
  tt.same(JSON.parse((await call(`${s.url}/api`)).text), { code: '4290' })
  tt.same(JSON.parse((await call(`${s.url}/api`)).text), { code: '0000' })
  tt.same(faults.set({ failNext: [{ kind: '4290' }] }).failNext, ['4290'])
})

t.test('token endpoint: client credentials, expiry, revocation, outages', async (tt) => {
  let clock = 1_800_000_000_000
  const token = tokenEndpoint({ clients: [{ clientId: 'town', clientSecret: 's3cret' }], ttlSeconds: 60, now: () => clock })
  const faults = new FaultInjector()
  const s = await serve(tt, {
    faults,
    token,
    routes: { 'GET /whoami': { handler: (req) => jsonAnswer({ client: token.clientOf(req.headers) ?? null }), faults: 'all' } },
  })
  const form = (body: string, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${s.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body })
  const who = async (tok: string): Promise<unknown> => JSON.parse((await call(`${s.url}/whoami`, { headers: { authorization: `Bearer ${tok}` } })).text).client

  const ok = await form('grant_type=client_credentials&client_id=town&client_secret=s3cret')
  const issued = await ok.json() as { access_token: string, token_type: string, expires_in: number }
  tt.match(issued, { token_type: 'Bearer', expires_in: 60, access_token: /^[\w-]{32}$/ })
  tt.equal(await who(issued.access_token), 'town')
  const basic = await (await form('grant_type=client_credentials', { authorization: `Basic ${Buffer.from('town:s3cret').toString('base64')}` })).json() as { access_token: string }
  tt.equal(await who(basic.access_token), 'town', 'HTTP Basic client authentication')
  tt.equal((await form('grant_type=password&client_id=town&client_secret=s3cret')).status, 400)
  const bad = await form('grant_type=client_credentials&client_id=town&client_secret=nope')
  tt.equal(bad.status, 401)
  tt.match(await bad.json(), { error: 'invalid_client' })
  tt.equal((await fetch(`${s.url}/oauth/token`)).status, 405)

  clock += 60_000
  tt.equal(await who(issued.access_token), null, 'expired after expires_in')
  const fresh = await (await form('grant_type=client_credentials&client_id=town&client_secret=s3cret')).json() as { access_token: string }
  tt.equal(token.revoke(), 1)
  tt.equal(await who(fresh.access_token), null, 'revoked')

  const again = await (await form('grant_type=client_credentials&client_id=town&client_secret=s3cret')).json() as { access_token: string }
  faults.failNext('revoke')
  tt.equal(await who(again.access_token), null, 'the revoke fault revokes before the call')

  faults.set({ down: true })
  tt.equal((await form('grant_type=client_credentials&client_id=town&client_secret=s3cret')).status, 503, 'the token endpoint goes down with the department')
  faults.set({ down: false })
  tt.same(s.calls('POST /oauth/token').outcomes, { ok: 4, 400: 1, 401: 1, http503: 1 })
})

// ---------------------------------------------------------------------------------------------
// the webhook sender, against a real receiving server

const SECRET = 'whsec_' + Buffer.from('sim-kit-test-secret-0123456789').toString('base64')
const OLD_SECRET = 'whsec_' + Buffer.from('the-previous-secret-for-rotation').toString('base64')

interface Received { headers: IncomingHttpHeaders, body: Buffer, at: number }

async function receiver (tt: Tap, respond: (n: number) => number | 'hang') {
  const got: Received[] = []
  const hanging: ServerResponse[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks), at: Date.now() })
      const answer = respond(got.length)
      if (answer === 'hang') hanging.push(res)
      else res.writeHead(answer).end()
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  tt.teardown(async () => {
    for (const res of hanging) res.destroy()
    server.closeAllConnections()
    server.close()
    await once(server, 'close')
  })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got }
}

const headersOf = (r: Received): { id: string, timestamp: string, signature: string } =>
  ({ id: r.headers['webhook-id'] as string, timestamp: r.headers['webhook-timestamp'] as string, signature: r.headers['webhook-signature'] as string })

t.test('sender: signed deliveries retried on the schedule until a 2xx', async (tt) => {
  const rx = await receiver(tt, (n) => (n <= 2 ? 500 : 204))
  let clock = 1_800_000_000_000
  const sender = webhookSender({ subscriber: { url: rx.url, secret: [SECRET, OLD_SECRET] }, retryScheduleMs: [50, 100], now: () => (clock += 5_000) })
  tt.teardown(sender.close)
  const body = Buffer.from('{"hello":"世界"}')
  let done = 0
  sender.deliver('msg_1', body, () => { done++ })
  await sender.settled()
  tt.equal(rx.got.length, 3)
  tt.equal(done, 1, 'then runs once the message is delivered')
  tt.ok(rx.got.every((r) => r.headers['webhook-id'] === 'msg_1' && r.body.equals(body)), 'same id and body each attempt')
  tt.equal(new Set(rx.got.map((r) => r.headers['webhook-timestamp'])).size, 3, 'a new timestamp each attempt')
  for (const r of rx.got) {
    const h = headersOf(r)
    tt.equal(h.signature.split(' ').length, 2, 'one signature per secret')
    tt.doesNotThrow(() => verify([secretKey(SECRET)], h, r.body, Number(h.timestamp)))
    tt.doesNotThrow(() => verify([secretKey(OLD_SECRET)], h, r.body, Number(h.timestamp)))
  }
  tt.ok(rx.got[1]!.at - rx.got[0]!.at >= 45 && rx.got[2]!.at - rx.got[1]!.at >= 95, 'after 50 ms, then 100 ms')
  tt.match(sender.stats(), { delivered: 1, attempts: 3, failedAttempts: 2, retriesPending: 0, gaveUp: 0, inFlight: 0 })
})

t.test('sender: gives up after the last retry; a hanging subscriber fails the attempt', async (tt) => {
  const rx = await receiver(tt, (n) => (n === 1 ? 'hang' : 503))
  const sender = webhookSender({ subscriber: { url: rx.url, secret: SECRET }, retryScheduleMs: [10, 10], attemptTimeoutMs: 200 })
  tt.teardown(sender.close)
  sender.deliver('msg_2', Buffer.from('{}'))
  await sender.settled()
  tt.equal(rx.got.length, 3)
  tt.match(sender.stats(), { delivered: 0, attempts: 3, failedAttempts: 3, gaveUp: 1 })
})

t.test('sender: duplicates, the SM3 scheme, close cancels retries, subscribers are checked', async (tt) => {
  const rx = await receiver(tt, (n) => (n <= 2 ? 200 : 500))
  const sender = webhookSender({ subscriber: { url: rx.url, secret: SECRET }, scheme: 'v1sm3', retryScheduleMs: [3_600_000] })
  sender.deliver('msg_3', Buffer.from('{"n":3}'))
  sender.duplicate('msg_3', Buffer.from('{"n":3}'), 20)
  await sender.settled()
  tt.equal(rx.got.length, 2)
  tt.same(rx.got.map((r) => r.headers['webhook-id']), ['msg_3', 'msg_3'])
  const h = headersOf(rx.got[0]!)
  tt.match(h.signature, /^v1sm3,/)
  tt.doesNotThrow(() => verify([secretKey(SECRET)], h, rx.got[0]!.body, Number(h.timestamp), 300, ['v1sm3']))
  tt.match(sender.stats(), { delivered: 1, duplicatesSent: 1 })

  sender.deliver('msg_4', Buffer.from('{}'))
  while (sender.stats().retriesPending === 0) await new Promise((resolve) => setTimeout(resolve, 5))
  const settled = sender.settled()
  await sender.close()
  await settled
  tt.equal(sender.stats().retriesPending, 0, 'an hour-long retry is cancelled')

  const refused = (value: unknown): number | undefined => {
    try { checkSubscriber(value) } catch (err) { return (err as SimHttpError).status }
    return undefined
  }
  tt.same([refused({ url: 'ftp://x', secret: SECRET }), refused({ url: rx.url, secret: 'not-a-secret' }), refused({ url: rx.url, secret: [] })], [400, 400, 400])
  tt.same(checkSubscriber({ url: rx.url, secret: [SECRET] }), { url: rx.url, secret: [SECRET] })
})

// ---------------------------------------------------------------------------------------------
// the changing register and the shared tables

t.test('changing register: pages in order, touched rows move to the end, rows grow over time', async (tt) => {
  let clock = 2_000_000_000_000
  const base = 50
  const T0 = 1_000_000
  const registry = changingRegistry<{ i: number, sec: number, rev: number }>({
    base,
    secondsAt: (i) => T0 + Math.floor(i / 2),
    firstIndexAfter: (sec) => Math.max(0, (sec - T0 + 1) * 2),
    keyAt: (i) => String(i).padStart(4, '0'),
    between: (from, to) => Array.from({ length: to - from }, (_, k) => ({ i: from + k, sec: T0 + Math.floor((from + k) / 2), rev: 0 })),
    revised: (i, rev, sec) => ({ i, sec, rev }),
  }, { growPerMinute: 6, now: () => clock })
  const all = registry.page(0, 0, 100)
  tt.same(all.list.map((r) => r.i), Array.from({ length: base }, (_, i) => i))
  tt.equal(registry.page(T0 + 9, 0, 100).total, 30, 'only rows later than the cursor')
  const [touched] = registry.touch([5])
  tt.ok(touched!.seconds > T0 + 24, 'later than every base row')
  const after = registry.page(0, 0, 100).list
  tt.same(after.at(-1), { i: 5, sec: touched!.seconds, rev: 1 }, 'the touched row comes last')
  tt.equal(after.length, base, 'it moved, it was not added')
  tt.same(registry.page(0, 5, 2).list.map((r) => r.i), [6, 7], 'positions skip the moved row')
  tt.equal(registry.updated(), 1)
  tt.throws(() => registry.touch([base]), RangeError)
  clock += 60_000
  registry.grow()
  tt.equal(registry.size(), base + 6)
  tt.same(registry.rowAt(base + 5).rev, 0, 'a grown row as registered')
})

t.test('one geography and one name table for every simulator', async (tt) => {
  tt.ok(COUNTIES.every((c) => /^\d{6}$/.test(c.code) && c.towns.every((town) => town.code.length === 9 && town.code.startsWith(c.code))), 'town codes sit under their county')
  tt.ok(COUNTIES.every((c) => c.towns.some((town) => town.street) && c.towns.some((town) => !town.street)), 'streets and towns in each county')
  tt.equal(placeName(COUNTIES.find((c) => c.code === '320412')!), '常州市武进区')
  tt.equal(placeName(COUNTIES.find((c) => c.code === '320481')!), '溧阳市')
  tt.ok(SURNAMES.length > 50 && ETHNICITIES.some(([code]) => code === '01'))
})
