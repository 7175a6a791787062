// The audit log on both stores: the SM3 chain verifies; an edited row, a deleted row, a deleted
// and renumbered row are found with their ids; a truncated tail or a rewritten chain only against
// an anchor; the table refuses UPDATE, DELETE and TRUNCATE; subjects are masked; and many
// processes appending at once still build one linear chain.
import { createHash } from 'node:crypto'
import t from 'tap'
import { openPostgres, type Db } from '../src/store/db.ts'
import { appendAudit, AuditWriter, listAudit, verifyAudit, type AuditEntry } from '../src/audit/index.ts'
import { chainHash, prepareEntry, type AuditFields } from '../src/audit/entry.ts'
import { stores } from './helpers.ts'

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
function id18 (first17: string): string {
  let sum = 0
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i]!
  return first17 + '10X98765432'[sum % 11]!
}

const RESIDENT = id18('32041219900101002')
const clerk = { kind: 'staff', username: 'wang.fang', roles: ['window-staff'], town: '320412120000' } as const

const entry = (n: number, over: Partial<AuditEntry> = {}): AuditEntry => ({
  actor: clerk, action: 'person.read', subjectKind: 'person', subject: RESIDENT, outcome: 'ok', clientIp: '10.0.0.7', details: { n }, ...over,
})

/** As the table's owner (a superuser in these tests) can: switch the append-only trigger off. */
async function tamper (db: Db, sql: string, params: unknown[] = []): Promise<void> {
  await db.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change')
  await db.query(sql, params)
  await db.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change')
}

async function seed (db: Db, n: number): Promise<void> {
  await appendAudit(db, Array.from({ length: n }, (_, i) => entry(i + 1)))
}

for (const store of ['pglite', 'postgres'] as const) {
  t.test(`${store}: a sound chain verifies`, async (t) => {
    const { db } = await stores[store](t)
    t.same(await verifyAudit(db), { ok: true, rows: 0, head: null, chains: [], roots: { rows: 0, keys: [], last: null } }, 'an empty log is sound')
    await seed(db, 3)
    const writer = new AuditWriter(db)
    const ids = await Promise.all([4, 5, 6].map(async (n) => await writer.append(entry(n, { action: 'auth.login', subject: null, subjectKind: null }))))
    t.same(ids, [4, 5, 6], 'ids follow in the order of append')
    const result = await verifyAudit(db)
    t.match(result, { ok: true, rows: 6, head: { id: 6, hash: /^[0-9a-f]{64}$/ } })
    t.notOk('firstBad' in result)
    const { rows } = await db.query<{ id: number, prev_hash: string, hash: string }>('SELECT id, prev_hash, hash FROM audit_log ORDER BY id')
    t.equal(rows[0]!.prev_hash, '0'.repeat(64), 'the first row chains from the genesis value')
    for (let i = 1; i < rows.length; i++) t.equal(rows[i]!.prev_hash, rows[i - 1]!.hash, `row ${rows[i]!.id} chains from row ${rows[i - 1]!.id}`)
  })

  t.test(`${store}: the table refuses UPDATE, DELETE and TRUNCATE`, async (t) => {
    const { db } = await stores[store](t)
    await seed(db, 2)
    await t.rejects(db.query("UPDATE audit_log SET actor = 'someone' WHERE id = 1"), /append-only: UPDATE refused/)
    await t.rejects(db.query('DELETE FROM audit_log WHERE id = 2'), /append-only: DELETE refused/)
    await t.rejects(db.query('TRUNCATE audit_log'), /append-only: TRUNCATE refused/)
    t.match(await verifyAudit(db), { ok: true, rows: 2 })
  })

  t.test(`${store}: an edited row is found with its id`, async (t) => {
    const { db } = await stores[store](t)
    await seed(db, 10)
    await tamper(db, "UPDATE audit_log SET purpose = '核实身份' WHERE id = 6")
    t.match(await verifyAudit(db), { ok: false, rows: 5, head: { id: 5 }, firstBad: { id: 6, reason: /edited/ } })
  })

  t.test(`${store}: an edit below a millisecond is found too`, async (t) => {
    const { db } = await stores[store](t)
    await seed(db, 4)
    await tamper(db, "UPDATE audit_log SET at = at + interval '1 microsecond' WHERE id = 3")
    t.match(await verifyAudit(db), { ok: false, firstBad: { id: 3, reason: /edited/ } })
  })

  t.test(`${store}: an edit of details is found`, async (t) => {
    const { db } = await stores[store](t)
    await seed(db, 4)
    await tamper(db, `UPDATE audit_log SET details = '{"n": 2, "added": true}' WHERE id = 2`)
    t.match(await verifyAudit(db), { ok: false, firstBad: { id: 2, reason: /edited/ } })
  })

  t.test(`${store}: a deleted row is found with its id`, async (t) => {
    const { db } = await stores[store](t)
    await seed(db, 10)
    await tamper(db, 'DELETE FROM audit_log WHERE id = 4')
    t.match(await verifyAudit(db), { ok: false, rows: 3, firstBad: { seq: 4, reason: /row 4 is missing/ } })
    await tamper(db, 'DELETE FROM audit_log WHERE id IN (7, 8)')
    t.match(await verifyAudit(db), { firstBad: { seq: 4 } }, 'the first break is reported')
  })

  t.test(`${store}: the first rows deleted, or a row deleted and the rest renumbered`, async (t) => {
    const { db } = await stores[store](t)
    await seed(db, 6)
    await tamper(db, 'DELETE FROM audit_log WHERE id = 1')
    t.match(await verifyAudit(db), { ok: false, rows: 0, head: null, firstBad: { seq: 1, reason: /row 1 is missing/ } })
    await tamper(db, 'UPDATE audit_log SET seq = seq - 1')
    t.match(await verifyAudit(db), { ok: false, firstBad: { seq: 1, reason: /genesis/ } })
    await tamper(db, 'DELETE FROM audit_log WHERE seq = 3')
    await tamper(db, 'UPDATE audit_log SET seq = seq - 1 WHERE seq > 3')
    await tamper(db, "UPDATE audit_log SET prev_hash = '0000000000000000000000000000000000000000000000000000000000000000' WHERE seq = 1")
    t.match(await verifyAudit(db), { ok: false, firstBad: { seq: 1, reason: /edited/ } }, 'repairing the link leaves the row itself wrong')
  })

  t.test(`${store}: a truncated tail or a recomputed chain shows only against an anchor`, async (t) => {
    const { db } = await stores[store](t)
    await seed(db, 8)
    const { head } = await verifyAudit(db)
    t.equal(head!.seq, 8)
    t.match(await verifyAudit(db, { anchors: [head!] }), { ok: true, rows: 8 }, 'the anchor matches')

    await tamper(db, 'DELETE FROM audit_log WHERE id > 5')
    t.match(await verifyAudit(db), { ok: true, rows: 5 }, 'without an anchor a shorter chain looks whole (documented)')
    t.match(await verifyAudit(db, { anchors: [head!] }), { ok: false, rows: 5, firstBad: { seq: 8, reason: /truncated/ } })

    // Someone who can write the table rewrites row 2 and recomputes every hash after it.
    // (winding the chain's head back first, as such a person would)
    await db.query("UPDATE audit_chains SET (seq, hash) = (SELECT seq, hash FROM audit_log WHERE seq = 5) WHERE chain = '320412'")
    await appendAudit(db, [entry(6), entry(7), entry(8)])
    const anchor = (await verifyAudit(db)).head!
    await tamper(db, "UPDATE audit_log SET subject = '110101********0011' WHERE id = 2")
    const { rows } = await db.query<Record<string, unknown>>(
      `SELECT id, seq, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at, actor, actor_kind, roles, town, action, subject_kind, subject,
         purpose, client_ip, outcome, details, prev_hash FROM audit_log ORDER BY seq`)
    let prev = rows[0]!.prev_hash as string
    for (const r of rows) {
      const f: AuditFields = {
        at: r.at as string, actor: r.actor as string, actorKind: r.actor_kind as string, roles: r.roles as string[], town: r.town as string,
        action: r.action as string, subjectKind: r.subject_kind as string, subject: r.subject as string, purpose: r.purpose as string | null,
        clientIp: r.client_ip as string, outcome: r.outcome as string, details: r.details as AuditFields['details'],
      }
      const hash = chainHash(prev, r.seq as number, f)
      await tamper(db, 'UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE id = $3', [prev, hash, r.id])
      prev = hash
    }
    t.match(await verifyAudit(db), { ok: true, rows: 8 }, 'a recomputed chain is consistent in itself (SM3 has no key)')
    t.match(await verifyAudit(db, { anchors: [anchor] }), { ok: false, firstBad: { seq: 8, reason: /rewritten/ } }, 'but not with the head recorded before')
  })

  t.test(`${store}: subjects, purposes and details are masked; odd text still verifies`, async (t) => {
    const { db } = await stores[store](t)
    await appendAudit(db, [
      entry(1, { purpose: `核实 ${RESIDENT} 的低保资格，电话13812348000`, details: { note: `called 13812348000 about ${RESIDENT}`, list: [RESIDENT] } }),
      entry(2, { subject: '320412900101002' }),
      entry(3, { subjectKind: 'phone', subject: '13812348000' }),
      entry(4, { action: 'enterprise.read', subjectKind: 'enterprise', subject: '91320412MA1XYZ0A1B' }),
      entry(5, { action: 'enterprise.read', subjectKind: 'enterprise', subject: '913204121234567890' }),
      entry(6, { action: 'auth.login-failed', actor: { kind: 'anonymous', username: 'wang\u0000\ud800', roles: [], town: null }, subjectKind: null, subject: null, outcome: 'denied', details: { 'k\udc00': 1.25, big: 1e21, nested: { b: [true, null], a: '' } } }),
    ])
    const { items } = await listAudit(db, { limit: 10 })
    const byN = new Map(items.map((i) => [i.details.n ?? i.id, i]))
    t.equal(byN.get(1)!.subject, `${RESIDENT.slice(0, 6)}********${RESIDENT.slice(14)}`)
    t.equal(byN.get(1)!.purpose, `核实 ${RESIDENT.slice(0, 6)}********${RESIDENT.slice(14)} 的低保资格，电话138****8000`)
    t.same(byN.get(1)!.details, { note: `called 138****8000 about 320412********${RESIDENT.slice(14)}`, list: [`320412********${RESIDENT.slice(14)}`] })
    t.equal(byN.get(2)!.subject, '320412******002', 'a legacy 15-digit number is masked')
    t.equal(byN.get(3)!.subject, '138****8000')
    t.equal(byN.get(4)!.subject, '91320412MA1XYZ0A1B', 'credit codes are public and kept whole')
    t.equal(byN.get(5)!.subject, '913204121234567890', 'even one that looks like an ID number')
    t.equal(byN.get(6)!.actor, 'wang\ufffd\ufffd', 'NUL and a lone surrogate are stored as U+FFFD')
    const raw = JSON.stringify(items)
    t.notOk(raw.includes(RESIDENT), 'no full ID number is stored')
    t.notOk(raw.includes('13812348000'), 'no full phone number is stored')
    t.match(await verifyAudit(db), { ok: true, rows: 6 })
  })

  t.test(`${store}: the writer batches, and one bad entry does not fail the others`, async (t) => {
    const { db } = await stores[store](t)
    const writer = new AuditWriter(db, { maxBatch: 7 })
    const good = Array.from({ length: 50 }, (_, i) => writer.append(entry(i + 1)))
    const bad = writer.append(entry(0, { action: 'person.peek' as AuditEntry['action'] }))
    const late = good[0]!.then(async () => await writer.append(entry(51)))
    await t.rejects(bad, /unknown audit action person.peek/)
    t.same((await Promise.all(good)).sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i + 1))
    t.equal(await late, 51, 'an entry appended as another resolved is written too')
    await writer.flush()
    const { rows } = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM audit_log')
    t.equal(rows[0]!.count, 51)
    t.match(await verifyAudit(db), { ok: true, rows: 51 })
  })
}

t.test('postgres: 200 concurrent appends from several processes make one linear chain', async (t) => {
  const { db, url } = await stores.postgres(t)
  // Four pools stand for four processes (gateway, workers), each with its own writer; plus
  // unbatched appends racing them on the first pool.
  const pools = await Promise.all([0, 1, 2, 3].map(async () => await openPostgres(url, 5)))
  t.teardown(async () => { await Promise.all(pools.map(async (p) => { await p.close() })) })
  const writers = pools.map((p) => new AuditWriter(p, { maxBatch: 16 }))
  const appends: Array<Promise<number | number[]>> = []
  for (let i = 0; i < 200; i++) {
    appends.push(i % 5 === 4 ? appendAudit(pools[i % 4]!, entry(i)) : writers[i % 4]!.append(entry(i)))
  }
  const ids = (await Promise.all(appends)).flat().sort((a, b) => a - b)
  t.same(ids, Array.from({ length: 200 }, (_, i) => i + 1), 'every id once, no gaps')
  t.match(await verifyAudit(db), { ok: true, rows: 200, head: { id: 200 } })
  const { rows } = await db.query<{ entries: number }>("SELECT count(DISTINCT details->>'n')::int AS entries FROM audit_log")
  t.equal(rows[0]!.entries, 200, 'every entry stored once')
})

t.test('the canonical form is the documented one, and stays so (old logs must keep verifying)', async (t) => {
  const fields = prepareEntry({
    actor: clerk, action: 'person.read-full', subjectKind: 'person', subject: '320412199001010029', purpose: '低保资格复核', clientIp: '10.0.0.7',
    outcome: 'ok', details: { n: 1 }, at: new Date('2026-03-01T08:00:00.000Z'),
  })
  const canonical = '[1,"2026-03-01T08:00:00.000000Z","wang.fang","staff",["window-staff"],"320412120000","person.read-full","person","320412********0029","低保资格复核","10.0.0.7","ok",{"n":1}]'
  const expected = createHash('sm3').update(Buffer.alloc(32)).update(canonical, 'utf8').digest('hex')
  t.equal(chainHash('0'.repeat(64), 1, fields), expected, 'SM3(prev_hash bytes || canonical JSON)')
  t.equal(expected, 'd59fb121c94e4a76f655bf5d83446f096973c926a7f8e6f15aac5fd197790120')
})

t.test('the canonical form: every field is in the hash', async (t) => {
  const base = prepareEntry(entry(1, { at: new Date('2026-01-02T03:04:05.678Z'), details: { n: 1, m: { a: 1, b: [2] } } }))
  t.equal(base.at, '2026-01-02T03:04:05.678000Z', 'time at microsecond precision, UTC')
  const hash = chainHash('0'.repeat(64), 1, base)
  t.equal(chainHash('0'.repeat(64), 1, { ...base, details: { m: { b: [2], a: 1 }, n: 1 } }), hash, 'the order of keys in details does not matter (jsonb keeps its own)')
  const variants: Array<Partial<AuditFields>> = [
    { at: '2026-01-02T03:04:05.678001Z' }, { actor: 'li' }, { actorKind: 'token' }, { roles: ['auditor'] }, { town: null }, { action: 'person.read-full' },
    { subjectKind: 'phone' }, { subject: null }, { purpose: '' }, { clientIp: '10.0.0.8' }, { outcome: 'denied' }, { details: { n: 2 } },
  ]
  for (const v of variants) t.not(chainHash('0'.repeat(64), 1, { ...base, ...v }), hash, `${Object.keys(v)[0]} changes the hash`)
  t.not(chainHash('0'.repeat(64), 2, base), hash, 'the id changes the hash')
  t.not(chainHash('1'.repeat(64), 1, base), hash, 'the previous hash changes the hash')
})
