// What the simulated hotline dispatches to 湟里镇: villages with their division codes, the kinds of
// requests residents call about by category, and the deadlines the spec gives each kind. Drawn from
// a seeded stream, so a seed gives the same orders on every machine.
import { int, pick, seeded, weighted, type Rng } from '../../src/adapter-sdk/testkit/random.ts'
import { givenName, mobilePhone, SURNAMES } from '../../src/adapter-sdk/testkit/people.ts'

export const TOWN = { code: '320412120', name: '湟里镇', prefix: '江苏省常州市武进区湟里镇' } as const

/** The town's villages and 社区 with their 12-digit codes (东安村 and 村前村 as the other simulators write them). */
export const VILLAGES: ReadonlyArray<{ name: string, code: string }> = [
  { name: '湟里社区', code: '320412120001' },
  { name: '东安村', code: '320412120201' },
  { name: '西墅村', code: '320412120202' },
  { name: '村前村', code: '320412120203' },
  { name: '南庄村', code: '320412120204' },
  { name: '杨桥村', code: '320412120205' },
  { name: '陈巷村', code: '320412120206' },
  { name: '河头村', code: '320412120207' },
  { name: '塘下村', code: '320412120208' },
]

/** What a caller reports: a title and the facts of the full text, `{v}` standing for the place. */
interface Topic { title: string, facts: string, urgent?: boolean }

/** GB/T 39666-style categories the town receives most, with what residents call about. */
export const CATEGORIES: Readonly<Record<string, { name: string, topics: readonly Topic[] }>> = {
  '0301': {
    name: '市容环境',
    topics: [
      { title: '村口垃圾堆放多日未清运', facts: '{v}村口垃圾桶旁堆放生活垃圾已有三四天，气味很大，夏天蚊蝇多' },
      { title: '道路两侧乱堆建筑垃圾', facts: '{v}道路两侧有人倾倒装修建筑垃圾，占用车道，晚上看不清' },
      { title: '河道漂浮物较多', facts: '{v}河道里漂浮塑料袋和水草，河水发黑发臭' },
      { title: '露天焚烧秸秆垃圾', facts: '{v}附近有人露天焚烧垃圾，烟很大，家里没法开窗' },
    ],
  },
  '0502': {
    name: '噪声扰民',
    topics: [
      { title: '夜间施工噪声扰民', facts: '{v}附近工地晚上十点以后还在施工，打桩声音很大，影响休息' },
      { title: '广场舞音响声音过大', facts: '{v}广场每天晚上跳广场舞，音响开得很响，一直到九点半' },
      { title: '厂房机器夜间噪声', facts: '{v}旁边的小厂房夜里机器一直响，老人孩子睡不着' },
    ],
  },
  '0801': {
    name: '安全隐患',
    topics: [
      { title: '路灯损坏夜间出行不安全', facts: '{v}主路有好几盏路灯不亮已有一周，晚上骑电动车很危险' },
      { title: '电线私拉乱接存在火灾隐患', facts: '{v}有住户从楼上私拉电线给电动车充电，线就挂在过道里' },
      { title: '桥梁护栏损坏', facts: '{v}小桥护栏断了一截，孩子上学要经过，担心掉进河里' },
      { title: '闻到燃气泄漏气味', facts: '{v}一户人家门口闻到很浓的燃气味，敲门没人应', urgent: true },
      { title: '河堤出现渗水', facts: '{v}河堤靠近农田一侧在渗水，水位还在涨', urgent: true },
    ],
  },
  '0602': {
    name: '供水供电',
    topics: [
      { title: '自来水水压低', facts: '{v}最近一周自来水水压很低，二楼以上基本没水' },
      { title: '频繁停电', facts: '{v}这个月已经停了四五次电，也没有提前通知' },
    ],
  },
  '1103': {
    name: '劳动保障',
    topics: [
      { title: '工厂拖欠工资', facts: '在{v}一家加工厂打工，老板拖欠三个月工资不给' },
    ],
  },
}

/** What a caller asks for, by kind (1 咨询 2 求助 3 投诉 4 举报 5 建议). */
const ASKS: Readonly<Record<string, string>> = {
  1: '想咨询一下这个归哪个部门管、多久能处理',
  2: '请镇里帮忙尽快解决',
  3: '已经反映过多次没有结果，要求相关部门尽快处理并回复',
  4: '举报这一情况，希望相关部门依法查处',
  5: '建议镇里统一规划，长期解决',
  9: '情况紧急，请马上派人到现场处置',
}

/** 1 咨询, 2 求助, 3 投诉, 4 举报, 5 建议 with rough shares; 9 紧急 comes with urgent topics. */
const KINDS: ReadonlyArray<readonly [string, number]> = [['1', 15], ['2', 25], ['3', 40], ['4', 12], ['5', 8]]
/** 1 phone, 2 app, 3 web, 4 领导信箱. */
const CHANNELS: ReadonlyArray<readonly [string, number]> = [['1', 60], ['2', 25], ['3', 10], ['4', 5]]

/** What a generated order is made of before it has times and a number. */
export interface OrderDraft {
  channel: string
  category: string
  kind: string
  title: string
  content: string
  address: string
  /** Empty on about 1 in 10 (the address names the village then). */
  divisionCode: string
  anonymous: boolean
  citizen?: { name: string, phone: string }
}

const SALT = 1201

/** The `index`-th order a seed dispatches. */
export function draftOrder (seed: number, index: number): OrderDraft {
  const r: Rng = seeded(seed, index, SALT)
  const urgent = r() < 0.05
  const categories = Object.keys(CATEGORIES)
  const category = urgent ? '0801' : pick(r, categories)
  const topics = CATEGORIES[category]!.topics.filter((t) => Boolean(t.urgent) === urgent)
  const topic = pick(r, topics)
  const kind = urgent ? '9' : weighted(r, KINDS)
  const village = pick(r, VILLAGES)
  const place = `${village.name}${village.name.endsWith('社区') ? '' : `${pick(r, ['一', '二', '三', '四', '五'])}组`}`
  const address = `${TOWN.prefix}${place}${1 + int(r, 120)}号附近`
  const roll = r()
  // about 1 in 10 without a division code, a few at the town's 9 digits, the rest the village's 12
  const divisionCode = roll < 0.1 ? '' : roll < 0.15 ? TOWN.code : village.code
  const anonymous = r() < 0.08
  const male = r() < 0.5
  const name = `${weighted(r, SURNAMES)}${givenName(r, male, 1950 + int(r, 55))}`
  const caller = anonymous ? '来电人（匿名）' : `${name.slice(0, 1)}${male ? '先生' : '女士'}`
  return {
    channel: weighted(r, CHANNELS),
    category,
    kind,
    title: topic.title,
    content: `${caller}反映：${topic.facts.replaceAll('{v}', `湟里镇${place}`)}。${ASKS[kind]!}。`,
    address,
    divisionCode,
    anonymous,
    ...(anonymous ? {} : { citizen: { name, phone: mobilePhone(r) } }),
  }
}

/** Reply deadlines in working days after dispatch, by kind; urgent (9) is 24 hours instead. */
export const REPLY_WORKING_DAYS: Readonly<Record<string, number>> = { 1: 1, 2: 3, 3: 5, 4: 5, 5: 5 }

const BEIJING_MS = 8 * 3_600_000
const DAY_MS = 86_400_000

/** Saturday or Sunday in Beijing: the simulator's working days are the weekdays (no holidays). */
export function isWeekend (epochMs: number): boolean {
  const day = new Date(epochMs + BEIJING_MS).getUTCDay()
  return day === 0 || day === 6
}

/** `days` working days after `epochMs`, at the same time of day. */
export function addWorkingDays (epochMs: number, days: number): number {
  let at = epochMs
  for (let counted = 0; counted < days;) {
    at += DAY_MS
    if (!isWeekend(at)) counted++
  }
  return at
}

/** The sign and reply deadlines of an order of `kind` dispatched at `dispatchedAt`. */
export function deadlinesOf (kind: string, dispatchedAt: number): { sign: number, reply: number } {
  if (kind === '9') return { sign: dispatchedAt + 30 * 60_000, reply: dispatchedAt + DAY_MS }
  return { sign: dispatchedAt + 2 * 3_600_000, reply: addWorkingDays(dispatchedAt, REPLY_WORKING_DAYS[kind] ?? 5) }
}
