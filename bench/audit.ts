// bench/audit: audit appends per second on PostgreSQL and PGlite — one transaction per entry,
// the batching AuditWriter under many concurrent callers (in one process and in four pools
// standing for four processes) — and verification speed.
// No goal has been set for these figures; the table shows them without one.
//   npm run bench:audit   (BENCH_APPENDS, DATABASE_URL optional)
import pg from 'pg'
import { openPglite, openPostgres, type Db } from '../src/store/db.ts'
import { migrate } from '../src/store/migrate.ts'
import { appendAudit, AuditWriter, verifyAudit, type AuditEntry } from '../src/audit/index.ts'
import { ownPeakRssMb, report } from './report.ts'

const APPENDS = Number(process.env.BENCH_APPENDS ?? 20_000)
const CALLERS = 200
const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** Towns of four counties: each county's entries go on a chain of its own. */
const TOWNS = ['320412120000', '320411001000', '320413100000', '320481100000']

const entry = (n: number, town = TOWNS[0]!): AuditEntry => ({
  actor: { kind: 'staff', username: 'wang.fang', roles: ['window-staff'], town },
  action: 'person.read', subjectKind: 'person', subject: '320412199001010029', purpose: '低保资格复核', clientIp: '10.0.0.7', outcome: 'ok', details: { n },
})

/** The same database, counting its transactions. */
function counting (db: Db): { db: Db, transactions: () => number } {
  let n = 0
  return { db: { ...db, transaction: async (fn) => { n++; return await db.transaction(fn) } }, transactions: () => n }
}

/** `callers` concurrent loops sharing `total` appends. */
async function run (total: number, callers: number, append: (n: number) => Promise<unknown>): Promise<number> {
  let next = 0
  const started = performance.now()
  await Promise.all(Array.from({ length: callers }, async () => {
    while (next < total) await append(next++)
  }))
  return total / ((performance.now() - started) / 1000)
}

const line = (label: string, perSecond: number, extra = ''): void => {
  console.log(`  ${label.padEnd(52)} ${Math.round(perSecond).toLocaleString('en').padStart(9)} /s${extra}`)
}

/** The figure for the bench table (no floor: one transaction per entry is the old way, not the least the machine can do). */
const summary = (store: string, figure: string, unit: string, perSecond: number): void => {
  report({ bench: 'audit', figure: `${store}: ${figure}`, unit, goal: '—', now: Math.round(perSecond), rssMb: ownPeakRssMb() })
}

async function measure (name: string, open: () => Promise<Db>, pools: number): Promise<void> {
  console.log(`${name}:`)
  const db = await open()
  await migrate(db)

  const single = Math.min(APPENDS, 2_000)
  line(`one transaction per entry, 1 caller (${single})`, await run(single, 1, async (n) => await appendAudit(db, entry(n))))
  const perEntry = await run(single, CALLERS, async (n) => await appendAudit(db, entry(n)))
  line(`one transaction per entry, ${CALLERS} callers (${single})`, perEntry)
  summary(name, `one transaction per entry, ${CALLERS} callers (${single.toLocaleString('en')})`, 'appends/s', perEntry)

  const counted = counting(db)
  const writer = new AuditWriter(counted.db)
  const batched = await run(APPENDS, CALLERS, async (n) => await writer.append(entry(n)))
  line(`AuditWriter, ${CALLERS} callers (${APPENDS})`, batched, `, ${(APPENDS / counted.transactions()).toFixed(1)} entries per transaction`)
  summary(name, `AuditWriter, ${CALLERS} callers (${APPENDS.toLocaleString('en')})`, 'appends/s', batched)

  if (pools > 1) {
    // Four processes' writers on one county's chain, then each on a county of its own (chains append in parallel).
    for (const counties of [1, pools]) {
      const others = await Promise.all(Array.from({ length: pools }, async () => await open()))
      const writers = others.map((p) => new AuditWriter(p))
      const perCaller = CALLERS / pools
      let next = 0
      const started = performance.now()
      await Promise.all(writers.flatMap((w, i) => Array.from({ length: perCaller }, async () => {
        while (next < APPENDS) await w.append(entry(next++, TOWNS[i % counties]))
      })))
      const pooled = APPENDS / ((performance.now() - started) / 1000)
      const chains = counties === 1 ? 'one county' : `${counties} counties`
      line(`AuditWriter in ${pools} pools, ${perCaller} callers each, ${chains} (${APPENDS})`, pooled)
      summary(name, `AuditWriter in ${pools} pools, ${chains} (${APPENDS.toLocaleString('en')})`, 'appends/s', pooled)
      await Promise.all(others.map(async (p) => { await p.close() }))
    }
  }

  const started = performance.now()
  const result = await verifyAudit(db)
  if (!result.ok) throw new Error(`chain broken: ${JSON.stringify(result)}`)
  const verified = result.rows / ((performance.now() - started) / 1000)
  line(`verify (${result.rows} rows)`, verified, ' rows')
  summary(name, `verify (${result.rows.toLocaleString('en')} rows)`, 'rows/s', verified)
  await db.close()
}

console.log(`audit: node ${process.version}`)
const name = `tb_bench_audit_${Date.now()}`
const admin = new pg.Client({ connectionString: ADMIN_URL })
await admin.connect()
await admin.query(`CREATE DATABASE ${name}`)
try {
  const url = ADMIN_URL.replace(/\/[^/]*$/, `/${name}`)
  await measure('PostgreSQL', async () => await openPostgres(url), 4)
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  await admin.end()
}
await measure('PGlite (in memory)', async () => await openPglite(), 1)
