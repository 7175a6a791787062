// bench/social-insurance: a 1,000-item social-insurance batch (with SM4 decryption) unified, end
// to end on PostgreSQL — the batch POSTed signed v1sm3 into a real gateway (verify, commit to the
// inbox, queue), the ingest worker's parse, SM4 decryption of AAC002 and AAE005, map, unify of the
// persons, their enrolment facet entries and the employers they link, until the inbox row is done —
// against the floor measured in the same run: the bare SM4 decryption of the 2,000 fields plus one
// batched upsert of the persons of the 1,000 rows, pre-mapped, into a plain copy of the persons table.
//   npm run bench:social-insurance   (DATABASE_URL, REDIS_URL optional; defaults: local servers)
//   BENCH_BATCHES (default 10): batches of 1,000 rows of persons not seen before, after one to warm up
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { request } from 'undici'
import { startGateway } from '../src/runtime/gateway.ts'
import { Config } from '../src/config/schema.ts'
import { createLogger } from '../src/log.ts'
import { signSm3 } from '../src/crypto/webhook-signature.ts'
import { decryptSm4Field } from '../src/crypto/sm4.ts'
import { openPostgres } from '../src/store/db.ts'
import { migrate } from '../src/store/migrate.ts'
import { tables } from '../src/store/columns.ts'
import { mapBatch } from '../src/pipeline/map.ts'
import socialInsurance, { parse } from '../adapters/social-insurance/adapter.ts'
import { rowsFrom, batchNo, sendTime, startOfRegister, type InsuranceBatch, type Register, type RowCursor } from '../adapters/social-insurance/data.ts'
import { encryptBatch } from '../adapters/social-insurance/simulator.ts'
import { createDatabase, dropDatabase } from './database.ts'
import { ownPeakRssMb, report } from './report.ts'

// A throwaway database: a throwaway master key for the credential vault unless one is given.
process.env.TONGBAN_MASTER_KEY ??= randomBytes(32).toString('base64')

const BATCHES = Number(process.env.BENCH_BATCHES ?? 10)
const ITEMS = 1000
const GOAL_MS = 1000
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/9'
const SECRET = 'whsec_' + Buffer.from('tongban-bench-social-insurance').toString('base64')
const DATA_KEY = randomBytes(16)
const POLL_MS = 5

// Enough persons that every batch names new ones: each is new rows, new facet entries, new links.
const register: Register = { seed: 1, persons: 1_000_000, employers: 2000 }
let cursor: RowCursor = startOfRegister
function nextBatch (sequence: number): { batch: InsuranceBatch, body: Buffer } {
  const at = Date.now()
  const rows = rowsFrom(register, cursor, ITEMS, at, false) // exactly 1,000: a person's last rows may open the next batch
  cursor = rows.next
  const batch = { batchNo: batchNo(at, sequence), sendTime: sendTime(at), items: rows.items }
  return { batch, body: encryptBatch(batch, DATA_KEY, register.seed) }
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const fmt = (ms: number): string => `${ms.toFixed(0)} ms`

console.log(`social-insurance: ${BATCHES} batches of ${ITEMS.toLocaleString()} items (2 SM4 fields each), signed v1sm3, PostgreSQL, node ${process.version}`)

const dbName = `tb_bench_si_${Date.now()}`
const databaseUrl = await createDatabase(dbName)
const dataDir = await mkdtemp(join(tmpdir(), 'tongban-bench-'))
const flush = new Redis(REDIS_URL)
await flush.flushdb()
const config = Config.parse({
  towns: [{ code: '320412120000', name: '湟里镇' }],
  adapters: [{
    id: 'social-insurance', adapter: 'social-insurance',
    webhook: { secrets: [SECRET], schemes: ['v1sm3'] },
    credentials: { dataKey: DATA_KEY.toString('hex') },
  }],
})
const gateway = await startGateway({
  port: 0, host: '127.0.0.1', dataDir, configPath: '(bench)',
  redisUrl: REDIS_URL, databaseUrl, adminToken: 'bench-admin-token-0123456789',
}, { config, logger: createLogger({ level: 'warn' }) })
const { db } = gateway.platform
const url = `${gateway.url}/webhooks/social-insurance`

interface Outcome { ms: number, inboxMs: number, ok: number, quarantined: number }

/** POSTs one batch as the department does and waits until the worker has unified it. */
async function deliver (sequence: number): Promise<Outcome> {
  const { batch, body } = nextBatch(sequence)
  const timestamp = Math.floor(Date.now() / 1000)
  const started = performance.now()
  const res = await request(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'webhook-id': batch.batchNo,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signSm3(SECRET, batch.batchNo, timestamp, body),
    },
    body,
  })
  await res.body.dump()
  if (res.statusCode >= 300) throw new Error(`the gateway answered ${res.statusCode} to ${batch.batchNo}`)
  for (;;) {
    const { rows: [row] } = await db.query<{ status: string, ok: number, quarantined: number, inbox_ms: number }>(
      "SELECT status, records_ok AS ok, records_quarantined AS quarantined, extract(epoch FROM processed_at - received_at)::float8 * 1000 AS inbox_ms FROM inbox WHERE adapter = 'social-insurance' AND webhook_id = $1", [batch.batchNo])
    if (row && row.status !== 'received') {
      if (row.status !== 'done') throw new Error(`${batch.batchNo}: ${row.status}`)
      return { ms: performance.now() - started, inboxMs: row.inbox_ms, ok: row.ok, quarantined: row.quarantined }
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
  }
}

await deliver(0) // warm-up: JIT, connection pools, the first statements' plans
const outcomes: Outcome[] = []
for (let i = 1; i <= BATCHES; i++) outcomes.push(await deliver(i))
const { rows: [stored] } = await db.query<{ persons: number, entries: number, enterprises: number }>(
  "SELECT (SELECT count(*) FROM persons)::int AS persons, (SELECT count(*) FROM facet_entries WHERE facet = 'insurance-enrolment')::int AS entries, (SELECT count(*) FROM enterprises)::int AS enterprises")
const rssMb = ownPeakRssMb()
await gateway.stop()
await flush.flushdb()
flush.disconnect()

// Floor: the same work's least — decrypt the 2,000 fields of a batch, then one upsert of its
// rows' persons, already mapped (the persons' columns), into a plain copy of the persons table.
const { table, key, columns } = tables.person
const cols = Object.values(columns)
const names = cols.map((c) => c.name)
const upsert = `INSERT INTO ${table} (${names.join(', ')}) SELECT ${names.join(', ')} FROM jsonb_to_recordset($1::jsonb) AS r(${cols.map((c) => `${c.name} ${c.type}`).join(', ')})
  ON CONFLICT (${columns[key]!.name}) DO UPDATE SET ${names.filter((n) => n !== columns[key]!.name).map((n) => `${n} = EXCLUDED.${n}`).join(', ')}`
const floorName = `tb_bench_si_floor_${Date.now()}`
const floorDb = await openPostgres(await createDatabase(floorName))
await migrate(floorDb)
const floors: number[] = []
for (let i = 0; i <= BATCHES; i++) {
  const { batch, body } = nextBatch(1000 + i)
  const raws = parse(body, { webhookId: batch.batchNo, receivedAt: new Date() })
  const started = performance.now()
  for (const raw of raws) {
    raw.fields = { ...raw.fields, AAC002: decryptSm4Field(DATA_KEY, raw.fields.AAC002 as string), AAE005: decryptSm4Field(DATA_KEY, raw.fields.AAE005 as string) }
  }
  const decrypted = performance.now()
  // one row per person: a batch holds several rows of each (one per insurance type)
  const data = [...new Map(mapBatch(socialInsurance, raws).records.map((r) => [r.key, r.data])).values()]
  const json = JSON.stringify(data.map((d) => Object.fromEntries(Object.entries(columns).map(([f, c]) => [c.name, d[f] ?? null]))))
  const mapped = performance.now()
  await floorDb.query(upsert, [json])
  if (i > 0) floors.push((decrypted - started) + (performance.now() - mapped)) // not the mapping: the floor is decryption and the write
}
await floorDb.close()
await dropDatabase(floorName)
await dropDatabase(dbName)
await rm(dataDir, { recursive: true, force: true })

const ms = outcomes.map((o) => o.ms)
const now = median(ms)
const floor = median(floors)
const ok = outcomes.reduce((n, o) => n + o.ok, 0)
const quarantined = outcomes.reduce((n, o) => n + o.quarantined, 0)
console.log(`floor  (SM4-decrypt 2,000 fields + one upsert of the batch's persons)   median ${fmt(floor)}  max ${fmt(Math.max(...floors))}`)
console.log(`batch  (signed POST → verify, inbox, queue, parse, decrypt, map, unify)   median ${fmt(now)}  max ${fmt(Math.max(...ms))}  (inbox received → done: median ${fmt(median(outcomes.map((o) => o.inboxMs)))})`)
console.log(`unified: ${ok.toLocaleString()} rows, ${quarantined} quarantined; stored ${stored!.persons.toLocaleString()} persons, ${stored!.entries.toLocaleString()} enrolment entries, ${stored!.enterprises.toLocaleString()} employers`)
console.log(`gateway peak RSS: ${rssMb} MB`)
console.log(`ratio to floor: ${(now / floor).toFixed(1)}×  (goal: a 1,000-item batch unified in < ${GOAL_MS.toLocaleString()} ms; slowest ${fmt(Math.max(...ms))})`)
report({ bench: 'social-insurance', figure: '1,000-item batch with SM4, POST → unified, PostgreSQL', unit: 'ms', goal: `< ${GOAL_MS.toLocaleString()}`, now: Math.round(now), floor: Math.round(floor), ratio: Number((now / floor).toFixed(2)), met: Math.max(...ms) < GOAL_MS, rssMb })
