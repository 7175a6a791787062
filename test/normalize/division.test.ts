import t from 'tap'
import { divisionByName, divisionCode, type DivisionDetails } from '../../src/normalize/index.ts'

const JS = { province: '江苏省', city: '常州市' }
const WJ = { ...JS, county: '武进区' }
const HL = { ...WJ, town: '湟里镇' }

t.test('division codes pad to 12 digits with their level and the names the data knows', async (t) => {
  const cases: Array<[string, string, DivisionDetails, string]> = [
    ['320412', '320412000000', { level: 'county', ...WJ }, '6 digits, county (武进区)'],
    ['320412120', '320412120000', { level: 'town', ...HL }, '9 digits, town (湟里镇)'],
    ['320412120201', '320412120201', { level: 'village', ...HL }, '12 digits, village (names down to the town)'],
    ['320412120000', '320412120000', { level: 'town', ...HL }, '12 digits, town'],
    ['320400', '320400000000', { level: 'city', ...JS }, 'city (常州市)'],
    ['320000', '320000000000', { level: 'province', province: '江苏省' }, 'province (江苏省)'],
    ['110000', '110000000000', { level: 'province', province: '北京市' }, 'province 11 (北京市)'],
    ['110105', '110105000000', { level: 'county', province: '北京市', county: '朝阳区' }, 'Beijing district (no city name for 市辖区)'],
    ['650102', '650102000000', { level: 'county', province: '新疆维吾尔自治区', city: '乌鲁木齐市', county: '天山区' }, 'province 65'],
    ['659001', '659001000000', { level: 'county', province: '新疆维吾尔自治区', county: '石河子市' }, 'county-level city directly under the province (石河子)'],
    ['441900003', '441900003000', { level: 'town', province: '广东省', city: '东莞市', town: '东城街道' }, 'town directly under a city without counties (东莞 东城街道)'],
    ['710000', '710000000000', { level: 'province' }, 'province 71 (not in the data: no names)'],
    ['810000', '810000000000', { level: 'province' }, 'province 81 (not in the data: no names)'],
    ['820000', '820000000000', { level: 'province' }, 'province 82 (not in the data: no names)'],
    ['320405', '320405000000', { level: 'county', ...JS }, 'historical county (戚墅堰区, merged 2015): still valid, parents named'],
    ['320412999', '320412999000', { level: 'town', ...WJ }, 'town unknown to the data: still valid, parents named'],
    [' 320412120 ', '320412120000', { level: 'town', ...HL }, 'padding'],
    ['\u3000320412\u3000', '320412000000', { level: 'county', ...WJ }, 'full-width space padding'],
    ['３２０４１２１２０', '320412120000', { level: 'town', ...HL }, 'full-width digits'],
  ]
  for (const [input, value, details, why] of cases) {
    t.same(divisionCode(input), { ok: true, value, details }, `${why}: ${JSON.stringify(input)}`)
  }
})

t.test('divisions by name, or by parent names followed by the name', async (t) => {
  const cases: Array<[string, string, DivisionDetails, string]> = [
    ['武进区湟里镇', '320412120000', { level: 'town', ...HL }, 'county + town'],
    ['湟里镇', '320412120000', { level: 'town', ...HL }, 'a unique town name alone'],
    ['江苏省常州市武进区湟里镇', '320412120000', { level: 'town', ...HL }, 'the full path'],
    ['常州市湟里镇', '320412120000', { level: 'town', ...HL }, 'a parent skipped'],
    ['江苏省常州市武进区', '320412000000', { level: 'county', ...WJ }, 'province + city + county'],
    ['武进区', '320412000000', { level: 'county', ...WJ }, 'a county alone'],
    ['常州市', '320400000000', { level: 'city', ...JS }, 'a city'],
    ['江苏省', '320000000000', { level: 'province', province: '江苏省' }, 'a province'],
    ['北京市朝阳区', '110105000000', { level: 'county', province: '北京市', county: '朝阳区' }, 'municipality + district (朝阳区 alone is ambiguous)'],
    ['吉林省朝阳区', '220104000000', { level: 'county', province: '吉林省', city: '长春市', county: '朝阳区' }, 'the other 朝阳区'],
    ['东莞市', '441900000000', { level: 'city', province: '广东省', city: '东莞市' }, 'a city without counties'],
    ['东莞市东城街道', '441900003000', { level: 'town', province: '广东省', city: '东莞市', town: '东城街道' }, 'a town directly under a city'],
    [' 武进区 湟里镇\u3000', '320412120000', { level: 'town', ...HL }, 'spaces ignored'],
  ]
  for (const [input, value, details, why] of cases) {
    t.same(divisionByName(input), { ok: true, value, details }, `${why}: ${JSON.stringify(input)}`)
  }
})

t.test('divisionCode takes names too, as departments send them', async (t) => {
  t.same(divisionCode('武进区湟里镇'), { ok: true, value: '320412120000', details: { level: 'town', ...HL } })
  t.same(divisionCode('湟里镇'), { ok: true, value: '320412120000', details: { level: 'town', ...HL } })
  t.same(divisionCode('江苏省常州市武进区'), { ok: true, value: '320412000000', details: { level: 'county', ...WJ } }, 'nine characters: still a name')
  t.same(divisionCode(' 常州市 '), { ok: true, value: '320400000000', details: { level: 'city', ...JS } })
  const ambiguous = divisionCode('朝阳区')
  t.equal(ambiguous.ok ? 'ok' : ambiguous.error.code, 'TB_DIVISION_INVALID')
  t.match(ambiguous.ok ? '' : ambiguous.error.message, /ambiguous name: 2 divisions match: 110105000000 北京市朝阳区, 220104000000 吉林省长春市朝阳区/, 'the candidates are listed')
  const unknown = divisionCode('不存在镇')
  t.match(unknown.ok ? '' : unknown.error.message, /no division has this name/)
  const letters = divisionCode('32041A')
  t.match(letters.ok ? '' : letters.error.message, /character 6 is not a digit/, 'ASCII that is no code stays a code error')
})

t.test('unknown or ambiguous names are TB_DIVISION_INVALID naming the value', async (t) => {
  const cases: Array<[string, RegExp, string]> = [
    ['城关镇', /ambiguous name: \d+ divisions match: \d{12} \S+城关镇, .*\.\.\. \d+ more/, 'a town name in many counties'],
    ['朝阳区', /ambiguous name: 2 divisions match: 110105000000 北京市朝阳区, 220104000000 吉林省长春市朝阳区\)$/, 'two counties'],
    ['广东省东城街道', /ambiguous name: 3 divisions match: .*441900003000 广东省东莞市东城街道/, 'still ambiguous under the province'],
    ['火星', /no division has this name/, 'unknown'],
    ['武进', /no division has this name/, 'a short name (not the data\'s full name)'],
    ['浙江省湟里镇', /no division has this name/, 'a parent that is not the parent'],
    ['湟里镇武进区', /no division has this name/, 'parents after the child'],
    ['320412', /no division has this name/, 'a code is not a name'],
    ['', /empty name/, 'empty'],
    ['\u3000 ', /empty name/, 'only spaces'],
  ]
  for (const [input, note, why] of cases) {
    const r = divisionByName(input)
    t.equal(r.ok ? 'ok' : r.error.code, 'TB_DIVISION_INVALID', `${why}: ${JSON.stringify(input)}`)
    if (!r.ok) {
      t.ok(r.error.message.includes(JSON.stringify(input)), `${why}: the message names the value`)
      t.match(r.error.message, note, `${why}: the message says why`)
    }
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
