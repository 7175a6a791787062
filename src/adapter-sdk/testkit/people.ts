// The test population's names, ethnic groups and phone numbers, shared by every department
// simulator so a person one department knows is written the way another writes them. Weights are
// rough frequencies for 常州 and the names' eras follow the birth year: a simulator's register
// then looks like a real one to search, de-duplicate and match.
import { digits, pick, type Rng } from './random.ts'

/** Surnames with rough relative frequencies (compound surnames included, rarely). */
export const SURNAMES: readonly (readonly [string, number])[] = [
  ['王', 72], ['李', 70], ['张', 68], ['刘', 54], ['陈', 46], ['杨', 32], ['黄', 24], ['赵', 22], ['吴', 21], ['周', 20],
  ['徐', 19], ['孙', 16], ['马', 15], ['朱', 14], ['胡', 13], ['郭', 12], ['何', 11], ['高', 11], ['林', 10], ['罗', 10],
  ['郑', 9], ['梁', 9], ['谢', 8], ['宋', 7], ['唐', 7], ['许', 7], ['韩', 6], ['冯', 6], ['邓', 6], ['曹', 6],
  ['彭', 5], ['曾', 5], ['肖', 5], ['田', 5], ['董', 5], ['袁', 5], ['潘', 5], ['于', 5], ['蒋', 5], ['蔡', 5],
  ['余', 4], ['杜', 4], ['叶', 4], ['程', 4], ['苏', 4], ['魏', 4], ['吕', 4], ['丁', 4], ['任', 4], ['沈', 4],
  ['姚', 3], ['卢', 3], ['姜', 3], ['崔', 3], ['钟', 3], ['谭', 3], ['陆', 3], ['汪', 3], ['范', 3], ['金', 3],
  ['顾', 3], ['钱', 3], ['恽', 1], ['盛', 2], ['庄', 2], ['缪', 1], ['欧阳', 1], ['司马', 0.3], ['诸葛', 0.2], ['上官', 0.2],
]

const MALE_OLD = ['建国', '建华', '国强', '志强', '德明', '福生', '长根', '金宝', '国平', '永康', '保国', '荣生']
const FEMALE_OLD = ['秀英', '桂英', '秀兰', '玉兰', '桂兰', '凤英', '美华', '月娥', '素珍', '玉珍', '小妹', '金凤']
const MALE = ['伟', '强', '磊', '军', '洋', '勇', '杰', '涛', '明', '超', '刚', '平', '辉', '鹏', '华', '飞', '波', '斌', '健', '俊', '宁', '峰', '亮', '东', '海', '志刚', '建军', '晓东', '海峰', '文杰']
const FEMALE = ['芳', '娜', '敏', '静', '丽', '艳', '娟', '霞', '婷', '雪', '琳', '倩', '颖', '红', '萍', '玲', '燕', '丹', '晓燕', '丽娟', '海燕', '春梅', '雪梅', '文静']
const MALE_NEW = ['子轩', '浩然', '宇轩', '一鸣', '俊杰', '梓豪', '浩宇', '宇航', '皓轩', '子墨', '睿', '轩', '泽', '博文', '思远']
const FEMALE_NEW = ['欣怡', '梓萱', '诗涵', '雨涵', '子涵', '思雨', '可馨', '一诺', '语桐', '若汐', '悦', '彤', '佳怡', '雨桐', '梦瑶']

/** A given name of the birth year's era: older people more often carry the names of their time. */
export function givenName (r: Rng, male: boolean, birthYear: number): string {
  if (birthYear < 1965 && r() < 0.6) return pick(r, male ? MALE_OLD : FEMALE_OLD)
  if (birthYear >= 2000 && r() < 0.7) return pick(r, male ? MALE_NEW : FEMALE_NEW)
  return pick(r, male ? MALE : FEMALE)
}

/** Uyghur given names; a full name is given name · father's name (the middle dot U+00B7). */
export const UYGHUR_MALE: readonly string[] = ['买买提', '艾力', '吐尔逊', '阿不都热合曼', '亚森', '艾尔肯', '努尔兰', '麦麦提敏']
export const UYGHUR_FEMALE: readonly string[] = ['阿依古丽', '古丽娜尔', '热依拉', '迪丽努尔', '帕提古丽', '米娜瓦尔', '再努尔', '阿娜尔']
/** Tibetan names, one or two of them making a full name. */
export const TIBETAN: readonly string[] = ['扎西', '卓玛', '次仁', '多吉', '央金', '格桑', '拉姆', '平措']

/** GB/T 3304 ethnic group codes with rough weights for 常州: `05` (Uyghur) and `04` (Tibetan) name differently. */
export const ETHNICITIES: readonly (readonly [string, number])[] = [
  ['01', 920], ['03', 20], ['11', 10], ['02', 6], ['06', 6], ['08', 6], ['15', 6], ['05', 12], ['04', 4],
  ['09', 2], ['10', 2], ['97', 1], ['98', 1],
]

const MOBILE_PREFIXES = ['130', '131', '132', '133', '135', '136', '137', '138', '139', '150', '151', '152', '155', '157', '158', '159', '166', '177', '180', '181', '182', '186', '187', '188', '189', '191', '199']

/** An 11-digit mobile number. */
export const mobilePhone = (r: Rng): string => pick(r, MOBILE_PREFIXES) + digits(r, 8)

/** A 常州 landline with its area code, as forms write it (0519-8xxxxxxx). */
export const landline = (r: Rng): string => `0519-8${digits(r, 7)}`
