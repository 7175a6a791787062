// Links are typed like `fields`: a target is a canonical field of the linked kind (a compile error
// otherwise, `@ts-expect-error` below), and defineAdapter refuses, for adapters written in
// JavaScript too, a link that names no field, maps no key, or sits on an adapter producing nothing;
// a facet field links to a person or an enterprise only.
import t from 'tap'
import { z } from 'zod'
import { defineAdapter, defineFacet, type RawRecord } from '../../src/adapter-sdk/index.ts'
import { mapRecord } from '../../src/pipeline/map.ts'
import { creditCode, enterpriseName, personName, residentId } from '../../src/normalize/index.ts'

const parse = (): RawRecord[] => []
const base = {
  id: 'linking',
  department: { name: '测试部门', level: 'county' },
  receive: { signature: 'standard-webhooks', maxBodyBytes: 1024, parse },
  instance: z.object({}),
} as const

const EMPLOYER = '91320412MA1AAAAA5C'

t.test('a link target that names no field of the linked kind does not compile', async (t) => {
  const typo = (): unknown => defineAdapter({
    ...base,
    produces: 'person',
    fields: { SFZH: ['idNumber', residentId] },
    links: [{
      kind: 'enterprise',
      fields: {
        DWDM: ['creditCode', creditCode],
        // @ts-expect-error a typo in a link target
        DWMC: ['nmae', enterpriseName],
      },
    }],
  })
  const wrongKind = (): unknown => defineAdapter({
    ...base,
    produces: 'person',
    fields: { SFZH: ['idNumber', residentId] },
    // @ts-expect-error a person field in an enterprise link
    links: [{ kind: 'enterprise', fields: { DWDM: ['creditCode', creditCode], FR: ['idNumber', residentId] } }],
  })
  t.throws(typo, { message: /adapter linking: links\[0\] \(enterprise\): field DWMC maps to nmae, which is no enterprise field/ })
  t.throws(wrongKind, { message: /links\[0\] \(enterprise\): field FR maps to idNumber, which is no enterprise field/ })
})

t.test('an adapter written in JavaScript is checked when defined', async (t) => {
  const js = (over: Record<string, unknown>): unknown => defineAdapter({ ...base, produces: 'person', fields: { SFZH: ['idNumber', residentId] }, ...over } as any)
  t.ok(js({ links: [{ kind: 'enterprise', fields: { DWDM: ['creditCode', creditCode], DWMC: ['name', enterpriseName] } }] }), 'a sound link')
  t.ok(js({ links: [{ kind: 'person', fields: { FRZJ: ['idNumber', residentId], FR: ['name', personName] } }] }), 'a link to a person')
  t.throws(() => js({ links: [{ kind: 'enterprise', fields: { DWMC: ['name', enterpriseName] } }] }), { message: /links\[0\] \(enterprise\): no department field maps to creditCode, the key of a enterprise/ })
  t.throws(() => js({ links: [{ kind: 'employer', fields: {} }] }), { message: /links\[0\]\.kind must be 'person' or 'enterprise'/ })
  t.throws(() => js({ links: [{ kind: 'enterprise', fields: { DWDM: ['creditCode'] } }] }), { message: /field DWDM must map to \[canonicalField, normaliser\]/ })
  t.throws(() => js({ links: { kind: 'enterprise' } }), { message: /links must be an array/ })
  t.throws(() => defineAdapter({ id: 'nothing', department: base.department, operations: {}, instance: z.object({}), links: [{ kind: 'enterprise', fields: { DWDM: ['creditCode', creditCode] } }] } as any),
    { message: /adapter nothing declares links but produces no records/ })
})

t.test('a raw record yields the linked record when its link key is given, quarantines when a link value is bad', async (t) => {
  const adapter = defineAdapter({
    ...base,
    produces: 'person',
    fields: { SFZH: ['idNumber', residentId], XM: ['name', personName] },
    links: [{ kind: 'enterprise', fields: { DWDM: ['creditCode', creditCode], DWMC: ['name', enterpriseName] } }],
  })
  const observedAt = new Date('2026-11-20T02:00:00Z')
  const raw = (fields: Record<string, string>): RawRecord => ({ sourceId: 'S1', observedAt, fields: { SFZH: '320412198001010015', XM: '张三', ...fields } })

  const linked = mapRecord(adapter, raw({ DWDM: EMPLOYER.toLowerCase(), DWMC: '常州（测试）有限公司 ' }))
  t.ok(linked.ok)
  if (!linked.ok) return
  t.same(linked.record.linked, [{ kind: 'enterprise', key: EMPLOYER, sourceId: 'S1', observedAt, data: { creditCode: EMPLOYER, name: '常州（测试）有限公司' } }])

  const none = mapRecord(adapter, raw({ DWDM: '', DWMC: '不知道哪家公司' }))
  t.ok(none.ok, 'no credit code: no link, and its other fields are not looked at')
  t.equal(none.ok && none.record.linked, undefined)

  const bad = mapRecord(adapter, raw({ DWDM: `${EMPLOYER.slice(0, 17)}1`, DWMC: '常州测试有限公司' }))
  t.notOk(bad.ok)
  if (bad.ok) return
  t.equal(bad.rejection.code, 'TB_CREDIT_CODE_CHECKSUM')
  t.match(bad.rejection.message, /^link enterprise: DWDM: /)
  t.equal(bad.rejection.field, 'DWDM')
  t.equal(bad.rejection.rawValue, `${EMPLOYER.slice(0, 17)}1`)
})

t.test('a facet field links to a person or an enterprise, nothing else', async (t) => {
  const declare = (link: string): unknown => defineFacet({
    name: 'test-employment',
    title: { zh: '就业', en: 'Employment' },
    of: 'person',
    schema: z.object({ employer: z.string().optional().meta({ link }) }),
    sensitivity: 'ordinary',
    entryKey: [],
  })
  t.ok(declare('enterprise'))
  t.ok(declare('person'))
  t.throws(() => declare('employer'), { message: /facet test-employment: field employer links to "employer"; a link is 'person' \(an ID number\) or 'enterprise' \(a credit code\)/ })
})
