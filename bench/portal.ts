// bench/portal: server time of the portal's search and resident pages with many residents in
// PostgreSQL (default 1,000,000; BENCH_RESIDENTS to change), signed in as a window staff member of
// one town. Requests go one at a time over loopback HTTP, so the figures are the server's time
// plus a loopback round trip. Goal: p95 ≤ 50 ms for search, ≤ 30 ms for a resident page.
//   node --import tsx bench/portal.ts   (DATABASE_URL, REDIS_URL optional; defaults: local servers)
import { randomBytes } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import pg from 'pg'
import { Redis } from 'ioredis'
import { startGateway } from '../src/runtime/gateway.ts'
import { Config } from '../src/config/schema.ts'
import { createLogger } from '../src/log.ts'
import { idCheckChar } from '../adapters/household-registration/data.ts'
import { ownPeakRssMb, peakRssMbOf, report, resetPeakRss } from './report.ts'

const RESIDENTS = Number(process.env.BENCH_RESIDENTS ?? 1_000_000)
const ENTERPRISES = Math.max(1000, Math.round(RESIDENTS / 20))
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 300)
const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/5'
const TOWN = '320412120000'
const ADMIN_TOKEN = 'bench-admin-token-0123456789'
const PASSWORD = 'Window-Staff-2026'

const SURNAMES = [...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤']
const GIVEN = [...'伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌辉鹏飞宇浩然晨曦子轩梓涵欣怡雨']
// Towns of the county: most residents in the bench town, the rest elsewhere (out of scope).
const TOWNS = ['320412120', '320412120', '320412120', '320412100', '320412101', '320412102', '320412103', '320412104', '320412105', '320412106']

let seed = 42
const rand = (): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x80000000 }
const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)]!

function idNumber (i: number): string {
  const birth = new Date(Date.UTC(1940, 0, 1) + (i * 7919 % 25_000) * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '')
  const first17 = `320412${birth}${String(Math.floor(i / 25_000) % 1000).padStart(3, '0')}`
  // 25,000 birth dates × 1,000 sequence numbers: unique for up to 25 million residents.
  return first17 + idCheckChar(first17)
}

// A throwaway database: a throwaway master key unless one is given.
process.env.TONGBAN_MASTER_KEY ??= randomBytes(32).toString('base64')

const dbName = `tb_bench_portal_${Date.now()}`
const admin = new pg.Client({ connectionString: ADMIN_URL })
await admin.connect()
await admin.query(`CREATE DATABASE ${dbName}`)
const databaseUrl = ADMIN_URL.replace(/\/[^/]*$/, `/${dbName}`)
const flush = new Redis(REDIS_URL)
await flush.flushdb()

const config = Config.parse({
  towns: [{ code: TOWN, name: '武进区湟里镇' }],
  adapters: [{ id: 'household-registration', adapter: 'household-registration', webhook: { secrets: ['whsec_dG9uZ2Jhbi1kZW1vLWhvdXNlaG9sZC1zZWNyZXQ='] } }],
})
const gateway = await startGateway({
  port: 0, host: '127.0.0.1', dataDir: await mkdtemp(join(tmpdir(), 'tongban-bench-')), configPath: '(bench)',
  redisUrl: REDIS_URL, databaseUrl, adminToken: ADMIN_TOKEN,
}, { config, logger: createLogger({ level: 'warn' }), workers: false })
const { db } = gateway.platform

// ---- data: residents, enterprises whose legal representatives are residents, a few conflicts
const started = performance.now()
const inTown: string[] = []
const inTownPhones: string[] = []
const representatives: string[] = []
const seen = new Set<string>()
const BATCH = 50_000
const source = JSON.stringify({ k: { adapter: 'household-registration', sourceId: 'bench', observedAt: '2026-01-01T00:00:00.000Z' } })
const provenance = JSON.stringify(Object.fromEntries(['name', 'gender', 'birthDate', 'ethnicityCode', 'phone', 'address', 'divisionCode', 'status'].map((f) => [f, 'k'])))
for (let from = 0, i = 0; from < RESIDENTS; from += BATCH) {
  const ids: string[] = []; const names: string[] = []; const phones: string[] = []; const divisions: string[] = []; const genders: string[] = []; const births: string[] = []
  while (ids.length < Math.min(BATCH, RESIDENTS - from)) {
    const id = idNumber(i++)
    if (seen.has(id)) continue
    seen.add(id)
    const town = pick(TOWNS)
    ids.push(id)
    names.push(pick(SURNAMES) + pick(GIVEN) + (rand() < 0.6 ? pick(GIVEN) : ''))
    phones.push(`1${3 + Math.floor(rand() * 7)}${String(Math.floor(rand() * 1e9)).padStart(9, '0')}`)
    divisions.push(`${town}${String(1 + Math.floor(rand() * 30)).padStart(3, '0')}`)
    genders.push(Number(id[16]) % 2 === 1 ? 'male' : 'female')
    births.push(`${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`)
    if (town === '320412120' && inTown.length < 100_000) { inTown.push(id); inTownPhones.push(phones[phones.length - 1]!) }
    if (representatives.length < ENTERPRISES && rand() < 0.06) representatives.push(id)
  }
  await db.query(
    `INSERT INTO persons (id_number, name, gender, birth_date, ethnicity_code, phone, address, division_code, status, provenance, sources, version, created_from, created_at)
     SELECT id, name, gender, birth::date, '01', phone, '湟里村' || (length(id) + 1) || '号', division, 'registered', $7::jsonb, $8::jsonb, 1, $8::jsonb -> 'k', '2026-01-01'
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS r(id, name, gender, birth, phone, division)`,
    [ids, names, genders, births, phones, divisions, provenance, source])
}
await db.query(
  `INSERT INTO enterprises (credit_code, name, legal_representative, address, division_code, status, provenance, sources)
   SELECT '91320412' || lpad(g::text, 9, '0') || 'X', '常州湟里' || g || '号机械有限公司',
          jsonb_build_object('name', p.name, 'idNumber', p.id_number), '湟里镇工业园', p.division_code, 'in-business', '{}'::jsonb, '{}'::jsonb
   FROM unnest($1::text[]) WITH ORDINALITY AS r(id, g) JOIN persons AS p ON p.id_number = r.id`, [representatives])
// A working day: 2,000 of the town's residents registered today, 5,000 changes by two departments.
await db.query('UPDATE persons SET created_at = now() WHERE id_number = ANY($1)', [inTown.slice(0, 2000)])
await db.query(
  `INSERT INTO record_history (kind, record_key, adapter, source_id, observed_at, changes)
   SELECT 'person', id, CASE WHEN n % 3 = 0 THEN 'market-regulation' ELSE 'household-registration' END, 'bench', now(), '{"phone": ["13800000000", "13900000000"]}'
   FROM unnest($1::text[]) WITH ORDINALITY AS r(id, n)`, [inTown.slice(2000, 7000)])
await db.query('ANALYZE persons; ANALYZE enterprises; ANALYZE record_history')
const loadSeconds = (performance.now() - started) / 1000
// The data was made in this process too: from here the peak RSS is the gateway's while it serves.
seen.clear()
resetPeakRss()

// ---- a window staff member of the town, signed in
const staff = await fetch(`${gateway.url}/api/v1/staff`, {
  method: 'POST',
  headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
  body: JSON.stringify({ username: 'bench.staff', name: '压测', town: TOWN, roles: ['window-staff'], password: PASSWORD }),
})
if (staff.status !== 201) throw new Error(`creating staff: ${staff.status} ${await staff.text()}`)
const login = await fetch(`${gateway.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bench.staff', password: PASSWORD }) })
const cookie = login.headers.get('set-cookie')!.split(';')[0]!

async function timed (paths: string[]): Promise<{ p50: number, p95: number, max: number }> {
  for (const p of paths.slice(0, 20)) await (await fetch(`${gateway.url}${p}`, { headers: { cookie } })).arrayBuffer() // warm-up
  const times: number[] = []
  for (const p of paths) {
    const t0 = performance.now()
    const res = await fetch(`${gateway.url}${p}`, { headers: { cookie } })
    await res.arrayBuffer()
    times.push(performance.now() - t0)
    if (res.status !== 200) throw new Error(`${p}: ${res.status}`)
  }
  times.sort((a, b) => a - b)
  const at = (q: number): number => Math.round(times[Math.min(times.length - 1, Math.floor(q * times.length))]! * 10) / 10
  return { p50: at(0.5), p95: at(0.95), max: at(1) }
}

/** The "next page" links of name searches with more than one page. */
async function secondPages (n: number): Promise<string[]> {
  const out: string[] = []
  while (out.length < n) {
    const page = await (await fetch(`${gateway.url}${q(pick(SURNAMES))}`, { headers: { cookie } })).text()
    const next = /href="(\/portal\/search\?[^"]*after=[^"]*)" rel="next"/.exec(page)?.[1]
    if (next) out.push(next.replace(/&amp;/g, '&'))
  }
  return out
}

const sample = (n: number): string[] => Array.from({ length: n }, () => pick(inTown))
const q = (s: string): string => `/portal/search?q=${encodeURIComponent(s)}`
const results = {
  'search by name (surname + given)': await timed(Array.from({ length: REQUESTS }, () => q(pick(SURNAMES) + pick(GIVEN)))),
  'search by surname only': await timed(Array.from({ length: REQUESTS }, () => q(pick(SURNAMES)))),
  'search by full ID number': await timed(sample(REQUESTS).map(q)),
  'search by ID prefix (10 digits)': await timed(sample(REQUESTS).map((id) => q(id.slice(0, 10)))),
  'search by ID last 4 digits': await timed(sample(REQUESTS).map((id) => q(id.slice(-4)))),
  'search by ID last 6 digits': await timed(sample(REQUESTS).map((id) => q(id.slice(-6)))),
  'search by phone number': await timed(Array.from({ length: REQUESTS }, () => q(pick(inTownPhones)))),
  'search by name, second page': await timed(await secondPages(REQUESTS)),
  // Resident pages are addressed by reference (persons.ref), not the ID number.
  'resident page': await timed((await db.query<{ ref: string }>('SELECT ref FROM persons WHERE id_number = ANY($1::text[])', [sample(REQUESTS)])).rows.map((r) => `/portal/persons/${r.ref}`)),
  'home page': await timed(Array.from({ length: Math.min(REQUESTS, 100) }, () => '/')),
}

const { rows: [counts] } = await db.query<{ persons: number, enterprises: number }>('SELECT (SELECT count(*)::int FROM persons) AS persons, (SELECT count(*)::int FROM enterprises) AS enterprises')
console.log(`portal: ${counts!.persons.toLocaleString('en-US')} residents (${inTown.length.toLocaleString('en-US')}+ in the staff member's town), ${counts!.enterprises.toLocaleString('en-US')} enterprises, PostgreSQL; data loaded in ${loadSeconds.toFixed(0)} s; ${REQUESTS} sequential requests each, node ${process.version}`)
for (const [name, r] of Object.entries(results)) console.log(`${name.padEnd(34)} p50 ${String(r.p50).padStart(6)} ms  p95 ${String(r.p95).padStart(6)} ms  max ${String(r.max).padStart(6)} ms`)
console.log('goal: p95 ≤ 50 ms for search, ≤ 30 ms for a resident page (home page: no goal set)')
const rssMb = peakRssMbOf(process.pid) ?? ownPeakRssMb()
const goalMs = (name: string): number | undefined => name.startsWith('search') ? 50 : name === 'resident page' ? 30 : undefined
for (const [name, r] of Object.entries(results)) {
  const goal = goalMs(name)
  report({
    bench: 'portal', figure: `${name}, p95, ${RESIDENTS.toLocaleString('en-US')} residents`, unit: 'ms', goal: goal === undefined ? '—' : `≤ ${goal}`,
    now: r.p95, ...(goal === undefined ? {} : { met: r.p95 <= goal }), rssMb,
  })
}

await gateway.stop()
await flush.flushdb()
flush.disconnect()
// BENCH_KEEP_DB=1 keeps the data for EXPLAIN (DROP DATABASE it afterwards).
if (process.env.BENCH_KEEP_DB === '1') console.log(`kept database ${dbName}`)
else await admin.query(`DROP DATABASE ${dbName} WITH (FORCE)`)
await admin.end()
