// bench/webhook-ingest: signed 1 KB webhooks per second accepted (202, committed to the inbox in
// PostgreSQL, job queued in Redis) at 64 connections, and in the same run the floor — a bare
// Fastify route doing one Redis XADD of the same body.
//   npm run bench:webhook-ingest   (DATABASE_URL, REDIS_URL optional; defaults: local servers)
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { promisify } from 'node:util'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import pg from 'pg'
import { Redis } from 'ioredis'
import { startGateway } from '../src/runtime/gateway.ts'
import { Config } from '../src/config/schema.ts'
import { createLogger } from '../src/log.ts'
import { buildMessage } from '../adapters/household-registration/data.ts'

const SECRET = 'whsec_dG9uZ2Jhbi1kZW1vLWhvdXNlaG9sZC1zZWNyZXQ='
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64)
const DURATION = Number(process.env.BENCH_SECONDS ?? 10)
// A throwaway database: a throwaway master key for the credential vault unless one is given.
process.env.TONGBAN_MASTER_KEY ??= randomBytes(32).toString('base64')

const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/9'
const run = promisify(execFile)

async function load (url: string, body: string, secret?: string): Promise<Record<string, number>> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', new URL('./load.ts', import.meta.url).pathname, JSON.stringify({ url, connections: CONNECTIONS, duration: DURATION, body, secret })], { maxBuffer: 1 << 20 })
  return JSON.parse(stdout.trim().split('\n').pop()!)
}

function oneKilobyteBody (): string {
  const msg = buildMessage(1, 1, { records: 2, eventType: 'QR' })
  let body = JSON.stringify(msg)
  // Pad to 1 KB with a field the adapter ignores, keeping the message valid.
  body = JSON.stringify({ ...msg, pad: 'x'.repeat(Math.max(0, 1024 - body.length - 10)) })
  return body
}

const body = oneKilobyteBody()
const dbName = `tb_bench_${Date.now()}`
const admin = new pg.Client({ connectionString: ADMIN_URL })
await admin.connect()
await admin.query(`CREATE DATABASE ${dbName}`)
const databaseUrl = ADMIN_URL.replace(/\/[^/]*$/, `/${dbName}`)
const flush = new Redis(REDIS_URL)
await flush.flushdb()

console.log(`webhook-ingest: ${Buffer.byteLength(body)} byte signed bodies, ${CONNECTIONS} connections, ${DURATION} s per run, node ${process.version}`)

// Floor: the least a webhook endpoint can do — one Redis XADD of the body.
const floor = Fastify()
floor.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, b, done) => { done(null, b) })
const xadd = new Redis(REDIS_URL)
floor.post('/floor', async (req, reply) => { await xadd.xadd('bench:floor', 'MAXLEN', '~', '100000', '*', 'body', req.body as Buffer); return reply.code(202).send({ ok: true }) })
const floorUrl = await floor.listen({ port: 0, host: '127.0.0.1' })
// Same signed requests as the real run, so the load generator costs the same in both.
const floorResult = await load(`${floorUrl}/floor`, body, SECRET)
await floor.close()
xadd.disconnect()

const config = Config.parse({
  towns: [{ code: '320412120000', name: '湟里镇' }],
  adapters: [{ id: 'household-registration', adapter: 'household-registration', webhook: { secrets: [SECRET] } }],
})
const gateway = await startGateway({
  port: 0, host: '127.0.0.1', dataDir: await mkdtemp(join(tmpdir(), 'tongban-bench-')), configPath: '(bench)',
  redisUrl: REDIS_URL, databaseUrl, adminToken: 'bench-admin-token-0123456789',
}, { config, logger: createLogger({ level: 'warn' }), workers: false })
const ingest = await load(`${gateway.url}/webhooks/household-registration`, body, SECRET)
const { rows } = await gateway.platform.db.query<{ n: number }>('SELECT count(*)::int AS n FROM inbox')
await gateway.stop()

const fmt = (r: Record<string, number>): string => `${Math.round(r.requestsPerSecond!)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms  (non-2xx ${r.non2xx}, errors ${r.errors}, timeouts ${r.timeouts})`
console.log(`floor  (fastify + XADD)         ${fmt(floorResult)}`)
console.log(`ingest (verify + commit + queue) ${fmt(ingest)}`)
console.log(`inbox rows committed: ${rows[0]!.n} of ${ingest.total} requests`)
console.log(`ratio to floor: ${(ingest.requestsPerSecond! / floorResult.requestsPerSecond!).toFixed(2)}  (goal ≥ 6000 req/s and ≥ 0.6× floor)`)

await flush.flushdb()
flush.disconnect()
await admin.query(`DROP DATABASE ${dbName} WITH (FORCE)`)
await admin.end()
