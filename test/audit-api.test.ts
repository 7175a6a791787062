// GET /api/v1/audit and /api/v1/audit/verify over real HTTP, on both stores: auditors only,
// every filter, a full ID number matching its masked form, cursor paging, the auditor's own reads
// recorded, and the OpenAPI document generated from the schemas.
import t from 'tap'
import Fastify from 'fastify'
import swagger from '@fastify/swagger'
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod'
import type { Principal } from '../src/auth/principal.ts'
import type { Platform } from '../src/platform.ts'
import type { Db } from '../src/store/db.ts'
import { registerErrorHandling } from '../src/server/errors.ts'
import { auditRoutes } from '../src/server/api/audit.ts'
import { appendAudit, type AuditEntry } from '../src/audit/index.ts'
import { stores } from './helpers.ts'

type Teardown = Parameters<typeof stores.pglite>[0]

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
function id18 (first17: string): string {
  let sum = 0
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i]!
  return first17 + '10X98765432'[sum % 11]!
}

const RESIDENT = id18('32041219900101002')
const RESIDENT_LEGACY = '320412900101002' // the same resident's 15-digit number
const OTHER = id18('32041219851231004')
const CREDIT_CODE = '91320412MA1XYZ0A1B'

const staff = (username: string, roles: Principal['roles']): Principal => ({ kind: 'staff', id: username, username, name: username, town: '320412120000', roles })
const AUDITOR = staff('sun.audit', ['auditor'])
const CLERK = staff('wang.fang', ['window-staff'])
const LI = staff('li.lei', ['grid-staff'])
const BOOTSTRAP: Principal = { kind: 'bootstrap', id: 'bootstrap', username: 'admin', name: 'bootstrap', town: null, roles: [] }

const day = (d: number, h = 8): Date => new Date(Date.UTC(2026, 2, d, h))

// id 1..8, in this order
const SEED: AuditEntry[] = [
  { actor: CLERK, action: 'person.read', subjectKind: 'person', subject: RESIDENT, outcome: 'ok', at: day(1, 8) },
  { actor: CLERK, action: 'person.read-full', subjectKind: 'person', subject: RESIDENT, purpose: '低保资格复核', outcome: 'ok', at: day(1, 9) },
  { actor: LI, action: 'person.read', subjectKind: 'person', subject: OTHER, outcome: 'ok', at: day(2) },
  { actor: LI, action: 'auth.login', outcome: 'ok', clientIp: '10.0.0.8', at: day(2, 9) },
  { actor: { kind: 'anonymous', username: 'zhao', roles: [], town: null }, action: 'auth.login-failed', outcome: 'denied', details: { reason: 'wrong password' }, at: day(3) },
  { actor: LI, action: 'enterprise.read', subjectKind: 'enterprise', subject: CREDIT_CODE, outcome: 'ok', at: day(3, 9) },
  { actor: CLERK, action: 'person.read', subjectKind: 'person', subject: RESIDENT, outcome: 'denied', details: { reason: 'outside the town' }, at: day(4) },
  { actor: { kind: 'system', username: 'household-registration', roles: [], town: null }, action: 'vault.use', subjectKind: 'vault', subject: 'household-registration', outcome: 'failed', at: day(4, 9) },
]

async function startApi (t: Teardown, db: Db) {
  const app = Fastify()
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  registerErrorHandling(app)
  await app.register(swagger, { openapi: { info: { title: 'audit test', version: '0' } }, transform: jsonSchemaTransform, transformObject: jsonSchemaTransformObject })
  // Stands in for the auth plugin: the caller is whoever the test says.
  app.decorateRequest('principal', null as unknown as Principal)
  app.addHook('onRequest', async (req) => {
    const who = req.headers['x-test-principal']
    if (typeof who === 'string') req.principal = JSON.parse(who) as Principal
  })
  await app.register(auditRoutes, { prefix: '/api/v1', platform: { db } as Platform })
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(async () => { await app.close() })
  const get = async (path: string, who: Principal | null = AUDITOR): Promise<{ status: number, body: any }> => {
    const res = await fetch(`${address}${path}`, { headers: who ? { 'x-test-principal': JSON.stringify(who) } : {} })
    return { status: res.status, body: await res.json() }
  }
  return { app, get }
}

const ids = (body: { items: Array<{ id: number }> }): number[] => body.items.map((i) => i.id)

for (const store of ['pglite', 'postgres'] as const) {
  t.test(`${store}: the audit API`, async (t) => {
    const { db } = await stores[store](t)
    await appendAudit(db, SEED)
    const { app, get } = await startApi(t, db)
    const q = (params: Record<string, string>): string => `/api/v1/audit?${new URLSearchParams(params).toString()}`

    t.test('auditors only', async (t) => {
      t.match(await get('/api/v1/audit', CLERK), { status: 403, body: { code: 'TB_FORBIDDEN' } })
      t.match(await get('/api/v1/audit/verify', staff('chen', ['security-admin', 'county-admin'])), { status: 403, body: { code: 'TB_FORBIDDEN' } })
      t.match(await get('/api/v1/audit', BOOTSTRAP), { status: 403, body: { code: 'TB_FORBIDDEN' } }, 'the bootstrap token sets up; it does not audit')
      t.match(await get('/api/v1/audit', null), { status: 401, body: { code: 'TB_UNAUTHORIZED' } })
    })

    t.test('filters', async (t) => {
      t.same(ids((await get(q({ actor: 'wang.fang' }))).body), [7, 2, 1], 'actor, newest first')
      t.same(ids((await get(q({ action: 'person.read' }))).body), [7, 3, 1], 'action')
      t.same(ids((await get(q({ action: 'auth.' }))).body), [5, 4], 'a family of actions')
      t.same(ids((await get(q({ outcome: 'denied' }))).body), [7, 5], 'outcome')
      t.same(ids((await get(q({ outcome: 'failed' }))).body), [8])
      t.same(ids((await get(q({ from: '2026-03-02T00:00:00Z', to: '2026-03-03T00:00:00+00:00' }))).body), [4, 3], 'from inclusive, to exclusive')
      const since = (await get(q({ from: '2026-03-04T17:00:00+08:00' }))).body.items as Array<{ id: number, action: string }>
      t.same(since.filter((i) => i.action !== 'audit.read').map((i) => i.id), [8], 'times with offsets')
      t.same(ids((await get(q({ actor: 'wang.fang', outcome: 'ok' }))).body), [2, 1], 'combined')

      const full = await get(q({ subject: RESIDENT }))
      t.same(ids(full.body), [7, 2, 1], 'a full ID number finds its masked form')
      t.equal(full.body.items[0].subject, `320412********${RESIDENT.slice(14)}`)
      t.same(ids((await get(q({ subject: RESIDENT_LEGACY }))).body), [7, 2, 1], 'so does the 15-digit form')
      t.same(ids((await get(q({ subject: `320412********${RESIDENT.slice(14)}` }))).body), [7, 2, 1], 'and the masked form itself')
      t.same(ids((await get(q({ subject: OTHER }))).body), [3])
      t.same(ids((await get(q({ subject: CREDIT_CODE }))).body), [6], 'a credit code as it is')
      t.same(ids((await get(q({ subject: 'household-registration' }))).body), [8])
      t.same((await get(q({ actor: 'nobody' }))).body, { items: [], next: null })

      t.match(await get(q({ action: 'Person.Read' })), { status: 400, body: { code: 'TB_VALIDATION' } })
      t.match(await get(q({ from: 'yesterday' })), { status: 400, body: { code: 'TB_VALIDATION' } })
      t.match(await get(q({ outcome: 'maybe' })), { status: 400, body: { code: 'TB_VALIDATION' } })
    })

    t.test('paging', async (t) => {
      const seen: number[] = []
      let cursor: string | null = ''
      let pages = 0
      while (cursor !== null) {
        const params: Record<string, string> = { action: 'person.', limit: '2' }
        if (cursor) params.cursor = cursor
        const { status, body } = await get(q(params))
        t.equal(status, 200)
        seen.push(...ids(body))
        cursor = body.next
        pages++
      }
      t.same(seen, [7, 3, 2, 1], 'every row once, newest first')
      t.equal(pages, 2)
      t.match(await get(q({ cursor: 'not-ours' })), { status: 400, body: { code: 'TB_CURSOR_INVALID' } })
      t.match(await get(q({ limit: '201' })), { status: 400, body: { code: 'TB_VALIDATION' } })
    })

    t.test("the auditor's reads are recorded, without the ID numbers asked for", async (t) => {
      const { body } = await get(q({ action: 'audit.read', limit: '200' }))
      t.ok(body.items.length >= 15, 'one row per read')
      t.match(body.items[0], { actor: 'sun.audit', actorKind: 'staff', roles: ['auditor'], action: 'audit.read', outcome: 'ok', clientIp: '127.0.0.1' })
      const all = JSON.stringify((await get(q({ limit: '200' }))).body)
      t.notOk(all.includes(RESIDENT) || all.includes(OTHER), 'no full ID number anywhere in the log')
      t.ok(all.includes(`"subject":"320412********${RESIDENT.slice(14)}"`), 'the filter is recorded masked')
    })

    t.test('verify', async (t) => {
      const sound = await get('/api/v1/audit/verify')
      t.match(sound, { status: 200, body: { ok: true, head: { chain: String, seq: Number, hash: /^[0-9a-f]{64}$/ }, chains: Array, roots: { rows: 0 } } })
      t.notOk('firstBad' in sound.body)
      const head = sound.body.head as { chain: string, seq: number, hash: string }
      const anchor = `${head.chain}:${head.seq}:${head.hash}`
      t.match((await get(`/api/v1/audit/verify?anchors=${anchor},${head.chain}:1:${'0'.repeat(64)}`)).body,
        { ok: false, firstBad: { chain: head.chain, seq: 1, reason: /rewritten/ } }, 'an anchor that does not match')
      t.match(await get('/api/v1/audit/verify?anchors=12:abc'), { status: 400, body: { code: 'TB_VALIDATION' } })

      await db.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change')
      await db.query("UPDATE audit_log SET outcome = 'ok' WHERE id = 5")
      await db.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change')
      t.match((await get(`/api/v1/audit/verify?anchors=${anchor}`)).body, { ok: false, firstBad: { id: 5, reason: /edited/ } })
      t.match((await get(q({ action: 'audit.verify' }))).body.items[0], { details: { ok: false, firstBad: { id: 5 } } }, 'verifications are recorded with their result')
    })

    t.test('OpenAPI', async (t) => {
      const doc = app.swagger() as any
      t.ok(doc.paths['/api/v1/audit'].get.responses['200'], 'the list has a documented answer')
      t.ok(doc.paths['/api/v1/audit/verify'].get.responses['200'])
      t.ok(doc.components.schemas.AuditEntry && doc.components.schemas.AuditVerification, 'named schemas')
      t.same(doc.paths['/api/v1/audit'].get.parameters.map((p: { name: string }) => p.name).sort(), ['action', 'actor', 'cursor', 'from', 'limit', 'outcome', 'subject', 'to'])
    })
  })
}
