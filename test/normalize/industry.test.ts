import t from 'tap'
import { enterpriseTypeName, industryName } from '../../src/normalize/index.ts'

t.test('GB/T 4754 industry codes by name: section and two-digit division', async (t) => {
  const manufacturing = { section: 'C', sectionName: '制造业' }
  t.same(industryName('C3311'), { ...manufacturing, division: '33', divisionName: '金属制品业' }, 'a class: its division')
  t.same(industryName('3311'), { ...manufacturing, division: '33', divisionName: '金属制品业' }, 'digits alone')
  t.same(industryName('c33'), { ...manufacturing, division: '33', divisionName: '金属制品业' }, 'a division, lower case')
  t.same(industryName(' C '), manufacturing, 'a section alone')
  t.same(industryName('A0111'), { section: 'A', sectionName: '农、林、牧、渔业', division: '01', divisionName: '农业' }, 'the first division')
  t.same(industryName('T97'), { section: 'T', sectionName: '国际组织', division: '97', divisionName: '国际组织' }, 'the last division')
  // every division the market-regulation simulator sends, and each section's bounds
  const expected: Record<string, [string, string]> = {
    A0164: ['A', '农业'], A0412: ['A', '渔业'], A0211: ['A', '林业'], C1713: ['C', '纺织业'], C1810: ['C', '纺织服装、服饰业'],
    C2231: ['C', '造纸和纸制品业'], C2659: ['C', '化学原料和化学制品制造业'], C2929: ['C', '橡胶和塑料制品业'],
    C3021: ['C', '非金属矿物制品业'], C3429: ['C', '通用设备制造业'], C3525: ['C', '专用设备制造业'], C3670: ['C', '汽车制造业'],
    C3770: ['C', '铁路、船舶、航空航天和其他运输设备制造业'], C3851: ['C', '电气机械和器材制造业'],
    C3982: ['C', '计算机、通信和其他电子设备制造业'], E4890: ['E', '土木工程建筑业'], F5165: ['F', '批发业'],
    F5191: ['F', '批发业'], G5430: ['G', '道路运输业'], H6210: ['H', '餐饮业'], I6510: ['I', '软件和信息技术服务业'],
    M7514: ['M', '科技推广和应用服务业'], O8019: ['O', '居民服务业'],
    B06: ['B', '煤炭开采和洗选业'], B12: ['B', '其他采矿业'], C13: ['C', '农副食品加工业'], C43: ['C', '金属制品、机械和设备修理业'],
    D44: ['D', '电力、热力生产和供应业'], E47: ['E', '房屋建筑业'], K70: ['K', '房地产业'], P83: ['P', '教育'],
    Q85: ['Q', '社会工作'], R90: ['R', '娱乐业'], S91: ['S', '中国共产党机关'], S96: ['S', '基层群众自治组织及其他组织'],
  }
  for (const [code, [section, divisionName]] of Object.entries(expected)) {
    t.match(industryName(code), { section, divisionName }, code)
  }
  for (const code of ['', 'X', 'U', 'A33', 'C01', '98', '00', '3', 'C33111', 'C-33', '制造业']) {
    t.equal(industryName(code), undefined, `not a code: ${JSON.stringify(code)}`)
  }
})

t.test('enterprise type codes by name', async (t) => {
  // every type the market-regulation simulator sends
  const expected: Record<string, string> = {
    1130: '有限责任公司(自然人投资或控股)',
    1150: '一人有限责任公司',
    1151: '有限责任公司(自然人独资)',
    1152: '有限责任公司(自然人投资或控股的法人独资)',
    1190: '其他有限责任公司',
    1212: '股份有限公司(上市、自然人投资或控股)',
    2130: '有限责任公司分公司(自然人投资或控股)',
    4530: '合伙企业',
    9100: '农民专业合作社',
  }
  for (const [code, name] of Object.entries(expected)) t.equal(enterpriseTypeName(code), name, code)
  t.equal(enterpriseTypeName(' 5110 '), '有限责任公司(中外合资)', 'trimmed')
  t.equal(enterpriseTypeName('5190'), '其他外商投资有限责任公司', 'a generic name in a foreign family names the family')
  for (const code of ['', '1000', '8100', '11300', 'toString']) t.equal(enterpriseTypeName(code), undefined, JSON.stringify(code))
})
