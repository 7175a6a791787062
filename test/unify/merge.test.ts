// Survivorship in memory: authority and recency per field, conflicts that open, follow every
// source's latest word and close by agreement, chosen values, and the history entries.
import t from 'tap'
import { applyObservation, chooseValue, sameValue, type Observation } from '../../src/unify/merge.ts'
import { emptyRecord, type RecordState } from '../../src/model/record-state.ts'
import { defaultSurvivorship, outranks, survivorshipRules, RESOLUTION } from '../../src/unify/survivorship.ts'
import householdRegistration from '../../adapters/household-registration/adapter.ts'

const HR = 'household-registration'
const MR = 'market-regulation'
const CA = 'civil-affairs'
const AUTHORITIES = [{ instance: HR, kind: 'person', fields: householdRegistration.authority }] as const
const DEFAULTS = defaultSurvivorship(AUTHORITIES)
const rules = DEFAULTS.person
const KEY = 'idNumber'

const obs = (adapter: string, at: string, data: Record<string, unknown>, sourceId = `${adapter}@${at}`): Observation =>
  ({ adapter, sourceId, observedAt: `2026-01-${at}T00:00:00.000Z`, data })

function record (...observations: Observation[]): RecordState {
  const r = emptyRecord('K')
  for (const o of observations) applyObservation(r, o, rules, KEY)
  return r
}

const source = (r: RecordState, field: string) => r.sources[r.provenance[field]!]

t.test('outranks: authority order, unlisted sources, recency, resolutions', async (t) => {
  const rule = [HR, CA]
  const at = (adapter: string, day: string) => ({ adapter, observedAt: `2026-01-${day}T00:00:00.000Z` })
  const cases: Array<[string, Parameters<typeof outranks>[0], ReturnType<typeof at>, ReturnType<typeof at>, boolean]> = [
    ['first authority over second, even when older', rule, at(HR, '01'), at(CA, '09'), true],
    ['second authority never over the first', rule, at(CA, '09'), at(HR, '01'), false],
    ['listed over unlisted', rule, at(CA, '01'), at(MR, '09'), true],
    ['unlisted never over listed', rule, at(MR, '09'), at(CA, '01'), false],
    ['same authority: newer wins', rule, at(HR, '02'), at(HR, '01'), true],
    ['same authority: older loses', rule, at(HR, '01'), at(HR, '02'), false],
    ['same instant replaces (a corrected re-send)', rule, at(HR, '01'), at(HR, '01'), true],
    ['two unlisted: newer wins', rule, at(MR, '02'), at('x', '01'), true],
    ['latest: newer wins across sources', 'latest', at(MR, '02'), at(HR, '01'), true],
    ['latest: older loses across sources', 'latest', at(HR, '01'), at(MR, '02'), false],
    ['no rule is latest', undefined, at(MR, '02'), at(HR, '01'), true],
    ['a resolution outranks the first authority', rule, at(RESOLUTION, '01'), at(HR, '09'), true],
    ['nothing outranks a resolution', rule, at(HR, '09'), at(RESOLUTION, '01'), false],
  ]
  for (const [name, r, incoming, stored, expected] of cases) t.equal(outranks(r, incoming, stored), expected, name)
})

t.test('survivorshipRules: configuration over defaults, field by field', async (t) => {
  const merged = survivorshipRules({ person: { phone: [CA], name: 'latest' }, enterprise: { address: [MR] } }, AUTHORITIES)
  t.same(merged.person.phone, [CA])
  t.equal(merged.person.name, 'latest')
  t.same(merged.person.gender, [HR], 'unnamed fields keep the default')
  t.same(merged.enterprise, { address: [MR] })
  t.same(survivorshipRules(undefined, AUTHORITIES), DEFAULTS)
})

t.test('a first observation: every value is a change from null', async (t) => {
  const r = emptyRecord('K')
  const entry = applyObservation(r, obs(HR, '01', { idNumber: 'K', name: '张伟', phone: '13800000001' }), rules, KEY)
  t.same(entry, { adapter: HR, sourceId: `${HR}@01`, observedAt: '2026-01-01T00:00:00.000Z', changedBy: null, changes: { name: [null, '张伟'], phone: [null, '13800000001'] } })
  t.same(r.values, { name: '张伟', phone: '13800000001' }, 'the key is not a value')
  t.ok(r.changed)
  t.equal(Object.keys(r.sources).length, 1, 'one observation stored once for both fields')
})

t.test('the same observation again changes nothing', async (t) => {
  const o = obs(HR, '01', { name: '张伟' })
  const r = record(o)
  r.changed = false
  t.equal(applyObservation(r, o, rules, KEY), undefined)
  t.notOk(r.changed, 'nothing to write')
})

t.test('another observation of the same instant saying the same moves nothing; saying otherwise replaces', async (t) => {
  // Two messages naming one record (an employer many employees' rows link to) at one instant.
  const first = obs(MR, '01', { phone: '13800000001', address: '湟里镇' }, 'msg-1#0')
  const r = record(first)
  r.changed = false
  const second = obs(MR, '01', { phone: '13800000001', address: '湟里镇东街' }, 'msg-2#0')
  t.same(applyObservation(r, second, rules, KEY)?.changes, { address: ['湟里镇', '湟里镇东街'] })
  t.equal(source(r, 'phone')!.sourceId, 'msg-1#0', 'the same phone stays with the observation it has')
  t.equal(source(r, 'address')!.sourceId, 'msg-2#0', 'a corrected address at that instant replaces')
  r.changed = false
  t.equal(applyObservation(r, { ...first, data: { phone: '13800000001' } }, rules, KEY), undefined)
  t.equal(applyObservation(r, second, rules, KEY), undefined)
  t.notOk(r.changed, 'either message applied again, where it says the same: nothing to write')
})

t.test('a non-authoritative source never overwrites an authoritative value; the disagreement opens a conflict', async (t) => {
  const r = record(obs(HR, '01', { name: '张伟' }), obs(MR, '05', { name: '张 伟' }))
  t.equal(r.values.name, '张伟')
  t.equal(source(r, 'name')!.adapter, HR)
  const c = r.conflicts.get('name')!
  t.equal(c.status, 'open')
  t.same(c.candidates.map((x) => [x.adapter, x.value]), [[HR, '张伟'], [MR, '张 伟']])
})

t.test('an authoritative source arriving later overwrites, and the disagreement is a conflict', async (t) => {
  const r = emptyRecord('K')
  applyObservation(r, obs(MR, '05', { name: '张三' }), rules, KEY)
  const entry = applyObservation(r, obs(HR, '01', { name: '张伟' }), rules, KEY)
  t.same(entry?.changes, { name: ['张三', '张伟'] }, 'authority wins although older')
  t.same(r.conflicts.get('name')!.candidates.map((x) => [x.adapter, x.value]), [[MR, '张三'], [HR, '张伟']])
})

t.test('agreeing sources open nothing; the same source changing its mind is no conflict', async (t) => {
  const r = record(obs(HR, '01', { name: '张伟' }), obs(MR, '02', { name: '张伟' }), obs(HR, '03', { name: '张维' }))
  t.equal(r.values.name, '张维')
  t.equal(r.conflicts.size, 0, 'HR changed its own value; MR agreed with HR when it spoke')
})

t.test('recency fields: the newest wins across sources, and the disagreement is still shown', async (t) => {
  const r = record(obs(HR, '01', { phone: '13800000001' }), obs(MR, '02', { phone: '13900000002' }), obs(HR, '01', { phone: '13700000000' }, 'late'))
  t.equal(r.values.phone, '13900000002')
  const c = r.conflicts.get('phone')!
  t.same(c.candidates.map((x) => [x.adapter, x.value]), [[HR, '13700000000'], [MR, '13900000002']], 'a re-sent HR observation at the same instant replaces its candidate')
})

t.test('a conflict follows every source and closes when they agree', async (t) => {
  const r = record(obs(HR, '01', { name: 'A' }), obs(MR, '02', { name: 'B' }), obs(CA, '03', { name: 'C' }))
  const c = r.conflicts.get('name')!
  t.equal(c.candidates.length, 3, 'a third source joins the open conflict')
  applyObservation(r, obs(MR, '04', { name: 'A' }), rules, KEY)
  t.equal(c.status, 'open', 'civil affairs still says C')
  applyObservation(r, obs(CA, '02', { name: 'A' }), rules, KEY)
  t.equal(c.candidates.find((x) => x.adapter === CA)!.value, 'C', "an older word does not replace a source's latest")
  applyObservation(r, obs(CA, '05', { name: 'A' }), rules, KEY)
  t.equal(c.status, 'agreed')
  t.equal(r.conflicts.size, 0, 'no longer open')
  t.same(r.agreed, [c], 'kept to be stored as agreed')
  applyObservation(r, obs(MR, '06', { name: 'Z' }), rules, KEY)
  t.not(r.conflicts.get('name'), c, 'a new disagreement opens a new conflict')
})

t.test('the authoritative source changing to the other value closes the conflict', async (t) => {
  const r = record(obs(HR, '01', { name: 'A' }), obs(MR, '02', { name: 'B' }))
  applyObservation(r, obs(HR, '03', { name: 'B' }), rules, KEY)
  t.equal(r.values.name, 'B')
  t.equal(r.agreed[0]!.status, 'agreed')
})

t.test('nested values compare by content, not key order', async (t) => {
  t.ok(sameValue({ amount: 1, currency: 'CNY' }, { currency: 'CNY', amount: 1 }))
  t.notOk(sameValue({ amount: 1, currency: 'CNY' }, { amount: 2, currency: 'CNY' }))
  t.notOk(sameValue('1', 1))
  t.notOk(sameValue(null, {}))
  const r = emptyRecord('E')
  applyObservation(r, obs(MR, '01', { legalRepresentative: { name: '张三', idNumber: 'X' } }), {}, 'creditCode')
  r.changed = false
  t.equal(applyObservation(r, obs(CA, '02', { legalRepresentative: { idNumber: 'X', name: '张三' } }), {}, 'creditCode'), undefined, 'same content: no change')
  t.equal(r.conflicts.size, 0)
})

t.test('chooseValue: a resolution sets the value with its own provenance', async (t) => {
  const r = record(obs(HR, '01', { name: 'A', phone: '1' }), obs(MR, '02', { name: 'B' }))
  const entry = chooseValue(r, 'name', 'C', { adapter: RESOLUTION, sourceId: 'conflict/1', observedAt: '2026-02-01T00:00:00.000Z' }, 'staff-1')
  t.same(entry, { adapter: RESOLUTION, sourceId: 'conflict/1', observedAt: '2026-02-01T00:00:00.000Z', changedBy: 'staff-1', changes: { name: ['A', 'C'] } })
  t.equal(source(r, 'name')!.adapter, RESOLUTION)
  t.equal(source(r, 'phone')!.adapter, HR, 'other fields keep their provenance')
  t.equal(Object.keys(r.sources).length, 2)
  applyObservation(r, obs(HR, '09', { name: 'D' }), rules, KEY)
  t.equal(r.values.name, 'C', 'the chosen value outranks the authority')
  t.equal(chooseValue(r, 'phone', '1', { adapter: RESOLUTION, sourceId: 'conflict/2', observedAt: '2026-02-02T00:00:00.000Z' }, 's'), undefined, 'choosing the stored value changes nothing but provenance')
  t.equal(source(r, 'phone')!.adapter, RESOLUTION)
})

t.test('sources no field refers to are dropped', async (t) => {
  const r = record(obs(HR, '01', { name: 'A' }), obs(HR, '02', { name: 'B' }))
  t.equal(Object.keys(r.sources).length, 1)
  t.equal(source(r, 'name')!.sourceId, `${HR}@02`)
})
