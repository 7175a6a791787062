// Coded values on the portal's pages: by their names, with the code beside them where a form
// may ask for it; an unknown code shows as it is.
import t from 'tap'
import { displayValue } from '../src/portal/format.ts'
import { Html } from '../src/html.ts'
import { translator } from '../src/portal/i18n.ts'

const text = (v: Html | string): string => (v instanceof Html ? v.value : v).replace(/<[^>]+>/g, '')

t.test('codes by name', async (t) => {
  const zh = translator('zh')
  const cases: Array<[string, string, string, string]> = [
    ['gender', 'male', '男', 'GB/T 2261.1 gender'],
    ['gender', 'female', '女', 'GB/T 2261.1 gender'],
    ['ethnicityCode', '01', '汉族 01', 'GB/T 3304 ethnic group, the code beside'],
    ['ethnicityCode', '11', '满族 11', 'another ethnic group'],
    ['ethnicityCode', '99', '99', 'an unknown ethnic code as it is'],
    ['type', '1130', '有限责任公司(自然人投资或控股) 1130', 'enterprise type'],
    ['type', '0000', '0000', 'an unknown enterprise type as it is'],
    ['industryCode', 'C3311', '制造业 · 金属制品业 C3311', 'GB/T 4754 industry: section and division'],
    ['industryCode', '3311', '制造业 · 金属制品业 3311', 'the digits alone'],
    ['industryCode', 'C', '制造业 C', 'a section alone'],
    ['industryCode', 'X99', 'X99', 'an unknown industry code as it is'],
  ]
  for (const [field, value, shown, why] of cases) t.equal(text(displayValue(field, value, zh, false)), shown, why)
  t.equal(text(displayValue('ethnicityCode', 'toString', zh, false)), 'toString', 'no prototype lookups')
})
