// The search box's text, classified: every kind of input a window worker types.
import t from 'tap'
import { classifyQuery, formText, queryText } from '../src/portal/query.ts'
import { idCheckChar } from '../adapters/household-registration/data.ts'
import { creditCodeCheckChar, orgCodeCheckChar } from '../src/adapter-sdk/testkit/check-characters.ts'

const ID = '32041219850312002' + idCheckChar('32041219850312002')
const ID15 = `${ID.slice(0, 6)}${ID.slice(8, 17)}`
/** What a Chinese input method in full-width mode types for ASCII. */
const toFullWidth = (s: string): string => s.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0))
const WRONG = ID.slice(0, 17) + (ID[17] === '0' ? '1' : '0')

t.test('classify', async (t) => {
  const cases: Array<[string, unknown, string]> = [
    ['', { is: 'empty' }, 'nothing typed'],
    ['   ', { is: 'empty' }, 'only spaces'],
    [ID, { is: 'person', idNumber: ID }, 'an 18-digit ID number'],
    [` ${ID.toLowerCase()} `, { is: 'person', idNumber: ID }, 'with spaces and a lowercase x'],
    [ID15, { is: 'person', idNumber: ID }, 'a 15-digit ID number, upgraded'],
    [WRONG, { is: 'invalid-id' }, 'a wrong check character'],
    ['13812348000', { is: 'match', persons: { by: 'phone', value: '13812348000' } }, 'a mobile number'],
    ['138 1234 8000', { is: 'match', persons: { by: 'phone', value: '13812348000' } }, 'a mobile number with spaces'],
    ['+8613812348000', { is: 'match', persons: { by: 'phone', value: '13812348000' } }, 'with the country code'],
    ['0519-86781234', { is: 'match', persons: { by: 'phone', value: '0519-86781234' } }, 'a landline with area code'],
    ['0029', { is: 'match', persons: { by: 'idSuffix', value: '0029' } }, 'the last four digits'],
    ['12002x', { is: 'match', persons: { by: 'idSuffix', value: '12002X' } }, 'the last digits with X'],
    ['03120029', { is: 'match', persons: { by: 'idSuffix', value: '03120029' } }, 'the last eight digits'],
    ['12', { is: 'too-short' }, 'too few digits'],
    ['320412198503', { is: 'match', persons: { by: 'keyPrefix', value: '320412198503' }, enterprises: { by: 'keyPrefix', value: '320412198503' } }, 'the start of an ID number or credit code'],
    ['91320412MA1AAAAA01', { is: 'match', enterprises: { by: 'keyPrefix', value: '91320412MA1AAAAA01' } }, 'a credit code with a wrong check character is searched as a prefix'],
    ['张伟', { is: 'match', persons: { by: 'name', value: '张伟' }, enterprises: { by: 'name', value: '张伟' } }, 'a name'],
    ['华达机械', { is: 'match', persons: { by: 'name', value: '华达机械' }, enterprises: { by: 'name', value: '华达机械' } }, 'an enterprise name'],
    // What Chinese input methods type in full width is folded (NFKC) into what the records hold.
    [toFullWidth(ID), { is: 'person', idNumber: ID }, 'a full-width 18-digit ID number'],
    [`\u3000${toFullWidth(ID.toLowerCase())}\u3000`, { is: 'person', idNumber: ID }, 'full width, ideographic spaces, a full-width lowercase x'],
    ['１３８１２３４８０００', { is: 'match', persons: { by: 'phone', value: '13812348000' } }, 'a full-width mobile number'],
    ['０５１９－８６７８１２３４', { is: 'match', persons: { by: 'phone', value: '0519-86781234' } }, 'a full-width landline with a full-width hyphen'],
    ['００２９', { is: 'match', persons: { by: 'idSuffix', value: '0029' } }, 'full-width last digits'],
    ['１２００２ｘ', { is: 'match', persons: { by: 'idSuffix', value: '12002X' } }, 'full-width last digits with a full-width x'],
    ['３２０４１２１９８', { is: 'match', persons: { by: 'keyPrefix', value: '320412198' }, enterprises: { by: 'keyPrefix', value: '320412198' } }, 'a full-width key prefix'],
    ['１２', { is: 'too-short' }, 'too few full-width digits'],
    ['华达机械２号', { is: 'match', persons: { by: 'name', value: '华达机械2号' }, enterprises: { by: 'name', value: '华达机械2号' } }, 'full-width digits in a name'],
  ]
  for (const [q, expected, why] of cases) t.same(classifyQuery(q), expected, why)
})

t.test('a valid credit code finds one enterprise', async (t) => {
  const org = '12345678'
  const first17 = `91320412${org}${orgCodeCheckChar(org)}`
  const valid = first17 + creditCodeCheckChar(first17)
  t.same(classifyQuery(valid.toLowerCase()), { is: 'enterprise', creditCode: valid })
})

t.test('query and form text refuse control characters', async (t) => {
  const q = queryText(64)
  t.ok(q.safeParse('张伟').success)
  t.ok(q.safeParse('').success)
  for (const [text, why] of [['a\u0000b', 'NUL'], ['\u0000', 'NUL alone'], ['a\u0001', 'SOH'], ['a\tb', 'a tab'], ['a\nb', 'a line break'], ['\u001f', 'US']]) {
    const r = q.safeParse(text)
    t.notOk(r.success, `a query: ${why}`)
    t.equal(r.error?.issues[0]?.message, 'contains a control character (such as NUL)', `a query: ${why} is named`)
  }
  t.notOk(q.safeParse('x'.repeat(65)).success, 'longer than allowed')
  const f = formText(500)
  t.ok(f.safeParse('核对户口簿原件\r\n第二行\t备注').success, 'a textarea may break lines and hold tabs')
  t.notOk(f.safeParse('核对\u0000').success, 'but not NUL')
  t.notOk(f.safeParse('\u001b[31m').success, 'nor an escape')
})
