// Credentials from the vault with a signing strategy: a connection opens the vault (and audits
// it) once per lifetime of what it keeps, not once per request; a rotated secret is used once that
// lifetime is over, or at once when the department refuses the old one. Against a department that
// checks each HMAC with node:crypto, on PGlite and real Redis.
import t from 'tap'
import { createHmac } from 'node:crypto'
import { Redis } from 'ioredis'
import { DepartmentAuthError, type AdapterDefinition, type HmacHeadersAuth } from '../../src/adapter-sdk/index.ts'
import { AuditWriter, listAudit } from '../../src/audit/index.ts'
import { AdapterInstance } from '../../src/config/schema.ts'
import { createDepartmentClient } from '../../src/department/client.ts'
import { openConnection } from '../../src/department/connection.ts'
import { credentialsOf, VAULT_CREDENTIALS_TTL_MS } from '../../src/department/credentials.ts'
import { createMetrics } from '../../src/metrics.ts'
import { newMasterKeyText, parseMasterKey } from '../../src/vault/master-key.ts'
import { putServiceCredentials } from '../../src/vault/credentials.ts'
import { createVault } from '../../src/vault/vault.ts'
import { captureLogger, freshPglite, freshRedis } from '../helpers.ts'
import { departmentServer } from './auth-server.ts'

const INSTANCE = 'matters-exchange'
const APP_ID = 'T320412120'
const AUTH: HmacHeadersAuth = {
  type: 'hmac-headers', algorithm: 'hmac-sm3', encoding: 'hex', timestamp: 'unix-ms',
  canonical: ['appId', 'timestamp', 'method', 'path', 'body'], separator: '\n',
  headers: { appId: 'x-app-id', timestamp: 'x-timestamp', signature: 'x-sign' },
}

/** A department that accepts the secret(s) it currently knows, and says 401 otherwise. */
async function department (t: Parameters<typeof departmentServer>[0], accepted: Set<string>) {
  const signedWith: string[] = []
  const dept = await departmentServer(t, (req) => {
    const h = req.headers as Record<string, string>
    const secret = [...accepted].find((s) => createHmac('sm3', s)
      .update(`${h['x-app-id']}\n${h['x-timestamp']}\n${req.method}\n${req.url.pathname}\n`).update(req.body).digest('hex') === h['x-sign'])
    if (!secret) return { status: 401, body: '{"code":"4001"}' }
    signedWith.push(secret)
    return undefined
  })
  return { ...dept, signedWith }
}

const db = await freshPglite(t)
const vault = createVault({ masterKey: parseMasterKey(newMasterKeyText(), 'test') })
const audit = new AuditWriter(db)
const deps = { db, vault, audit }

/** The vault.use audit entries about `instance`, newest first. */
async function vaultUses (instance: string): Promise<string[]> {
  await audit.flush()
  return (await listAudit(db, { action: 'vault.use', limit: 1000 })).items.filter((e) => e.subject === instance).map((e) => e.outcome)
}

t.test('one vault read and one audit row per lifetime, however many requests', async (t) => {
  await putServiceCredentials(db, vault, INSTANCE, { appId: APP_ID, appSecret: 'secret-one' })
  const accepted = new Set(['secret-one'])
  const dept = await department(t, accepted)
  let clock = Date.parse('2026-12-01T08:00:00Z')
  const credentials = credentialsOf(deps, INSTANCE, 'vault', ['appId', 'appSecret'], { now: () => clock })!
  const http = createDepartmentClient({ department: INSTANCE, baseUrl: dept.url, timeoutMs: 2000, auth: AUTH, credentials: credentials.read })
  t.teardown(http.close)

  for (let i = 0; i < 40; i++) t.equal((await http.request({ path: '/api/v1/tasks', query: { page: i } })).status, 200)
  const together = await Promise.all(Array.from({ length: 20 }, async (_, i) => await http.request({ path: '/api/v1/projects', json: { i } })))
  t.same(new Set(together.map((r) => r.status)), new Set([200]), '20 requests at once, all signed')
  t.equal(dept.received.length, 60)
  t.equal((await vaultUses(INSTANCE)).length, 1, '60 signed requests, one vault read audited')

  // Rotated in the vault; the department accepts only the new secret from now on.
  await putServiceCredentials(db, vault, INSTANCE, { appId: APP_ID, appSecret: 'secret-two' })
  accepted.add('secret-two')
  clock += VAULT_CREDENTIALS_TTL_MS - 1
  await http.request({ path: '/api/v1/tasks' })
  t.equal(dept.signedWith.at(-1), 'secret-one', 'within the lifetime the kept secret signs')
  t.equal((await vaultUses(INSTANCE)).length, 1)

  clock += 1
  await http.request({ path: '/api/v1/tasks' })
  t.equal(dept.signedWith.at(-1), 'secret-two', 'after it, the rotated secret')
  t.equal((await vaultUses(INSTANCE)).length, 2, 'read and audited again')
  for (let i = 0; i < 10; i++) await http.request({ path: '/api/v1/tasks' })
  t.equal((await vaultUses(INSTANCE)).length, 2)
})

t.test('a failed read is not kept: credentials stored later are used at the next request', async (t) => {
  const dept = await department(t, new Set(['secret-one']))
  const credentials = credentialsOf(deps, 'not-stored-yet', 'vault', ['appId', 'appSecret'])!
  const http = createDepartmentClient({ department: 'not-stored-yet', baseUrl: dept.url, timeoutMs: 2000, auth: AUTH, credentials: credentials.read })
  t.teardown(http.close)
  await t.rejects(http.request({ path: '/x' }), { code: 'TB_DEPARTMENT_AUTH' })
  await putServiceCredentials(db, vault, 'not-stored-yet', { appId: APP_ID, appSecret: 'secret-one' })
  t.equal((await http.request({ path: '/x' })).status, 200)
  t.same(await vaultUses('not-stored-yet'), ['ok', 'failed'], 'both reads audited, newest first')
})

t.test('the department refusing the kept secret makes the connection read the vault again at once', async (t) => {
  const INSTANCE = 'hotline'
  await putServiceCredentials(db, vault, INSTANCE, { appId: APP_ID, appSecret: 'secret-one' })
  const accepted = new Set(['secret-one'])
  const dept = await department(t, accepted)
  const redis = new Redis(await freshRedis(t, 21))
  t.teardown(() => { redis.disconnect() })
  const adapter = { auth: AUTH } as unknown as AdapterDefinition
  const config = AdapterInstance.parse({ id: INSTANCE, adapter: 'test', baseUrl: dept.url, credentials: 'vault' })
  const connection = await openConnection({ config, adapter }, { ...deps, redis, logger: captureLogger().logger, metrics: createMetrics() })
  t.teardown(connection.close)
  const call = async (): Promise<number> => await connection.call(async (http) => {
    const res = await http.request({ path: '/api/v1/tasks' })
    if (res.status === 401) throw new DepartmentAuthError(INSTANCE, 'signature refused')
    return res.status
  })

  t.equal(await call(), 200)
  await putServiceCredentials(db, vault, INSTANCE, { appId: APP_ID, appSecret: 'secret-two' })
  accepted.clear()
  accepted.add('secret-two')
  t.equal(await call(), 200, 'refused once, then signed with the rotated secret')
  t.same(dept.signedWith, ['secret-one', 'secret-two'])
  t.equal((await vaultUses(INSTANCE)).length, 2)
  t.equal(dept.received.length, 3, 'the refused request, then the one signed anew')
})
