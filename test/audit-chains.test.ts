// The audit log as one chain per county, on both stores: counties append without waiting for each
// other (PostgreSQL, two connections), seqs have no gaps per chain, tampering is found in the chain
// it happened in, signed roots pin the chains and their own tampering shows, a month leaves only
// after export and past retention and the chain still verifies after it, and a log from before the
// chains (one chain, ids) keeps verifying after migration 022.
import { readdir, readFile } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import t from 'tap'
import { openPostgres, type Db } from '../src/store/db.ts'
import { migrate } from '../src/store/migrate.ts'
import { fromRoot } from '../src/paths.ts'
import { appendAudit, AuditWriter, detachAuditMonth, exportAuditMonth, verifyAudit, writeAuditRoot, type AuditEntry } from '../src/audit/index.ts'
import { canonicalTime, chainHash, GENESIS_HASH, prepareEntry } from '../src/audit/entry.ts'
import { createVault } from '../src/vault/vault.ts'
import { newMasterKeyText, parseMasterKey } from '../src/vault/master-key.ts'
import { isTongbanError } from '../src/errors.ts'
import { freshPostgresUrl, stores, tempDir } from './helpers.ts'

const clerk = (town: string | null): AuditEntry['actor'] => ({ kind: 'staff', username: 'wang.fang', roles: ['window-staff'], town })
const entry = (town: string | null, n: number, at?: Date): AuditEntry => ({
  actor: clerk(town), action: 'person.read', subjectKind: 'person', subject: '320412199001010029', outcome: 'ok', details: { n }, ...(at ? { at } : {}),
})
const WUJIN = '320412120000' // county 320412
const KUNSHAN = '320583100000' // county 320583

async function tamper (db: Db, sql: string, params: unknown[] = [], table = 'audit_log', trigger = 'audit_log_no_change'): Promise<void> {
  await db.query(`ALTER TABLE ${table} DISABLE TRIGGER ${trigger}`)
  await db.query(sql, params)
  await db.query(`ALTER TABLE ${table} ENABLE TRIGGER ${trigger}`)
}

const vault = createVault({ masterKey: parseMasterKey(newMasterKeyText(), 'test') })

t.test('postgres: two counties append in parallel; one county waits for its own chain only', async (t) => {
  const url = await freshPostgresUrl(t)
  const [a, b] = [await openPostgres(url, 3), await openPostgres(url, 3)]
  t.teardown(async () => { await a.close(); await b.close() })
  await migrate(a)
  await appendAudit(a, [entry(WUJIN, 1), entry(KUNSHAN, 1)])
  let sameCounty: Promise<unknown> | undefined
  await a.transaction(async (tx) => {
    // What an append of county 320412 holds until it commits.
    await tx.query("SELECT seq FROM audit_chains WHERE chain = '320412' FOR UPDATE")
    let waiting = true
    sameCounty = appendAudit(b, entry(WUJIN, 2)).finally(() => { waiting = false })
    const other = await Promise.race([appendAudit(b, entry(KUNSHAN, 2)), new Promise((resolve) => setTimeout(resolve, 5000, 'timed out'))])
    t.not(other, 'timed out', 'the other county appended while 320412 was locked')
    await new Promise((resolve) => setTimeout(resolve, 300))
    t.ok(waiting, 'the same county waits')
  })
  await sameCounty
  const { rows } = await a.query<{ chain: string, seq: number }>('SELECT chain, seq FROM audit_log ORDER BY chain, seq')
  t.same(rows.map((r) => `${r.chain}:${r.seq}`), ['320412:1', '320412:2', '320583:1', '320583:2'])
})

t.test('postgres: many writers, several chains: gapless per chain', async (t) => {
  const url = await freshPostgresUrl(t)
  const pools = await Promise.all([0, 1, 2, 3].map(async () => await openPostgres(url, 4)))
  t.teardown(async () => { await Promise.all(pools.map(async (p) => { await p.close() })) })
  await migrate(pools[0]!)
  const writers = pools.map((p) => new AuditWriter(p, { maxBatch: 8 }))
  const towns = [WUJIN, KUNSHAN, null, '320505001000']
  await Promise.all(Array.from({ length: 160 }, async (_, i) => await (i % 7 === 6 ? appendAudit(pools[i % 4]!, entry(towns[i % 4]!, i)) : writers[(i >> 2) % 4]!.append(entry(towns[i % 4]!, i)))))
  const { rows } = await pools[0]!.query<{ chain: string, n: number, max: number, distinct: number }>(
    'SELECT chain, count(*)::int AS n, max(seq)::int AS max, count(DISTINCT seq)::int AS distinct FROM audit_log GROUP BY chain ORDER BY chain')
  t.same(rows, [
    { chain: '000000', n: 40, max: 40, distinct: 40 }, { chain: '320412', n: 40, max: 40, distinct: 40 },
    { chain: '320505', n: 40, max: 40, distinct: 40 }, { chain: '320583', n: 40, max: 40, distinct: 40 },
  ])
  const result = await verifyAudit(pools[0]!)
  t.match(result, { ok: true, rows: 160 })
  t.same(result.chains.map((c) => [c.chain, c.rows, c.head?.seq]), [['000000', 40, 40], ['320412', 40, 40], ['320505', 40, 40], ['320583', 40, 40]])
})

for (const store of ['pglite', 'postgres'] as const) {
  t.test(`${store}: tampering is found in its chain; the others stay sound`, async (t) => {
    const { db } = await stores[store](t)
    await appendAudit(db, [1, 2, 3, 4].flatMap((n) => [entry(WUJIN, n), entry(KUNSHAN, n)]))
    t.match(await verifyAudit(db), { ok: true, rows: 8, chains: [{ chain: '320412', rows: 4 }, { chain: '320583', rows: 4 }] })
    await tamper(db, "UPDATE audit_log SET purpose = 'x' WHERE chain = '320583' AND seq = 3")
    const edited = await verifyAudit(db)
    t.match(edited, { ok: false, rows: 6, firstBad: { chain: '320583', seq: 3, reason: /edited/ }, head: { chain: '320583', seq: 2 } })
    t.match(edited.chains, [{ chain: '320412', rows: 4 }, { chain: '320583', rows: 2, firstBad: { seq: 3 } }])
    t.notOk('firstBad' in edited.chains[0]!)
    await tamper(db, "UPDATE audit_log SET purpose = NULL WHERE chain = '320583' AND seq = 3")
    await tamper(db, "UPDATE audit_log SET chain = '320583', seq = 5, prev_hash = (SELECT hash FROM audit_log WHERE chain = '320583' AND seq = 4) WHERE chain = '320412' AND seq = 4")
    t.match(await verifyAudit(db), { ok: false, firstBad: { chain: '320583', seq: 5, reason: /edited|moved/ } }, 'a row moved to another chain')
  })

  t.test(`${store}: signed roots pin the chains; their own tampering shows`, async (t) => {
    const { db } = await stores[store](t)
    t.equal(await writeAuditRoot(db, vault), undefined, 'nothing to sign in an empty log')
    await appendAudit(db, [entry(WUJIN, 1), entry(WUJIN, 2), entry(null, 1)])
    const root = await writeAuditRoot(db, vault)
    t.match(root, { id: 1, heads: [{ chain: '000000', seq: 1 }, { chain: '320412', seq: 2 }] })
    t.equal(await writeAuditRoot(db, vault), undefined, 'no root when no chain moved')
    await appendAudit(db, [entry(WUJIN, 3)])
    t.match(await writeAuditRoot(db, vault), { id: 2 })
    const { rows: [key] } = await db.query<{ public_key: string }>('SELECT public_key FROM audit_keys')
    const sound = await verifyAudit(db)
    t.match(sound, { ok: true, rows: 4, roots: { rows: 2, keys: [key!.public_key], last: { id: 2 } } })

    // A chain recomputed from row 2 on with fresh hashes is consistent in itself, but not with root 1.
    const { rows: [r2] } = await db.query<Record<string, unknown>>("SELECT * FROM audit_log WHERE chain = '320412' AND seq = 2")
    const fields = { ...prepareEntry(entry(WUJIN, 2, r2!.at as Date)), purpose: 'x' }
    const hash2 = chainHash(r2!.prev_hash as string, 2, fields)
    const { rows: [r3] } = await db.query<Record<string, unknown>>("SELECT * FROM audit_log WHERE chain = '320412' AND seq = 3")
    const hash3 = chainHash(hash2, 3, prepareEntry(entry(WUJIN, 3, r3!.at as Date)))
    await tamper(db, "UPDATE audit_log SET purpose = 'x', hash = $1 WHERE chain = '320412' AND seq = 2", [hash2])
    await tamper(db, "UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE chain = '320412' AND seq = 3", [hash2, hash3])
    t.match(await verifyAudit(db), { ok: false, firstBad: { chain: '320412', seq: 2, reason: /root 1/ } }, 'the signed head differs')

    await tamper(db, "UPDATE audit_log SET purpose = NULL, hash = $1 WHERE chain = '320412' AND seq = 2", [r2!.hash])
    await tamper(db, "UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE chain = '320412' AND seq = 3", [r2!.hash, r3!.hash])
    t.match(await verifyAudit(db), { ok: true }, 'restored')
    await tamper(db, "DELETE FROM audit_log WHERE chain = '320412' AND seq = 3")
    t.match(await verifyAudit(db), { ok: false, firstBad: { chain: '320412', seq: 3, reason: /root 2.*truncated/ } }, 'a tail cut below a signed head')

    const { rows: [signed] } = await db.query<{ signature: string, heads: unknown }>('SELECT signature, heads FROM audit_roots WHERE id = 1')
    const forged = `${signed!.signature.slice(0, 127)}${signed!.signature.endsWith('0') ? '1' : '0'}`
    await tamper(db, 'UPDATE audit_roots SET signature = $1 WHERE id = 1', [forged], 'audit_roots', 'audit_roots_no_change')
    t.match((await verifyAudit(db)).roots, { rows: 0, firstBad: { id: 1, reason: /signature does not verify/ } })
    await tamper(db, 'UPDATE audit_roots SET signature = $1 WHERE id = 1', [signed!.signature], 'audit_roots', 'audit_roots_no_change')
    await tamper(db, `UPDATE audit_roots SET heads = '[{"chain":"000000","seq":1,"hash":"${'1'.repeat(64)}"}]' WHERE id = 1`, [], 'audit_roots', 'audit_roots_no_change')
    const heads = await verifyAudit(db)
    t.match(heads, { ok: false, roots: { rows: 0, firstBad: { id: 1, reason: /does not match its heads/ } } })
    await t.rejects(db.query('DELETE FROM audit_roots'), /append-only/)
  })

  t.test(`${store}: export before detach; the chain verifies after`, async (t) => {
    const { db } = await stores[store](t)
    const dir = await tempDir(t)
    for (const m of ['2022-01-01', '2022-02-01']) await db.query('SELECT audit_log_month_partition($1::date)', [m])
    const jan = (d: number): Date => new Date(Date.UTC(2022, 0, d, 8))
    await appendAudit(db, [entry(WUJIN, 1, jan(3)), entry(KUNSHAN, 1, jan(4)), entry(WUJIN, 2, jan(5))])
    await appendAudit(db, [entry(WUJIN, 3, new Date(Date.UTC(2022, 1, 2))), entry(KUNSHAN, 2)])
    await t.rejects(db.query("TRUNCATE audit_log_p2022_01"), /append-only: TRUNCATE refused/, 'a partition refuses TRUNCATE too')

    const refused = async (month: string, reason: RegExp): Promise<void> => {
      const err = await detachAuditMonth(db, month).then(() => undefined, (e: unknown) => e)
      t.ok(isTongbanError(err) && err.code === 'TB_AUDIT_DETACH_REFUSED' && reason.test(err.message), `${month}: ${String(err)}`)
    }
    await refused('2022-01', /never exported/)
    const first = await exportAuditMonth(db, '2022-01', join(dir, 'jan-1.jsonl'))
    t.match(first, { rows: 3, lasts: [{ chain: '320412', seq: 2 }, { chain: '320583', seq: 1 }] })
    const text = await readFile(join(dir, 'jan-1.jsonl'), 'utf8')
    t.equal(text.trim().split('\n').length, 3)
    t.match(JSON.parse(text.split('\n')[0]!), { chain: '320412', seq: 1, prev_hash: GENESIS_HASH, hash: /^[0-9a-f]{64}$/, at: canonicalTime(jan(3)) })
    t.equal(first.sm3, createHash('sm3').update(text).digest('hex'))
    const { rows: [recorded] } = await db.query<{ file_sm3: string, rows: number }>('SELECT file_sm3, rows FROM audit_exports')
    t.same(recorded, { file_sm3: first.sm3, rows: 3 })

    const WUZHONG = '320505001000'
    await appendAudit(db, [entry(WUZHONG, 1, jan(20))])
    await refused('2022-01', /export holds 3 rows but the log has 4/)
    await exportAuditMonth(db, '2022-02', join(dir, 'feb.jsonl'))
    await refused('2022-02', /older months are still in the log/)
    const current = new Date().toISOString().slice(0, 7)
    await exportAuditMonth(db, current, join(dir, 'now.jsonl'))
    await refused(current, /within the retention of 36 months/)
    await exportAuditMonth(db, '2022-01', join(dir, 'jan-2.jsonl'))
    t.match(await detachAuditMonth(db, '2022-01'), { month: '2022-01', rows: 4, partition: 'audit_log_p2022_01' })
    t.equal((await db.query("SELECT to_regclass('audit_log_p2022_01') AS t")).rows[0]!.t, null, 'the partition is gone')

    const after = await verifyAudit(db)
    t.match(after, {
      ok: true,
      rows: 2,
      chains: [
        { chain: '320412', rows: 1, after: { seq: 2 }, head: { seq: 3 } },
        { chain: '320505', rows: 0, after: { seq: 1 }, head: { seq: 1 } },
        { chain: '320583', rows: 1, after: { seq: 1 }, head: { seq: 2 } },
      ],
    })
    await appendAudit(db, [entry(WUZHONG, 2)])
    t.match(await verifyAudit(db), { ok: true, chains: [{ chain: '320412' }, { chain: '320505', rows: 1, head: { seq: 2 } }] }, 'a chain whose rows were all detached goes on from its last')
    await tamper(db, `UPDATE audit_log SET prev_hash = '${'2'.repeat(64)}' WHERE chain = '320412' AND seq = 3`)
    t.match(await verifyAudit(db), { ok: false, firstBad: { chain: '320412', seq: 3, reason: /detached months/ } })

    await exportAuditMonth(db, '2022-03', join(dir, 'mar.jsonl'))
    await refused('2022-03', /no partition of its own/)
    const june2021 = new Date(Date.UTC(2021, 5, 1))
    await appendAudit(db, [entry(WUJIN, 9, june2021)])
    await exportAuditMonth(db, '2021-06', join(dir, 'jun.jsonl'))
    await refused('2021-06', /default partition/)
  })
}

/** Migrations before 022, as a database of the single chain had them. */
async function migrateBefore022 (db: Db): Promise<void> {
  await db.query('CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())')
  const dir = fromRoot('src', 'store', 'migrations')
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.sql') && f < '022').sort()) {
    const sql = await readFile(join(dir, file), 'utf8')
    for (const statement of sql.split(/;\s*$/m).map((s) => s.replace(/^\s*--.*$/gm, '').trim()).filter(Boolean)) await db.query(statement)
    await db.query('INSERT INTO schema_migrations (version) VALUES ($1)', [file])
  }
}

for (const store of ['pglite', 'postgres'] as const) {
  t.test(`${store}: a log of the single chain keeps verifying after migration 022`, async (t) => {
    let db: Db
    if (store === 'postgres') {
      db = await openPostgres(await freshPostgresUrl(t))
    } else {
      const { openPglite } = await import('../src/store/db.ts')
      db = await openPglite()
    }
    t.teardown(async () => { await db.close() })
    await migrateBefore022(db)
    // Rows as the single-chain appender wrote them: gapless ids, hashed over the id, mixed towns.
    let prev = GENESIS_HASH
    const old = [entry(WUJIN, 1, new Date(Date.UTC(2026, 0, 5))), entry(KUNSHAN, 2, new Date(Date.UTC(2026, 0, 6))), entry(null, 3, new Date(Date.UTC(2026, 1, 1)))]
    for (const [i, e] of old.entries()) {
      const f = prepareEntry(e)
      const hash = chainHash(prev, i + 1, f)
      await db.query(`INSERT INTO audit_log (id, at, actor, actor_kind, roles, town, action, subject_kind, subject, purpose, client_ip, outcome, details, prev_hash, hash)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
      [i + 1, f.at, f.actor, f.actorKind, f.roles, f.town, f.action, f.subjectKind, f.subject, f.purpose, f.clientIp, f.outcome, JSON.stringify(f.details), prev, hash])
      prev = hash
    }
    t.same(await migrate(db), ['022_audit_chains.sql'])
    const { rows: parts } = await db.query<{ name: string }>("SELECT inhrelid::regclass::text AS name FROM pg_inherits WHERE inhparent = 'audit_log'::regclass ORDER BY 1")
    t.ok(['audit_log_p2026_01', 'audit_log_p2026_02', 'audit_log_default'].every((p) => parts.some((r) => r.name === p)), 'partitions for the months of old rows, and a default')
    t.ok(parts.length >= 6, 'and the months around now')

    await appendAudit(db, [entry(WUJIN, 4), entry(null, 5)])
    const result = await verifyAudit(db, { anchors: [{ seq: 3, hash: prev }] })
    t.match(result, { ok: true, rows: 5, chains: [{ chain: '000000', rows: 1 }, { chain: '320412', rows: 1 }, { chain: 'legacy', rows: 3, head: { seq: 3, hash: prev } }] })
    const { rows: [next] } = await db.query<{ id: number }>("SELECT id FROM audit_log WHERE chain = '320412'")
    t.equal(next!.id, 4, 'ids go on after the old ones')
    await t.rejects(db.query('DELETE FROM audit_log WHERE id = 1'), /append-only: DELETE refused/)
    await tamper(db, "UPDATE audit_log SET purpose = 'x' WHERE chain = 'legacy' AND seq = 2")
    t.match(await verifyAudit(db), { ok: false, firstBad: { chain: 'legacy', seq: 2, id: 2, reason: /edited/ } }, 'an old row edited')
    await tamper(db, "UPDATE audit_log SET purpose = NULL WHERE chain = 'legacy' AND seq = 2")
    await tamper(db, "UPDATE audit_log SET purpose = 'x' WHERE chain = '000000'")
    t.match(await verifyAudit(db), { ok: false, firstBad: { chain: '000000', seq: 1, reason: /edited/ } }, 'a new row edited')
  })
}
