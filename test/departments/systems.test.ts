// The demo's department systems: a whistle receiver checks the signature in its department's
// scheme, acknowledges at once and answers tongban later with its department token (响应, then
// 报到 with who and when), once per webhook-id; started with the gateway, each gets its token and
// its {url, secret} in the vault, and the outbox delivers to it (v1 and v1sm3).
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { callApi, eventually, operatorAuth } from '../helpers.ts'
import { sign, signSm3 } from '../../src/crypto/webhook-signature.ts'
import { startWhistleReceiver } from '../../src/departments/whistle-receiver.ts'
import { departmentWebhooks } from '../../src/outbox/department-webhooks.ts'
import { addOutbox, listOutbox } from '../../src/store/outbox.ts'
import { listTokens } from '../../src/auth/tokens.ts'
import { sendDueOutbox } from '../../src/outbox/send.ts'
import { createOperations } from '../../src/department/operations.ts'
import { departmentConnections } from '../../src/department/connections.ts'
import { getServiceCredentials } from '../../src/vault/credentials.ts'
import { TOWN, startDepartmentsGateway } from './kit.ts'

const SECRET = `whsec_${Buffer.from('departments-test-system-secret-0123').toString('base64')}`

t.test('a whistle receiver answers through the API, once per webhook', async (t) => {
  // Stands in for tongban's whistle API (POST /api/v1/whistles/:id/transitions): records the answers.
  const answers: Array<{ url: string, authorization: string | undefined, body: Record<string, unknown> }> = []
  const api = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => { body += c.toString() })
    req.on('end', () => {
      answers.push({ url: req.url!, authorization: req.headers.authorization, body: JSON.parse(body) as Record<string, unknown> })
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { api.close() })
  const receiver = await startWhistleReceiver({
    department: 'wj-emergency', scheme: 'v1sm3', secret: SECRET, token: 'tbt_department', who: '何军',
    gatewayUrl: () => `http://127.0.0.1:${(api.address() as AddressInfo).port}`, respondAfterMs: 20, arriveAfterMs: 60,
  })
  t.teardown(receiver.close)
  const post = async (id: string, body: string, signature: string, ts = Math.floor(Date.now() / 1000)): Promise<number> => (await fetch(`${receiver.url}/whistles`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': signature }, body,
  })).status
  const body = JSON.stringify({ type: 'whistle.blown', timestamp: new Date().toISOString(), data: { whistleId: 'CS1', title: '燃气泄漏' } })
  const ts = Math.floor(Date.now() / 1000)

  t.equal(await post('outbox-1', body, sign(SECRET, 'outbox-1', ts, body), ts), 401, 'a v1 signature is not its scheme')
  t.equal(await post('outbox-1', body, signSm3('whsec_b3RoZXItc2VjcmV0LTAxMjM0NTY3OA==', 'outbox-1', ts, body), ts), 401, 'another secret')
  t.equal(await post('outbox-1', body, signSm3(SECRET, 'outbox-1', ts - 3600, body), ts - 3600), 401, 'a stale timestamp')
  t.equal(receiver.received().length, 0)
  t.equal(await post('outbox-1', body, signSm3(SECRET, 'outbox-1', ts, body), ts), 200)
  t.equal(await post('outbox-1', body, signSm3(SECRET, 'outbox-1', ts, body), ts), 200, 'a repeat is acknowledged')
  t.same(receiver.received().map((r) => [r.webhookId, r.type, r.whistleId]), [['outbox-1', 'whistle.blown', 'CS1']])
  await eventually(() => answers.length >= 2, 5000)
  await new Promise((resolve) => setTimeout(resolve, 150))
  t.equal(answers.length, 2, 'answered once, not once per delivery')
  t.match(answers[0], { url: '/api/v1/whistles/CS1/transitions', authorization: 'Bearer tbt_department', body: { action: 'respond', requestId: 'outbox-1-respond' } })
  t.match(answers[1], { url: '/api/v1/whistles/CS1/transitions', body: { action: 'arrive', who: '何军', requestId: 'outbox-1-arrive' } })
  t.ok(Date.parse(answers[1]!.body.at as string) > 0)

  const closed = JSON.stringify({ type: 'whistle.closed', timestamp: new Date().toISOString(), data: { whistleId: 'CS1' } })
  t.equal(await post('outbox-2', closed, signSm3(SECRET, 'outbox-2', ts, closed), ts), 200)
  await new Promise((resolve) => setTimeout(resolve, 150))
  t.equal(answers.length, 2, 'a closed whistle is not answered')
})

t.test('the demo starts its department systems with tokens and vault endpoints; whistles reach them', async (t) => {
  const secrets = { 'wj-urban': SECRET, 'wj-emergency': `whsec_${Buffer.from('departments-test-emergency-system-01').toString('base64')}` }
  const { gateway } = await startDepartmentsGateway(t, {
    redisIndex: 43,
    store: 'postgres',
    workers: false,
    simulators: { 'department-systems': Object.entries(secrets).map(([department, secret]) => ({ department, port: 0, secret, respondAfterSeconds: 60, arriveAfterSeconds: 60 })) },
  })
  const { db, vault, departments } = gateway.platform
  for (const [code, secret] of Object.entries(secrets)) {
    const stored = await getServiceCredentials(db, vault!, `department:${code}`)
    t.match(stored, { url: /^http:\/\/127\.0\.0\.1:\d+\/whistles$/, secret }, `${code}: endpoint in the vault`)
    t.match((await listTokens(db)).filter((k) => k.name === `demo system ${code}` && k.revokedAt === null), [{ roles: ['department-liaison'], department: code }], `${code}: one live token`)
  }
  const webhooks = departmentWebhooks({ db, vault, departments, attempts: 3 })
  t.teardown(webhooks.close)
  const at = new Date().toISOString()
  await addOutbox(db, Object.keys(secrets).map((code) => ({ subject: `whistle:W-${code}`, instance: `department:${code}`, operation: 'whistle.blown', input: { whistleId: `W-${code}` } })), at)
  const connections = departmentConnections(gateway.platform)
  t.teardown(connections.close)
  const operations = createOperations({ ...gateway.platform, connections })
  const outcomes = await sendDueOutbox({ db, operations, logger: gateway.platform.logger, attempts: 3, departmentWebhooks: webhooks })
  t.same([...outcomes.values()], ['sent', 'sent'], 'both signatures (v1, v1sm3) accepted by the systems')
  t.same((await listOutbox(db, { state: 'sent', limit: 10 })).map((r) => r.instance).sort(), ['department:wj-emergency', 'department:wj-urban'])
})

t.test('the loop: a leader blows a whistle, the demo system gets it signed and answers 响应 and 报到 through the API', async (t) => {
  const { gateway, base } = await startDepartmentsGateway(t, {
    redisIndex: 46,
    store: 'postgres',
    workers: false,
    simulators: { 'department-systems': [{ department: 'wj-emergency', port: 0, secret: SECRET, respondAfterSeconds: 0.2, arriveAfterSeconds: 0.5 }] },
  })
  const { db, vault, departments, logger } = gateway.platform
  const leader = await operatorAuth(base, { roles: ['town-leader'], town: TOWN })
  const blown = await callApi(base, 'POST', '/api/v1/whistles', { headers: leader, body: { type: 'emergency', source: { kind: 'direct' }, title: '燃气泄漏', description: '湟里村东街闻到燃气味', departments: [{ code: 'wj-emergency', role: 'lead' }] } })
  t.equal(blown.status, 201, blown.text)
  const id = blown.body.id as string
  const connections = departmentConnections(gateway.platform)
  t.teardown(connections.close)
  const webhooks = departmentWebhooks({ db, vault, departments, attempts: 3 })
  t.teardown(webhooks.close)
  const outcomes = await sendDueOutbox({ db, operations: createOperations({ ...gateway.platform, connections }), logger, attempts: 3, departmentWebhooks: webhooks })
  t.same([...outcomes.values()], ['sent'], 'the whistle delivered (v1sm3)')
  const target = await eventually(async () => {
    const view = await callApi(base, 'GET', `/api/v1/whistles/${id}`, { headers: leader })
    const tg = (view.body.targets as Array<{ department: string, respondedAt: string | null, arrivedAt: string | null }> | undefined)?.find((x) => x.department === 'wj-emergency')
    return tg?.respondedAt && tg.arrivedAt ? tg : undefined
  }, 20_000)
  t.ok(target.respondedAt, '响应 by the department system')
  t.ok(target.arrivedAt, '报到 by the department system')
})

