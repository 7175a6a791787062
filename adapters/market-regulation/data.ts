// Deterministic enterprises for the market-regulation simulator and tests.
//
// Everything here is pure: `enterpriseAt(seed, index)` is O(1) and gives the same row for the
// same arguments on every machine, so a registry of a million enterprises costs nothing until a
// page asks for some of them. This module depends on nothing in the platform but the SDK's test
// kit (in particular not on src/normalize): the simulator plays the department, and the
// department computes its own check characters (GB 32100 credit codes, GB 11714 organisation
// codes, GB 11643 ID numbers).
//
// Ordering. The department orders rows by (GXSJ, TYSHXYDM). Base row `index` has GXSJ
// BASE + floor(index / 3) * 2 seconds: three rows share each even second. Within such a group
// the three rows are assigned so that their credit codes ascend, which makes index order exactly
// the department's (GXSJ, TYSHXYDM) order; a page is then just a range of indices.
// The kit's data modules, not its index: the demo story loads this file in gateway processes,
// which must not load the simulator servers.
import { int, mulberry32, pad, pick, seedKey, weighted, type Rng } from '../../src/adapter-sdk/testkit/random.ts'
import { creditCodeCheckChar, orgCodeCheckChar, residentIdCheckChar as idCheckChar, CREDIT_CHARS } from '../../src/adapter-sdk/testkit/check-characters.ts'
import { COUNTIES, OTHER_BIRTHPLACES, placeName, ROADS, VILLAGES, type County, type Town } from '../../src/adapter-sdk/testkit/geography.ts'
import { givenName, SURNAMES } from '../../src/adapter-sdk/testkit/people.ts'
import { formatBeijingCompact, parseBeijingCompact } from '../../src/adapter-sdk/testkit/beijing-time.ts'

export { creditCodeCheckChar, idCheckChar, mulberry32, orgCodeCheckChar, CREDIT_CHARS, type Rng }

/** One enterprise as the department sends it (spec "field" table). */
export interface EnterpriseRow {
  TYSHXYDM: string
  QYMC: string
  QYLX: string
  FDDBR: string
  FDDBRZJHM: string
  ZS: string
  XZQHDM: string
  CLRQ: string
  DJZT: string
  HYDM: string
  ZCZB: string
  GXSJ: string
}

/** What a correct pipeline should store for enterprise `index` (the fields it can be sure of). */
export interface EnterpriseFacts {
  /** The code as sent; with `badCheck` the platform must quarantine the row. */
  creditCode: string
  badCheck: boolean
  /** ISO date, or undefined when CLRQ is sent empty. */
  establishedOn: string | undefined
  status: 'in-business' | 'revoked' | 'deregistered' | 'moved-out'
  /** Canonical 18-character ID of the legal representative, when the row carries one. */
  legalRepresentativeId: string | undefined
  /** How FDDBRZJHM is written. */
  idForm: 'standard' | 'legacy-15' | 'missing'
  /** XZQHDM as sent, '' when missing. */
  division: string
}

// ---------------------------------------------------------------------------------------------
// seeded randomness and check characters: the SDK's test kit (department-side code, independent
// of src/normalize). This simulator keys its streams with its own constant, so its draws are
// unrelated to the household-registration simulator's for the same seed.

const STREAM = 0x2545f491

/** A generator keyed by (seed, index, salt); salts keep unrelated draws independent. */
export function seeded (seed: number, index: number, salt = 0): Rng {
  return mulberry32(seedKey(seed, index, salt, STREAM))
}

const SALT_CODE = 11
const SALT_ROW = 12
const SALT_REVISION = 13
const SALT_SCRAMBLE = 14

/** (a * b) mod m without leaving the exact integer range (a, m < 2^31, b < 2^31). */
function mulmod (a: number, b: number, m: number): number {
  const hi = Math.floor(b / 65536)
  const lo = b % 65536
  return ((a * hi) % m * 65536 + a * lo) % m
}

// ---------------------------------------------------------------------------------------------
// GXSJ: a function of the index

/** GXSJ of base row 0: 2026-01-01 00:00:00 Beijing time. */
export const BASE_GXSJ_MS = Date.UTC(2025, 11, 31, 16, 0, 0)
const BASE_SEC = BASE_GXSJ_MS / 1000
/** Rows sharing one GXSJ second, and the seconds between such groups. */
export const ROWS_PER_SECOND = 3
export const SECONDS_PER_GROUP = 2

/** GXSJ of base row `index`, in epoch seconds. Non-decreasing in index. */
export function baseSecondsAt (index: number): number {
  return BASE_SEC + Math.floor(index / ROWS_PER_SECOND) * SECONDS_PER_GROUP
}

/** The smallest index whose base GXSJ is later than `epochSeconds` (GXSJ > updatedAfter). */
export function firstIndexAfter (epochSeconds: number): number {
  if (epochSeconds < BASE_SEC) return 0
  return (Math.floor((epochSeconds - BASE_SEC) / SECONDS_PER_GROUP) + 1) * ROWS_PER_SECOND
}

/** GXSJ and the other times the department writes: `YYYYMMDDHHmmss`, Beijing time. */
export const formatGxsj = formatBeijingCompact
export const parseGxsj = parseBeijingCompact

/** GXSJ text of base row `index`. */
export function gxsjAt (index: number): string {
  return formatGxsj(baseSecondsAt(index) * 1000)
}

// ---------------------------------------------------------------------------------------------
// what names are made of (the places and people are the test kit's shared geography and names)

const BRANDS = ['恒达', '华诚', '鑫源', '天宇', '永盛', '金鼎', '宏发', '瑞丰', '亿通', '联创', '新科', '东方', '龙城', '常发', '大通', '佳德', '顺昌', '中天', '万和', '信诚', '荣泰', '锦华', '明辉', '国泰', '盛达', '海纳', '力源', '博润', '嘉禾', '安泰']

/** Industry words in names, with a GB/T 4754 code that fits. */
const INDUSTRIES: readonly (readonly [string, string])[] = [
  ['机械', 'C3311'], ['机械制造', 'C3429'], ['五金制品', 'C3389'], ['电子科技', 'C3982'], ['纺织', 'C1713'],
  ['服饰', 'C1810'], ['塑业', 'C2929'], ['新材料科技', 'C2659'], ['建材', 'C3021'], ['电器', 'C3851'],
  ['精密模具', 'C3525'], ['汽车零部件', 'C3670'], ['商贸', 'F5191'], ['物流', 'G5430'], ['餐饮管理', 'H6210'],
  ['建设工程', 'E4890'], ['信息技术', 'I6510'], ['环保科技', 'M7514'], ['包装材料', 'C2231'], ['电动车', 'C3770'],
]
const CROPS: readonly (readonly [string, string])[] = [['水稻种植', 'A0111'], ['茶叶', 'A0164'], ['水产养殖', 'A0412'], ['果蔬', 'A0141'], ['苗木', 'A0211']]
const TRADES: readonly (readonly [string, string])[] = [['五金加工', 'C3389'], ['机械加工', 'C3311'], ['服装加工', 'C1810'], ['塑料制品', 'C2929'], ['建材', 'F5165'], ['电器维修', 'O8019'], ['汽配', 'F5172'], ['包装', 'C2231']]

/** Enterprise type codes (QYLX) by frequency, with how the name is built and the code's prefix. */
type Form = 'company' | 'joint-stock' | 'branch' | 'foreign' | 'sole' | 'coop'
const TYPES: readonly (readonly [readonly [qylx: string, form: Form], number])[] = [
  [['1130', 'company'], 42], [['1150', 'company'], 12], [['1152', 'company'], 10], [['1190', 'company'], 4],
  [['1212', 'joint-stock'], 3], [['2130', 'branch'], 8], [['1151', 'foreign'], 4], [['4530', 'sole'], 12], [['9100', 'coop'], 5],
]

// ---------------------------------------------------------------------------------------------
// identity of a slot: the credit code and what it encodes

const MA_SPACE = 31 ** 6 // 'MA' + 6 credit characters
const NUMERIC_SPACE = 100_000_000 // 8 digits

interface Identity {
  form: Form
  qylx: string
  county: County
  /** As sent: with `badCheck` the 18th character is wrong. */
  code: string
  badCheck: boolean
}

function identity (seed: number, slot: number): Identity {
  const r = seeded(seed, slot, SALT_CODE)
  // draws happen in a fixed order: do not reorder without accepting different data
  const [qylx, form] = weighted(r, TYPES)
  const county = pick(r, COUNTIES)
  const maStyle = r() < 0.75
  const quirkRoll = r()
  const wrongRoll = r()

  // The organisation-code body encodes the slot through a bijection, so codes never repeat.
  const scramble = seedKey(seed, 0, SALT_SCRAMBLE, STREAM)
  let body: string
  if (maStyle) {
    let n = (mulmod(slot % MA_SPACE, 387_420_489, MA_SPACE) + scramble % MA_SPACE) % MA_SPACE
    let s = ''
    for (let i = 0; i < 6; i++) { s = CREDIT_CHARS[n % 31]! + s; n = Math.floor(n / 31) }
    body = `MA${s}`
  } else {
    body = pad((mulmod(slot % NUMERIC_SPACE, 48_271_007, NUMERIC_SPACE) + scramble % NUMERIC_SPACE) % NUMERIC_SPACE, 8)
  }
  const first17 = `9${form === 'coop' ? '3' : '1'}${county.code}${body}${orgCodeCheckChar(body)}`
  const check = creditCodeCheckChar(first17)
  const badCheck = quirkRoll < 0.01
  const wrong = CREDIT_CHARS.replace(check, '')[Math.floor(wrongRoll * 30)] as string
  return { form, qylx, county, code: first17 + (badCheck ? wrong : check), badCheck }
}

interface Placed { slot: number, id: Identity }

/** The identities of the group that starts at index `g`, in the department's order (by code). */
function groupAt (seed: number, g: number): Placed[] {
  const ids: Placed[] = []
  for (let k = 0; k < ROWS_PER_SECOND; k++) ids.push({ slot: g + k, id: identity(seed, g + k) })
  ids.sort((a, b) => (a.id.code < b.id.code ? -1 : a.id.code > b.id.code ? 1 : 0))
  return ids
}

/** Which generated identity (slot) sits at `index`: the group's three slots ordered by code. */
function slotAt (seed: number, index: number): Placed {
  const g = index - (index % ROWS_PER_SECOND)
  return groupAt(seed, g)[index - g]!
}

// ---------------------------------------------------------------------------------------------
// rows

interface Generated { row: EnterpriseRow, facts: EnterpriseFacts }

const NONE = (r: Rng): string => (r() < 0.5 ? '' : 'null')
const ymdIso = (y: number, m: number, d: number): string => `${y}-${pad(m, 2)}-${pad(d, 2)}`

function dateShape (r: Rng, y: number, m: number, d: number): string {
  switch (int(r, 4)) {
    case 0: return ymdIso(y, m, d)
    case 1: return `${y}${pad(m, 2)}${pad(d, 2)}`
    case 2: return `${y}/${m}/${d}`
    default: return `${y}年${pad(m, 2)}月${pad(d, 2)}日`
  }
}

const EST_FROM = Date.UTC(1995, 0, 1) / 86_400_000
const EST_TO = Date.UTC(2025, 11, 31) / 86_400_000
const BIRTH_FROM = Date.UTC(1950, 0, 1) / 86_400_000
const BIRTH_TO = Date.UTC(1999, 11, 31) / 86_400_000

function ymd (epochDay: number): { y: number, m: number, d: number } {
  const dt = new Date(epochDay * 86_400_000)
  return { y: dt.getUTCFullYear(), m: dt.getUTCMonth() + 1, d: dt.getUTCDate() }
}

function capital (r: Rng, form: Form): string {
  if (form === 'foreign') return `${pick(r, [20, 50, 100, 150, 300, 500, 1000])}万美元`
  if (form === 'sole') return `${pick(r, [1, 3, 5, 10, 20, 50])}万元人民币`
  if (form === 'branch') return ''
  const amount = r() < 0.15 ? (10 + int(r, 9990)) / 10 : pick(r, [10, 30, 50, 100, 100, 200, 300, 500, 1000, 2000, 5000, 10000])
  return `${amount}万元人民币`
}

function address (r: Rng, county: County, town: Town): string {
  const n = 1 + int(r, 299)
  const roll = r()
  if (town.street || roll < 0.5) return `${placeName(county)}${town.name}${pick(r, ROADS)}${n}号`
  if (roll < 0.8) return `${placeName(county)}${town.name}工业集中区${pick(r, ROADS)}${n}号`
  return `${placeName(county)}${town.name}${pick(r, VILLAGES)}${n}号`
}

function generate (seed: number, index: number, placed: Placed = slotAt(seed, index)): Generated {
  const { slot, id } = placed
  const r = seeded(seed, slot, SALT_ROW)
  // draws happen in a fixed order: do not reorder without accepting different data
  const county = id.county
  const town = pick(r, county.towns)
  const brand = pick(r, BRANDS)
  const [industry, hydm] = pick(r, id.form === 'coop' ? CROPS : id.form === 'sole' ? TRADES : INDUSTRIES)
  const nameRoll = r()
  const padRoll = r()

  const place = town.street ? placeName(county) : `${placeName(county)}${town.name}`
  let name: string
  switch (id.form) {
    case 'company': name = nameRoll < 0.6 ? `${place}${brand}${industry}有限公司` : nameRoll < 0.85 ? `常州${brand}${industry}有限公司` : `江苏${brand}${industry}有限公司`; break
    case 'joint-stock': name = `江苏${brand}${industry}股份有限公司`; break
    case 'branch': name = nameRoll < 0.5 ? `江苏${brand}${industry}有限公司（${town.name}分公司）` : `江苏${brand}${industry}有限公司常州${county.name.slice(0, 2)}分公司`; break
    case 'foreign': name = `${brand}${industry}（常州）有限公司`; break
    case 'sole': name = `${place}${brand}${industry}${nameRoll < 0.5 ? '厂' : '经营部'}`; break
    case 'coop': name = `${place}${brand}${industry}专业合作社`; break
  }
  if (padRoll < 0.04) name += ' '
  else if (padRoll < 0.06) name += '  '

  // legal representative: born 1950-1999 so a 15-digit legacy number is possible
  const surname = weighted(r, SURNAMES)
  const male = r() < 0.7
  const birthplace = r() < 0.8 ? county.code : pick(r, OTHER_BIRTHPLACES)
  const birth = ymd(BIRTH_FROM + int(r, BIRTH_TO - BIRTH_FROM + 1))
  const given = givenName(r, male, birth.y)
  const seq = int(r, 500) * 2 + (male ? 1 : 0)
  const first17 = `${birthplace}${birth.y}${pad(birth.m, 2)}${pad(birth.d, 2)}${pad(seq, 3)}`
  const id18 = first17 + idCheckChar(first17)
  const repRoll = r()
  let fddbr = surname + given
  let fddbrzjhm = id18
  let idForm: EnterpriseFacts['idForm'] = 'standard'
  if (repRoll < 0.03) { fddbr = NONE(r); fddbrzjhm = NONE(r); idForm = 'missing' } else if (repRoll < 0.08) { fddbrzjhm = NONE(r); idForm = 'missing' } else if (repRoll < 0.16) {
    fddbrzjhm = `${birthplace}${String(birth.y).slice(2)}${pad(birth.m, 2)}${pad(birth.d, 2)}${pad(seq, 3)}`
    idForm = 'legacy-15'
  }

  const zs = r() < 0.02 ? NONE(r) : address(r, county, town)
  const divRoll = r()
  const xzqhdm = divRoll < 0.01 ? NONE(r) : divRoll < 0.4 ? county.code : town.code
  const est = ymd(EST_FROM + int(r, EST_TO - EST_FROM + 1))
  const clrqMissing = r() < 0.01
  const clrq = clrqMissing ? NONE(r) : dateShape(r, est.y, est.m, est.d)
  const djzt = weighted(r, [['1', 88], ['2', 3], ['3', 7], ['4', 2]] as const)
  const hyRoll = r()
  const capRoll = r()
  const cap = capital(r, id.form)
  const noneHy = NONE(r)
  const noneCap = NONE(r)

  const row: EnterpriseRow = {
    TYSHXYDM: id.code,
    QYMC: name,
    QYLX: id.qylx,
    FDDBR: fddbr,
    FDDBRZJHM: fddbrzjhm,
    ZS: zs,
    XZQHDM: xzqhdm,
    CLRQ: clrq,
    DJZT: djzt,
    HYDM: hyRoll < 0.03 ? noneHy : hydm,
    ZCZB: cap === '' || capRoll < 0.02 ? noneCap : cap,
    GXSJ: gxsjAt(index),
  }
  const facts: EnterpriseFacts = {
    creditCode: id.code,
    badCheck: id.badCheck,
    establishedOn: clrqMissing ? undefined : ymdIso(est.y, est.m, est.d),
    status: ({ 1: 'in-business', 2: 'revoked', 3: 'deregistered', 4: 'moved-out' } as const)[djzt],
    legalRepresentativeId: idForm === 'missing' ? undefined : id18,
    idForm,
    division: xzqhdm === 'null' ? '' : xzqhdm,
  }
  return { row, facts }
}

/**
 * Base row `index` of the registry `seed`, as the department sends it. Pure and O(1). Rows are in
 * the department's order: (GXSJ, TYSHXYDM) ascends with the index, credit codes never repeat.
 */
export function enterpriseAt (seed: number, index: number): EnterpriseRow {
  return generate(seed, index).row
}

/** Base rows [from, to) in order; the same as mapping enterpriseAt over the range, about a third faster. */
export function enterprisesBetween (seed: number, from: number, to: number): EnterpriseRow[] {
  const out: EnterpriseRow[] = []
  let group: Placed[] = []
  let g = -1
  for (let i = Math.max(0, from); i < to; i++) {
    const start = i - (i % ROWS_PER_SECOND)
    if (start !== g) { g = start; group = groupAt(seed, g) }
    out.push(generate(seed, i, group[i - g]!).row)
  }
  return out
}

/** What a correct pipeline should store for base row `index`. */
export function enterpriseFacts (seed: number, index: number): EnterpriseFacts {
  return generate(seed, index).facts
}

/** True when row `index` carries a wrong GB 32100 check character (about 1 in 100; never fixed by a revision). */
export function hasBadCheck (seed: number, index: number): boolean {
  return slotAt(seed, index).id.badCheck
}

/** The indices in [from, to) whose credit code has a bad check character. */
export function badCheckIndices (seed: number, from: number, to: number): number[] {
  const out: number[] = []
  for (let i = from; i < to; i++) if (hasBadCheck(seed, i)) out.push(i)
  return out
}

/**
 * Row `index` after its `revision`-th update (revision 0 is the base row): the enterprise moved,
 * changed its capital or its status, as a department update would. The credit code, name and
 * legal representative stay; GXSJ is the time of the update.
 */
export function revisedEnterpriseAt (seed: number, index: number, revision: number, gxsj: string): EnterpriseRow {
  const row = { ...enterpriseAt(seed, index), GXSJ: gxsj }
  if (revision <= 0) return row
  const { slot, id } = slotAt(seed, index)
  const r = seeded(seed, slot * 64 + (revision % 64), SALT_REVISION)
  const what = r()
  if (what < 0.45 || (what < 0.8 && id.form === 'branch')) {
    const town = pick(r, id.county.towns)
    row.ZS = address(r, id.county, town)
    row.XZQHDM = town.code
  } else if (what < 0.8) {
    const amount = id.form === 'sole' ? 5 * (1 + int(r, 20)) : 100 * (1 + int(r, 50))
    row.ZCZB = id.form === 'foreign' ? `${amount}万美元` : `${amount}万元人民币`
  } else {
    row.DJZT = r() < 0.7 ? '3' : '2'
  }
  return row
}
