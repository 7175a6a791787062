import t from 'tap'
import type { RawRecord } from '../../src/adapter-sdk/index.ts'
import { facetFieldMeta } from '../../src/adapter-sdk/facets.ts'
import { isTongbanError } from '../../src/errors.ts'
import { mapRecord, type MapResult } from '../../src/pipeline/map.ts'
import adapter, { AAE036, insuranceEnrolment, MAX_BODY_BYTES, parse } from './adapter.ts'
import { employerAt, insuredAt, itemAt, rowsFrom, startOfRegister, type InsuranceItem, type Register } from './data.ts'
import { householdInsured } from '../demo-story.ts'

// The items here are in clear, as the platform hands them to mapping once it has decrypted AAC002
// and AAE005 (simulator.test.ts checks the encryption on the wire).
const meta = { webhookId: 'SI2026112000001', receivedAt: new Date('2026-11-20T01:31:06Z') }

const specItem: InsuranceItem = {
  AAC002: '320412194912310029',
  AAC003: '李桂兰',
  AAC004: '2',
  AAE140: '110',
  AAC008: '1',
  AAE030: '20190101',
  AAE031: '',
  AAB001: '32041200012345',
  AAB004: '常州市武进区湟里镇恒达机械有限公司',
  AAB998: '91320412MA1MXK7Q0T',
  AAE005: '13800138000',
  AAE036: '20261120093000',
}

function body (items: unknown[] = [specItem], over: Record<string, unknown> = {}): Buffer {
  return Buffer.from(JSON.stringify({ batchNo: 'SI2026112000001', sendTime: '2026-11-20T09:31:05+08:00', items, ...over }))
}

const one = (item: Partial<InsuranceItem> & Record<string, unknown>): MapResult => mapRecord(adapter, parse(body([{ ...specItem, ...item }]), meta)[0]!)

t.test('the definition reads like the spec sheet', async (t) => {
  t.equal(adapter.id, 'social-insurance')
  t.same(adapter.department, { name: '人社 社保参保信息', level: 'provincial' })
  t.equal(adapter.produces, 'person')
  t.equal(adapter.receive.signature, 'standard-webhooks')
  t.equal(adapter.receive.duplicateStatus, 409, 'a repeat is answered 409: the department reads it as "already have it"')
  t.ok(MAX_BODY_BYTES >= 1000 * 600, 'room for 1,000 items')
  t.same(adapter.encrypted, { fields: ['AAC002', 'AAE005'], cipher: 'sm4-cbc' })
  t.same(Object.entries(adapter.fields).map(([f, [target]]) => `${f}->${target}`), ['AAC002->idNumber', 'AAC003->name', 'AAC004->gender', 'AAE005->phone'])
  t.notOk('authority' in adapter, 'a contribution: the authority for no field')
  t.same(adapter.links.map((l) => [l.kind, Object.entries(l.fields).map(([f, [target]]) => `${f}->${target}`)]), [['enterprise', ['AAB998->creditCode', 'AAB004->name']]])
  const { declaration, fields } = adapter.facet
  t.equal(declaration.name, 'insurance-enrolment')
  t.equal(declaration.sensitivity, 'ordinary', 'enrolment is ordinary personal information, not PIPL art. 28')
  t.same(declaration.entryKey, ['insuranceType'], 'one entry per insurance type')
  t.same(Object.entries(fields).map(([f, [target]]) => `${f}->${target}`), [
    'AAE140->insuranceType', 'AAC008->state', 'AAE030->from', 'AAE031->until', 'AAB998->employerCreditCode', 'AAB004->employerName', 'AAB001->employerNumber',
  ])
  t.match(insuranceEnrolment.schema.shape.employerCreditCode.meta(), { link: 'enterprise' }, 'the credit code links to the enterprise in the portal')
  t.same(Object.values(insuranceEnrolment.schema.shape).map((field) => facetFieldMeta(field).label?.zh), ['险种', '参保状态', '参保日期', '终止日期', '单位信用代码', '参保单位', '单位编号'], 'each field labelled for the portal')
  t.same(facetFieldMeta(insuranceEnrolment.schema.shape.state).values?.paying, { zh: '参保缴费', en: 'Paying' }, 'and its coded values')
})

t.test('a spec row maps to a person, an enrolment entry and the employer', async (t) => {
  const raws = parse(body(), meta)
  t.equal(raws.length, 1)
  const raw = raws[0]!
  t.equal(raw.sourceId, 'SI2026112000001#0')
  t.equal(raw.observedAt.toISOString(), '2026-11-20T01:30:00.000Z', 'AAE036 in Beijing time')
  t.notOk(raw.reject)
  const m = mapRecord(adapter, raw)
  if (!m.ok) { t.fail(`${m.rejection.code}: ${m.rejection.message}`); return }
  t.same(m.record.data, { idNumber: '320412194912310029', name: '李桂兰', gender: 'female', phone: '13800138000' })
  t.same(m.record.facet, {
    name: 'insurance-enrolment',
    entryKey: 'enterprise-employee-pension',
    data: { insuranceType: 'enterprise-employee-pension', state: 'paying', from: '2019-01-01', employerCreditCode: '91320412MA1MXK7Q0T', employerName: '常州市武进区湟里镇恒达机械有限公司', employerNumber: '32041200012345' },
  })
  t.same(m.record.linked, [{
    kind: 'enterprise', key: '91320412MA1MXK7Q0T', sourceId: 'SI2026112000001#0', observedAt: raw.observedAt,
    data: { creditCode: '91320412MA1MXK7Q0T', name: '常州市武进区湟里镇恒达机械有限公司' },
  }], 'the employer is an observation of the enterprise, with the same provenance')
})

t.test('code tables, dates and empties', async (t) => {
  const types = { 110: 'enterprise-employee-pension', 120: 'public-institution-pension', 170: 'resident-pension', 210: 'unemployment', 310: 'employee-medical', 390: 'resident-medical', 410: 'work-injury' }
  for (const [code, type] of Object.entries(types)) {
    const m = one({ AAE140: code })
    t.equal(m.ok && m.record.facet?.entryKey, type, `AAE140 ${code}`)
  }
  for (const [code, state] of Object.entries({ 1: 'paying', 2: 'suspended', 4: 'ended' })) {
    const m = one({ AAC008: code, AAE031: code === '4' ? '20241231' : '' })
    t.equal(m.ok && m.record.facet?.data.state, state, `AAC008 ${code}`)
    if (code === '4') t.equal(m.ok && m.record.facet?.data.until, '2024-12-31', 'AAE031 once ended')
  }
  for (const [code, gender] of Object.entries({ 1: 'male', 2: 'female', 9: 'unknown' })) {
    const m = one({ AAC004: code, AAC002: code === '1' ? '320412194912310037' : specItem.AAC002 })
    t.equal(m.ok && m.record.data.gender, gender, `AAC004 ${code}`)
  }
  const resident = one({ AAE140: '390', AAB001: '', AAB004: '', AAB998: '' })
  if (!resident.ok) { t.fail(resident.rejection.message); return }
  t.same(resident.record.facet?.data, { insuranceType: 'resident-medical', state: 'paying', from: '2019-01-01' }, "residents' insurance: no employer")
  t.notOk(resident.record.linked, 'and no enterprise')
  const refusals: Array<[Partial<InsuranceItem>, string]> = [
    [{ AAE140: '510' }, 'TB_CODE_UNKNOWN'], [{ AAC008: '3' }, 'TB_CODE_UNKNOWN'], [{ AAC004: '0' }, 'TB_CODE_UNKNOWN'],
    [{ AAE030: '20190230' }, 'TB_DATE_INVALID'], [{ AAC002: '320412194912310028' }, 'TB_ID_CHECKSUM'], [{ AAC004: '1' }, 'TB_ID_GENDER'],
    [{ AAB998: '91320412MA1MXK7Q0X' }, 'TB_CREDIT_CODE_CHECKSUM'],
  ]
  for (const [item, code] of refusals) {
    const m = one(item)
    t.equal(m.ok ? 'mapped' : m.rejection.code, code, JSON.stringify(item))
  }
})

t.test('sourceId is batchNo#index; a bad AAE036 or a non-object is quarantined, its siblings are not', async (t) => {
  const raws = parse(body([specItem, { ...specItem, AAE036: '20261131093000' }, 'x', null, { ...specItem, AAE036: 20261120093000 }]), meta)
  t.same(raws.map((r) => r.sourceId), [0, 1, 2, 3, 4].map((i) => `SI2026112000001#${i}`))
  t.notOk(raws[0]!.reject)
  t.equal(raws[1]!.reject?.code, 'TB_DATE_INVALID')
  t.match(raws[1]!.reject?.message, /20261131093000/)
  t.equal(raws[1]!.observedAt, meta.receivedAt, 'observedAt falls back to the receive time')
  t.equal(raws[2]!.reject?.code, 'TB_RECORD_INVALID')
  t.equal(raws[3]!.reject?.code, 'TB_RECORD_INVALID')
  t.equal(raws[4]!.reject?.code, 'TB_DATE_INVALID', 'AAE036 must be text')
  t.equal(AAE036.parse('20261120093000')?.toISOString(), '2026-11-20T01:30:00.000Z')
})

t.test('an unreadable body throws TB_WEBHOOK_BODY_INVALID', async (t) => {
  const bad: Array<[string, Buffer]> = [
    ['not JSON', Buffer.from('<html>502 Bad Gateway</html>')],
    ['truncated', body().subarray(0, 40)],
    ['empty', Buffer.alloc(0)],
    ['an array', Buffer.from('[]')],
    ['no items', Buffer.from(JSON.stringify({ batchNo: 'SI1' }))],
    ['items not an array', body(undefined, { items: { 0: specItem } })],
    ['no batchNo', body(undefined, { batchNo: undefined })],
    ['numeric batchNo', body(undefined, { batchNo: 1 })],
  ]
  for (const [what, buf] of bad) {
    try { parse(buf, meta); t.fail(`${what}: parsed`) } catch (err) { t.ok(isTongbanError(err) && err.code === 'TB_WEBHOOK_BODY_INVALID', what) }
  }
  t.same(parse(body([]), meta), [], 'an empty batch is readable')
})

t.test('the generated register: every row maps as generated, several rows per person', async (t) => {
  const reg: Register = { seed: 5, persons: 600, employers: 40 }
  const changedAt = Date.UTC(2026, 10, 20, 1, 30, 0)
  const { items, next } = rowsFrom(reg, startOfRegister, 1000, changedAt)
  t.ok(items.length > 1000 - 4 && items.length <= 1000, `${items.length} rows: whole persons, up to 1,000`)
  const after = rowsFrom(reg, next, 500, changedAt).items
  t.notOk(after.some((i) => items.some((j) => j.AAC002 === i.AAC002)), 'no person in two batches of one pass')
  t.equal(rowsFrom(reg, startOfRegister, 1000, changedAt, false).items.length, 1000, 'or exactly 1,000 rows, split where they fall')
  t.ok(next.person > 250 && next.person < 600 && next.slot === 0, `1,000 rows cover ${next.person} persons`)
  const raws = parse(body(items), meta)
  const wrong: string[] = []
  const perPerson = new Map<string, Set<string>>()
  let unknown = 0
  for (const [i, raw] of raws.entries()) {
    const m = mapRecord(adapter, raw)
    if (!m.ok) { wrong.push(`row ${i}: ${m.rejection.code} ${m.rejection.message}`); continue }
    const item = items[i]!
    if (m.record.key !== item.AAC002 || m.record.data.name !== item.AAC003) wrong.push(`row ${i}: ${JSON.stringify(m.record.data)}`)
    if (m.record.data.gender === 'unknown') unknown++
    const entries = perPerson.get(m.record.key) ?? new Set()
    if (entries.has(m.record.facet!.entryKey)) wrong.push(`row ${i}: a second ${m.record.facet!.entryKey} for one person`)
    perPerson.set(m.record.key, entries.add(m.record.facet!.entryKey))
    if ((item.AAB998 === '') !== (m.record.linked === undefined)) wrong.push(`row ${i}: employer link`)
    if (raw.observedAt.getTime() !== changedAt) wrong.push(`row ${i}: observedAt ${raw.observedAt.toISOString()}`)
  }
  t.same(wrong, [], 'persons, entries and employer links as generated')
  const counts = [...perPerson.values()].map((s) => s.size)
  t.ok(counts.includes(2) && counts.includes(4), 'residents with 2 rows, employees with 4')
  t.ok(unknown > 0, `AAC004 9 occurs (${unknown} rows)`)
  const states = new Set(items.map((i) => i.AAC008))
  t.same([...states].sort(), ['1', '2', '4'], 'paying, suspended and ended rows')
  t.ok(items.every((i) => (i.AAC008 === '4') === (i.AAE031 !== '')), 'AAE031 only once ended')

  t.same(itemAt(reg, 3, 1, 0, changedAt), itemAt(reg, 3, 1, 0, changedAt), 'pure')
  t.equal(itemAt(reg, 3, 0, 7, changedAt).AAC002, itemAt(reg, 3, 0, 0, changedAt).AAC002, 'identity survives a revision')
  t.same(employerAt(reg, 7), employerAt(reg, 7))
  const employee = [...Array(50).keys()].map((p) => insuredAt(reg, p)).find((p) => p.kind === 'employee')!
  t.same(employee.types, ['110', '210', '310', '410'])
})

t.test('a later pass over the register changes some enrolments, never the person', async (t) => {
  const reg: Register = { seed: 9, persons: 300, employers: 20 }
  let changed = 0
  for (let p = 0; p < 300; p++) {
    for (let slot = 0; slot < insuredAt(reg, p).types.length; slot++) {
      const before = itemAt(reg, p, slot, 0, 0)
      const after = itemAt(reg, p, slot, 1, 0)
      if (before.AAC008 !== after.AAC008) changed++
      if (before.AAE030 !== after.AAE030 || before.AAC002 !== after.AAC002) t.fail(`person ${p} slot ${slot}`)
    }
  }
  t.ok(changed > 10 && changed < 300, `${changed} states changed`)
})

t.test('enrolments fit the person\'s age: over the first 5,000 persons, own and the demo\'s household residents', async (t) => {
  const changedAt = Date.UTC(2026, 11, 7, 2, 0, 0)
  const changeDay = '20261207'
  const EMPLOYEE_TYPES = new Set(['110', '120', '210', '310', '410'])
  /** YYYYMMDD of the day `years` after a YYYYMMDD birth date (29 February counted as 1 March). */
  const plusYears = (birth: string, years: number): string => new Date(Date.UTC(Number(birth.slice(0, 4)) + years, Number(birth.slice(4, 6)) - 1, Number(birth.slice(6, 8)))).toISOString().slice(0, 10).replaceAll('-', '')
  const demo = {
    towns: ['320412120000'],
    simulators: {
      'household-registration': { seed: 1, residents: 5000 },
      'social-insurance': { insuredFromHousehold: 1, employersFromMarket: false, employerNameVariantEvery: 10 },
    },
  }
  const people = householdInsured(demo)
  t.ok(people, 'the demo story gives household residents')
  for (const reg of [{ seed: 5, persons: 5000, employers: 40 }, { seed: 1, persons: 5000, employers: 200, people: people! }] satisfies Register[]) {
    const wrong: string[] = []
    const seen = { children: 0, employees: 0, retired: 0, residents: 0 }
    for (let p = 0; p < reg.persons; p++) {
      const insured = insuredAt(reg, p)
      const birth = insured.idNumber.slice(6, 14)
      if (reg.people && insured.birthDate !== `${birth.slice(0, 4)}-${birth.slice(4, 6)}-${birth.slice(6)}`) wrong.push(`person ${p}: birth date ${insured.birthDate} is not the ID number's`)
      const child = plusYears(birth, 16) > changeDay
      if (child) seen.children++
      if (child && insured.types.join() !== '390') wrong.push(`person ${p}, born ${birth}: ${insured.types.join()}`)
      if (insured.kind !== 'resident') seen.employees++
      if (insured.retired) seen.retired++
      if (!child && insured.kind === 'resident') seen.residents++
      if (insured.retired !== (insured.kind !== 'resident' && plusYears(birth, 60) <= '20260630')) wrong.push(`person ${p}, born ${birth}: retired ${insured.retired}`)
      for (let slot = 0; slot < insured.types.length; slot++) {
        for (const revision of [0, 3]) {
          const item = itemAt(reg, p, slot, revision, changedAt)
          const why = [
            item.AAE030 < birth && 'starts before birth',
            EMPLOYEE_TYPES.has(item.AAE140) && item.AAE030 < plusYears(birth, 18) && 'an employee type before 18',
            item.AAE140 === '170' && item.AAE030 < plusYears(birth, 16) && "residents' pension before 16",
            item.AAE030 >= changeDay && 'starts on or after the change',
            item.AAE031 !== '' && item.AAE031 <= item.AAE030 && 'ends before it starts',
            item.AAE031 > changeDay && 'ends after the change',
            insured.retired && EMPLOYEE_TYPES.has(item.AAE140) && item.AAE030 >= plusYears(birth, 60) && 'starts after retirement',
            insured.retired && item.AAC008 !== (item.AAE140 === '210' || item.AAE140 === '410' ? '4' : '1') && `retired, state ${item.AAC008}`,
          ].filter(Boolean)
          if (why.length > 0) wrong.push(`person ${p}, born ${birth}, ${item.AAE140} ${item.AAE030}-${item.AAE031} revision ${revision}: ${why.join(', ')}`)
        }
      }
    }
    t.same(wrong.slice(0, 10), [], `seed ${reg.seed}${reg.people ? ' (household residents)' : ''}: ${wrong.length} rows out of line`)
    t.ok(seen.children > 200 && seen.employees > 2000 && seen.retired > 100 && seen.residents > 500, `children, employees, retirees and residents: ${JSON.stringify(seen)}`)
  }
})
