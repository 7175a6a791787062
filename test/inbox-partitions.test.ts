// The inbox partitioned by month (migration 021, store/partitions.ts) on PGlite and PostgreSQL:
// the migration keeps every row and id, duplicates are still refused, a month without a partition
// loses nothing, maintenance makes partitions ahead, retention drops an old finished month and
// keeps one with unfinished rows; and pg_partman taking creation over where it is installed.
import t from 'tap'
import { readdir, readFile } from 'node:fs/promises'
import pg from 'pg'
import { openPglite, openPostgres, type Db } from '../src/store/db.ts'
import { migrate } from '../src/store/migrate.ts'
import { fromRoot } from '../src/paths.ts'
import { commitWebhooks, finishInboxRows, INBOX_PARTITIONS, storedMessage, type IncomingWebhook } from '../src/store/inbox.ts'
import { ensureMonthPartitions, listMonthPartitions, maintainPartitions, monthStart, partitionName } from '../src/store/partitions.ts'
import { MONTHLY_TABLES, partitionMaintenance } from '../src/runtime/partition-maintenance.ts'
import { captureLogger, freshPostgresUrl, POSTGRES_URL, stores } from './helpers.ts'

const webhook = (webhookId: string, receivedAt: Date, body = `{"id":"${webhookId}"}`): IncomingWebhook =>
  ({ adapter: 'hr', webhookId, receivedAt, body: Buffer.from(body) })

/** The partition a row of the inbox is stored in. */
async function partitionOf (db: Db, id: number): Promise<string | undefined> {
  const { rows } = await db.query<{ part: string }>('SELECT tableoid::regclass::text AS part FROM inbox WHERE id = $1', [id])
  return rows[0]?.part
}

/** Applies the migrations that come before `version`, as migrate() would, and records them. */
async function migrateBefore (db: Db, version: string): Promise<void> {
  const dir = fromRoot('src', 'store', 'migrations')
  await db.query('CREATE TABLE schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())')
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.sql') && f < version).sort()) {
    await db.exec(await readFile(`${dir}/${file}`, 'utf8'))
    await db.query('INSERT INTO schema_migrations (version) VALUES ($1)', [file])
  }
}

const now = new Date()
const eightMonthsAgo = new Date(monthStart(now, -8).getTime() + 5 * 86400_000)

for (const [name, open] of [
  ['pglite', async () => await openPglite()],
  ['postgres', async (t: { teardown: (fn: () => unknown) => void }) => await openPostgres(await freshPostgresUrl(t))],
] as const) {
  t.test(`${name}: migration 021 keeps every row and its id, the dedupe and the sequence`, async (t) => {
    const db = await open(t)
    t.teardown(db.close)
    await migrateBefore(db, '021_inbox_partitions.sql')
    // Rows as the inbox took them before 021 (commitWebhooks now writes inbox_dedupe too).
    const { rows: stored } = await db.query<{ id: number }>(
      `INSERT INTO inbox (adapter, webhook_id, received_at, body) VALUES ('hr', 'old', $1, '\\x7b7d'), ('hr', 'recent', $2, '\\x7b7d'), ('hr', 'other', $3, '\\x7b7d') RETURNING id`,
      [eightMonthsAgo, new Date(now.getTime() - 3600_000), now])
    const receipts = stored.map((r) => ({ inboxId: r.id }))
    await finishInboxRows(db, [{ id: receipts[0]!.inboxId, status: 'done', ok: 1, quarantined: 0 }])
    await db.query("INSERT INTO quarantine (adapter, kind, source_id, inbox_id, reason_code, reason, raw) VALUES ('hr', 'person', 's1', $1, 'TB_X', 'x', '{}')", [receipts[1]!.inboxId])

    t.same(await migrate(db).then((applied) => applied[0]), '021_inbox_partitions.sql', '021 applied over the existing rows')
    const { rows } = await db.query<{ id: number, webhook_id: string, status: string }>('SELECT id, webhook_id, status FROM inbox ORDER BY id')
    t.same(rows, [{ id: receipts[0]!.inboxId, webhook_id: 'old', status: 'done' }, { id: receipts[1]!.inboxId, webhook_id: 'recent', status: 'received' }, { id: receipts[2]!.inboxId, webhook_id: 'other', status: 'received' }])
    t.equal(await partitionOf(db, receipts[0]!.inboxId), partitionName('inbox', monthStart(eightMonthsAgo)), "an old row has its month's partition")
    t.same((await listMonthPartitions(db, 'inbox')).map((p) => p.name).slice(-4), [-1, 0, 1, 2].map((s) => partitionName('inbox', monthStart(now, s))), 'last month, this one and two ahead')
    t.ok(((await storedMessage(db, receipts[1]!.inboxId))?.body.length ?? 0) > 0, 'a row is found by id alone')

    const again = await commitWebhooks(db, [webhook('old', now), webhook('new', now)])
    t.match(again[0], { inboxId: receipts[0]!.inboxId, fresh: false, reused: true }, 'a webhook id stored before the migration is still a repeat')
    t.ok(again[1]!.fresh && again[1]!.inboxId > receipts[2]!.inboxId, 'the sequence goes on')
    const { rows: kinds } = await db.query<{ relkind: string }>("SELECT relkind FROM pg_class WHERE relname = 'inbox'")
    t.same(kinds, [{ relkind: 'p' }], 'partitioned')
  })
}

for (const [name, fresh] of Object.entries(stores)) {
  t.test(`${name}: a repeated webhook id is refused as before, also when committed at once`, async (t) => {
    const { db } = await fresh(t)
    const first = await commitWebhooks(db, [webhook('w1', now), webhook('w1', now)])
    t.match(first, [{ fresh: true, reused: false }, { inboxId: first[0]!.inboxId, fresh: false, reused: false }], 'repeated within a batch')
    const together = await Promise.all([1, 2, 3, 4].map(async () => await commitWebhooks(db, [webhook('w2', now)])))
    t.equal(together.filter(([r]) => r!.fresh).length, 1, 'one of four concurrent deliveries is fresh')
    t.equal(new Set(together.map(([r]) => r!.inboxId)).size, 1, 'all answered with its id')
    const later = await commitWebhooks(db, [webhook('w1', new Date(now.getTime() + 40 * 86400_000), 'changed')])
    t.match(later, [{ inboxId: first[0]!.inboxId, fresh: false, reused: true }], 'a repeat in another month is still a repeat')
    const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM inbox WHERE webhook_id IN ('w1', 'w2')")
    t.equal(rows[0]!.n, 2, 'one row per webhook id')
  })

  t.test(`${name}: a month without a partition goes to the default, and moves to its partition when made`, async (t) => {
    const { db } = await fresh(t)
    const far = new Date(Date.UTC(now.getUTCFullYear() + 2, 6, 14))
    const [receipt] = await commitWebhooks(db, [webhook('far', far)])
    t.equal(await partitionOf(db, receipt!.inboxId), 'inbox_default', 'stored, in the default partition')
    t.same(await ensureMonthPartitions(db, INBOX_PARTITIONS), { created: [partitionName('inbox', monthStart(now, 3)), partitionName('inbox', monthStart(far))], stuck: {} }, 'the month of a row waiting in the default is made, besides the months ahead')
    t.equal(await partitionOf(db, receipt!.inboxId), partitionName('inbox', monthStart(far)), 'moved, same id')
    t.equal((await storedMessage(db, receipt!.inboxId))?.webhook_id, 'far')
    t.match(await commitWebhooks(db, [webhook('far', now)]), [{ inboxId: receipt!.inboxId, fresh: false }], 'still a repeat')
  })

  t.test(`${name}: rows in the default that cannot be moved (an append-only table) stay there and hold up no other month`, async (t) => {
    const { db } = await fresh(t)
    await db.query('CREATE TABLE events (at timestamptz NOT NULL) PARTITION BY RANGE (at)')
    await db.query('CREATE TABLE events_default PARTITION OF events DEFAULT')
    await db.query("CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'events is append-only'; END $$")
    await db.query('CREATE TRIGGER events_no_delete BEFORE DELETE ON events FOR EACH ROW EXECUTE FUNCTION events_append_only()')
    await db.query('CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events FOR EACH STATEMENT EXECUTE FUNCTION events_append_only()')
    const far = monthStart(now, 30)
    await db.query('INSERT INTO events (at) VALUES ($1)', [far])
    const { created, failed } = await maintainPartitions(db, [{ table: 'events', column: 'at' }])
    t.same(created.events, [0, 1, 2, 3].map((s) => partitionName('events', monthStart(now, s))), 'the months ahead are made')
    t.match(failed.events, new RegExp(`${partitionName('events', far)}: .*append-only`), 'the month of the waiting row is reported')
    const { rows } = await db.query<{ part: string }>('SELECT tableoid::regclass::text AS part FROM events')
    t.same(rows, [{ part: 'events_default' }], 'its row stays in the default partition')
    const { rows: guarded } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_trigger WHERE tgname = 'events_no_truncate' AND tgrelid <> 'events'::regclass")
    t.equal(guarded[0]!.n, 5, 'each partition, the default too, refuses TRUNCATE as the table does (PostgreSQL does not pass that trigger on)')
    await t.rejects(db.query(`TRUNCATE ${partitionName('events', monthStart(now, 1))}`), /append-only/)
  })

  t.test(`${name}: maintenance makes partitions ahead, once`, async (t) => {
    const { db } = await fresh(t)
    const later = monthStart(now, 10)
    const first = await maintainPartitions(db, MONTHLY_TABLES, { now: later })
    t.same(first.created.inbox, [0, 1, 2, 3].map((s) => partitionName('inbox', monthStart(later, s))), 'the month and three ahead')
    t.same(first.failed, {})
    const second = await maintainPartitions(db, MONTHLY_TABLES, { now: later })
    t.same(second.created.inbox, [], 'nothing twice')
    t.same((await maintainPartitions(db, [{ table: 'persons', column: 'created_at' }])).created, {}, 'a table that is not partitioned is left alone')
  })

  t.test(`${name}: retention drops an old finished month with its dedupe keys, keeps one with unfinished rows`, async (t) => {
    const { db } = await fresh(t)
    const finishedMonth = monthStart(now, -9)
    const openMonth = monthStart(now, -8)
    await ensureMonthPartitions(db, INBOX_PARTITIONS, { now: finishedMonth, ahead: 1 })
    const [done1, done2, open1, open2, recent] = await commitWebhooks(db, [
      webhook('d1', new Date(finishedMonth.getTime() + 86400_000)), webhook('d2', new Date(finishedMonth.getTime() + 2 * 86400_000)),
      webhook('o1', new Date(openMonth.getTime() + 86400_000)), webhook('o2', new Date(openMonth.getTime() + 86400_000)),
      webhook('r1', now),
    ])
    await finishInboxRows(db, [done1!, done2!, open1!, recent!].map((r) => ({ id: r.inboxId, status: 'done' as const, ok: 1, quarantined: 0 })))

    const { logger, lines } = captureLogger()
    const round = await partitionMaintenance({ db, logger }, 6)()
    t.match(round, { dropped: [partitionName('inbox', finishedMonth)], kept: [{ partition: partitionName('inbox', openMonth), unfinished: 1 }] })
    t.ok(lines.some((l) => l.includes('"level":40') && l.includes(partitionName('inbox', openMonth)) && l.includes('not finished')), 'the month kept is a warning')
    t.equal(await storedMessage(db, done1!.inboxId), undefined, 'the finished month is gone')
    t.ok(await storedMessage(db, open2!.inboxId), 'the month with an unfinished row stays')
    t.ok(await storedMessage(db, recent!.inboxId), 'recent months stay')
    t.notOk((await listMonthPartitions(db, 'inbox')).some((p) => p.month.getTime() === finishedMonth.getTime()), 'its partition dropped')

    const again = await commitWebhooks(db, [webhook('d1', now), webhook('o1', now)])
    t.match(again, [{ fresh: true }, { inboxId: open1!.inboxId, fresh: false }], 'an id older than retention is taken as new; the kept month still deduplicates')
    t.match(await partitionMaintenance({ db, logger }, 0)(), { created: { inbox: [] }, failed: {}, dropped: undefined }, 'retention 0 keeps every month')
    t.ok(await storedMessage(db, open2!.inboxId))
  })
}

t.test('postgres: pg_partman', async (t) => {
  const admin = new pg.Client({ connectionString: POSTGRES_URL })
  await admin.connect()
  const available = (await admin.query("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_partman'")).rows.length > 0
  await admin.end()
  t.test('takes creating ahead over where it is installed', { skip: available ? false : 'pg_partman is not installed on this PostgreSQL (apt-get install postgresql-15-partman)' }, async (t) => {
    const db = await openPostgres(await freshPostgresUrl(t))
    t.teardown(db.close)
    await db.query('CREATE SCHEMA partman')
    await db.query('CREATE EXTENSION pg_partman SCHEMA partman')
    await migrate(db)
    // A row that came while no partition for its month existed (maintenance was down for months).
    const strayMonth = monthStart(now, 5)
    const [stray] = await commitWebhooks(db, [webhook('stray', new Date(strayMonth.getTime() + 86400_000))])
    t.equal(await partitionOf(db, stray!.inboxId), 'inbox_default')

    const first = await maintainPartitions(db, [INBOX_PARTITIONS])
    t.same(first, { created: { inbox: [] }, failed: {} }, 'created by pg_partman, not here')
    const { rows: config } = await db.query<{ premake: number }>("SELECT premake FROM partman.part_config WHERE parent_table = 'public.inbox'")
    t.same(config, [{ premake: 3 }], 'registered with pg_partman')
    const months = (await listMonthPartitions(db, 'inbox')).map((p) => p.name)
    for (let s = -1; s <= 3; s++) t.ok(months.includes(partitionName('inbox', monthStart(now, s))), `${partitionName('inbox', monthStart(now, s))} exists`)
    t.equal(await partitionOf(db, stray!.inboxId), partitionName('inbox', strayMonth), 'a row in the default partition moved to a partition of its month')

    t.same(await maintainPartitions(db, [INBOX_PARTITIONS]), { created: { inbox: [] }, failed: {} }, "then pg_partman's run_maintenance")
    const [fresh] = await commitWebhooks(db, [webhook('next', monthStart(now, 3))])
    t.equal(await partitionOf(db, fresh!.inboxId), partitionName('inbox', monthStart(now, 3)), 'three months ahead has its partition')
  })
})
