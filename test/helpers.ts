// Shared test fixtures: real PostgreSQL databases (a fresh one per test), in-memory PGlite,
// real Redis (a database index per test file, flushed), and gateways on free ports.
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import pg from 'pg'
import { Redis } from 'ioredis'
import { openPglite, openPostgres, type Db } from '../src/store/db.ts'
import { migrate } from '../src/store/migrate.ts'
import { createLogger, type Logger } from '../src/log.ts'
import { suiteRedisUrl } from './suite-redis/state.ts'

// Gateways on PostgreSQL need a master key (only the embedded default generates one); spawned
// commands inherit it.
process.env.TONGBAN_MASTER_KEY ??= randomBytes(32).toString('base64')

export const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
/** TEST_REDIS_URL, else the server tap's run started for the suite (test/suite-redis), else the local default. */
export const REDIS_BASE_URL = process.env.TEST_REDIS_URL ?? suiteRedisUrl() ?? 'redis://127.0.0.1:6379'

interface Teardown { teardown: (fn: () => unknown) => void }

/** A fresh, migrated PostgreSQL database, dropped when the test ends. */
export async function freshPostgres (t: Teardown): Promise<{ db: Db, url: string }> {
  const url = await freshPostgresUrl(t)
  const db = await openPostgres(url)
  await migrate(db)
  // Teardowns run in reverse: the pool closes before the database is dropped.
  t.teardown(async () => { await db.close().catch(() => {}) })
  return { db, url }
}

export async function freshPglite (t: Teardown): Promise<Db> {
  const db = await openPglite()
  await migrate(db)
  t.teardown(async () => { await db.close() })
  return db
}

/** Runs `fn` once per store: `pglite` and `postgres`. */
export const stores = {
  pglite: async (t: Teardown) => ({ db: await freshPglite(t), url: undefined }),
  postgres: freshPostgres,
} as const

/** A Redis database index of its own, flushed before use; pick a distinct index per test file. */
export async function freshRedis (t: Teardown, index: number): Promise<string> {
  const url = `${REDIS_BASE_URL}/${index}`
  const r = new Redis(url)
  await r.flushdb()
  r.disconnect()
  t.teardown(async () => {
    const c = new Redis(url)
    await c.flushdb()
    c.disconnect()
  })
  return url
}

export async function tempDir (t: Teardown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tongban-test-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  return dir
}

/** A logger that keeps its lines for assertions instead of printing them. */
export function captureLogger (): { logger: Logger, lines: string[] } {
  const lines: string[] = []
  const stream = new Writable({ write (chunk, _enc, cb) { lines.push(String(chunk)); cb() } })
  return { logger: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'info' }, stream), lines }
}

/** Polls `check` until it returns a truthy value; fails after `timeoutMs` (generous: slow CI is not a failure). */
export async function eventually<T> (check: () => Promise<T | undefined | false | null> | T | undefined | false | null, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const until = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value) return value
    } catch (err) {
      last = err
    }
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}

export const BOOTSTRAP_TOKEN = 'test-admin-token-0123456789'

/**
 * Headers of a fresh API token (made with the bootstrap token, which itself may only set up):
 * a county admin whose scope is all of Jiangsu (32), where every test record lives.
 */
export async function operatorAuth (baseUrl: string, opts: { roles?: string[], town?: string, bootstrap?: string } = {}): Promise<{ authorization: string }> {
  const res = await fetch(`${baseUrl}/api/v1/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${opts.bootstrap ?? BOOTSTRAP_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: `test-${randomBytes(4).toString('hex')}`, roles: opts.roles ?? ['county-admin'], town: opts.town ?? '320000000000' }),
  })
  if (res.status !== 201) throw new Error(`creating a test token: ${res.status} ${await res.text()}`)
  return { authorization: `Bearer ${(await res.json() as { token: string }).token}` }
}

export const DEMO_SECRET = 'whsec_dG9uZ2Jhbi1kZW1vLWhvdXNlaG9sZC1zZWNyZXQ='

/** A JSON answer of any shape (the tests check it). */
export type Json = Record<string, any>

/** An HTTP call with an optional JSON body; the answer's status, parsed JSON body ({} when none), text and content type. */
export async function callApi (base: string, method: string, path: string, opts: { headers?: Record<string, string>, body?: unknown } = {}): Promise<{ status: number, body: Json, text: string, type: string }> {
  const init: RequestInit = { method, headers: { ...opts.headers } }
  if (opts.body !== undefined) {
    init.body = JSON.stringify(opts.body)
    ;(init.headers as Record<string, string>)['content-type'] = 'application/json'
  }
  const res = await fetch(`${base}${path}`, init)
  const text = await res.text()
  let body: Json = {}
  try { body = JSON.parse(text) as Json } catch {}
  return { status: res.status, body, text, type: res.headers.get('content-type') ?? '' }
}

/** POSTs a message to /webhooks/<adapter> signed the Standard Webhooks way (v1, HMAC-SHA256), its msgId as webhook-id. */
export async function postSignedWebhook (baseUrl: string, adapter: string, message: { msgId: string }, secret = DEMO_SECRET): Promise<Response> {
  const { sign } = await import('../src/crypto/webhook-signature.ts')
  const body = JSON.stringify(message)
  const ts = Math.floor(Date.now() / 1000)
  return await fetch(`${baseUrl}/webhooks/${adapter}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'webhook-id': message.msgId, 'webhook-timestamp': String(ts), 'webhook-signature': sign(secret, message.msgId, ts, body) },
    body,
  })
}

export interface TestGatewayOptions {
  store: 'pglite' | 'postgres'
  redisIndex: number
  adapters?: unknown[]
  simulators?: unknown
  sweepEveryMs?: number
  /** The `federation:` section of the configuration, as written in the file. */
  federation?: unknown
  /** A fixed port (default: a free one), for configuration that must name the gateway's own URL. */
  port?: number
  /** The `sso:` section of the configuration (department apps signed in through tongban), as written in the file. */
  sso?: unknown
  /** The `whistles:` section of the configuration (departments, routing), as written in the file. */
  whistles?: unknown
}

/** A whole gateway (HTTP, workers, sweeper) on a free port against real Redis and the chosen store. */
export async function startTestGateway (t: Teardown, opts: TestGatewayOptions) {
  const { startGateway } = await import('../src/runtime/gateway.ts')
  const { Config } = await import('../src/config/schema.ts')
  const dataDir = await tempDir(t)
  const redisUrl = await freshRedis(t, opts.redisIndex)
  const databaseUrl = opts.store === 'postgres' ? (await freshPostgresUrl(t)) : undefined
  const config = Config.parse({
    towns: [{ code: '320412120000', name: '武进区湟里镇' }],
    adapters: opts.adapters ?? [{ id: 'household-registration', adapter: 'household-registration', webhook: { secrets: [DEMO_SECRET] }, concurrency: 4 }],
    ...(opts.simulators ? { simulators: opts.simulators } : {}),
    ...(opts.federation ? { federation: opts.federation } : {}),
    ...(opts.sso ? { sso: opts.sso } : {}),
    ...(opts.whistles ? { whistles: opts.whistles } : {}),
  })
  const { logger, lines } = captureLogger()
  const gateway = await startGateway({
    port: opts.port ?? 0, host: '127.0.0.1', dataDir, configPath: '(test)', redisUrl, databaseUrl, adminToken: 'test-admin-token-0123456789',
  }, { config, logger, ...(opts.sweepEveryMs ? { sweepEveryMs: opts.sweepEveryMs } : {}) })
  t.teardown(gateway.stop)
  return { gateway, logLines: lines, redisUrl, dataDir, auth: await operatorAuth(gateway.url), bootstrapAuth: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` } }
}

/** An empty database (migrated by whoever opens it first), dropped when the test ends. */
export async function freshPostgresUrl (t: Teardown): Promise<string> {
  const name = `tb_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: POSTGRES_URL })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  t.teardown(async () => {
    const c = new pg.Client({ connectionString: POSTGRES_URL })
    await c.connect()
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await c.end()
  })
  return POSTGRES_URL.replace(/\/[^/]*$/, `/${name}`)
}
