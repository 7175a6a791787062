// Traces, end to end: `tongban start` with an OTLP endpoint exports one trace from a signed webhook
// to its unified record (the HTTP server span, BullMQ's enqueue and processing, the unify's SQL)
// across an api and a worker process (the trace travels in the job), with no resident ID number in
// any span; without an endpoint nothing is exported. Real processes, PostgreSQL, Redis and an
// OTLP/HTTP (JSON) receiver of the test's own.
import t, { type Test } from 'tap'
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import { freePort } from '../src/runtime/redis-child.ts'
import { sign } from '../src/crypto/webhook-signature.ts'
import { buildMessage, residentAt, residentFacts } from '../adapters/household-registration/data.ts'
import { eventually, freshPostgresUrl, operatorAuth, BOOTSTRAP_TOKEN } from './helpers.ts'
import { householdProcessSetup, startGatewayProcess, type GatewayProcess } from './processes.ts'
import { redactAttributes, redactText } from '../src/telemetry/redact.ts'

t.setTimeout(120_000)

const SECRET = 'whsec_dHJhY2VzLXRlc3Qtc2VjcmV0LW9mLWl0cy1vd24='
/** The OTLP/HTTP port an SDK started without an endpoint would export to. */
const OTLP_DEFAULT_PORT = 4318

/** A span as OTLP/JSON carries it (trace and span ids in hex). */
interface OtlpSpan {
  traceId: string
  spanId: string
  parentSpanId?: string
  name: string
  kind: number
  attributes?: Array<{ key: string, value: Record<string, unknown> }>
  events?: Array<{ name: string, attributes?: Array<{ key: string, value: Record<string, unknown> }> }>
  status?: { message?: string }
  scope: string
  service: string
}

const SERVER = 2
const CONSUMER = 5

/** An OTLP/HTTP receiver: POST /v1/traces with the JSON encoding, the spans kept flat. */
async function otlpReceiver (t: Test, port = 0): Promise<{ url: string, spans: OtlpSpan[], requests: () => number, server: Server }> {
  const spans: OtlpSpan[] = []
  let requests = 0
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      requests++
      if (req.method !== 'POST' || req.url !== '/v1/traces' || !String(req.headers['content-type']).startsWith('application/json')) {
        res.writeHead(415).end()
        return
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { resourceSpans: Array<{ resource: { attributes: Array<{ key: string, value: { stringValue?: string } }> }, scopeSpans: Array<{ scope: { name: string }, spans: Array<Omit<OtlpSpan, 'scope' | 'service'>> }> }> }
      for (const rs of body.resourceSpans) {
        const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? ''
        for (const ss of rs.scopeSpans) for (const s of ss.spans) spans.push({ ...s, scope: ss.scope.name, service })
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve, reject) => { server.once('error', reject).listen(port, '127.0.0.1', () => { resolve() }) })
  t.teardown(async () => { await new Promise((resolve) => server.close(resolve)) })
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, spans, requests: () => requests, server }
}

function attribute (span: OtlpSpan, key: string): unknown {
  const value = span.attributes?.find((a) => a.key === key)?.value
  return value ? Object.values(value)[0] : undefined
}

/** Every text a span carries: its name, attribute values, events and status message. */
function texts (span: OtlpSpan): string {
  return JSON.stringify([span.name, span.attributes, span.events, span.status?.message])
}

/**
 * Starts `tongban start` with `env` — one process, or an `api` and a `worker` process with `workerEnv`
 * on top — sends one signed webhook about a new resident, waits until the resident is unified and
 * stops the processes with SIGTERM (the shutdown flushes the spans still buffered).
 */
async function gatewayWithOneResident (t: Test, seed: number, env: Record<string, string>, workerEnv?: Record<string, string>) {
  const { dir, configPath, redisUrl } = await householdProcessSetup(t, SECRET)
  const shared = {
    TONGBAN_CONFIG: configPath, DATABASE_URL: await freshPostgresUrl(t), REDIS_URL: redisUrl, HOST: '127.0.0.1', TONGBAN_ADMIN_TOKEN: BOOTSTRAP_TOKEN, ...env,
  }
  const start = async (name: string, more: Record<string, string>): Promise<{ url: string, p: GatewayProcess }> => {
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    return { url, p: await startGatewayProcess(t, url, { ...shared, TONGBAN_DATA_DIR: join(dir, name), PORT: String(port), ...more }) }
  }
  const processes = workerEnv
    ? await Promise.all([start('api', { TONGBAN_ROLE: 'api' }), start('worker', { TONGBAN_ROLE: 'worker', ...workerEnv })])
    : [await start('all', {})]
  const { url } = processes[0]!
  const facts = residentFacts(seed, 2)
  const message = { ...buildMessage(seed, 1, { records: [residentAt(seed, 2)], eventType: 'QR' }), msgId: `TRACE${process.pid}${seed}${Date.now()}` }
  const body = JSON.stringify(message)
  const ts = Math.floor(Date.now() / 1000)
  const res = await fetch(`${url}/webhooks/household-registration`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'webhook-id': message.msgId, 'webhook-timestamp': String(ts), 'webhook-signature': sign(SECRET, message.msgId, ts, body) },
    body,
  })
  t.equal(res.status, 202, 'the webhook is accepted')
  const auth = await operatorAuth(url)
  // The resident is read by ID number in the path: that request's span must not keep it either.
  await eventually(async () => (await fetch(`${url}/api/v1/persons/${facts.idNumber}`, { headers: auth })).status === 200, 30_000, 200)
  for (const { p } of processes) p.child.kill('SIGTERM')
  for (const { p } of processes) t.same(await p.exited, { code: 0, signal: null }, 'stops cleanly', { stderr: p.output.stderr })
  return { facts, logs: processes.map(({ p }) => p.output.stdout).join('') }
}

t.test('one trace from the webhook to the unified record, across an api and a worker process, without ID numbers', async (t) => {
  const receiver = await otlpReceiver(t)
  const { facts, logs } = await gatewayWithOneResident(t, 41, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }, { OTEL_SERVICE_NAME: 'tongban-worker' })
  t.match(logs, /tracing: exporting spans over OTLP/, 'the log says where spans go')
  const { spans } = receiver
  t.ok(spans.length > 0, 'spans were exported')
  t.same([...new Set(spans.map((s) => s.service))].sort(), ['tongban', 'tongban-worker'], 'service.name: tongban by default, OTEL_SERVICE_NAME where set')
  t.ok(spans.some((s) => s.service === 'tongban-worker' && s.name.includes('{outbox}')), 'the outbox rounds (a scheduler\'s jobs, not a webhook\'s) are traced too',
    { names: [...new Set(spans.map((s) => s.name))] })

  const webhook = spans.find((s) => s.kind === SERVER && attribute(s, 'http.route') === '/webhooks/:adapterId')
  t.ok(webhook, 'the webhook request has a server span', { names: spans.map((s) => s.name) })
  if (!webhook) return
  const trace = spans.filter((s) => s.traceId === webhook.traceId)
  const byId = new Map(trace.map((s) => [s.spanId, s]))
  const ancestors = (s: OtlpSpan): OtlpSpan[] => {
    const chain: OtlpSpan[] = []
    for (let p = s.parentSpanId ? byId.get(s.parentSpanId) : undefined; p; p = p.parentSpanId ? byId.get(p.parentSpanId) : undefined) chain.push(p)
    return chain
  }
  const enqueue = trace.find((s) => s.scope === 'tongban' && /^addBulk \{ingest\./.test(s.name))
  t.ok(enqueue, 'the enqueue is in the webhook\'s trace', { names: trace.map((s) => `${s.scope}: ${s.name}`) })
  const processing = trace.find((s) => s.scope === 'tongban' && s.kind === CONSUMER && /^process \{ingest\./.test(s.name))
  t.equal(processing?.service, 'tongban-worker', 'the worker process\'s processing of the job is in the same trace')
  t.equal(webhook.service, 'tongban', 'as the api process\'s request')
  const statement = (s: OtlpSpan): string => String(attribute(s, 'db.statement') ?? attribute(s, 'db.query.text') ?? '')
  const unify = trace.find((s) => /INSERT INTO persons/i.test(statement(s)))
  t.ok(unify, 'the unify\'s SQL (the person written) is in the same trace')
  if (processing && unify) t.ok(ancestors(unify).includes(processing), 'under the processing span')
  if (enqueue && processing) t.ok(ancestors(processing).includes(enqueue), 'the processing continues the enqueue\'s context, carried in the job')
  t.ok(trace.some((s) => attribute(s, 'db.system') === 'redis' || attribute(s, 'db.system.name') === 'redis'), 'Redis commands of the trace have spans')

  t.notOk(spans.some((s) => texts(s).includes(facts.idNumber)), 'no span carries the resident\'s ID number')
  const read = spans.find((s) => s.kind === SERVER && attribute(s, 'http.route') === '/api/v1/persons/:idNumber')
  t.match(attribute(read ?? webhook, 'url.path'), read ? /^\/api\/v1\/persons\/\[redacted\]$/ : /./, 'a path with an ID number is redacted')
  t.notOk(spans.some((s) => s.attributes?.some((a) => /param|values|body/i.test(a.key))), 'no statement parameters or bodies')
})

t.test('without an OTLP endpoint nothing is exported', async (t) => {
  // An SDK started without an endpoint would export to localhost:4318: listen there when free.
  const receiver = await otlpReceiver(t, OTLP_DEFAULT_PORT).catch(() => undefined)
  if (!receiver) t.comment(`port ${OTLP_DEFAULT_PORT} is taken: checking the log only`)
  const { logs } = await gatewayWithOneResident(t, 42, {})
  t.notMatch(logs, /tracing:/, 'no tracing started')
  if (receiver) t.equal(receiver.requests(), 0, 'nothing was sent to the default OTLP port')
})

t.test('the redaction every span passes', async (t) => {
  t.equal(redactText('no person 320412199001011234 here, nor 32041219900101X'), 'no person [redacted] here, nor 32041219900101X', '18 characters go; 14 digits and an X are no ID number')
  t.equal(redactText('old 320412900101123 and 32041219900101123x'), 'old [redacted] and [redacted]', 'the legacy 15 digits and a lower-case check character')
  t.equal(redactText('order 1234567890123456789 and case 20261207000001'), 'order 1234567890123456789 and case 20261207000001', 'longer and shorter runs of digits stay')
  t.same(redactAttributes({
    'url.full': 'https://dept.example/api/people?name=张三&page=2',
    'url.path': '/api/v1/persons/320412199001011234',
    'url.query': '?name=张三',
    'db.query.text': 'SELECT 1 FROM persons WHERE id_number = $1',
    'http.response.status_code': 200,
    tags: ['320412199001011234', 'ok'],
  }), {
    'url.full': 'https://dept.example/api/people',
    'url.path': '/api/v1/persons/[redacted]',
    'url.query': '[redacted]',
    'db.query.text': 'SELECT 1 FROM persons WHERE id_number = $1',
    'http.response.status_code': 200,
    tags: ['[redacted]', 'ok'],
  }, 'URLs lose their query strings; SQL with placeholders and numbers stay')
})
