// Deterministic assistance cases for the civil-affairs simulator and tests.
//
// Everything here is pure: `caseAt(seed, index)` is O(1), so a register of a million cases costs
// nothing until a page asks for some. Like the department, this module computes its own ID
// numbers (the kit's check character), never the platform's normalisers.
//
// Cases and people. Case `index` concerns the person of its slot: its own index, except that
// every tenth case (index ≡ 9 mod 10) is a second case of the previous case's person (temporary
// assistance beside a subsistence allowance), so some people carry two entries. Who sits in a
// slot is the register's own population (the kit's geography and names), or — in the demo — a
// resident of the household register (`People`), so the demo's residents get assistance facets.
//
// Ordering. The department orders by GXSJ; base case `index` has GXSJ BASE + floor(index / 2) * 10
// seconds, two cases sharing each second (in index order), so a page is a range of indices.
// The kit's data modules, not its index: the demo story loads this file in gateway processes.
import { int, mulberry32, pad, pick, seedKey, weighted, type Rng } from '../../src/adapter-sdk/testkit/random.ts'
import { residentIdCheckChar } from '../../src/adapter-sdk/testkit/check-characters.ts'
import { COUNTIES, OTHER_BIRTHPLACES, type Town } from '../../src/adapter-sdk/testkit/geography.ts'
import { givenName, SURNAMES } from '../../src/adapter-sdk/testkit/people.ts'
import { formatBeijingCompact, parseBeijingCompact } from '../../src/adapter-sdk/testkit/beijing-time.ts'

/** One assistance record as the department sends it (spec table); '' is an empty element. */
export interface AssistanceRow {
  SFZH: string
  XM: string
  JZLB: string
  JZRS: string
  JZJE: string
  KSNY: string
  JSNY: string
  ZT: string
  XZQH: string
  GXSJ: string
}

/** The elements of a record, in the order the department writes them. */
export const FIELDS = ['SFZH', 'XM', 'JZLB', 'JZRS', 'JZJE', 'KSNY', 'JSNY', 'ZT', 'XZQH', 'GXSJ'] as const satisfies ReadonlyArray<keyof AssistanceRow>

/** A person the register knows: canonical 18-character ID number, name, 12-digit division of the household. */
export interface Person {
  idNumber: string
  name: string
  division: string
}

/** Who sits in a slot, when the demo says (a household resident); otherwise the register's own population. */
export type People = (slot: number) => Person | undefined

const STREAM = 0x6d7a6a7a // 'mzjz': unrelated to the other simulators' draws for the same seed
const SALT_PERSON = 21
const SALT_CASE = 22
const SALT_REVISION = 23

export function seeded (seed: number, index: number, salt: number): Rng {
  return mulberry32(seedKey(seed, index, salt, STREAM))
}

// ---------------------------------------------------------------------------------------------
// GXSJ: a function of the index

/** GXSJ of base case 0: 2026-01-01 00:00:00 Beijing time. */
export const BASE_GXSJ_MS = Date.UTC(2025, 11, 31, 16, 0, 0)
const BASE_SEC = BASE_GXSJ_MS / 1000
export const CASES_PER_SECOND = 2
export const SECONDS_PER_GROUP = 10

/** GXSJ of base case `index`, in epoch seconds; non-decreasing in the index. */
export const baseSecondsAt = (index: number): number => BASE_SEC + Math.floor(index / CASES_PER_SECOND) * SECONDS_PER_GROUP

/** The smallest index whose base GXSJ is later than `epochSeconds`. */
export function firstIndexAfter (epochSeconds: number): number {
  if (epochSeconds < BASE_SEC) return 0
  return (Math.floor((epochSeconds - BASE_SEC) / SECONDS_PER_GROUP) + 1) * CASES_PER_SECOND
}

/** GXSJ and the other times the department writes: `YYYYMMDDHHmmss`, Beijing time. */
export const formatGxsj = formatBeijingCompact
export const parseGxsj = parseBeijingCompact

// ---------------------------------------------------------------------------------------------
// people

/** Characters outside GB2312 (GBK extension) that real names carry; 䶮 is FE 9F in GBK. */
const GBK_EXTENSION_NAMES = ['䶮', '堃', '喆', '昇', '祎', '玥', '珺', '赟', '燊', '镕']

/** The slot whose person case `index` concerns. */
export const slotOf = (index: number): number => (index % 10 === 9 ? index - 1 : index)

/** Person `slot` of the register's own population: born 1935-1999, living in 常州. */
export function ownPerson (seed: number, slot: number): Person {
  const r = seeded(seed, slot, SALT_PERSON)
  // draws happen in a fixed order: do not reorder without accepting different data
  const county = pick(r, COUNTIES)
  const town = pick(r, county.towns)
  const birthplace = r() < 0.85 ? county.code : pick(r, OTHER_BIRTHPLACES)
  const born = new Date(Date.UTC(1935, 0, 1) + int(r, 65 * 365) * 86_400_000)
  const male = r() < 0.5
  const seq = int(r, 500) * 2 + (male ? 1 : 0)
  const surname = weighted(r, SURNAMES)
  const given = r() < 0.04 ? pick(r, GBK_EXTENSION_NAMES) : givenName(r, male, born.getUTCFullYear())
  const first17 = `${birthplace}${born.getUTCFullYear()}${pad(born.getUTCMonth() + 1, 2)}${pad(born.getUTCDate(), 2)}${pad(seq, 3)}`
  return { idNumber: first17 + residentIdCheckChar(first17), name: surname + given, division: householdDivision(r, town) }
}

/** A 12-digit division: a residents' committee (0xx) in a street office, a village committee (2xx) in a town. */
function householdDivision (r: Rng, town: Town): string {
  return `${town.code}${town.street ? pad(1 + int(r, 30), 3) : String(201 + int(r, 30))}`
}

/** The 15-digit form of an 18-character ID number of someone born in the 1900s. */
export const legacyId = (id18: string): string => id18.slice(0, 6) + id18.slice(8, 17)

// ---------------------------------------------------------------------------------------------
// cases

export type Category = 'urban-minimum-living' | 'rural-minimum-living' | 'extreme-poverty-support' | 'temporary-assistance'
export type State = 'in-payment' | 'suspended' | 'ended'

const CATEGORY: Readonly<Record<string, Category>> = { '01': 'urban-minimum-living', '02': 'rural-minimum-living', '03': 'extreme-poverty-support', '04': 'temporary-assistance' }
const STATE: Readonly<Record<string, State>> = { 1: 'in-payment', 2: 'suspended', 3: 'ended' }

/** 常州's subsistence standard per person and month (yuan); extreme-poverty support is 1.3 times it. */
const STANDARD = 1090

/** The facet entry a correct pipeline stores for a record. */
export interface Entry {
  category: Category
  peopleCovered: number
  monthlyAmountFen: number
  from: string
  until: string | undefined
  state: State
  division: string
}

/** What a correct pipeline should store for a case: the person and the facet entry. */
export interface CaseFacts extends Entry {
  idNumber: string
  name: string
  /** How SFZH is written: the 18-character number, or its 15-digit form (about 1 in 30 people). */
  idForm: 'standard' | 'legacy-15'
}

interface Generated { row: AssistanceRow, facts: CaseFacts }

const month = (y: number, m: number): string => `${y}${pad(m, 2)}`
const monthIso = (yyyymm: string): string => `${yyyymm.slice(0, 4)}-${yyyymm.slice(4)}`
/** Months from 2015-01; `n` of them later. */
const monthAt = (n: number): string => month(2015 + Math.floor(n / 12), 1 + (n % 12))
/** 2015-01 .. 2026-10: the months a case may start in. */
const MONTHS = 12 * 11 + 10

function yuanText (fen: number): string {
  return `${Math.floor(fen / 100)}.${pad(fen % 100, 2)}`
}

/** The monthly amount of a subsistence or support case, in fen: the gap to the standard, in half yuan. */
function amountFen (r: Rng, jzlb: string, jzrs: number): number {
  if (jzlb === '03') return STANDARD * 130
  if (jzlb === '04') return (5 + int(r, 46)) * 10_000 // a one-off 500-5000 yuan
  return jzrs * (200 + int(r, (STANDARD - 200) * 2) / 2) * 100
}

function personOf (seed: number, slot: number, people: People | undefined): Person {
  return people?.(slot) ?? ownPerson(seed, slot)
}

function generate (seed: number, index: number, people: People | undefined): Generated {
  const slot = slotOf(index)
  const person = personOf(seed, slot, people)
  const legacy = seeded(seed, slot, SALT_PERSON + 100)() < 1 / 30 && person.idNumber.slice(6, 8) === '19'
  const r = seeded(seed, index, SALT_CASE)
  // draws happen in a fixed order: do not reorder without accepting different data
  const urban = person.division.charAt(9) === '0'
  const kindRoll = r()
  let jzlb = kindRoll < 0.6 ? (urban ? '01' : '02') : kindRoll < 0.75 ? '03' : '04'
  if (index !== slot) {
    // a second case of the same person: temporary assistance beside the first, or the reverse
    const first = generate(seed, slot, people).row.JZLB
    jzlb = first === '04' ? (urban ? '01' : '02') : '04'
  }
  const jzrs = jzlb === '03' ? 1 : jzlb === '04' ? 1 + int(r, 4) : weighted(r, [[1, 30], [2, 30], [3, 25], [4, 10], [5, 5]] as const)
  const fen = amountFen(r, jzlb, jzrs)
  const start = int(r, MONTHS)
  const stateRoll = r()
  const lasted = 1 + int(r, 36)
  const zt = jzlb === '04' ? '3' : stateRoll < 0.75 ? '1' : stateRoll < 0.83 ? '2' : '3'
  const ksny = monthAt(start)
  const jsny = jzlb === '04' ? ksny : zt === '3' ? monthAt(Math.min(start + lasted, MONTHS)) : ''

  const row: AssistanceRow = {
    SFZH: legacy ? legacyId(person.idNumber) : person.idNumber,
    XM: person.name,
    JZLB: jzlb,
    JZRS: String(jzrs),
    JZJE: yuanText(fen),
    KSNY: ksny,
    JSNY: jsny,
    ZT: zt,
    XZQH: person.division,
    GXSJ: formatGxsj(baseSecondsAt(index) * 1000),
  }
  return { row, facts: { idNumber: person.idNumber, name: person.name, idForm: legacy ? 'legacy-15' : 'standard', ...entryOf(row) } }
}

/** The facet entry a record stands for. */
export function entryOf (row: AssistanceRow): Entry {
  return {
    category: CATEGORY[row.JZLB]!,
    peopleCovered: Number(row.JZRS),
    monthlyAmountFen: Math.round(Number(row.JZJE) * 100),
    from: monthIso(row.KSNY),
    until: row.JSNY === '' ? undefined : monthIso(row.JSNY),
    state: STATE[row.ZT]!,
    division: row.XZQH,
  }
}

/** Base case `index` of the register `seed`, as the department sends it. Pure and O(1). */
export function caseAt (seed: number, index: number, people?: People): AssistanceRow {
  return generate(seed, index, people).row
}

/** Base cases [from, to) in order. */
export function casesBetween (seed: number, from: number, to: number, people?: People): AssistanceRow[] {
  const out: AssistanceRow[] = []
  for (let i = Math.max(0, from); i < to; i++) out.push(generate(seed, i, people).row)
  return out
}

/** What a correct pipeline should store for base case `index`. */
export function caseFacts (seed: number, index: number, people?: People): CaseFacts {
  return generate(seed, index, people).facts
}

/**
 * Case `index` after its `revision`-th update at `gxsj` (revision 0: as registered): the allowance
 * reviewed (a new amount), suspended, resumed or ended that month. Person and category stay.
 */
export function revisedCaseAt (seed: number, index: number, revision: number, gxsj: string, people?: People): AssistanceRow {
  const row = { ...caseAt(seed, index, people), GXSJ: gxsj }
  // one-off and ended cases stay as they are: an update only sends them again
  if (revision <= 0 || row.JZLB === '04' || row.ZT === '3') return row
  const r = seeded(seed, index * 64 + (revision % 64), SALT_REVISION)
  const what = r()
  if (what < 0.5) row.JZJE = yuanText(amountFen(r, row.JZLB, Number(row.JZRS)))
  else if (what < 0.75) row.ZT = row.ZT === '1' ? '2' : '1'
  else {
    row.ZT = '3'
    row.JSNY = gxsj.slice(0, 6)
  }
  return row
}
