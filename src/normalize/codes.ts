// Code tables: GB/T 2261.1 gender, GB/T 3304 ethnic groups, and a factory for any other table.
import { toHalfWidth, trimSpace } from './chars.ts'
import { fail, ok, type Normalized } from './result.ts'

/** TB_CODE_UNKNOWN naming the value and the table. */
function unknownCode (table: string, input: string): ReturnType<typeof fail> {
  const failure = fail('TB_CODE_UNKNOWN', input)
  failure.error.message += ` ${JSON.stringify(table)}`
  return failure
}

/**
 * A normaliser for a fixed code table: the trimmed input (full-width made half-width) must be a
 * key of `table`; the answer is its value. Unknown codes are TB_CODE_UNKNOWN naming the table.
 */
export function codeTable<T> (name: string, table: Readonly<Record<string, T>>): (input: string) => Normalized<T> {
  return (input: string): Normalized<T> => {
    const key = trimSpace(toHalfWidth(input))
    if (!Object.hasOwn(table, key)) return unknownCode(name, input)
    return ok(table[key] as T)
  }
}

export type Gender = 'male' | 'female' | 'unknown'

/**
 * GB/T 2261.1-2003: 0 unknown (未知的性别), 1 male, 2 female, 9 not stated (未说明的性别); by code,
 * by the standard's name, and by the forms departments write (男性, 女性).
 */
const GENDERS: Readonly<Record<string, Gender>> = Object.freeze({
  0: 'unknown', 1: 'male', 2: 'female', 9: 'unknown',
  男: 'male', 女: 'female', 未知的性别: 'unknown', 未说明的性别: 'unknown',
  男性: 'male', 女性: 'female',
})

/** GB/T 2261.1 gender code or name -> 'male' | 'female' | 'unknown'. */
export const genderCode: (input: string) => Normalized<Gender> = codeTable('GB/T 2261.1 gender', GENDERS)

const GENDER_NAMES: Readonly<Record<Gender, string>> = Object.freeze({ male: '男', female: '女', unknown: '未知' })

/** The name to show for a normalised gender: 男, 女, 未知. */
export function genderName (gender: Gender): string {
  return GENDER_NAMES[gender]
}

/** GB/T 3304-1991 names of the 56 ethnic groups, in code order 01..56. */
const ETHNIC_NAMES = [
  '汉族', '蒙古族', '回族', '藏族', '维吾尔族', '苗族', '彝族', '壮族', '布依族', '朝鲜族',
  '满族', '侗族', '瑶族', '白族', '土家族', '哈尼族', '哈萨克族', '傣族', '黎族', '傈僳族',
  '佤族', '畲族', '高山族', '拉祜族', '水族', '东乡族', '纳西族', '景颇族', '柯尔克孜族', '土族',
  '达斡尔族', '仫佬族', '羌族', '布朗族', '撒拉族', '毛南族', '仡佬族', '锡伯族', '阿昌族', '普米族',
  '塔吉克族', '怒族', '乌孜别克族', '俄罗斯族', '鄂温克族', '德昂族', '保安族', '裕固族', '京族', '塔塔尔族',
  '独龙族', '鄂伦春族', '赫哲族', '门巴族', '珞巴族', '基诺族',
] as const

/** GB/T 3304 code -> name: 01..56, 97 other (其他), 98 foreign-born Chinese citizens (外国血统中国籍人士). */
export const ETHNICITIES: Readonly<Record<string, string>> = Object.freeze(Object.fromEntries([
  ...ETHNIC_NAMES.map((name, i) => [String(i + 1).padStart(2, '0'), name] as const),
  ['97', '其他'],
  ['98', '外国血统中国籍人士'],
]))

/**
 * Code by name: the standard's names (汉族, 其他, 外国血统中国籍人士) and the 56 groups' names
 * without 族 (汉, 蒙古). Only names that end in 族 lose it: 其他 has no short form.
 */
const ETHNICITY_BY_NAME: ReadonlyMap<string, string> = new Map(Object.entries(ETHNICITIES).flatMap(([code, name]) =>
  name.endsWith('族') ? [[name, code], [name.slice(0, -1), code]] : [[name, code]]))

/** GB/T 3304 ethnic group code -> two digits ('1' -> '01'), with the group's name; a name (汉族, 汉) -> its code. */
export function ethnicityCode (input: string): Normalized<string, { name: string }> {
  let key = trimSpace(toHalfWidth(input))
  if (key.length === 1 && key >= '0' && key <= '9') key = `0${key}`
  key = ETHNICITY_BY_NAME.get(key) ?? key
  const name = Object.hasOwn(ETHNICITIES, key) ? ETHNICITIES[key] : undefined
  if (name === undefined) return unknownCode('GB/T 3304 ethnic group', input)
  return ok(key, { name })
}

/** The name of a GB/T 3304 ethnic group code ('01' -> 汉族), or undefined for an unknown code. */
export function ethnicityName (code: string): string | undefined {
  return Object.hasOwn(ETHNICITIES, code) ? ETHNICITIES[code] : undefined
}
