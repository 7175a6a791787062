import t from 'tap'
import { idAgrees, residentId } from '../../src/normalize/index.ts'

// Check characters below were computed independently of src/normalize (ISO 7064 MOD 11-2 by hand
// and in a separate script); the property test in property.test.ts covers random numbers.

/** The county-level divisions of the numbers below: name, and whether the code is still in use. */
const DIVISIONS: Record<string, [name: string, current: boolean]> = {
  320412: ['武进区', true],
  110105: ['朝阳区', true],
  441900: ['东莞市', true], // a city without counties: its own code is the county-level code
  130502: ['襄都区', true], // renamed from 桥东区 in 2020: the current name
  320107: ['下关区', false], // Nanjing, merged into 鼓楼区 in 2013
  320482: ['金坛市', false], // became 金坛区 320413 in 2015
  320401: ['常州市市辖区', false], // 市辖区 named with its city
  440301: ['深圳市市辖区', false],
}

type Valid = [input: string, value: string, birthDate: string, gender: 'male' | 'female', upgradedFrom15: boolean, why: string]

const valid: Valid[] = [
  ['320412194912310029', '320412194912310029', '1949-12-31', 'female', false, 'the spec sample'],
  ['320412198506123015', '320412198506123015', '1985-06-12', 'male', false, 'male: odd 17th digit'],
  ['11010519491231002X', '11010519491231002X', '1949-12-31', 'female', false, 'check character X'],
  ['11010519491231002x', '11010519491231002X', '1949-12-31', 'female', false, 'lowercase x is upper-cased'],
  ['32041219900101001X', '32041219900101001X', '1990-01-01', 'male', false, 'X, 1990s'],
  ['32041220051231001x', '32041220051231001X', '2005-12-31', 'male', false, 'lowercase x, 2000s'],
  ['320412200512310044', '320412200512310044', '2005-12-31', 'female', false, '2000s'],
  ['320412200002290020', '320412200002290020', '2000-02-29', 'female', false, 'leap day 2000 (divisible by 400)'],
  ['320412199602290037', '320412199602290037', '1996-02-29', 'male', false, 'leap day 1996'],
  ['320412188001010016', '320412188001010016', '1880-01-01', 'male', false, 'earliest accepted birth date'],
  ['44190020230615123X', '44190020230615123X', '2023-06-15', 'male', false, '东莞, a recent birth'],
  ['320412491231002', '320412194912310029', '1949-12-31', 'female', true, '15-digit legacy number'],
  ['320412850612301', '320412198506123015', '1985-06-12', 'male', true, '15-digit legacy number, computed check 5'],
  ['110105491231002', '11010519491231002X', '1949-12-31', 'female', true, '15-digit upgrade whose check is X'],
  ['320412960229003', '320412199602290037', '1996-02-29', 'male', true, '15-digit leap day'],
  ['  320412194912310029\t', '320412194912310029', '1949-12-31', 'female', false, 'padding is trimmed'],
  ['\u3000320412194912310029\u3000', '320412194912310029', '1949-12-31', 'female', false, 'full-width space padding'],
  ['３２０４１２１９４９１２３１００２９', '320412194912310029', '1949-12-31', 'female', false, 'full-width digits'],
  ['１１０１０５１９４９１２３１００２Ｘ', '11010519491231002X', '1949-12-31', 'female', false, 'full-width X'],
  ['１１０１０５１９４９１２３１００２ｘ', '11010519491231002X', '1949-12-31', 'female', false, 'full-width lowercase x'],
  ['３２０４１２４９１２３１００２', '320412194912310029', '1949-12-31', 'female', true, 'full-width 15-digit'],
  ['110105201212310021', '110105201212310021', '2012-12-31', 'female', false, '2010s'],
  ['320412190001010035', '320412190001010035', '1900-01-01', 'male', false, 'born 1900'],
  ['320412000101003', '320412190001010035', '1900-01-01', 'male', true, '15-digit 000101 means 1900-01-01'],
  ['320412199912310048', '320412199912310048', '1999-12-31', 'female', false, 'last day of the 1900s'],
  ['441900200002290020', '441900200002290020', '2000-02-29', 'female', false, '东莞, leap day 2000'],
  ['130502199909090010', '130502199909090010', '1999-09-09', 'male', false, 'a renamed county keeps its code'],
  ['130502200802290018', '130502200802290018', '2008-02-29', 'male', false, 'leap day 2008'],
  ['320107198001010018', '320107198001010018', '1980-01-01', 'male', false, 'an abolished county (2013)'],
  ['320107200512310039', '320107200512310039', '2005-12-31', 'male', false, 'an abolished county, 2000s'],
  ['320107800101001', '320107198001010018', '1980-01-01', 'male', true, '15-digit number of an abolished county'],
  ['320482197512310022', '320482197512310022', '1975-12-31', 'female', false, 'an abolished county-level city (2015)'],
  ['320401198808081237', '320401198808081237', '1988-08-08', 'male', false, 'a city\u2019s 市辖区 code'],
  ['440301199001010020', '440301199001010020', '1990-01-01', 'female', false, '深圳 市辖区'],
  ['440301200002290015', '440301200002290015', '2000-02-29', 'male', false, '深圳 市辖区, leap day 2000'],
]

t.test('valid ID numbers normalise to 18 characters with their details', async (t) => {
  for (const [input, value, birthDate, gender, upgradedFrom15, why] of valid) {
    const r = residentId(input)
    const [divisionName, divisionCurrent] = DIVISIONS[value.slice(0, 6)]!
    // divisionHistory: see the tests of historical codes below
    const { divisionHistory, ...details } = (r.ok ? r.details : undefined) ?? {}
    t.same({ ...r, ...(r.ok ? { details } : {}) }, {
      ok: true, value, details: { birthDate, gender, divisionCode: value.slice(0, 6), divisionName, divisionCurrent, upgradedFrom15 },
    }, `${why}: ${JSON.stringify(input)}`)
    // the history leaves out the cities' 市辖区 codes, which the gb2260 package knows
    const named = value.startsWith('130502') || (!divisionCurrent && !divisionName.endsWith('市辖区'))
    t.equal(divisionHistory !== undefined, named, `${why}: a history only for codes that named something else`)
  }
})

type Invalid = [input: string, code: 'TB_ID_FORMAT' | 'TB_ID_CHECKSUM' | 'TB_ID_DIVISION' | 'TB_ID_BIRTHDATE', why: string]

const invalid: Invalid[] = [
  ['', 'TB_ID_FORMAT', 'empty'],
  ['   ', 'TB_ID_FORMAT', 'blank'],
  ['32041219491231002', 'TB_ID_FORMAT', '17 characters'],
  ['3204121949123100299', 'TB_ID_FORMAT', '19 characters'],
  ['3204121949123100', 'TB_ID_FORMAT', '16 characters'],
  ['32041249123100', 'TB_ID_FORMAT', '14 characters'],
  ['3204121949123100X9', 'TB_ID_FORMAT', 'X not at the end'],
  ['32041219491231002Y', 'TB_ID_FORMAT', 'a letter other than X'],
  ['A20412194912310029', 'TB_ID_FORMAT', 'a letter'],
  ['320412 94912310029', 'TB_ID_FORMAT', 'an inner space'],
  ['320412-19491231-02', 'TB_ID_FORMAT', 'separators'],
  ['32041249123100X', 'TB_ID_FORMAT', '15 characters ending X (legacy numbers have no check character)'],
  ['32041249123100x', 'TB_ID_FORMAT', '15 characters ending x'],
  ['320412194912310028', 'TB_ID_CHECKSUM', 'wrong check digit'],
  ['320412194912310020', 'TB_ID_CHECKSUM', 'wrong check digit 0'],
  ['32041219491231002X', 'TB_ID_CHECKSUM', 'X where 9 belongs'],
  ['11010519491231002', 'TB_ID_FORMAT', 'X dropped'],
  ['110105194912310029', 'TB_ID_CHECKSUM', '9 where X belongs'],
  ['320412194912310092', 'TB_ID_CHECKSUM', 'transposed digits'],
  ['320412190002290016', 'TB_ID_BIRTHDATE', '1900-02-29 does not exist (1900 is not a leap year)'],
  ['320412000229001', 'TB_ID_BIRTHDATE', '15-digit 000229 means 1900-02-29'],
  ['320412194913310020', 'TB_ID_BIRTHDATE', 'month 13'],
  ['320412194901000025', 'TB_ID_BIRTHDATE', 'day 00'],
  ['320412491331002', 'TB_ID_BIRTHDATE', '15-digit month 13'],
  ['320412187912310015', 'TB_ID_BIRTHDATE', 'born before 1880'],
  ['320412209901010011', 'TB_ID_BIRTHDATE', 'born in the future'],
  ['320412210002290011', 'TB_ID_BIRTHDATE', '2100-02-29 does not exist (2100 is not a leap year)'],
  ['32040019800101001X', 'TB_ID_DIVISION', 'a city code (常州市) whose city has counties'],
  ['320000198001010018', 'TB_ID_DIVISION', 'a province code'],
  ['000000198001010013', 'TB_ID_DIVISION', 'zeros'],
  ['999999198001010011', 'TB_ID_DIVISION', 'no such province'],
  ['710000198001010010', 'TB_ID_DIVISION', 'Taiwan\u2019s province code is not a county'],
  ['320430196203151231', 'TB_ID_DIVISION', '320430: never a code (常州市 had no 30th county)'],
  ['320430620315123', 'TB_ID_DIVISION', '15-digit number of a code that never existed'],
]

t.test('invalid ID numbers fail with a stable code that names the value', async (t) => {
  for (const [input, code, why] of invalid) {
    const r = residentId(input)
    t.equal(r.ok, false, `${why}: ${JSON.stringify(input)}`)
    if (r.ok) continue
    t.equal(r.error.code, code, `${why}: code`)
    t.ok(r.error.message.includes(JSON.stringify(input)), `${why}: the message names the value (${r.error.message})`)
  }
})

t.test('the check character is verified first, then the division, then the birth date', async (t) => {
  // 1999-02-30 with a wrong check character: the checksum is what the department got wrong first
  const r = residentId('320412199902300011')
  t.equal(r.ok ? undefined : r.error.code, 'TB_ID_CHECKSUM')
  const division = residentId('320430194902310028') // no such county and 1949-02-31, check character right
  t.equal(division.ok ? undefined : division.error.code, 'TB_ID_DIVISION')
  t.match(division.ok ? '' : division.error.message, /320430 was never a county-level code since 1980/, 'the message names the six digits')
  const wrong = residentId('320430194912310020') // no such county with a wrong check character
  t.equal(wrong.ok ? undefined : wrong.error.code, 'TB_ID_CHECKSUM')
})

// 湟里镇's older residents: IDs issued under 武进县 (1981-1983 in 镇江地区, 1983-1995 in 常州市) or
// 武进市 (1995-2002), which became 武进区 and 新北区 in 2002.
const TODAY_WUJIN = [{ code: '320411', name: '新北区' }, { code: '320412', name: '武进区' }]

t.test('ID numbers issued under an abolished county are accepted, naming it and what it became', async (t) => {
  const cases: Array<[id: string, name: string, prefecture: string, from: number, until: number]> = [
    ['322622196203151234', '武进县', '镇江地区', 1981, 1983],
    ['320421196203151235', '武进县', '常州市', 1983, 1995],
    ['32048319750708002X', '武进市', '常州市', 1995, 2002],
  ]
  for (const [id, name, prefecture, from, until] of cases) {
    t.same(residentId(id), {
      ok: true,
      value: id,
      details: {
        birthDate: `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`,
        gender: Number(id[16]) % 2 === 1 ? 'male' : 'female',
        divisionCode: id.slice(0, 6),
        divisionName: name,
        divisionCurrent: false,
        upgradedFrom15: false,
        divisionHistory: [{ name, province: '江苏省', prefecture, from, until, now: TODAY_WUJIN }],
      },
    }, `${id.slice(0, 6)} ${name} ${from}-${until}`)
  }
  const legacy = residentId('320421620315123') // the 15-digit number of 1980s 武进县
  t.match(legacy, { ok: true, value: '320421196203151235', details: { divisionName: '武进县', divisionHistory: [{ now: TODAY_WUJIN }] } })
})

t.test('a code that named several divisions lists each, and what each is now', async (t) => {
  t.match(residentId('130502199001010017'), {
    ok: true,
    details: {
      divisionName: '襄都区',
      divisionCurrent: true,
      divisionHistory: [
        { name: '桥东区', prefecture: '邢台市', from: 1983, until: 2020, now: [{ code: '130502', name: '襄都区' }] },
        { name: '襄都区', from: 2020, now: [{ code: '130502', name: '襄都区' }] },
      ],
    },
  }, 'renamed in 2020, same code')
  const reused = residentId('132201198401010029')
  t.match(reused, {
    ok: true,
    details: {
      divisionName: '南宫市',
      divisionCurrent: false,
      divisionHistory: [
        { name: '邢台市', prefecture: '邢台地区', from: 1981, until: 1983 },
        { name: '南宫市', from: 1986, until: 1993, now: [{ code: '130581', name: '南宫市' }] },
      ],
    },
  }, 'a code given to another county after its first was abolished')
  const first = reused.ok ? reused.details?.divisionHistory?.[0] : undefined
  t.ok(first !== undefined && first.now.length > 1 && first.now.every((d) => d.code.startsWith('1305')), `邢台市 1981-1983 became several districts of 邢台市: ${JSON.stringify(first?.now)}`)
  t.match(residentId('22220219800101001X'), {
    ok: true, details: { divisionName: '浑江市', divisionHistory: [{ until: 1985, now: [{ code: '220600' }] }] },
  }, 'a county that became a prefecture-level city (浑江市 -> 白山市 220600) names that city')
})

t.test('birth dates up to today (Beijing time) are accepted, tomorrow is not', async (t) => {
  const first17 = (d: Date): string => {
    const b = new Date(d.getTime() + 8 * 3_600_000)
    const ymd = `${b.getUTCFullYear()}${String(b.getUTCMonth() + 1).padStart(2, '0')}${String(b.getUTCDate()).padStart(2, '0')}`
    return `320412${ymd}001`
  }
  const withCheck = (f: string): string => {
    let sum = 0
    for (let i = 0; i < 17; i++) sum += Number(f[i]) * (2 ** (17 - i) % 11)
    return f + '10X98765432'[sum % 11]
  }
  const today = withCheck(first17(new Date()))
  const tomorrow = withCheck(first17(new Date(Date.now() + 86_400_000)))
  // run near Beijing midnight, "today" may roll over between the two calls: allow either side
  const rToday = residentId(today)
  t.ok(rToday.ok || residentId(today).ok, `today ${today}`)
  const rTomorrow = residentId(tomorrow)
  t.equal(rTomorrow.ok ? 'ok' : rTomorrow.error.code, 'TB_ID_BIRTHDATE', `tomorrow ${tomorrow}`)
})

t.test('a clean 18-character input is returned as is', async (t) => {
  const input = '320412194912310029'
  const r = residentId(input)
  t.ok(r.ok && r.value === input)
})

t.test('idAgrees cross-checks birth date and gender', async (t) => {
  const cases: Array<[string, string | undefined, 'male' | 'female' | 'unknown' | undefined, string | undefined, string]> = [
    ['320412194912310029', '1949-12-31', 'female', undefined, 'both agree'],
    ['320412194912310029', undefined, undefined, undefined, 'nothing to compare'],
    ['320412194912310029', '1949-12-31', 'unknown', undefined, 'unknown gender never contradicts'],
    ['320412194912310029', undefined, 'female', undefined, 'gender only'],
    ['320412198506123015', '1985-06-12', 'male', undefined, 'male'],
    ['11010519491231002X', '1949-12-31', 'female', undefined, 'X check character'],
    ['320412194912310029', '1949-12-30', 'female', 'TB_ID_BIRTHDATE', 'one day off'],
    ['320412194912310029', '1949-12-31', 'male', 'TB_ID_GENDER', 'wrong gender'],
    ['320412194912310029', '1949-12-30', 'male', 'TB_ID_BIRTHDATE', 'both wrong: the birth date is reported'],
    ['320412198506123015', '1985-06-12', 'female', 'TB_ID_GENDER', 'male ID, female record'],
    ['320412194912310029', '', undefined, 'TB_ID_BIRTHDATE', 'an empty birth date string disagrees'],
  ]
  for (const [id, birthDate, gender, code, why] of cases) {
    const r = idAgrees(id, birthDate, gender)
    if (code === undefined) t.same(r, { ok: true }, why)
    else {
      t.equal(r.ok ? 'ok' : r.error.code, code, why)
      if (!r.ok) t.ok(r.error.message.includes(id), `${why}: the message names the ID number`)
    }
  }
  const r = idAgrees('320412194912310029', '1949-12-30')
  t.match(r.ok ? '' : r.error.message, /1949-12-30.*1949-12-31/, 'the message names both dates')
})
