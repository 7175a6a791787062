// Hostile input against every route the OpenAPI document lists: NUL and other control characters
// (percent-encoded, and raw in the request line), percent-encodings that are not UTF-8, overlong
// path parameters, and bodies of every kind on every method. Whatever arrives, the gateway answers
// below 500, and every 4xx is in our shape with a TB_ code. A whole gateway on PGlite and Redis.
import t from 'tap'
import http, { STATUS_CODES } from 'node:http'
import net from 'node:net'
import { BOOTSTRAP_TOKEN, startTestGateway, type Json } from './helpers.ts'
import { ROLES } from '../src/auth/principal.ts'
import { encodeCursor } from '../src/web/cursor.ts'

interface Answer { status: number, text: string, body: Json }

/** One request on its own connection, any method with any body, the path sent as given. */
async function send (base: URL, method: string, path: string, opts: { headers?: Record<string, string>, body?: string | Buffer } = {}): Promise<Answer> {
  return await new Promise((resolve, reject) => {
    const req = http.request({ host: base.hostname, port: base.port, method, path, agent: false, headers: { ...opts.headers, ...(opts.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(opts.body)) }) } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let body: Json = {}
        try { body = JSON.parse(text) as Json } catch {}
        resolve({ status: res.statusCode!, text, body })
      })
    })
    req.on('error', reject)
    req.end(opts.body)
  })
}

/** Bytes written to a raw connection; the answers as text, read until the server closes (it must, within 5 s). */
async function sendRaw (base: URL, bytes: string | Buffer): Promise<Answer> {
  return await new Promise((resolve, reject) => {
    const socket = net.connect(Number(base.port), base.hostname)
    const chunks: Buffer[] = []
    socket.on('data', (c: Buffer) => chunks.push(c))
    socket.on('error', (err) => { if (chunks.length === 0) reject(err) })
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)
      let body: Json = {}
      try { body = JSON.parse(text.slice(text.lastIndexOf('\r\n\r\n') + 4)) as Json } catch {}
      resolve({ status, text, body })
    })
    // Not half-closed: a server may stop answering a client that has sent its FIN.
    socket.write(bytes)
    setTimeout(() => socket.destroy(), 5000).unref()
  })
}

/** What is wrong with an answer to hostile input, or undefined when it is in order. */
function fault (res: Answer): string | undefined {
  if (res.status === 0) return `no HTTP answer: ${JSON.stringify(res.text.slice(0, 120))}`
  if (res.status >= 500) return `${res.status} ${res.text.slice(0, 200)}`
  if (res.status < 400) return undefined
  const b = res.body
  if (typeof b.code !== 'string' || !/^TB_[A-Z0-9_]+$/.test(b.code)) return `${res.status} without a TB_ code: ${res.text.slice(0, 200)}`
  if (b.statusCode !== res.status || b.error !== STATUS_CODES[res.status] || typeof b.message !== 'string') return `${res.status} not in our shape: ${res.text.slice(0, 200)}`
  return undefined
}

const SAMPLE: Record<string, string> = {
  idNumber: '110101199003074477',
  creditCode: '91320412MA1AAAAA0X',
  id: '999999',
  adapterId: 'household-registration',
  adapter: 'household-registration',
  username: 'nobody-here',
}

const PATH_VALUES = ['a%00b', '%00', '%01', '%1F', '%7F', '%FF%FE', '%E6%9C', '%C0%AF', '%', '%zz', 'x'.repeat(101), '%E6%9C%BA'.repeat(40), '..%2F..%2Fetc', '%20']
const QUERY_VALUES = ['a%00b', '%00', '%0A', '%1B%5B31m', '%7F', '%FF', '%E6%9C', '%', '%zz', 'x'.repeat(5000), encodeURIComponent(encodeCursor('a\u0000b')), encodeURIComponent(encodeCursor(1e300)), encodeURIComponent(encodeCursor(-1.5))]
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']
const OTHER_METHOD_BODIES = ['NUL in every field', 'not JSON', 'a body without content type']

/** A body whose every string property (by the route's schema) holds a NUL, and one with control characters. */
function poisoned (schema: Json | undefined, value: string): Json {
  const out: Json = {}
  for (const [name, prop] of Object.entries((schema?.properties ?? {}) as Record<string, Json>)) {
    out[name] = prop.type === 'object' ? { key: value } : prop.type === 'array' ? [value] : value
  }
  return out
}

t.test('hostile input: no 5xx, and every 4xx with a TB_ code', async (t) => {
  const { gateway, bootstrapAuth } = await startTestGateway(t, { store: 'pglite', redisIndex: 2 })
  const base = new URL(gateway.url)
  const doc = (await send(base, 'GET', '/docs/json')).body

  // A token with every town and county role reaches every route's validation (a department
  // liaison holds no other role; its answers are town leaders' routes too). Each caller may send
  // 1,200 requests a minute, so a fresh token every 1,000.
  let used = Infinity
  let auth: Record<string, string> = {}
  const caller = async (): Promise<Record<string, string>> => {
    if (used >= 1000) {
      const res = await send(base, 'POST', '/api/v1/tokens', { headers: { ...bootstrapAuth, 'content-type': 'application/json' }, body: JSON.stringify({ name: `hostile-${Date.now()}`, roles: ROLES.filter((r) => r !== 'department-liaison'), town: '320000000000' }) })
      if (res.status !== 201) throw new Error(`token: ${res.status} ${res.text}`)
      auth = { authorization: `Bearer ${res.body.token as string}` }
      used = 0
    }
    used++
    return auth
  }

  const routes: Array<{ method: string, path: string, op: Json }> = []
  for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, Json>>)) {
    for (const [method, op] of Object.entries(ops)) routes.push({ method: method.toUpperCase(), path, op })
  }
  t.ok(routes.length > 40, `${routes.length} routes in the OpenAPI document`)
  const fill = (path: string, override?: [string, string]) => path.replace(/\{(\w+)\}/g, (_, name: string) => (override?.[0] === name ? override[1] : SAMPLE[name] ?? 'x'))
  const paramsOf = (op: Json, where: string): string[] => ((op.parameters ?? []) as Json[]).filter((p) => p.in === where).map((p) => p.name as string)

  const faults: string[] = []
  const check = (label: string, res: Answer): void => {
    const f = fault(res)
    if (f) faults.push(`${label}: ${f}`)
  }
  let sent = 0
  const probe = async (label: string, method: string, path: string, opts: { headers?: Record<string, string>, body?: string | Buffer } = {}): Promise<void> => {
    sent++
    check(label, await send(base, method, path, { ...opts, headers: { ...await caller(), ...opts.headers } }))
  }

  t.test('path parameters', async (t) => {
    for (const { method, path, op } of routes) {
      for (const name of paramsOf(op, 'path')) {
        for (const value of PATH_VALUES) await probe(`${method} ${path} ${name}=${value.slice(0, 20)}`, method, fill(path, [name, value]), method === 'GET' ? {} : { headers: { 'content-type': 'application/json' }, body: '{}' })
      }
    }
    t.same(faults.splice(0), [], 'every answer in order')
  })

  t.test('query parameters', async (t) => {
    for (const { method, path, op } of routes) {
      for (const name of [...paramsOf(op, 'query'), 'unknown']) {
        for (const value of QUERY_VALUES) await probe(`${method} ${path}?${name}=${value.slice(0, 20)}`, method, `${fill(path)}?${name}=${value}`, method === 'GET' ? {} : { headers: { 'content-type': 'application/json' }, body: '{}' })
        await probe(`${method} ${path}?${name} twice`, method, `${fill(path)}?${name}=a&${name}=b`, method === 'GET' ? {} : { headers: { 'content-type': 'application/json' }, body: '{}' })
      }
    }
    t.same(faults.splice(0), [], 'every answer in order')
  })

  t.test('bodies on every method', async (t) => {
    for (const { method: own, path, op } of routes) {
      const schema = op.requestBody?.content?.['application/json']?.schema as Json | undefined
      const bodies: Array<[string, string, string | Buffer]> = [
        ['NUL in every field', 'application/json', JSON.stringify(poisoned(schema, 'a\u0000b'))],
        ['control characters in every field', 'application/json', JSON.stringify(poisoned(schema, '\u0001\u001b[2J\u007f'))],
        ['NUL as a key', 'application/json', '{"a\\u0000b": 1}'],
        ['a lone surrogate', 'application/json', JSON.stringify(poisoned(schema, 'x')).replace(/"x"/g, '"\\ud800x"')],
        ['bytes that are not UTF-8', 'application/json', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
        ['not JSON', 'application/json', '{"a":'],
        ['empty', 'application/json', ''],
        ['null', 'application/json', 'null'],
        ['an array', 'application/json', '[1,2]'],
        ['a string', 'application/json', '"x"'],
        ['a prototype key', 'application/json', '{"__proto__":{"admin":true},"constructor":{"prototype":{"admin":true}}}'],
        ['deeply nested', 'application/json', `${'['.repeat(5000)}${']'.repeat(5000)}`],
        ['numbers out of range', 'application/json', JSON.stringify(Object.fromEntries(Object.keys(poisoned(schema, '')).map((k) => [k, 1e308])))],
        ['text', 'text/plain', 'hello\u0000'],
        ['a form', 'application/x-www-form-urlencoded', 'note=a%00b&name=%FF&_csrf=%00'],
        ['JSON as UTF-16', 'application/json; charset=utf-16', '{}'],
        ['a bad content type', 'application/json; charset', '{}'],
        ['a body without content type', '', '{"a":1}'],
      ]
      for (const [what, type, body] of bodies) await probe(`${own} ${path} with ${what}`, own, fill(path), { headers: type ? { 'content-type': type } : {}, body })
      // The route's path with the other methods (node:http sends no body with HEAD).
      for (const method of METHODS.filter((m) => m !== own && m !== 'HEAD')) {
        for (const [what, type, body] of bodies.filter(([what]) => OTHER_METHOD_BODIES.includes(what))) {
          await probe(`${method} ${path} with ${what}`, method, fill(path), { headers: type ? { 'content-type': type } : {}, body })
        }
      }
    }
    t.same(faults.splice(0), [], 'every answer in order')
  })

  t.test('without credentials, and with the bootstrap token', async (t) => {
    for (const { method, path } of routes) {
      check(`${method} ${path} unauthenticated, NUL body`, await send(base, method, fill(path), method === 'GET' ? {} : { headers: { 'content-type': 'application/json' }, body: '{"a":"\\u0000"}' }))
      check(`${method} ${path} bootstrap, NUL query`, await send(base, method, `${fill(path)}?q=%00`, { headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` } }))
    }
    t.same(faults.splice(0), [], 'every answer in order')
  })

  t.test('what the HTTP parser refuses is answered in our shape', async (t) => {
    const { authorization } = await caller()
    const requestLine = (target: string) => `GET ${target} HTTP/1.1\r\nHost: ${base.host}\r\nAuthorization: ${authorization}\r\n\r\n`
    for (const [what, bytes] of [
      ['a raw NUL in the query', requestLine('/api/v1/persons?q=a\u0000b')],
      ['a raw NUL in the path', requestLine('/api/v1/persons/a\u0000b')],
      ['a raw control character', requestLine('/api/v1/persons?q=a\u0001b')],
      ['raw UTF-8 in the query', Buffer.from(requestLine('/api/v1/enterprises?q=机械'))],
      ['raw UTF-8 in the path', Buffer.from(requestLine('/api/v1/persons/王芳'))],
      ['a space in the URL', requestLine('/api/v1/persons?q=a b')],
      ['a NUL in a header', `GET /api/v1/persons HTTP/1.1\r\nHost: x\r\nX-Note: a\u0000b\r\n\r\n`],
      ['an unknown method', 'BREW /api/v1/persons HTTP/1.1\r\nHost: x\r\n\r\n'],
      ['Content-Length with chunked', 'POST /api/v1/inbox/replay HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
      ['not HTTP at all', '\u0000\u0001\u0002\r\n\r\n'],
    ] as const) {
      const res = await sendRaw(base, bytes)
      check(what, res)
      t.equal(res.status, 400, `${what}: 400`)
      t.equal(res.body.code, 'TB_REQUEST_MALFORMED', what)
    }
    const utf8 = await sendRaw(base, Buffer.from(requestLine('/api/v1/enterprises?q=机械')))
    t.match(utf8.body.message, /percent-encode/, 'the message says what to do')
    t.match(utf8.text, /content-type: application\/json/i)

    const long = await sendRaw(base, requestLine(`/api/v1/enterprises?q=${'a'.repeat(100_000)}`))
    check('a 100 KB query', long)
    t.same([long.status, long.body.code], [431, 'TB_HEADERS_TOO_LARGE'], 'a 100 KB query: 431 in our shape')
    t.same(faults.splice(0), [], 'every answer in order')
  })

  t.test('the framework\'s own refusals carry our codes and statuses', async (t) => {
    const auth = await caller()
    const badUrl = await send(base, 'GET', '/api/v1/persons/%FF%FE', { headers: auth })
    t.same([badUrl.status, badUrl.body.code, badUrl.body.error], [400, 'TB_URL_INVALID', 'Bad Request'])
    t.notMatch(badUrl.text, /%FF/, 'the URL is not echoed')
    const long = await send(base, 'GET', `/api/v1/persons/${'1'.repeat(101)}`, { headers: auth })
    t.same([long.status, long.body.code, long.body.error], [414, 'TB_URL_TOO_LONG', 'URI Too Long'])
    const nul = await send(base, 'GET', '/api/v1/persons?q=a%00b', { headers: auth })
    t.same([nul.status, nul.body.code], [400, 'TB_VALIDATION'])
    t.match(nul.body.message, /querystring\.q: control characters are not allowed/)
    // A DELETE with a JSON body, and a request after it on the same connection.
    const pipelined = await sendRaw(base, `DELETE /api/v1/tokens/999999 HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth.authorization!}\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"why":"x"}GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
    t.same(pipelined.text.match(/HTTP\/1\.1 \d{3}/g), ['HTTP/1.1 404', 'HTTP/1.1 200'], 'the DELETE answers 404 (no such token); the next request on the connection is read as one')
    t.match(pipelined.text, /TB_TOKEN_NOT_FOUND/)
  })

  t.test('control characters in text fields are refused: 400 TB_VALIDATION naming the field', async (t) => {
    const auth = await caller()
    const json = { ...auth, 'content-type': 'application/json' }
    for (const query of ['persons?q=', 'enterprises?q=', 'conflicts?field=', 'conflicts?adapter=', 'conflicts?town=', 'quarantine?adapter=', 'quarantine?reasonCode=', 'inbox?adapter=', 'jobs/failed?adapter=', 'audit?actor=', 'audit?subject=']) {
      for (const bad of ['a%00b', 'a%01b', 'a%0Ab', 'a%7Fb']) {
        const res = await send(base, 'GET', `/api/v1/${query}${bad}`, { headers: auth })
        t.same([res.status, res.body.code], [400, 'TB_VALIDATION'], `${query}${bad}`)
        t.match(res.body.message, new RegExp(`querystring\\.${query.split('?')[1]!.slice(0, -1)}: control characters`), `${query}${bad}: the message names the field`)
      }
    }
    // Text that would be stored, on things that exist.
    const staff = await send(base, 'POST', '/api/v1/staff', { headers: json, body: JSON.stringify({ username: 'hostile.one', name: '王芳', town: '320412120000', roles: ['window-staff'] }) })
    t.equal(staff.status, 201)
    for (const [method, path, body] of [
      ['POST', '/api/v1/staff', { username: 'hostile.two', name: 'a\u0000b', town: '320412120000', roles: ['window-staff'] }],
      ['PATCH', '/api/v1/staff/hostile.one', { name: '王\u0000芳' }],
      ['PATCH', '/api/v1/staff/hostile.one', { name: '王\u001b芳' }],
      ['PUT', '/api/v1/staff/hostile.one/accounts/household-registration', { username: 'wang\u0000', password: 'x' }],
      ['POST', '/api/v1/tokens', { name: 'a\u0000b', roles: ['grid-staff'], town: '320412120000' }],
      ['POST', '/api/v1/quarantine/1/dismiss', { note: 'done\u0000' }],
      ['POST', '/api/v1/quarantine/1/retry', { note: 'again\u0007' }],
      ['POST', '/api/v1/conflicts/1/resolve', { value: 'x', reason: 'because\u0000' }],
    ] as const) {
      const res = await send(base, method, path, { headers: json, body: JSON.stringify(body) })
      t.same([res.status, res.body.code], [400, 'TB_VALIDATION'], `${method} ${path} ${JSON.stringify(body)}`)
    }
    const note = await send(base, 'POST', '/api/v1/quarantine/1/dismiss', { headers: json, body: JSON.stringify({ note: 'two lines\r\n\tindented' }) })
    t.equal(note.body.code, 'TB_QUARANTINE_NOT_FOUND', 'a note keeps its line breaks and tabs')
  })

  t.test('the gateway still answers', async (t) => {
    t.ok(sent > 1000, `${sent} hostile requests sent`)
    t.equal((await send(base, 'GET', '/readyz')).status, 200)
  })
})
