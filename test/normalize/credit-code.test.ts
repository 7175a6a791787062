import t from 'tap'
import { creditCode } from '../../src/normalize/index.ts'

// Check characters below were computed independently of src/normalize (a separate script: GB 11714
// for position 17, weights 3^i mod 31 for position 18); property.test.ts covers random codes.

const valid: Array<[input: string, value: string, why: string]> = [
  ['91320412MA1MXK7Q0T', '91320412MA1MXK7Q0T', 'the spec sample is valid (organisation check 0, final T)'],
  ['91320412ma1mxk7q0t', '91320412MA1MXK7Q0T', 'lower case is upper-cased'],
  ['  91320412MA1MXK7Q0T\u3000', '91320412MA1MXK7Q0T', 'padding is trimmed'],
  ['９１３２０４１２ＭＡ１ＭＸＫ７Ｑ０Ｔ', '91320412MA1MXK7Q0T', 'full-width characters'],
  ['９１３２０４１２ｍａ１ｍｘｋ７ｑ０ｔ', '91320412MA1MXK7Q0T', 'full-width lower case'],
  ['91320412MA1NB2C36G', '91320412MA1NB2C36G', 'MA-style code'],
  ['93320412MA1XY0PQ65', '93320412MA1XY0PQ65', 'farmers\u2019 cooperative (93)'],
  ['92320412MA20CLNF2D', '92320412MA20CLNF2D', 'individual business (92)'],
  ['123204004664012446', '123204004664012446', 'institution (12), all digits'],
  ['51320412501234569U', '51320412501234569U', 'social organisation (51)'],
  ['91320412MAXHXL35XL', '91320412MAXHXL35XL', 'organisation check character X'],
  ['91320412MAY9X0DT70', '91320412MAY9X0DT70', 'final check 0 (sum divisible by 31)'],
  ['91320412MAJH6YGD0Y', '91320412MAJH6YGD0Y', 'final check Y'],
  ['914403001922038216', '914403001922038216', 'a published code (Shenzhen), numeric organisation code'],
  ['91440300708461136T', '91440300708461136T', 'a published code (Shenzhen)'],
  ['91330100716105852F', '91330100716105852F', 'a published code (Hangzhou)'],
]

t.test('valid credit codes normalise with their parts', async (t) => {
  for (const [input, value, why] of valid) {
    t.same(creditCode(input), {
      ok: true,
      value,
      details: { authority: value[0], entityType: value[1], divisionCode: value.slice(2, 8), organizationCode: value.slice(8, 17) },
    }, `${why}: ${JSON.stringify(input)}`)
  }
  t.same(creditCode('91320412MA1MXK7Q0T'), {
    ok: true,
    value: '91320412MA1MXK7Q0T',
    details: { authority: '9', entityType: '1', divisionCode: '320412', organizationCode: 'MA1MXK7Q0' },
  })
})

const invalid: Array<[input: string, code: 'TB_CREDIT_CODE_FORMAT' | 'TB_CREDIT_CODE_CHECKSUM', why: string]> = [
  ['', 'TB_CREDIT_CODE_FORMAT', 'empty'],
  ['91320412MA1MXK7Q0', 'TB_CREDIT_CODE_FORMAT', '17 characters'],
  ['91320412MA1MXK7Q0TT', 'TB_CREDIT_CODE_FORMAT', '19 characters'],
  ['91320412MA1MXK7Q0I', 'TB_CREDIT_CODE_FORMAT', 'I is not in the set'],
  ['91320412MA1MXK7QOT', 'TB_CREDIT_CODE_FORMAT', 'O is not in the set'],
  ['91320412MA1MZK7Q0T', 'TB_CREDIT_CODE_FORMAT', 'Z is not in the set'],
  ['91320412MA1MSK7Q0T', 'TB_CREDIT_CODE_FORMAT', 'S is not in the set'],
  ['91320412MA1MVK7Q0T', 'TB_CREDIT_CODE_FORMAT', 'V is not in the set'],
  ['913204l2MA1MXK7Q0T', 'TB_CREDIT_CODE_FORMAT', 'a letter l for a digit 1 (upper-cased to L) in the division code'],
  ['9132A412MA1MXK7Q0T', 'TB_CREDIT_CODE_FORMAT', 'a letter in the division code'],
  ['91320412MA1M-K7Q0T', 'TB_CREDIT_CODE_FORMAT', 'punctuation'],
  ['91320412 MA1MXK7Q0T', 'TB_CREDIT_CODE_FORMAT', 'an inner space'],
  ['91320412MA1MXK7Q0U', 'TB_CREDIT_CODE_CHECKSUM', 'wrong final check character'],
  ['91320412MA1MXK7Q00', 'TB_CREDIT_CODE_CHECKSUM', 'wrong final check character 0'],
  ['91320412MA1MXK7Q1T', 'TB_CREDIT_CODE_CHECKSUM', 'wrong organisation check character'],
  ['91320412MA1MXK7R0T', 'TB_CREDIT_CODE_CHECKSUM', 'a changed organisation-code character'],
  ['92320412MA1MXK7Q0T', 'TB_CREDIT_CODE_CHECKSUM', 'a changed entity type'],
  ['91320413MA1MXK7Q0T', 'TB_CREDIT_CODE_CHECKSUM', 'a changed division code'],
  ['91320412MAXHXL350L', 'TB_CREDIT_CODE_CHECKSUM', '0 where the organisation check X belongs'],
  ['914403001922038215', 'TB_CREDIT_CODE_CHECKSUM', 'published code, last digit changed'],
]

t.test('invalid credit codes fail with a stable code that names the value', async (t) => {
  for (const [input, code, why] of invalid) {
    const r = creditCode(input)
    t.equal(r.ok ? 'ok' : r.error.code, code, `${why}: ${JSON.stringify(input)}`)
    if (!r.ok) t.ok(r.error.message.includes(JSON.stringify(input)), `${why}: the message names the value`)
  }
  const org = creditCode('91320412MA1MXK7Q1T')
  t.match(org.ok ? '' : org.error.message, /organisation code/, 'a bad organisation check says so')
  const last = creditCode('91320412MA1MXK7Q0U')
  t.match(last.ok ? '' : last.error.message, /character 18/, 'a bad final check says so')
})
