// Whistles to departments' own systems, on PostgreSQL, against real HTTP receivers on 127.0.0.1:
// v1 checked by the reference implementation (npm standardwebhooks) and v1sm3 by ours; a
// receiver that is down is retried with backoff, then dead, every try logged, and a re-send
// delivers it; a 4xx refusal is dead at once, 429 is retried; a department without an endpoint in
// the vault waits with an error that says what to store, and goes out once it is stored.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { Webhook } from 'standardwebhooks'
import { freshPostgres, freshRedis, captureLogger } from '../helpers.ts'
import { connectRedis } from '../../src/platform.ts'
import { AuditWriter } from '../../src/audit/index.ts'
import { createMetrics } from '../../src/metrics.ts'
import { createOperations } from '../../src/department/operations.ts'
import { departmentConnections } from '../../src/department/connections.ts'
import { DepartmentConfig } from '../../src/config/whistles.ts'
import { departmentRegistry } from '../../src/departments/registry.ts'
import { addOutbox, listOutbox, resendOutbox } from '../../src/store/outbox.ts'
import { listOutboxAttempts } from '../../src/store/outbox-attempts.ts'
import { drainOutbox, sendDueOutbox, type OutboxDeps } from '../../src/outbox/send.ts'
import { departmentWebhooks } from '../../src/outbox/department-webhooks.ts'
import { putServiceCredentials } from '../../src/vault/credentials.ts'
import { createVault } from '../../src/vault/vault.ts'
import { newMasterKeyText, parseMasterKey } from '../../src/vault/master-key.ts'
import { secretKey, verify } from '../../src/crypto/webhook-signature.ts'
import { DEPARTMENTS } from './kit.ts'

const URBAN_SECRET = `whsec_${Buffer.from('departments-test-urban-secret-0123').toString('base64')}`
const EMERGENCY_SECRET = `whsec_${Buffer.from('departments-test-emergency-secret-01').toString('base64')}`

interface Received { headers: IncomingHttpHeaders, body: string }

/** A department's system: records each request and answers `answer.status` (or hangs when `hang`). */
async function receiver (t: { teardown: (fn: () => unknown) => void }, answer: { status: number, hang?: boolean } = { status: 200 }): Promise<{ url: string, got: Received[], answer: typeof answer, close: () => Promise<void> }> {
  const got: Received[] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
      if (answer.hang) return
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify({ answer: answer.status }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const close = async (): Promise<void> => { server.closeAllConnections(); await new Promise<void>((resolve) => server.close(() => { resolve() })) }
  t.teardown(close)
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/whistles`, got, answer, close }
}

t.test('whistles to departments as Standard Webhooks', async (t) => {
  const { db } = await freshPostgres(t)
  const redis = connectRedis(await freshRedis(t, 41))
  t.teardown(() => { redis.disconnect() })
  const { logger } = captureLogger()
  const metrics = createMetrics()
  const audit = new AuditWriter(db)
  const vault = createVault({ masterKey: parseMasterKey(newMasterKeyText(), 'test') })
  const connections = departmentConnections({ db, vault, audit, redis, logger, metrics })
  t.teardown(connections.close)
  const operations = createOperations({ db, vault, audit, instances: new Map(), logger, metrics, connections })
  const departments = departmentRegistry(DEPARTMENTS.map((d) => DepartmentConfig.parse(d)))
  const webhooks = departmentWebhooks({ db, vault, departments, attempts: 3, timeoutMs: 500 })
  t.teardown(webhooks.close)
  const deps: OutboxDeps = { db, operations, logger, attempts: 12, departmentWebhooks: webhooks }

  let n = 0
  const whistle = async (department: string, operation = 'whistle.blown'): Promise<number> => {
    const id = `CS${++n}`
    await addOutbox(db, [{ subject: `whistle:${id}`, instance: `department:${department}`, operation, input: { whistleId: id, type: 'key', title: '道路积水', description: '湟里村东街积水', division: '320412120201' } }], new Date().toISOString())
    return (await listOutbox(db, { subject: `whistle:${id}`, limit: 1 }))[0]!.id
  }
  const row = async (id: number) => (await listOutbox(db, { limit: 1, after: id - 1 }))[0]!

  t.test('v1: verified by npm standardwebhooks; the body and headers as documented; the try logged', async (t) => {
    const sys = await receiver(t)
    await putServiceCredentials(db, vault, 'department:wj-urban', { url: sys.url, secret: URBAN_SECRET })
    const id = await whistle('wj-urban')
    t.same(await drainOutbox(deps), { sent: 1, retried: 0, dead: 0 })
    t.equal(sys.got.length, 1)
    const { headers, body } = sys.got[0]!
    t.equal(headers['webhook-id'], `outbox-${id}`)
    t.match(headers['webhook-signature'], /^v1,[A-Za-z0-9+/]+=*$/)
    const event = new Webhook(URBAN_SECRET).verify(body, headers as Record<string, string>) as { type: string, timestamp: string, data: Record<string, unknown> }
    t.equal(event.type, 'whistle.blown')
    t.ok(Date.parse(event.timestamp) > 0)
    t.match(event.data, { whistleId: `CS${n}`, title: '道路积水' })
    t.equal((await row(id)).state, 'sent')
    const attempts = await listOutboxAttempts(db, id)
    t.equal(attempts.length, 1)
    t.match(attempts[0], { attempt: 1, status: 200, error: null, responseExcerpt: '{"answer":200}' })
    t.ok(attempts[0]!.durationMs >= 0)
  })

  t.test('v1sm3: HMAC-SM3, verified by our verifier (and not as v1)', async (t) => {
    const sys = await receiver(t)
    await putServiceCredentials(db, vault, 'department:wj-emergency', { url: sys.url, secret: EMERGENCY_SECRET })
    await whistle('wj-emergency')
    t.same(await drainOutbox(deps), { sent: 1, retried: 0, dead: 0 })
    const { headers, body } = sys.got[0]!
    t.match(headers['webhook-signature'], /^v1sm3,/)
    const h = { id: headers['webhook-id'] as string, timestamp: headers['webhook-timestamp'] as string, signature: headers['webhook-signature'] as string }
    t.doesNotThrow(() => { verify([secretKey(EMERGENCY_SECRET)], h, Buffer.from(body), Date.now() / 1000, undefined, ['v1sm3']) })
    t.throws(() => { verify([secretKey(EMERGENCY_SECRET)], h, Buffer.from(body), Date.now() / 1000, undefined, ['v1']) }, { code: 'TB_WEBHOOK_SCHEME_NOT_ACCEPTED' })
  })

  t.test('a receiver that is down: retried with backoff, then dead, every try logged; a re-send delivers it', async (t) => {
    const sys = await receiver(t)
    await sys.close()
    await putServiceCredentials(db, vault, 'department:wj-urban', { url: sys.url, secret: URBAN_SECRET })
    const id = await whistle('wj-urban')
    let now = Date.now()
    t.same([...(await sendDueOutbox(deps, now)).values()], ['retry'])
    const waiting = await row(id)
    t.equal(waiting.state, 'pending')
    t.match(waiting.lastError, /department wj-urban cannot be reached/)
    t.ok(Date.parse(waiting.nextAt) >= now + 1000, 'tried again after a backoff, not at once')
    t.equal((await sendDueOutbox(deps, now)).size, 0, 'not before its time')
    for (const expected of ['retry', 'dead']) {
      now += 15 * 60_000
      t.same([...(await sendDueOutbox(deps, now)).values()], [expected])
    }
    t.equal((await row(id)).state, 'dead', 'dead after webhooks.attempts (3) tries')
    const tries = await listOutboxAttempts(db, id)
    t.same(tries.map((a) => [a.attempt, a.status]), [[1, null], [2, null], [3, null]])
    t.ok(tries.every((a) => /cannot be reached/.test(a.error ?? '')))

    const live = await receiver(t)
    await putServiceCredentials(db, vault, 'department:wj-urban', { url: live.url, secret: URBAN_SECRET })
    t.ok(await resendOutbox(db, id, new Date().toISOString()))
    t.same(await drainOutbox(deps), { sent: 1, retried: 0, dead: 0 })
    t.equal((await row(id)).state, 'sent')
    t.equal(live.got[0]!.headers['webhook-id'], `outbox-${id}`, 'the same webhook-id: the department can drop a repeat')
    t.same((await listOutboxAttempts(db, id)).map((a) => [a.attempt, a.status]), [[1, null], [2, null], [3, null], [1, 200]])
  })

  t.test('4xx is dead at once (the answer kept); 429 and 503 are tried again; a hanging receiver times out', async (t) => {
    const sys = await receiver(t, { status: 400 })
    await putServiceCredentials(db, vault, 'department:wj-urban', { url: sys.url, secret: URBAN_SECRET })
    const refused = await whistle('wj-urban')
    t.same([...(await sendDueOutbox(deps)).values()], ['dead'])
    t.match((await row(refused)).lastError, /answered HTTP 400: \{"answer":400\}/)
    t.match((await listOutboxAttempts(db, refused))[0], { status: 400, responseExcerpt: '{"answer":400}' })

    for (const status of [429, 503, 408]) {
      sys.answer.status = status
      const id = await whistle('wj-urban')
      t.same([...(await sendDueOutbox(deps)).values()], ['retry'], `HTTP ${status} is tried again`)
      t.match((await row(id)).lastError, new RegExp(`HTTP ${status}`))
    }

    // The retried rows wait for their turn; out of the way of the next tries.
    await db.query("UPDATE outbox SET state = 'dead' WHERE state = 'pending'")
    const hanging = await receiver(t, { status: 200, hang: true })
    await putServiceCredentials(db, vault, 'department:wj-urban', { url: hanging.url, secret: URBAN_SECRET })
    const id = await whistle('wj-urban')
    const started = Date.now()
    t.same([...(await sendDueOutbox(deps)).values()], ['retry'])
    t.ok(Date.now() - started < 5000, 'the try ends at its timeout')
    t.match((await row(id)).lastError, /did not answer within 500 ms/)
    await db.query("UPDATE outbox SET state = 'dead' WHERE state = 'pending'")
  })

  t.test('no endpoint in the vault: the row waits with a clear error, never dead, and goes out once stored', async (t) => {
    const fresh = departmentRegistry([DepartmentConfig.parse({ code: 'wj-new', name: '武进区新局', county: '320412', webhook: { scheme: 'v1' } })])
    const pending = departmentWebhooks({ db, vault, departments: fresh, attempts: 2 })
    t.teardown(pending.close)
    const d: OutboxDeps = { ...deps, departmentWebhooks: pending }
    const id = await whistle('wj-new')
    let now = Date.now()
    for (let i = 0; i < 4; i++) {
      t.same([...(await sendDueOutbox(d, now)).values()], ['retry'])
      now += 15 * 60_000
    }
    const waiting = await row(id)
    t.equal(waiting.state, 'pending', 'more tries than attempts, still not dead')
    t.match(waiting.lastError, 'TB_DEPARTMENT_ENDPOINT_MISSING')
    t.match(waiting.lastError, 'No endpoint for department wj-new in the vault')
    t.match(waiting.lastError, 'PUT /api/v1/vault/credentials/department:wj-new')
    t.equal((await listOutboxAttempts(db, id)).length, 4)

    const sys = await receiver(t)
    await putServiceCredentials(db, vault, 'department:wj-new', { url: sys.url, secret: URBAN_SECRET })
    t.same([...(await sendDueOutbox(d, now)).values()], ['sent'])
    t.equal(sys.got.length, 1)
  })

  t.test('a department without a webhook, or not configured, is dead at once with the reason', async (t) => {
    for (const [code, reason] of [['wj-water', /no webhook in the configuration/], ['gone', /not in whistles.departments/]] as const) {
      const id = await whistle(code)
      t.same([...(await sendDueOutbox(deps)).values()], ['dead'])
      t.match((await row(id)).lastError, reason)
    }
  })
})
