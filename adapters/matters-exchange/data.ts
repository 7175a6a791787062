// The provincial catalogue (实施清单) as the simulated platform serves it for 武进区湟里镇
// (320412120): the matters on the town's power list, each version an item in the spec's shape,
// with the history production shows — bulk-loaded versions sharing one updateTime, later
// versions, a withdrawn matter, one not in force yet, and a taskVersion sent twice with different
// content. Codes carry real check characters (GB 32100, GB 11714); the data is fixed, not drawn.
import { creditCodeCheckChar, orgCodeCheckChar } from '../../src/adapter-sdk/testkit/check-characters.ts'

export const TOWN = '320412120'
export const TOWN_NAME = '常州市武进区湟里镇'
/** The app id the platform registered for the town. */
export const APP_ID = `T${TOWN}`

/** A government body's unified social credit code: `11` (机关), its division, its organisation code. */
function organCode (kind: '11' | '12' | '51', division: string, org8: string): string {
  const first17 = `${kind}${division}${org8}${orgCodeCheckChar(org8)}`
  return first17 + creditCodeCheckChar(first17)
}

/** Level digit of the implementing body in taskCode: 4 county, 5 town. */
const DEPARTMENTS = {
  town: { name: '常州市武进区湟里镇人民政府', code: organCode('11', '320412', '01416025'), level: '5' },
  civil: { name: '常州市武进区民政局', code: organCode('11', '320412', '01415328'), level: '4' },
  hrss: { name: '常州市武进区人力资源和社会保障局', code: organCode('11', '320412', '01415416'), level: '4' },
  health: { name: '常州市武进区卫生健康局', code: organCode('11', '320412', '01415723'), level: '4' },
  medical: { name: '常州市武进区医疗保障局', code: organCode('11', '320412', 'MB1K3C2G'), level: '4' },
  market: { name: '常州市武进区市场监督管理局', code: organCode('11', '320412', 'MB1504D7'), level: '4' },
  planning: { name: '常州市自然资源和规划局武进分局', code: organCode('11', '320412', 'MB0L7X4A'), level: '4' },
  agriculture: { name: '常州市武进区农业农村局', code: organCode('11', '320412', '01415811'), level: '4' },
  disabled: { name: '常州市武进区残疾人联合会', code: organCode('51', '320412', '46661238'), level: '4' },
  police: { name: '常州市公安局武进分局', code: organCode('11', '320412', '01415205'), level: '4' },
  veterans: { name: '常州市武进区退役军人事务局', code: organCode('11', '320412', 'MB1F2A1N'), level: '4' },
} as const
type Dept = keyof typeof DEPARTMENTS

export const TOWN_GOVERNMENT = { name: DEPARTMENTS.town.name, creditCode: DEPARTMENTS.town.code }

export interface FeeItem { feeName: string, feeStand: string, byLaw: string }
export interface MaterialItem { materialName: string, materialType: string, isNeed: string, sourceType: string, pageNum: number, fillExplain: string }
export interface FormFieldItem { name: string, label: string, type: string, required: boolean, options?: string[] }
export interface FormItem { formName: string, fields: FormFieldItem[] }

/** One catalogue item: one version of one matter, as the spec's table has it. */
export interface TaskItem {
  catalogCode: string
  taskCode: string
  taskHandleItem: string
  taskName: string
  taskType: string
  taskVersion: number
  taskState: string
  planEffectiveDate: string
  planCancelDate?: string
  deptName: string
  deptCode: string
  entrust: string
  byLaw: string
  anticipateDay: number
  anticipateType: string
  promiseDay: number
  promiseType: string
  projectType: string
  limitSceneNum: number
  isFee: string
  fees: FeeItem[]
  acceptCondition: string
  materials: MaterialItem[]
  forms: FormItem[]
  transactAddr: string
  transactTime: string
  linkWay: string
  superviseWay: string
  updateTime: string
}

// materials: [name, type 1 original 2 copy 3 electronic, need 1 required 2 as the case may be, source 1 applicant 2 sharing, pages, explain]
type M = readonly [string, 1 | 2 | 3, 1 | 2, 1 | 2, number, string]
const material = ([materialName, type, need, source, pageNum, fillExplain]: M): MaterialItem =>
  ({ materialName, materialType: String(type), isNeed: String(need), sourceType: String(source), pageNum, fillExplain })

// Shared by government (免提交 when the household register answers for them).
const ID_CARD: M = ['居民身份证', 1, 1, 2, 1, '通过公安人口信息共享核验，免提交']
const HOUSEHOLD_BOOK: M = ['户口簿', 1, 1, 2, 1, '通过公安人口信息共享核验，免提交']
const BUSINESS_LICENCE: M = ['营业执照', 1, 1, 2, 1, '通过市场监管登记信息共享核验，免提交']
const PHOTO: M = ['近期免冠彩色照片', 3, 1, 1, 1, '白底二寸，电子照片亦可']

// form fields named and typed as the canonical model has them, so the window can fill them in
const f = (name: string, label: string, type: string, required = true, options?: string[]): FormFieldItem =>
  ({ name, label, type, required, ...(options ? { options } : {}) })
const PERSON_FIELDS: FormFieldItem[] = [
  f('name', '姓名', 'text'), f('idNumber', '公民身份号码', 'idNumber'), f('gender', '性别', 'select', true, ['男', '女']),
  f('birthDate', '出生日期', 'date'), f('phone', '联系电话', 'phone'), f('address', '现住址', 'text'), f('division', '户籍所在村（社区）', 'division'),
]
const APPLICANT_FIELDS: FormFieldItem[] = [f('name', '申请人姓名', 'text'), f('idNumber', '公民身份号码', 'idNumber'), f('phone', '联系电话', 'phone'), f('address', '家庭住址', 'text')]
const ASSISTANCE_STATUS = f('assistanceStatus', '救助对象类别', 'select', false, ['城乡低保', '特困供养', '低收入家庭', '其他'])
const ENTERPRISE_FIELDS: FormFieldItem[] = [
  f('enterpriseName', '名称', 'text'), f('creditCode', '统一社会信用代码', 'creditCode'), f('legalRepresentative', '经营者（法定代表人）', 'text'),
  f('idNumber', '经营者公民身份号码', 'idNumber'), f('phone', '联系电话', 'phone'), f('address', '经营场所', 'text'),
]

const ADDRESS = '常州市武进区湟里镇人民路8号湟里镇为民服务中心一楼全科窗口'
const HOURS = '周一至周五 上午8:30—12:00，下午13:30—17:00（法定节假日除外）'
const CONTACT = '湟里镇为民服务中心 0519-86571234'
const SUPERVISE = '12345政务服务便民热线；湟里镇纪委 0519-86571110'

interface MatterDef {
  /** Basic code: type, area of law and sequence, 12 characters. */
  catalogCode: string
  name: string
  type: '01' | '02' | '07' | '10' | '20'
  dept: Dept
  byLaw: string
  /** [days, unit 1 working 2 calendar] */
  legal: readonly [number, 1 | 2]
  promise: readonly [number, 1 | 2]
  projectType: 1 | 2
  visits: 0 | 1 | 2
  fees?: FeeItem[]
  condition: string
  materials: readonly M[]
  forms: FormItem[]
  effective: string
  /** 联办: a county department decides; its steps and result come back by webhook. */
  joint?: boolean
}

const MATTERS: readonly MatterDef[] = [
  {
    catalogCode: '000120001000', name: '城乡居民养老保险参保登记', type: '20', dept: 'hrss',
    byLaw: '《中华人民共和国社会保险法》第二十条、第二十二条；《国务院关于建立统一的城乡居民基本养老保险制度的意见》（国发〔2014〕8号）',
    legal: [5, 1], promise: [0, 1], projectType: 1, visits: 1,
    condition: '年满16周岁（不含在校学生），非国家机关和事业单位工作人员及不属于职工基本养老保险制度覆盖范围的城乡居民，可在户籍地参加城乡居民养老保险。',
    materials: [ID_CARD, HOUSEHOLD_BOOK, ['城乡居民基本养老保险参保登记表', 1, 1, 1, 1, '申请人签字']],
    forms: [{ formName: '城乡居民基本养老保险参保登记表', fields: [...PERSON_FIELDS, f('contributionLevel', '缴费档次（元/年）', 'select', true, ['300', '500', '800', '1000', '1500', '2000', '3000'])] }],
    effective: '2021-01-01',
  },
  {
    catalogCode: '000220002000', name: '城乡居民养老保险待遇申领', type: '02', dept: 'hrss',
    byLaw: '《中华人民共和国社会保险法》第二十一条；《国务院关于建立统一的城乡居民基本养老保险制度的意见》（国发〔2014〕8号）',
    legal: [20, 1], promise: [10, 1], projectType: 2, visits: 1,
    condition: '参加城乡居民养老保险、年满60周岁、累计缴费满15年且未领取国家规定的基本养老保障待遇的人员。',
    materials: [ID_CARD, HOUSEHOLD_BOOK, ['城乡居民基本养老保险待遇申领表', 1, 1, 1, 1, ''], ['本人社会保障卡或银行账户信息', 2, 1, 1, 1, '']],
    forms: [{ formName: '城乡居民基本养老保险待遇申领表', fields: [...PERSON_FIELDS, f('bankAccount', '银行账号', 'text')] }],
    effective: '2021-01-01',
  },
  {
    catalogCode: '000202003000', name: '临时救助申请', type: '02', dept: 'town',
    byLaw: '《社会救助暂行办法》第四十七条至第五十条；《江苏省社会救助办法》；《国务院关于全面建立临时救助制度的通知》（国发〔2014〕47号）',
    legal: [15, 1], promise: [7, 1], projectType: 2, visits: 1,
    condition: '因火灾、交通事故等意外事件，家庭成员突发重大疾病等原因导致基本生活暂时出现严重困难的家庭或个人；因生活必需支出突然增加超出家庭承受能力的最低生活保障家庭。',
    materials: [ID_CARD, HOUSEHOLD_BOOK, ['临时救助申请书', 1, 1, 1, 1, '写明困难原因，申请人签字'], ['家庭经济状况说明', 1, 1, 1, 1, ''], ['医疗费用票据', 2, 2, 1, 0, '因病申请的提供']],
    forms: [{ formName: '临时救助申请审批表', fields: [...APPLICANT_FIELDS, f('reason', '困难原因', 'select', true, ['因病致困', '因灾致困', '因意外事故致困', '其他']), f('amount', '申请金额（元）', 'number'), ASSISTANCE_STATUS] }],
    effective: '2021-01-01',
  },
  {
    catalogCode: '000202004000', name: '最低生活保障申请', type: '02', dept: 'civil',
    byLaw: '《社会救助暂行办法》第九条至第十六条；《江苏省最低生活保障工作规程》',
    legal: [30, 1], promise: [20, 1], projectType: 2, visits: 1, joint: true,
    condition: '持有本地户籍，共同生活的家庭成员人均收入低于当地最低生活保障标准，且家庭财产状况符合规定条件的家庭。',
    materials: [ID_CARD, HOUSEHOLD_BOOK, ['最低生活保障申请书', 1, 1, 1, 1, ''], ['家庭经济状况核对授权书', 1, 1, 1, 1, '全体家庭成员签字'], ['残疾人证', 2, 2, 2, 1, '家庭成员有残疾的，通过残联信息共享核验']],
    forms: [{ formName: '最低生活保障申请表', fields: [...APPLICANT_FIELDS, f('division', '户籍所在村（社区）', 'division'), f('householdSize', '共同生活家庭人口', 'number'), f('monthlyIncome', '家庭月总收入（元）', 'number'), ASSISTANCE_STATUS] }],
    effective: '2021-01-01',
  },
  {
    catalogCode: '000202005000', name: '特困人员救助供养申请', type: '02', dept: 'civil',
    byLaw: '《社会救助暂行办法》第十四条至第二十一条；《国务院关于进一步健全特困人员救助供养制度的意见》（国发〔2016〕14号）',
    legal: [30, 1], promise: [20, 1], projectType: 2, visits: 1, joint: true,
    condition: '无劳动能力、无生活来源、无法定赡养抚养扶养义务人或者其法定义务人无履行义务能力的老年人、残疾人以及未满16周岁的未成年人。',
    materials: [ID_CARD, HOUSEHOLD_BOOK, ['特困人员救助供养申请书', 1, 1, 1, 1, ''], ['残疾人证', 2, 2, 2, 1, '']],
    forms: [{ formName: '特困人员救助供养申请表', fields: [...PERSON_FIELDS, f('careType', '供养形式', 'select', true, ['分散供养', '集中供养']), ASSISTANCE_STATUS] }],
    effective: '2021-01-01',
  },
  {
    catalogCode: '000202006000', name: '独生子女父母奖励', type: '02', dept: 'health',
    byLaw: '《中华人民共和国人口与计划生育法》第二十七条；《江苏省人口与计划生育条例》第三十四条',
    legal: [20, 1], promise: [10, 1], projectType: 2, visits: 1,
    condition: '在国家提倡一对夫妻生育一个子女期间自愿终身只生育一个子女并领取《独生子女父母光荣证》的夫妻。',
    materials: [ID_CARD, HOUSEHOLD_BOOK, ['独生子女父母光荣证', 1, 1, 1, 1, ''], ['结婚证', 1, 1, 2, 1, '通过民政婚姻登记信息共享核验']],
    forms: [{ formName: '独生子女父母奖励申请表', fields: [...PERSON_FIELDS, f('spouseName', '配偶姓名', 'text'), f('spouseIdNumber', '配偶公民身份号码', 'idNumber'), f('childName', '子女姓名', 'text'), f('childBirthDate', '子女出生日期', 'date')] }],
    effective: '2021-01-01',
  },
  {
    catalogCode: '000202007000', name: '农村部分计划生育家庭奖励扶助', type: '02', dept: 'health',
    byLaw: '《中华人民共和国人口与计划生育法》第二十七条；《关于开展对农村部分计划生育家庭实行奖励扶助制度试点工作的意见》（国办发〔2004〕21号）',
    legal: [30, 2], promise: [20, 1], projectType: 2, visits: 1, joint: true,
    condition: '本人及配偶均为农业户口或界定为农村居民户口，只生育一个子女或两个女孩或子女死亡现无子女，年满60周岁。',
    materials: [ID_CARD, HOUSEHOLD_BOOK, ['农村部分计划生育家庭奖励扶助对象确认申报表', 1, 1, 1, 1, '']],
    forms: [{ formName: '奖励扶助对象确认申报表', fields: [...PERSON_FIELDS, f('spouseName', '配偶姓名', 'text')] }],
    effective: '2021-01-01',
  },
  {
    catalogCode: '000120008000', name: '生育登记', type: '20', dept: 'town',
    byLaw: '《中华人民共和国人口与计划生育法》；《江苏省生育登记服务管理办法》',
    legal: [1, 1], promise: [0, 1], projectType: 1, visits: 0,
    condition: '户籍或现居住地在本镇、按规定生育子女的夫妻。',
    materials: [ID_CARD, HOUSEHOLD_BOOK, ['结婚证', 1, 2, 2, 1, '通过民政婚姻登记信息共享核验']],
    forms: [{ formName: '生育服务登记表', fields: [...PERSON_FIELDS, f('spouseName', '配偶姓名', 'text'), f('spouseIdNumber', '配偶公民身份号码', 'idNumber'), f('childOrder', '生育孩次', 'select', true, ['一孩', '二孩', '三孩'])] }],
    effective: '2021-01-01',
  },
  {
    catalogCode: '000101009000', name: '再生育审批', type: '01', dept: 'town',
    byLaw: '《江苏省人口与计划生育条例》（2016年修正）第二十八条',
    legal: [20, 1], promise: [10, 1], projectType: 2, visits: 1,
    condition: '符合法定条件要求再生育子女的夫妻。',
    materials: [ID_CARD, HOUSEHOLD_BOOK, ['再生育申请书', 1, 1, 1, 1, '']],
    forms: [{ formName: '再生育申请审批表', fields: [...PERSON_FIELDS, f('spouseName', '配偶姓名', 'text')] }],
    effective: '2016-03-01',
  },
  {
    catalogCode: '000101010000', name: '个体工商户设立登记', type: '01', dept: 'market',
    byLaw: '《促进个体工商户发展条例》；《中华人民共和国市场主体登记管理条例》第三条、第十九条',
    legal: [3, 1], promise: [1, 1], projectType: 2, visits: 0,
    condition: '有经营能力的自然人依法办理登记，申请材料齐全、符合法定形式。',
    materials: [ID_CARD, ['个体工商户登记（备案）申请书', 1, 1, 1, 2, '经营者签字'], ['经营场所使用证明', 2, 1, 1, 1, '房屋产权证明或租赁协议']],
    forms: [{ formName: '个体工商户登记（备案）申请书', fields: [f('enterpriseName', '个体工商户名称', 'text', false), f('legalRepresentative', '经营者姓名', 'text'), f('idNumber', '经营者公民身份号码', 'idNumber'), f('phone', '联系电话', 'phone'), f('address', '经营场所', 'text'), f('division', '经营场所所在村（社区）', 'division'), f('businessScope', '经营范围', 'text'), f('capital', '资金数额（万元）', 'number')] }],
    effective: '2022-03-01',
  },
  {
    catalogCode: '000101011000', name: '个体工商户变更登记', type: '01', dept: 'market',
    byLaw: '《促进个体工商户发展条例》；《中华人民共和国市场主体登记管理条例》第二十四条',
    legal: [3, 1], promise: [1, 1], projectType: 2, visits: 0,
    condition: '个体工商户登记事项发生变化的，应当自作出变更决议、决定或者法定变更事项发生之日起30日内申请变更登记。',
    materials: [BUSINESS_LICENCE, ID_CARD, ['个体工商户变更登记申请书', 1, 1, 1, 1, '']],
    forms: [{ formName: '个体工商户变更登记申请书', fields: [...ENTERPRISE_FIELDS, f('changeItem', '变更事项', 'select', true, ['名称', '经营者', '经营范围', '经营场所', '组成形式'])] }],
    effective: '2022-03-01',
  },
  {
    catalogCode: '000101012000', name: '个体工商户注销登记', type: '01', dept: 'market',
    byLaw: '《中华人民共和国市场主体登记管理条例》第三十一条',
    legal: [3, 1], promise: [1, 1], projectType: 2, visits: 0,
    condition: '个体工商户决定终止经营、无债权债务或债权债务已清理完结。',
    materials: [BUSINESS_LICENCE, ['个体工商户注销登记申请书', 1, 1, 1, 1, '']],
    forms: [{ formName: '个体工商户注销登记申请书', fields: ENTERPRISE_FIELDS }],
    effective: '2022-03-01',
  },
  {
    catalogCode: '000101013000', name: '食品小作坊登记', type: '01', dept: 'market',
    byLaw: '《中华人民共和国食品安全法》第三十六条；《江苏省食品小作坊和食品摊贩管理条例》第十条',
    legal: [15, 1], promise: [10, 1], projectType: 2, visits: 2, joint: true,
    condition: '有与生产加工的食品品种、数量相适应的场所、设备设施和从业人员，符合食品安全要求。',
    materials: [BUSINESS_LICENCE, ['食品小作坊登记申请书', 1, 1, 1, 2, ''], ['从业人员健康证明', 2, 1, 1, 0, ''], ['生产加工场所平面图', 1, 1, 1, 1, '']],
    forms: [{ formName: '食品小作坊登记申请书', fields: [...ENTERPRISE_FIELDS, f('foodCategory', '生产加工食品类别', 'text')] }],
    effective: '2021-06-01',
  },
  {
    catalogCode: '000101014000', name: '农村村民住宅用地审批', type: '01', dept: 'town',
    byLaw: '《中华人民共和国土地管理法》第六十二条；《江苏省土地管理条例》第五十五条；《农业农村部 自然资源部关于规范农村宅基地审批管理的通知》（农经发〔2019〕6号）',
    legal: [20, 1], promise: [15, 1], projectType: 2, visits: 2, joint: true,
    condition: '本集体经济组织成员，符合“一户一宅”规定，申请用地符合国土空间规划和村庄规划，不占用永久基本农田。',
    materials: [ID_CARD, HOUSEHOLD_BOOK, ['农村宅基地和建房（规划许可）申请表', 1, 1, 1, 2, ''], ['农村宅基地使用承诺书', 1, 1, 1, 1, ''], ['村民小组会议记录', 1, 1, 1, 1, '村民小组会议讨论通过并公示'], ['住宅设计图', 1, 2, 1, 0, '选用通用图集的可不提供']],
    forms: [{ formName: '农村宅基地和建房（规划许可）申请表', fields: [...PERSON_FIELDS, f('householdSize', '家庭人口', 'number'), f('landArea', '申请用地面积（平方米）', 'number'), f('buildingType', '建房类型', 'select', true, ['原址翻建', '改扩建', '异址新建'])] }],
    effective: '2020-01-01',
  },
  {
    catalogCode: '000101015000', name: '乡村建设规划许可证核发', type: '01', dept: 'town',
    byLaw: '《中华人民共和国城乡规划法》第四十一条；《江苏省城乡规划条例》第四十二条',
    legal: [20, 1], promise: [15, 1], projectType: 2, visits: 1, joint: true,
    condition: '在乡、村庄规划区内进行乡镇企业、乡村公共设施和公益事业建设以及农村村民住宅建设。',
    materials: [ID_CARD, ['乡村建设规划许可申请表', 1, 1, 1, 1, ''], ['建设用地批准文件', 2, 1, 1, 0, '']],
    forms: [{ formName: '乡村建设规划许可申请表', fields: [...PERSON_FIELDS, f('landArea', '用地面积（平方米）', 'number'), f('floors', '建筑层数', 'number')] }],
    effective: '2020-01-01',
  },
  {
    catalogCode: '000202016000', name: '残疾人两项补贴申请', type: '02', dept: 'civil',
    byLaw: '《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》（国发〔2015〕52号）',
    legal: [30, 2], promise: [15, 1], projectType: 2, visits: 1, joint: true,
    condition: '持有第二代残疾人证的低保家庭残疾人（生活补贴），残疾等级为一级、二级且需要长期照护的重度残疾人（护理补贴）。',
    materials: [ID_CARD, HOUSEHOLD_BOOK, ['残疾人证', 1, 1, 2, 1, '通过残联信息共享核验，免提交'], ['残疾人两项补贴申请审批表', 1, 1, 1, 1, '']],
    forms: [{ formName: '残疾人两项补贴申请审批表', fields: [...PERSON_FIELDS, f('disabilityCertNo', '残疾人证号', 'text'), f('disabilityLevel', '残疾等级', 'select', true, ['一级', '二级', '三级', '四级']), f('subsidyType', '申请补贴类别', 'select', true, ['困难残疾人生活补贴', '重度残疾人护理补贴', '两项均申请']), ASSISTANCE_STATUS] }],
    effective: '2021-01-01',
  },
  {
    catalogCode: '000120017000', name: '残疾人证新办', type: '20', dept: 'disabled',
    byLaw: '《中华人民共和国残疾人保障法》；《中国残疾人联合会关于印发〈中华人民共和国残疾人证管理办法〉的通知》（残联发〔2017〕29号）',
    legal: [30, 2], promise: [20, 1], projectType: 2, visits: 2,
    condition: '符合残疾标准的视力、听力、言语、肢体、智力、精神及多重残疾人。',
    materials: [ID_CARD, HOUSEHOLD_BOOK, PHOTO, ['残疾评定表', 1, 1, 1, 2, '指定医疗机构评定']],
    forms: [{ formName: '残疾人证申请表', fields: [...PERSON_FIELDS, f('disabilityType', '残疾类别', 'select', true, ['视力', '听力', '言语', '肢体', '智力', '精神', '多重'])] }],
    effective: '2021-01-01',
  },
  {
    catalogCode: '000202018000', name: '高龄津贴申领', type: '02', dept: 'town',
    byLaw: '《中华人民共和国老年人权益保障法》第三十三条；《江苏省老年人权益保障条例》第三十条',
    legal: [15, 1], promise: [10, 1], projectType: 2, visits: 1,
    condition: '具有本镇户籍、年满80周岁的老年人。',
    materials: [ID_CARD, HOUSEHOLD_BOOK, ['高龄津贴申请表', 1, 1, 1, 1, ''], ['本人银行账户信息', 2, 1, 1, 1, '']],
    forms: [{ formName: '高龄津贴申请表', fields: [...PERSON_FIELDS, f('bankAccount', '银行账号', 'text')] }],
    effective: '2021-01-01',
  },
  {
    catalogCode: '000120019000', name: '城乡居民基本医疗保险参保登记', type: '20', dept: 'medical',
    byLaw: '《中华人民共和国社会保险法》第二十五条；《国务院关于整合城乡居民基本医疗保险制度的意见》（国发〔2016〕3号）',
    legal: [5, 1], promise: [0, 1], projectType: 1, visits: 0,
    fees: [{ feeName: '城乡居民基本医疗保险个人缴费', feeStand: '2027年度成年居民每人每年400元，学生儿童每人每年400元（以当年公布标准为准）', byLaw: '《常州市医疗保障局 常州市财政局 国家税务总局常州市税务局关于做好2027年度城乡居民基本医疗保险筹资工作的通知》' }],
    condition: '未参加职工基本医疗保险的本地户籍城乡居民及持有本地居住证的非本地户籍居民。',
    materials: [ID_CARD, HOUSEHOLD_BOOK, ['城乡居民基本医疗保险参保登记表', 1, 1, 1, 1, '']],
    forms: [{ formName: '城乡居民基本医疗保险参保登记表', fields: [...PERSON_FIELDS, f('insuredCategory', '参保人员类别', 'select', true, ['成年居民', '学生儿童', '新生儿', '低保及特困人员'])] }],
    effective: '2021-01-01',
  },
  {
    catalogCode: '000202020000', name: '医疗救助申请', type: '02', dept: 'medical',
    byLaw: '《社会救助暂行办法》第二十八条至第三十一条；《国务院办公厅关于健全重特大疾病医疗保险和救助制度的意见》（国办发〔2021〕42号）',
    legal: [20, 1], promise: [10, 1], projectType: 2, visits: 1, joint: true,
    condition: '最低生活保障家庭成员、特困供养人员、低收入家庭中的重病患者等，经基本医疗保险、大病保险报销后个人负担仍然较重的。',
    materials: [ID_CARD, ['医疗救助申请表', 1, 1, 1, 1, ''], ['医疗费用票据及结算单', 2, 1, 1, 0, ''], ['出院小结', 2, 2, 1, 0, '住院的提供']],
    forms: [{ formName: '医疗救助申请表', fields: [...APPLICANT_FIELDS, ASSISTANCE_STATUS, f('medicalCost', '自付医疗费用（元）', 'number')] }],
    effective: '2021-01-01',
  },
  {
    catalogCode: '000110021000', name: '犬只登记', type: '10', dept: 'police',
    byLaw: '《常州市养犬管理条例》第十二条',
    legal: [10, 1], promise: [5, 1], projectType: 2, visits: 1,
    fees: [{ feeName: '犬只登记管理费', feeStand: '重点管理区域每只每年100元，一般管理区域免收', byLaw: '《常州市养犬管理条例》第十五条' }],
    condition: '在本镇居住的完全民事行为能力人，所养犬只已接种狂犬病疫苗并植入电子标识。',
    materials: [ID_CARD, ['犬只免疫证明', 1, 1, 1, 1, ''], ['犬只正面及侧面照片', 3, 1, 1, 2, '']],
    forms: [{ formName: '犬只登记申请表', fields: [...APPLICANT_FIELDS, f('dogBreed', '犬只品种', 'text'), f('dogChipNo', '电子标识号', 'text')] }],
    effective: '2022-01-01',
  },
  {
    catalogCode: '000120022000', name: '退役军人优待证申领', type: '20', dept: 'veterans',
    byLaw: '《中华人民共和国退役军人保障法》第六十二条；《退役军人、其他优抚对象优待证管理办法（试行）》',
    legal: [30, 2], promise: [20, 1], projectType: 2, visits: 1,
    condition: '退役军人和烈士遗属、因公牺牲军人遗属、病故军人遗属。',
    materials: [ID_CARD, PHOTO, ['退役证件或优抚证件', 2, 1, 1, 1, '']],
    forms: [{ formName: '优待证申领表', fields: [...PERSON_FIELDS, f('serviceType', '优待对象类别', 'select', true, ['退役军人', '烈士遗属', '因公牺牲军人遗属', '病故军人遗属'])] }],
    effective: '2022-06-01',
  },
  {
    catalogCode: '000202023000', name: '义务兵家庭优待金发放', type: '02', dept: 'veterans',
    byLaw: '《军人抚恤优待条例》第三十五条；《江苏省军人抚恤优待办法》',
    legal: [20, 1], promise: [10, 1], projectType: 2, visits: 1, joint: true,
    condition: '从本镇应征入伍的义务兵家庭。',
    materials: [ID_CARD, HOUSEHOLD_BOOK, ['入伍通知书', 2, 1, 1, 1, '']],
    forms: [{ formName: '义务兵家庭优待金申请表', fields: [...APPLICANT_FIELDS, f('soldierName', '义务兵姓名', 'text'), f('enlistDate', '入伍日期', 'date')] }],
    effective: '2021-01-01',
  },
  {
    catalogCode: '000120024000', name: '失业登记', type: '20', dept: 'hrss',
    byLaw: '《中华人民共和国就业促进法》第四十二条；《就业服务与就业管理规定》第六十三条',
    legal: [1, 1], promise: [0, 1], projectType: 1, visits: 0,
    condition: '法定劳动年龄内，有劳动能力，有就业要求，处于无业状态的城乡劳动者。',
    materials: [ID_CARD, ['就业失业登记申请表', 3, 1, 1, 1, '']],
    forms: [{ formName: '就业失业登记申请表', fields: [...PERSON_FIELDS, f('lastEmployer', '原就业单位', 'text', false)] }],
    effective: '2021-01-01',
  },
  {
    catalogCode: '000107025000', name: '就业困难人员认定', type: '07', dept: 'hrss',
    byLaw: '《中华人民共和国就业促进法》第五十二条；《江苏省就业促进条例》第三十五条',
    legal: [15, 1], promise: [10, 1], projectType: 2, visits: 1,
    condition: '已办理失业登记，属于大龄失业人员、残疾人、低保家庭成员、零就业家庭成员等类别之一。',
    materials: [ID_CARD, ['就业困难人员认定申请表', 1, 1, 1, 1, ''], ['残疾人证', 2, 2, 2, 1, '残疾人员通过残联信息共享核验']],
    forms: [{ formName: '就业困难人员认定申请表', fields: [...PERSON_FIELDS, f('difficultyType', '困难类别', 'select', true, ['大龄失业人员', '残疾人', '低保家庭成员', '零就业家庭成员', '其他'])] }],
    effective: '2021-01-01',
  },
  {
    catalogCode: '000202026000', name: '灵活就业人员社会保险补贴申领', type: '02', dept: 'hrss',
    byLaw: '《中华人民共和国就业促进法》第十七条；《就业补助资金管理办法》（财社〔2017〕164号）',
    legal: [30, 2], promise: [15, 1], projectType: 2, visits: 1,
    condition: '就业困难人员灵活就业后缴纳社会保险费的。',
    materials: [ID_CARD, ['社会保险补贴申请表', 1, 1, 1, 1, ''], ['社会保险缴费凭证', 2, 1, 2, 0, '通过社保信息共享核验']],
    forms: [{ formName: '灵活就业人员社会保险补贴申请表', fields: [...PERSON_FIELDS, f('bankAccount', '银行账号', 'text')] }],
    effective: '2021-01-01',
  },
  {
    catalogCode: '000120027000', name: '老年人优待证办理', type: '20', dept: 'town',
    byLaw: '《中华人民共和国老年人权益保障法》第五十八条；《江苏省老年人权益保障条例》',
    legal: [5, 1], promise: [0, 1], projectType: 1, visits: 1,
    condition: '年满60周岁的本镇户籍老年人及常住本镇的非本地户籍老年人。',
    materials: [ID_CARD, PHOTO],
    forms: [{ formName: '老年人优待证申请表', fields: PERSON_FIELDS }],
    effective: '2021-01-01',
  },
  {
    catalogCode: '000202028000', name: '基本殡葬服务费用减免', type: '02', dept: 'civil',
    byLaw: '《殡葬管理条例》；《江苏省惠民殡葬政策实施办法》',
    legal: [30, 2], promise: [10, 1], projectType: 2, visits: 1,
    condition: '本镇户籍居民死亡后实行火化的，其家属可申请减免基本殡葬服务费用。',
    materials: [['死亡证明', 1, 1, 2, 1, '通过卫健死亡医学证明信息共享核验'], ['火化证明', 1, 1, 1, 1, ''], ['经办人居民身份证', 1, 1, 1, 1, '']],
    forms: [{ formName: '基本殡葬服务费用减免申请表', fields: [...APPLICANT_FIELDS, f('deceasedName', '逝者姓名', 'text'), f('deceasedIdNumber', '逝者公民身份号码', 'idNumber'), f('deathDate', '死亡日期', 'date')] }],
    effective: '2021-01-01',
  },
  {
    catalogCode: '000120029000', name: '居住证申领', type: '20', dept: 'police',
    byLaw: '《居住证暂行条例》第九条至第十二条',
    legal: [15, 2], promise: [10, 1], projectType: 2, visits: 2,
    fees: [{ feeName: '居住证工本费', feeStand: '首次申领免收；换领、补领每证20元', byLaw: '《居住证暂行条例》第十四条' }],
    condition: '离开常住户口所在地，在本地居住半年以上，符合有合法稳定就业、合法稳定住所、连续就读条件之一的公民。',
    materials: [['居民身份证', 1, 1, 1, 1, '非本地户籍，现场核验'], PHOTO, ['居住证明', 2, 1, 1, 1, '房屋租赁合同或产权证明']],
    forms: [{ formName: '居住证申领登记表', fields: [...PERSON_FIELDS, f('residenceSince', '来本地居住日期', 'date')] }],
    effective: '2021-01-01',
  },
  {
    catalogCode: '000110030000', name: '农村土地承包经营权流转合同备案', type: '10', dept: 'town',
    byLaw: '《中华人民共和国农村土地承包法》第三十六条；《农村土地经营权流转管理办法》第二十一条',
    legal: [10, 1], promise: [5, 1], projectType: 2, visits: 1,
    condition: '承包方依法采取出租（转包）、入股或者其他方式向他人流转土地经营权并签订书面合同。',
    materials: [ID_CARD, ['土地经营权流转合同', 1, 1, 1, 2, ''], ['受让方主体资格证明', 2, 1, 1, 1, '受让方为企业的提供营业执照']],
    forms: [{ formName: '农村土地经营权流转合同备案表', fields: [...APPLICANT_FIELDS, f('transfereeName', '受让方名称', 'text'), f('creditCode', '受让方统一社会信用代码', 'creditCode', false), f('area', '流转面积（亩）', 'number'), f('term', '流转期限（年）', 'number')] }],
    effective: '2021-03-01',
  },
  {
    catalogCode: '000202031000', name: '耕地地力保护补贴申领', type: '02', dept: 'agriculture',
    byLaw: '《财政部 农业部关于全面推开农业“三项补贴”改革工作的通知》（财农〔2016〕26号）',
    legal: [30, 2], promise: [20, 1], projectType: 2, visits: 1, joint: true,
    condition: '拥有耕地承包权的种地农民。',
    materials: [ID_CARD, ['耕地地力保护补贴面积申报表', 1, 1, 1, 1, ''], ['土地承包经营权证', 2, 1, 2, 1, '通过农业农村确权信息共享核验']],
    forms: [{ formName: '耕地地力保护补贴面积申报表', fields: [...APPLICANT_FIELDS, f('area', '申报面积（亩）', 'number'), f('bankAccount', '一卡通账号', 'text')] }],
    effective: '2021-01-01',
  },
  {
    catalogCode: '000202032000', name: '困难老年人居家养老服务补贴申领', type: '02', dept: 'town',
    byLaw: '《江苏省养老服务条例》第四十一条；《常州市居家养老服务补贴实施办法》（2026年修订）',
    legal: [20, 1], promise: [10, 1], projectType: 2, visits: 1,
    condition: '本镇户籍、年满60周岁的低保、特困、低收入家庭中失能或半失能老年人。',
    materials: [ID_CARD, HOUSEHOLD_BOOK, ['老年人能力评估报告', 1, 1, 1, 2, '第三方评估机构出具']],
    forms: [{ formName: '居家养老服务补贴申请表', fields: [...PERSON_FIELDS, ASSISTANCE_STATUS, f('careLevel', '失能等级', 'select', true, ['轻度失能', '中度失能', '重度失能'])] }],
    effective: '2027-01-01',
  },
  {
    catalogCode: '000120033000', name: '低收入人口动态监测信息登记', type: '20', dept: 'town',
    byLaw: '《民政部 财政部 国家乡村振兴局关于加强低收入人口动态监测做好分层分类社会救助工作的意见》（民发〔2023〕39号）',
    legal: [5, 1], promise: [3, 1], projectType: 2, visits: 0,
    condition: '基本生活出现困难、需要纳入低收入人口动态监测的本镇居民，可主动申报。',
    materials: [ID_CARD, ['困难情况自主申报表', 1, 1, 1, 1, '']],
    forms: [{ formName: '困难情况自主申报表', fields: [...APPLICANT_FIELDS, f('division', '所在村（社区）', 'division'), ASSISTANCE_STATUS, f('difficulty', '困难情况说明', 'text')] }],
    effective: '2023-12-01',
  },
]

/** Bulk load of the province's first list: every first version in the same second. */
const LOADED = '20260105090000'

function itemOf (m: MatterDef): TaskItem {
  const dept = DEPARTMENTS[m.dept]
  const taskCode = `${dept.code}${dept.level}${m.catalogCode}`
  const taskHandleItem = `${taskCode}01`
  return {
    catalogCode: m.catalogCode,
    taskCode,
    taskHandleItem,
    taskName: m.name,
    taskType: m.type,
    taskVersion: 1,
    taskState: '1',
    planEffectiveDate: m.effective,
    deptName: dept.name,
    deptCode: dept.code,
    // everything a town handles was granted to it (委托/赋权) except its own matters
    entrust: m.dept === 'town' ? '0' : '1',
    byLaw: m.byLaw,
    anticipateDay: m.legal[0],
    anticipateType: String(m.legal[1]),
    promiseDay: m.promise[0],
    promiseType: String(m.promise[1]),
    projectType: String(m.projectType),
    limitSceneNum: m.visits,
    isFee: m.fees ? '1' : '0',
    fees: m.fees ?? [],
    acceptCondition: m.condition,
    materials: m.materials.map(material),
    forms: m.forms,
    transactAddr: ADDRESS,
    transactTime: HOURS,
    linkWay: CONTACT,
    superviseWay: SUPERVISE,
    updateTime: m.effective > '2026-01-05' ? '20261120100000' : LOADED,
  }
}

const FIRST: readonly TaskItem[] = MATTERS.map(itemOf)

/** 联办 matters by taskHandleItem: a county department decides; its steps and result come back by webhook. */
export const JOINT: ReadonlySet<string> = new Set(MATTERS.flatMap((m, i) => m.joint ? [FIRST[i]!.taskHandleItem] : []))

const byName = (name: string): TaskItem => {
  const item = FIRST.find((i) => i.taskName === name)
  if (!item) throw new Error(`no matter ${name}`)
  return item
}

/** A later version of a matter: what changed, when, from when it applies. */
const version = (name: string, taskVersion: number, updateTime: string, change: Partial<TaskItem>): TaskItem =>
  ({ ...byName(name), taskVersion, updateTime, ...change })

const LATER: readonly TaskItem[] = [
  // 临时救助: the promise shortened to 5 working days
  version('临时救助申请', 2, '20260315101500', { planEffectiveDate: '2026-03-16', promiseDay: 5 }),
  // 低保 and 特困: the same policy change, published in the same second
  version('最低生活保障申请', 2, '20260601083000', {
    planEffectiveDate: '2026-06-01',
    materials: ([ID_CARD, HOUSEHOLD_BOOK, ['最低生活保障申请书', 1, 1, 1, 1, ''], ['家庭经济状况核对授权书', 1, 1, 1, 1, '全体家庭成员签字，可电子签名'], ['残疾人证', 2, 2, 2, 1, '']] satisfies M[]).map(material),
  }),
  version('特困人员救助供养申请', 2, '20260601083000', { planEffectiveDate: '2026-06-01', promiseDay: 15 }),
  // 个体工商户设立: one working day promised, then done at the window
  version('个体工商户设立登记', 2, '20260701140000', { planEffectiveDate: '2026-07-01', promiseDay: 1, limitSceneNum: 1 }),
  version('个体工商户设立登记', 3, '20261015093000', { planEffectiveDate: '2026-10-15', promiseDay: 0, projectType: '1', limitSceneNum: 0 }),
  // 再生育审批 abolished by the amended provincial regulation: withdrawn, once more with its last day
  version('再生育审批', 2, '20260320160000', { taskState: '2', planCancelDate: '2026-03-31' }),
  // the quirk: version 2 of 高龄津贴 sent twice with different content; the later updateTime wins
  version('高龄津贴申领', 2, '20260901090000', { planEffectiveDate: '2026-09-01', promiseDay: 10, acceptCondition: '具有本镇户籍、年满80周岁的老年人' }),
  version('高龄津贴申领', 2, '20260901093000', { planEffectiveDate: '2026-09-01', promiseDay: 7, acceptCondition: '具有本镇户籍、年满80周岁的老年人（百岁老人另享长寿补贴）。' }),
]

const order = (a: TaskItem, b: TaskItem): number =>
  a.updateTime !== b.updateTime ? (a.updateTime < b.updateTime ? -1 : 1)
    : a.taskHandleItem !== b.taskHandleItem ? (a.taskHandleItem < b.taskHandleItem ? -1 : 1)
      : a.taskVersion - b.taskVersion

/** The town's catalogue: every item, oldest change first (within a second by taskHandleItem, then version). */
export const CATALOGUE: readonly TaskItem[] = [...FIRST, ...LATER].sort(order)

/** The latest item of a matter by name (tests and examples). */
export function matterNamed (name: string): TaskItem {
  const items = CATALOGUE.filter((i) => i.taskName === name)
  if (items.length === 0) throw new Error(`no matter ${name}`)
  return items[items.length - 1]!
}

/** The versions the platform knows of a business item: taskVersion -> its items. */
export function versionsOf (taskHandleItem: string): TaskItem[] {
  return CATALOGUE.filter((i) => i.taskHandleItem === taskHandleItem)
}
