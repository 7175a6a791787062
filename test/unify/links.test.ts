// Links through the commit step every intake uses (map → unify → facets → quarantine), on PGlite
// and PostgreSQL: a person-producing department naming each resident's employer by credit code
// and name gives observations of those enterprises with its own provenance. Where the market
// register (the real market-regulation adapter) names the enterprise differently, a conflict on
// its name opens — nothing is quarantined and nothing fails; the same name opens none; a bad
// credit code quarantines the whole raw record with the credit-code normaliser's code.
import t from 'tap'
import { z } from 'zod'
import { defineAdapter, type AdapterDefinition, type RawRecord } from '../../src/adapter-sdk/index.ts'
import { creditCodeCheckChar, orgCodeCheckChar, residentIdCheckChar } from '../../src/adapter-sdk/testkit/check-characters.ts'
import { AdapterInstance } from '../../src/config/schema.ts'
import { creditCode, enterpriseName, personName, residentId } from '../../src/normalize/index.ts'
import { commitBatch } from '../../src/pipeline/commit.ts'
import { mapBatch } from '../../src/pipeline/map.ts'
import { openConflictsOf } from '../../src/store/conflicts.ts'
import type { Queryable } from '../../src/store/db.ts'
import { recordHistory } from '../../src/store/history.ts'
import { listQuarantine } from '../../src/store/quarantine.ts'
import { getRecord } from '../../src/store/records.ts'
import { defaultSurvivorship } from '../../src/unify/survivorship.ts'
import marketRegulation, { toRawRecord } from '../../adapters/market-regulation/adapter.ts'
import { enterpriseAt, enterpriseFacts } from '../../adapters/market-regulation/data.ts'
import { stores } from '../helpers.ts'

const MR = 'market-regulation'
const EMPLOYMENT = 'employment-test'
const RULES = defaultSurvivorship([])
const SEED = 23

/** An insured-employment department: residents, each with the employer's credit code and name. */
const employment = defineAdapter({
  id: EMPLOYMENT,
  department: { name: '测试 就业登记', level: 'county' },
  produces: 'person',
  receive: { signature: 'standard-webhooks', maxBodyBytes: 1024, parse: (): RawRecord[] => [] },
  fields: { SFZH: ['idNumber', residentId], XM: ['name', personName] },
  links: [{ kind: 'enterprise', fields: { DWDM: ['creditCode', creditCode], DWMC: ['name', enterpriseName] } }],
  instance: z.object({}),
})

const idNumber = (n: number): string => {
  const first = `32041219800101${String(n).padStart(3, '0')}`
  return first + residentIdCheckChar(first)
}

/** A valid credit code the market register does not hold. */
function unregisteredCode (): string {
  const org = 'MA1YYYYY'
  const first = `91320412${org}${orgCodeCheckChar(org)}`
  return first + creditCodeCheckChar(first)
}

/** The first `count` enterprises of the simulated register whose rows map cleanly. */
function registered (count: number): Array<{ raw: RawRecord, creditCode: string }> {
  const out = []
  for (let i = 0; out.length < count; i++) {
    if (enterpriseFacts(SEED, i).badCheck) continue
    const raw = toRawRecord(enterpriseAt(SEED, i), new Date())
    const mapped = mapBatch(marketRegulation, [raw])
    if (mapped.rejections.length === 0) out.push({ raw, creditCode: mapped.records[0]!.key })
  }
  return out
}

async function commit (db: { transaction: <T>(fn: (tx: Queryable) => Promise<T>) => Promise<T> }, instance: string, adapter: AdapterDefinition, raws: RawRecord[]): Promise<number> {
  const batch = mapBatch(adapter, raws)
  await db.transaction(async (tx) => { await commitBatch(tx, { survivorship: RULES }, { config: AdapterInstance.parse({ id: instance, adapter: instance }), adapter }, batch) })
  return batch.rejections.length
}

const employed = (sourceId: string, at: string, n: number, fields: Record<string, string>): RawRecord =>
  ({ sourceId, observedAt: new Date(at), fields: { SFZH: idNumber(n), XM: `职工${'一二三四五六七八九'[n - 1]!}`, ...fields } })

for (const [storeName, open] of Object.entries(stores)) {
  t.test(`an employer named by a person's department is an observation of the enterprise (${storeName})`, async (t) => {
    const { db } = await open(t)
    const [x, z] = registered(2)
    const X = x!.creditCode
    const Z = z!.creditCode
    t.equal(await commit(db, MR, marketRegulation, [x!.raw, z!.raw]), 0)
    const N1 = (await getRecord(db, 'enterprise', X))!.name as string
    const zName = (await getRecord(db, 'enterprise', Z))!.name as string
    const registeredAt = Math.max(x!.raw.observedAt.getTime(), z!.raw.observedAt.getTime())
    const later = (hours: number): string => new Date(registeredAt + hours * 3_600_000).toISOString()

    // In one batch of persons: X under another name, Z under the register's, an employer the
    // register does not know, and a person without employer.
    const N2 = '常州某某机械有限公司'
    const Y = unregisteredCode()
    t.equal(await commit(db, EMPLOYMENT, employment, [
      employed('e-1', later(1), 1, { DWDM: X, DWMC: N2 }),
      employed('e-2', later(1), 2, { DWDM: Z, DWMC: zName }),
      employed('e-3', later(1), 3, { DWDM: Y.toLowerCase(), DWMC: '常州测试新材料有限公司' }),
      employed('e-4', later(1), 4, { DWDM: '', DWMC: '无单位' }),
    ]), 0, 'nothing quarantined')
    t.same(await listQuarantine(db, { limit: 10 }), [], 'nothing in quarantine')
    t.equal((await getRecord(db, 'person', idNumber(1)))?.name, '职工一', 'the persons are unified in the same step')
    t.equal((await getRecord(db, 'person', idNumber(4)))?.name, '职工四', 'a person without employer too')

    // A differing name: a conflict on X's name, not a quarantine item, not an error.
    const conflicts = await openConflictsOf(db, 'enterprise', X)
    t.equal(conflicts.length, 1)
    t.equal(conflicts[0]?.field, 'name')
    t.same(conflicts[0]?.candidates.map((c) => [c.adapter, c.value]).sort(), [[EMPLOYMENT, N2], [MR, N1]].sort(), 'the register\'s name and the linking department\'s')
    const xRecord = await getRecord(db, 'enterprise', X)
    t.same(xRecord?.provenance.name, { adapter: EMPLOYMENT, sourceId: 'e-1', observedAt: later(1) }, 'the newer name wins by the latest rule, with the linking instance as its source')
    const change = (await recordHistory(db, 'enterprise', X, undefined, 10)).items[0]
    t.same(change?.changes, [{ field: 'name', old: N1, new: N2 }], 'the change is in the enterprise\'s history')
    t.same(change?.source, { adapter: EMPLOYMENT, sourceId: 'e-1', observedAt: later(1) })

    // The same name: no conflict, the linking instance's observation the name's source.
    t.same(await openConflictsOf(db, 'enterprise', Z), [], 'the same name: no conflict')
    t.same((await getRecord(db, 'enterprise', Z))?.provenance.name, { adapter: EMPLOYMENT, sourceId: 'e-2', observedAt: later(1) })

    // An enterprise only the link names is created from the linking record.
    const y = await getRecord(db, 'enterprise', Y)
    t.equal(y?.name, '常州测试新材料有限公司')
    t.same(y?.provenance.name, { adapter: EMPLOYMENT, sourceId: 'e-3', observedAt: later(1) })
    const created = (await recordHistory(db, 'enterprise', Y, undefined, 10)).items.at(-1)
    t.same(created?.source, { adapter: EMPLOYMENT, sourceId: 'e-3', observedAt: later(1) }, 'its creation, from the linking record')
    t.equal((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM enterprises')).rows[0]!.n, 3, 'no enterprise for the person without a credit code')

    // The department then gives the register's name: every source agrees, the conflict closes by itself.
    t.equal(await commit(db, EMPLOYMENT, employment, [employed('e-5', later(2), 1, { DWDM: X, DWMC: N1 })]), 0)
    t.same(await openConflictsOf(db, 'enterprise', X), [], 'closed')
    t.equal((await getRecord(db, 'enterprise', X))?.name, N1)
  })

  t.test(`a bad credit code in a link quarantines the raw record (${storeName})`, async (t) => {
    const { db } = await open(t)
    const good = unregisteredCode()
    const bad = `${good.slice(0, 17)}${good[17] === '0' ? '1' : '0'}`
    t.equal(await commit(db, EMPLOYMENT, employment, [employed('b-1', '2026-11-20T02:00:00Z', 7, { DWDM: bad, DWMC: '常州测试有限公司' })]), 1)
    const [item] = await listQuarantine(db, { limit: 10 })
    t.match(item, { adapter: EMPLOYMENT, kind: 'person', sourceId: 'b-1', reasonCode: 'TB_CREDIT_CODE_CHECKSUM', field: 'DWDM', rawValue: bad, reason: /^link enterprise: DWDM: / })
    t.equal(await getRecord(db, 'person', idNumber(7)), undefined, 'the person is not half in: the whole raw record waits in quarantine')
    t.equal(await getRecord(db, 'enterprise', bad), undefined)
  })
}
