// tongban on a PostgreSQL topology of real servers (test/helpers/pg-cluster.ts): DATABASE_URL
// through PgBouncer in transaction mode, DATABASE_DIRECT_URL to the primary for migrations,
// DATABASE_READ_URL a streaming standby. A gateway migrates, takes signed webhooks and unifies
// them, sweeps a lost one; searches read from the standby (a paused replay shows it), a caller who
// just changed something reads from the primary until the standby has caught up, and a standby
// that is down sends searches to the primary.
import t from 'tap'
import { readdir, readFile } from 'node:fs/promises'
import { buildMessage, residentAt, type HouseholdRecord } from '../adapters/household-registration/data.ts'
import { startGateway } from '../src/runtime/gateway.ts'
import { Config } from '../src/config/schema.ts'
import { openPostgres } from '../src/store/db.ts'
import { migrate } from '../src/store/migrate.ts'
import { commitWebhooks } from '../src/store/inbox.ts'
import { inboxSweep } from '../src/webhooks/sweeper.ts'
import { fromRoot } from '../src/paths.ts'
import { BOOTSTRAP_TOKEN, DEMO_SECRET, callApi, captureLogger, eventually, freshRedis, operatorAuth, postSignedWebhook, tempDir, type Json } from './helpers.ts'
import { queryOnce, startPgCluster } from './helpers/pg-cluster.ts'
import { readSettings } from '../src/runtime/settings.ts'

const HR = 'household-registration'
const TOWN = '320412120000'
const BASE_PORT = Number(process.env.TEST_PG_CLUSTER_PORT ?? 55431)

/** A resident of the test town under a name of the test's own (so a name search finds only them). */
function resident (index: number, name: string): HouseholdRecord {
  return { ...residentAt(1, index), XM: name, HJDZ_XZQHDM: '320412', HJDZ_XZJDDM: '320412120' }
}

let sequence = 0
const message = (records: HouseholdRecord[]): Json & { msgId: string } =>
  ({ ...buildMessage(1, ++sequence, { records, eventType: 'BG' }), msgId: `HRPGTOPO${sequence}x${Date.now()}` })

t.test('nothing in src/ keeps state on a session, which a pooler in transaction mode would lose', async (t) => {
  const sessionState: Array<[string, RegExp]> = [
    ['session-level advisory locks (use pg_advisory_xact_lock)', /pg_(try_)?advisory_lock(_shared)?\s*\(/],
    ['LISTEN', /\b(UN)?LISTEN\s+[a-z_"*]/],
    ['SET without LOCAL', /['"`]\s*SET\s+(?!LOCAL\b)(SESSION\s+)?[a-z_.]+\s*(=|TO\b)/i],
    ['set_config for the session', /set_config\s*\([^)]*,\s*false\s*\)/i],
    ['temporary tables', /CREATE\s+(GLOBAL\s+|LOCAL\s+)?TEMP(ORARY)?\s+TABLE/i],
    ['named prepared statements', /\.query\s*\(\s*\{[^}]*\bname\s*:/],
  ]
  const found: string[] = []
  for (const file of await readdir(fromRoot('src'), { recursive: true })) {
    if (!/\.(ts|sql)$/.test(file)) continue
    const text = await readFile(fromRoot('src', file), 'utf8')
    for (const [what, pattern] of sessionState) if (pattern.test(text)) found.push(`src/${file}: ${what}`)
  }
  t.same(found, [], 'transaction-level locks, SET LOCAL, unnamed statements only')
})

t.test('the three database URLs from the environment', async (t) => {
  const primary = 'postgres://tongban@pgbouncer:6432/tongban'
  const direct = 'postgres://tongban@db:5432/tongban'
  const standby = 'postgres://tongban@standby:5432/tongban'
  t.match(readSettings({ DATABASE_URL: primary, DATABASE_DIRECT_URL: direct, DATABASE_READ_URL: standby }), { databaseUrl: primary, databaseDirectUrl: direct, databaseReadUrl: standby })
  t.match(readSettings({ DATABASE_URL: primary }), { databaseUrl: primary, databaseDirectUrl: undefined, databaseReadUrl: undefined }, 'both optional')
  t.throws(() => readSettings({ DATABASE_READ_URL: standby }), { code: 'TB_CONFIG_INVALID' }, 'not without DATABASE_URL: the embedded database has no standby')
  t.throws(() => readSettings({ DATABASE_URL: primary, DATABASE_DIRECT_URL: 'mysql://db' }), { code: 'TB_CONFIG_INVALID' })
})

t.test('a gateway on PgBouncer, a direct primary and a read standby', async (t) => {
  const cluster = await startPgCluster(t, { basePort: BASE_PORT })
  const standby = cluster.standby!
  const pooler = cluster.pooler!
  await cluster.createDatabase('tongban')
  const urls = cluster.urls('tongban')

  const dataDir = await tempDir(t)
  const config = Config.parse({
    towns: [{ code: TOWN, name: '武进区湟里镇' }],
    adapters: [{ id: HR, adapter: HR, webhook: { secrets: [DEMO_SECRET] }, concurrency: 2 }],
  })
  const { logger, lines } = captureLogger()
  const gateway = await startGateway({
    port: 0, host: '127.0.0.1', dataDir, configPath: '(test)', redisUrl: await freshRedis(t, 31), adminToken: BOOTSTRAP_TOKEN, ...urls,
  }, { config, logger })
  t.teardown(gateway.stop)
  const base = gateway.url
  const reader = { authorization: (await operatorAuth(base)).authorization }
  const writer = { authorization: (await operatorAuth(base)).authorization }
  const api = async (auth: { authorization: string }, method: string, path: string, body?: unknown): Promise<Json> => {
    const res = await callApi(base, method, `/api/v1${path}`, { headers: auth, ...(body === undefined ? {} : { body }) })
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${res.text}`)
    return res.body
  }
  const found = async (auth: { authorization: string }, name: string): Promise<boolean> =>
    (await api(auth, 'GET', `/persons?q=${encodeURIComponent(name)}`)).items.some((p: Json) => p.name === name)
  const deliver = async (records: HouseholdRecord[]): Promise<void> => {
    const msg = message(records)
    t.equal((await postSignedWebhook(base, HR, msg)).status, 202, 'a signed webhook is acknowledged')
    await eventually(async () => (await api(writer, 'GET', `/inbox?adapter=${HR}&limit=100`)).items.some((i: Json) => i.webhookId === msg.msgId && i.status === 'done'), 30_000)
  }

  // A staff member signed in to the portal: their searches never changed anything.
  await api({ authorization: `Bearer ${BOOTSTRAP_TOKEN}` }, 'POST', '/staff', { username: 'standby.reader', name: '读备', password: 'Standby-Reader-2026', town: TOWN, roles: ['county-admin'] })
  const cookie = await portalSignIn(base, 'standby.reader', 'Standby-Reader-2026')
  const portalFinds = async (name: string): Promise<boolean> => {
    const res = await fetch(`${base}/portal/search?q=${encodeURIComponent(name)}`, { headers: { cookie } })
    t.equal(res.status, 200)
    // A result row links to the resident (the search box repeats the query whatever was found).
    return new RegExp(`href="/portal/persons/[^"]*">${name}</a>`).test(await res.text())
  }

  t.test('migrated over the direct connection, served through PgBouncer', async (t) => {
    const files = (await readdir(fromRoot('src', 'store', 'migrations'))).filter((f) => f.endsWith('.sql'))
    const { rows } = await gateway.platform.db.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations')
    t.equal(rows[0]!.n, files.length, 'every migration applied')
    t.ok(gateway.platform.db.direct, 'a direct connection beside the pooled one')
    t.ok(gateway.platform.db.standby, 'and a standby for searches')
    const stats = await pooler.admin<{ database: string, total_xact_count: string }>('SHOW STATS')
    t.ok(Number(stats.find((s) => s.database === 'tongban')?.total_xact_count ?? 0) > 0, "the gateway's transactions go through PgBouncer")
  })

  t.test('migrations take the direct connection: they finish while the pooler holds every query back', async (t) => {
    await cluster.createDatabase('tongban_direct')
    const db = await openPostgres(cluster.urls('tongban_direct'), 2)
    t.teardown(db.close)
    await pooler.admin('PAUSE tongban_direct')
    t.teardown(async () => { await pooler.admin('RESUME tongban_direct').catch(() => {}) }) // resumed already unless the test failed
    const held = db.query('SELECT 1 AS one')
    let answered = false
    void held.then(() => { answered = true })
    const applied = await Promise.race([migrate(db), new Promise<never>((_resolve, reject) => setTimeout(() => { reject(new Error('migrations waited on the paused pooler')) }, 30_000))])
    t.ok(applied.length > 0, 'migrated')
    t.notOk(answered, 'meanwhile a query through the pooler waits')
    await pooler.admin('RESUME tongban_direct')
    t.same((await held).rows, [{ one: 1 }], 'the pooled query went on once the pooler resumed')
  })

  t.test('a signed webhook is unified through the pooler, and searches read it from the standby', async (t) => {
    await deliver([resident(11, '读备甲')])
    t.equal((await api(reader, 'GET', `/persons/${residentAt(1, 11).GMSFHM}`)).name, '读备甲', 'unified')
    await eventually(async () => await found(reader, '读备甲'), 20_000)
    t.ok(await portalFinds('读备甲'), 'the portal finds it too')
    const home = await fetch(`${base}/`, { headers: { cookie } })
    t.equal(home.status, 200, "the portal's home page, its counts from the standby")
    t.match(await home.text(), /读备/, 'signed in')
  })

  t.test('the sweeper re-queues a webhook whose job was lost, through the pooler', async (t) => {
    // Committed and never queued: what a gateway that died between the two leaves behind.
    const db = await openPostgres(urls.databaseUrl, 2)
    t.teardown(db.close)
    const msg = message([resident(12, '读备扫')])
    await commitWebhooks(db, [{ adapter: HR, webhookId: msg.msgId, receivedAt: new Date(Date.now() - 60_000), body: Buffer.from(JSON.stringify(msg)) }])
    const sweep = inboxSweep(gateway.platform, 1000)
    const sweeping = setInterval(() => { void sweep() }, 200)
    t.teardown(() => { clearInterval(sweeping) })
    await eventually(async () => (await callApi(base, 'GET', `/api/v1/persons/${residentAt(1, 12).GMSFHM}`, { headers: reader })).status === 200, 30_000)
    t.pass('swept and unified')
  })

  t.test('read-your-writes while the standby lags', async (t) => {
    await standby.pauseReplay()
    t.teardown(async () => { await standby.resumeReplay().catch(() => {}) })
    await deliver([resident(13, '读备乙')])
    t.equal((await api(reader, 'GET', `/persons/${residentAt(1, 13).GMSFHM}`)).name, '读备乙', 'unified on the primary')
    t.notOk(await found(reader, '读备乙'), 'a search reads from the standby, which has not replayed it yet')
    t.notOk(await found(writer, '读备乙'), 'for every caller who changed nothing')
    t.notOk(await portalFinds('读备乙'), 'in the portal too')

    // The writer changes something: dismisses a record the household register sent with a bad ID number.
    const bad = { ...resident(14, '读备错'), GMSFHM: residentAt(1, 14).GMSFHM.slice(0, 17) + (residentAt(1, 14).GMSFHM.endsWith('0') ? '1' : '0') }
    await deliver([bad])
    const open = await eventually(async () => (await api(writer, 'GET', `/quarantine?adapter=${HR}&status=open`)).items[0] as Json | undefined, 20_000)
    await deliver([resident(15, '读备丙')])
    await api(writer, 'POST', `/quarantine/${open.id}/dismiss`, { note: '测试记录' })
    t.ok(await found(writer, '读备丙'), 'right after their change, the writer reads from the primary and sees everything up to it')
    t.ok(await found(writer, '读备乙'))
    t.notOk(await found(reader, '读备丙'), 'the others still read from the lagging standby')

    await standby.resumeReplay()
    await standby.caughtUp()
    t.ok(await found(reader, '读备丙'), 'the standby caught up: everyone sees it')
    t.ok(await portalFinds('读备丙'))
    t.ok(await found(writer, '读备丙'))
  })

  t.test('a standby that is down: searches read from the primary, logged once', async (t) => {
    await deliver([resident(16, '读备丁')])
    await standby.stop('immediate')
    t.ok(await found(reader, '读备丁'), 'found on the primary')
    t.ok(await found(writer, '读备丁'))
    t.ok(await portalFinds('读备丁'))
    const warned = lines.filter((l) => l.includes('read standby (DATABASE_READ_URL) failed'))
    t.equal(warned.length, 1, 'one warning, not one per search')
    await standby.start()
    await standby.promote()
    await queryOnce(standby.url('tongban'), 'CREATE TABLE promoted (id int)')
    t.pass('the standby restarts, and once promoted takes writes of its own')
  })
})

/** Signs in through the form, as a browser does: the sign-in CSRF cookie, then the session cookie. */
async function portalSignIn (base: string, username: string, password: string): Promise<string> {
  const page = await fetch(`${base}/auth/login`)
  const csrf = /tb_login_csrf=([^;]+)/.exec(page.headers.get('set-cookie') ?? '')?.[1]
  if (!csrf) throw new Error('no sign-in CSRF cookie')
  const res = await fetch(`${base}/auth/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: `tb_login_csrf=${csrf}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password, _csrf: csrf }).toString(),
  })
  const session = /tb_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1]
  if (res.status !== 303 || !session) throw new Error(`signing in: ${res.status} ${await res.text()}`)
  return `tb_session=${session}`
}
