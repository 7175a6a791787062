import t from 'tap'
import { divisionCode } from '../../src/normalize/index.ts'

t.test('division codes pad to 12 digits with their level', async (t) => {
  const cases: Array<[string, string, 'province' | 'city' | 'county' | 'town' | 'village', string]> = [
    ['320412', '320412000000', 'county', '6 digits, county (武进区)'],
    ['320412120', '320412120000', 'town', '9 digits, town (湟里镇)'],
    ['320412120201', '320412120201', 'village', '12 digits, village'],
    ['320412120000', '320412120000', 'town', '12 digits, town'],
    ['320400', '320400000000', 'city', 'city (常州市)'],
    ['320000', '320000000000', 'province', 'province (江苏省)'],
    ['110000', '110000000000', 'province', 'province 11 (北京市)'],
    ['110105', '110105000000', 'county', 'Beijing district'],
    ['650102', '650102000000', 'county', 'province 65'],
    ['659001', '659001000000', 'county', 'county-level city directly under the province (石河子)'],
    ['441900003', '441900003000', 'town', 'town directly under a city without counties (东莞 莞城街道)'],
    ['710000', '710000000000', 'province', 'province 71'],
    ['810000', '810000000000', 'province', 'province 81'],
    ['820000', '820000000000', 'province', 'province 82'],
    [' 320412120 ', '320412120000', 'town', 'padding'],
    ['\u3000320412\u3000', '320412000000', 'county', 'full-width space padding'],
    ['３２０４１２１２０', '320412120000', 'town', 'full-width digits'],
  ]
  for (const [input, value, level, why] of cases) {
    t.same(divisionCode(input), { ok: true, value, details: { level } }, `${why}: ${JSON.stringify(input)}`)
  }
})

t.test('invalid division codes are TB_DIVISION_INVALID naming the value', async (t) => {
  const cases: Array<[string, string]> = [
    ['', 'empty'],
    ['32041', '5 digits'],
    ['3204121', '7 digits'],
    ['3204121200', '10 digits'],
    ['3204121200001', '13 digits'],
    ['32041212000A', 'a letter'],
    ['320-412', 'punctuation'],
    ['000000', 'province 00'],
    ['000000000000', 'all zeros'],
    ['100000', 'province 10'],
    ['160000', 'province 16'],
    ['830000', 'province 83'],
    ['990000', 'province 99'],
    ['320012', 'county under city 00'],
    ['320412000201', 'village under town 000'],
  ]
  for (const [input, why] of cases) {
    const r = divisionCode(input)
    t.equal(r.ok ? 'ok' : r.error.code, 'TB_DIVISION_INVALID', `${why}: ${JSON.stringify(input)}`)
    if (!r.ok) t.ok(r.error.message.includes(JSON.stringify(input)), `${why}: the message names the value`)
  }
})
