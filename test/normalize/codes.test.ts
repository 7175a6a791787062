import t from 'tap'
import { codeTable, ETHNICITIES, ethnicityCode, ethnicityName, genderCode, genderName } from '../../src/normalize/index.ts'

t.test('GB/T 2261.1 gender codes', async (t) => {
  const cases: Array<[string, 'male' | 'female' | 'unknown']> = [
    ['0', 'unknown'], ['1', 'male'], ['2', 'female'], ['9', 'unknown'], [' 1 ', 'male'], ['\u30002', 'female'], ['１', 'male'],
  ]
  for (const [input, value] of cases) t.same(genderCode(input), { ok: true, value }, JSON.stringify(input))
  for (const input of ['', '3', '7', '8', '10', '01', 'M', 'male', '男女', '男士', '未知', 'toString', '__proto__', 'constructor']) {
    const r = genderCode(input)
    t.equal(r.ok ? 'ok' : r.error.code, 'TB_CODE_UNKNOWN', JSON.stringify(input))
    if (!r.ok) t.ok(r.error.message.includes(JSON.stringify(input)) && r.error.message.includes('GB/T 2261.1'), `names the value and the table: ${r.error.message}`)
  }
})

t.test('GB/T 2261.1 names and the forms departments write', async (t) => {
  const cases: Array<[string, 'male' | 'female' | 'unknown']> = [
    ['男', 'male'], ['女', 'female'], ['未知的性别', 'unknown'], ['未说明的性别', 'unknown'],
    ['男性', 'male'], ['女性', 'female'], [' 男 ', 'male'], ['\u3000女性\u3000', 'female'],
  ]
  for (const [input, value] of cases) t.same(genderCode(input), { ok: true, value }, JSON.stringify(input))
})

t.test('genderName shows a normalised gender by name', async (t) => {
  t.same([genderName('male'), genderName('female'), genderName('unknown')], ['男', '女', '未知'])
})

// GB/T 3304-1991, in code order
const NAMES = [
  '汉族', '蒙古族', '回族', '藏族', '维吾尔族', '苗族', '彝族', '壮族', '布依族', '朝鲜族',
  '满族', '侗族', '瑶族', '白族', '土家族', '哈尼族', '哈萨克族', '傣族', '黎族', '傈僳族',
  '佤族', '畲族', '高山族', '拉祜族', '水族', '东乡族', '纳西族', '景颇族', '柯尔克孜族', '土族',
  '达斡尔族', '仫佬族', '羌族', '布朗族', '撒拉族', '毛南族', '仡佬族', '锡伯族', '阿昌族', '普米族',
  '塔吉克族', '怒族', '乌孜别克族', '俄罗斯族', '鄂温克族', '德昂族', '保安族', '裕固族', '京族', '塔塔尔族',
  '独龙族', '鄂伦春族', '赫哲族', '门巴族', '珞巴族', '基诺族',
]

t.test('GB/T 3304 ethnic group codes: all 56, 97 and 98', async (t) => {
  t.equal(NAMES.length, 56)
  NAMES.forEach((name, i) => {
    const code = String(i + 1).padStart(2, '0')
    t.same(ethnicityCode(code), { ok: true, value: code, details: { name } }, `${code} ${name}`)
  })
  t.same(ethnicityCode('97'), { ok: true, value: '97', details: { name: '其他' } })
  t.same(ethnicityCode('98'), { ok: true, value: '98', details: { name: '外国血统中国籍人士' } })
  t.equal(Object.keys(ETHNICITIES).length, 58, 'nothing else in the table')
  const padded: Array<[string, string]> = [['1', '01'], ['5', '05'], ['9', '09'], [' 01 ', '01'], ['０５', '05'], ['５', '05'], ['\u300056', '56']]
  for (const [input, value] of padded) {
    const r = ethnicityCode(input)
    t.equal(r.ok ? r.value : r.error.code, value, JSON.stringify(input))
  }
  for (const input of ['', '0', '00', '57', '96', '99', '001', '100', 'HA', '其他族', '汉人', '族', 'toString']) {
    const r = ethnicityCode(input)
    t.equal(r.ok ? 'ok' : r.error.code, 'TB_CODE_UNKNOWN', JSON.stringify(input))
    if (!r.ok) t.ok(r.error.message.includes(JSON.stringify(input)) && r.error.message.includes('GB/T 3304'), `names the value and the table: ${r.error.message}`)
  }
})

t.test('GB/T 3304 names, with and without 族, normalise to their codes', async (t) => {
  NAMES.forEach((name, i) => {
    const code = String(i + 1).padStart(2, '0')
    t.same(ethnicityCode(name), { ok: true, value: code, details: { name } }, name)
    t.same(ethnicityCode(name.slice(0, -1)), { ok: true, value: code, details: { name } }, `${name.slice(0, -1)} (without 族)`)
  })
  t.same(ethnicityCode(' 汉族\u3000'), { ok: true, value: '01', details: { name: '汉族' } }, 'trimmed')
  t.same(ethnicityCode('土'), { ok: true, value: '30', details: { name: '土族' } }, '土 is 土族, not 土家族')
  t.same(ethnicityCode('土家'), { ok: true, value: '15', details: { name: '土家族' } })
  t.same(ethnicityCode('其他'), { ok: true, value: '97', details: { name: '其他' } }, '其他 by its name, which has no 族 to drop')
  t.same(ethnicityCode('外国血统中国籍人士'), { ok: true, value: '98', details: { name: '外国血统中国籍人士' } })
})

t.test('ethnicityName shows a code by name', async (t) => {
  t.equal(ethnicityName('01'), '汉族')
  t.equal(ethnicityName('56'), '基诺族')
  t.equal(ethnicityName('97'), '其他')
  t.equal(ethnicityName('57'), undefined)
  t.equal(ethnicityName('toString'), undefined)
})

t.test('codeTable builds a normaliser for any table', async (t) => {
  const status = codeTable('DJZT registration status', { 1: 'in-business', 2: 'revoked', 3: 'deregistered', 4: 'moved-out' } as const)
  t.same(status('1'), { ok: true, value: 'in-business' })
  t.same(status(' 3\u3000'), { ok: true, value: 'deregistered' }, 'trimmed')
  const bad = status('5')
  t.equal(bad.ok ? 'ok' : bad.error.code, 'TB_CODE_UNKNOWN')
  t.match(bad.ok ? '' : bad.error.message, /"5".*"DJZT registration status"/, 'names the value and the table')
  for (const key of ['toString', 'hasOwnProperty', '__proto__', 'constructor', '']) {
    t.equal(status(key).ok, false, `prototype key ${JSON.stringify(key)} is not a code`)
  }
  const objects = codeTable('objects', { a: { n: 1 } })
  t.same(objects('a'), { ok: true, value: { n: 1 } }, 'any value type')
})
