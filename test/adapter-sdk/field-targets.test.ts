// Field targets are typed against the canonical model (src/model): `npm run typecheck` fails when
// a `@ts-expect-error` below has no error to expect, so each line is a compile error today. The
// same mistakes in an adapter written in JavaScript fail when it is defined.
import t from 'tap'
import { z } from 'zod'
import { defineAdapter, type RawRecord } from '../../src/adapter-sdk/index.ts'
import { capital, creditCode, personName, residentId } from '../../src/normalize/index.ts'

const parse = (): RawRecord[] => []
const base = {
  id: 'typed',
  department: { name: '测试部门', level: 'county' },
  receive: { signature: 'standard-webhooks', maxBodyBytes: 1024, parse },
  instance: z.object({}),
} as const

t.test('a target that names no canonical field does not compile', async (t) => {
  const person = (): unknown => defineAdapter({
    ...base,
    produces: 'person',
    fields: {
      GMSFHM: ['idNumber', residentId],
      // @ts-expect-error a typo in a target
      XM: ['nmae', personName],
      // @ts-expect-error an enterprise field in a person adapter
      TYSHXYDM: ['creditCode', creditCode],
    },
    // @ts-expect-error the key is not a field one source can be the authority for
    authority: ['name', 'idNumber'],
  })
  const enterprise = (): unknown => defineAdapter({
    ...base,
    produces: 'enterprise',
    fields: {
      TYSHXYDM: ['creditCode', creditCode],
      ZCZB: ['registeredCapital', capital],
      FDDBRZJHM: ['legalRepresentative.idNumber', residentId],
      // @ts-expect-error a typo in a nested target
      FDDBR: ['legalRepresentative.nmae', personName],
    },
    authority: ['name', 'legalRepresentative'],
  })
  t.throws(person, { message: /field XM maps to nmae, which is no person field/ })
  t.throws(enterprise, { message: /field FDDBR maps to legalRepresentative\.nmae, which is no enterprise field/ })
})

t.test('an adapter written in JavaScript is checked when defined', async (t) => {
  const js = (over: Record<string, unknown>): unknown => defineAdapter({ ...base, produces: 'person', fields: { GMSFHM: ['idNumber', residentId] }, ...over } as any)
  t.ok(js({}), 'a correct adapter')
  t.ok(js({ fields: { FR: ['legalRepresentative.idNumber', residentId] }, produces: 'enterprise' }), 'dotted paths into nested objects')
  t.throws(() => js({ fields: { TY: ['creditCode', creditCode] } }), { message: /field TY maps to creditCode, which is no person field/ })
  t.throws(() => js({ fields: { XM: ['name'] } }), { message: /field XM must map to \[canonicalField, normaliser\]/ })
  t.throws(() => js({ authority: ['phone', 'idNumber'] }), { message: /authority names idNumber, which is no person field/ })
  t.throws(() => js({ authority: ['favouriteColour'] }), { message: /authority names favouriteColour/ })
})
