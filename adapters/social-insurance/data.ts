// Deterministic insured persons and enrolment batches for the social-insurance simulator and tests.
//
// Everything here is pure: `insuredAt(seed, person)` and `itemAt(...)` are O(1), so a register of
// a million insured persons costs nothing until a batch mentions some. Like the department, this
// module computes its own ID numbers and credit codes (the kit's check characters), never the
// platform's normalisers, and writes the values in clear: the simulator encrypts AAC002 and AAE005.
//
// Persons and rows. Person `p` holds one row per insurance type it is enrolled in (spec: "one
// person has one row per insurance type"), as fits their age on AS_OF (birth date from the ID
// number, or the household register's): a child under 16 residents' medical 390 only; from 18 to
// 59 an employee 110, 210, 310, 410 with an employer, a public-institution employee 120, 210,
// 310, 410, or a resident 170 and 390 (16 and 17: residents); from 60 a resident, or a retired
// employee whose pension and medical rows go on and whose unemployment and work-injury rows ended
// at 60. No row starts before its holder's birth (employee types before 18, 170 before 16) or
// after the change it is sent with, and an end date follows its start.
// The register's rows are read in order (person 0's rows, person 1's, …, wrapping round), and a
// batch is the next persons' rows from a cursor, up to `items` of them.
// Who the person is comes from the register's own population, or — in the demo — from the
// household register (`People`); an employer from its own list, or the market register's.
// The kit's data modules, not its index: the demo story loads this file in gateway processes.
import { int, mulberry32, pad, pick, seedKey, weighted, type Rng } from '../../src/adapter-sdk/testkit/random.ts'
import { creditCodeCheckChar, orgCodeCheckChar, residentIdCheckChar } from '../../src/adapter-sdk/testkit/check-characters.ts'
import { COUNTIES, placeName } from '../../src/adapter-sdk/testkit/geography.ts'
import { givenName, mobilePhone, SURNAMES } from '../../src/adapter-sdk/testkit/people.ts'
import { formatBeijingCompact } from '../../src/adapter-sdk/testkit/beijing-time.ts'

/** One enrolment row as the department sends it (spec "Body" table), AAC002 and AAE005 in clear. */
export interface InsuranceItem {
  AAC002: string
  AAC003: string
  AAC004: string
  AAE140: string
  AAC008: string
  AAE030: string
  AAE031: string
  AAB001: string
  AAB004: string
  AAB998: string
  AAE005: string
  AAE036: string
}

/** A batch as the department POSTs it. */
export interface InsuranceBatch {
  batchNo: string
  sendTime: string
  items: InsuranceItem[]
}

/** The spec's fields that are encrypted on the wire (SM4-CBC, base64 of IV || ciphertext). */
export const ENCRYPTED_FIELDS = ['AAC002', 'AAE005'] as const

/** AAE140: 110, 120, 170, 210, 310, 390, 410 (spec). */
type InsuranceType = '110' | '120' | '170' | '210' | '310' | '390' | '410'

const EMPLOYEE: readonly InsuranceType[] = ['110', '210', '310', '410']
const INSTITUTION: readonly InsuranceType[] = ['120', '210', '310', '410']
const RESIDENT: readonly InsuranceType[] = ['170', '390']
const CHILD: readonly InsuranceType[] = ['390']

/** A person the register knows: canonical ID number, name, AAC004 (`1` male, `2` female, `9` unspecified). */
export interface Person {
  idNumber: string
  name: string
  gender: '1' | '2' | '9'
  /** AAE005 when the demo says (empty: the agency holds none); a seeded mobile otherwise. */
  phone?: string
  /** `YYYY-MM-DD`, when the demo says (the household register's); otherwise the ID number's. */
  birthDate?: string
}

/** An employer: its number with the social-insurance agency, its name and its credit code. */
export interface Employer {
  number: string
  name: string
  creditCode: string
}

/** Who person `p` is, when the demo says (a household resident); otherwise the register's own population. */
export type People = (person: number) => Person | undefined
/** Employer `e` of the register's `employers`, when the demo says (a market-register enterprise, its name as this department writes it). */
export type Employers = (employer: number) => { name: string, creditCode: string } | undefined

/** What the person's enrolment looks like, whoever they are. */
export interface Insured extends Required<Person> {
  kind: 'employee' | 'institution' | 'resident'
  /** An employee or public-institution employee of 60 or more: drawing a pension. */
  retired: boolean
  types: readonly InsuranceType[]
  /** The employer index, for employees. */
  employer: number | undefined
}

export interface Register {
  seed: number
  /** Insured persons, 10..1,000,000. */
  persons: number
  /** Employers, 1..100,000. */
  employers: number
  people?: People
  employerAt?: Employers
}

const STREAM = 0x72736269 // 'rsbx': unrelated to the other simulators' draws for the same seed
const SALT_PERSON = 31
const SALT_EMPLOYER = 32
const SALT_ROW = 33
const SALT_IV = 34
const SALT_CHANGE = 40

function seeded (seed: number, index: number, salt: number): Rng {
  return mulberry32(seedKey(seed, index, salt, STREAM))
}

// ---------------------------------------------------------------------------------------------
// persons and employers

const DAY_MS = 86_400_000
const BIRTH_FROM = Date.UTC(1936, 0, 1) / DAY_MS
const BIRTH_TO = Date.UTC(2024, 11, 31) / DAY_MS
/** The day ages are counted on: the last day an enrolment may start in the register. */
const AS_OF = Date.UTC(2026, 5, 30) / DAY_MS

/** The epoch day of `YYYY-MM-DD` plus `years` (29 February becomes 1 March in a common year). */
function birthday (birthDate: string, years = 0): number {
  return Date.UTC(Number(birthDate.slice(0, 4)) + years, Number(birthDate.slice(5, 7)) - 1, Number(birthDate.slice(8, 10))) / DAY_MS
}

/** Whole years from `birthDate` to epoch day `day`. */
function ageOn (birthDate: string, day: number): number {
  let years = new Date(day * DAY_MS).getUTCFullYear() - Number(birthDate.slice(0, 4))
  if (birthday(birthDate, years) > day) years--
  return years
}

/** `YYYY-MM-DD` from an 18-character ID number (characters 7 to 14). */
const birthDateOf = (idNumber: string): string => `${idNumber.slice(6, 10)}-${idNumber.slice(10, 12)}-${idNumber.slice(12, 14)}`

function ownPerson (r: Rng): Person {
  const county = pick(r, COUNTIES)
  const birth = new Date((BIRTH_FROM + int(r, BIRTH_TO - BIRTH_FROM + 1)) * DAY_MS)
  const male = r() < 0.5
  const first17 = `${county.code}${birth.getUTCFullYear()}${pad(birth.getUTCMonth() + 1, 2)}${pad(birth.getUTCDate(), 2)}${pad(int(r, 500) * 2 + (male ? 1 : 0), 3)}`
  const name = weighted(r, SURNAMES) + givenName(r, male, birth.getUTCFullYear())
  // 1 in 100: AAC004 left unspecified (9), which never contradicts the ID number
  const gender = r() < 0.01 ? '9' : male ? '1' : '2'
  return { idNumber: first17 + residentIdCheckChar(first17), name, gender }
}

/** Person `person` of the register: who, their phone, which types they are enrolled in and where they work. O(1). */
export function insuredAt (reg: Register, person: number): Insured {
  const r = seeded(reg.seed, person, SALT_PERSON)
  const own = ownPerson(r)
  const phone = mobilePhone(r)
  const roll = r()
  const employer = int(r, reg.employers)
  const who = reg.people?.(person) ?? own
  const birthDate = who.birthDate ?? birthDateOf(who.idNumber)
  const age = ageOn(birthDate, AS_OF)
  // employment by age: none before 18; from 60 fewer of the insured were employees, and none
  // whose working life ended before the register's first enrolments (EMPLOYED_FROM)
  const employed = age >= 60 ? (birthday(birthDate, 60) > EMPLOYED_FROM + 365 ? 0.55 : 0) : age >= 18 ? 0.82 : 0
  const kind = roll < employed * 0.85 ? 'employee' : roll < employed ? 'institution' : 'resident'
  const types = kind === 'employee' ? EMPLOYEE : kind === 'institution' ? INSTITUTION : age < 16 ? CHILD : RESIDENT
  return { ...who, birthDate, phone: who.phone ?? phone, kind, retired: kind !== 'resident' && age >= 60, types, employer: kind === 'resident' ? undefined : employer }
}

const INDUSTRIES = ['机械', '纺织', '电子', '建材', '物流', '食品', '化工', '塑业', '五金', '电器']
const BRANDS = ['恒达', '华宇', '金鼎', '瑞丰', '新源', '永盛', '天润', '嘉诚', '宏图', '锦程', '鑫泰', '东方']

/** Employer `index` of the register's own list: its number, name and a valid credit code. O(1). */
function ownEmployerAt (seed: number, index: number): Employer {
  const r = seeded(seed, index, SALT_EMPLOYER)
  const county = pick(r, COUNTIES)
  const town = pick(r, county.towns)
  const org8 = pad(10_000_000 + int(r, 90_000_000), 8)
  const first17 = `91${county.code}${org8}${orgCodeCheckChar(org8)}`
  return {
    number: `${county.code}${pad(index, 8)}`,
    name: `${placeName(county)}${town.name}${pick(r, BRANDS)}${pick(r, INDUSTRIES)}有限公司`,
    creditCode: first17 + creditCodeCheckChar(first17),
  }
}

/** Employer `index`: the market register's enterprise when the demo gives one, else the register's own. */
export function employerAt (reg: Register, index: number): Employer {
  const own = ownEmployerAt(reg.seed, index)
  const market = reg.employerAt?.(index)
  return market ? { ...own, ...market } : own
}

// ---------------------------------------------------------------------------------------------
// rows

/** YYYYMMDD of an epoch day. */
const ymd = (epochDay: number): string => formatBeijingCompact(epochDay * DAY_MS - 8 * 3_600_000).slice(0, 8)

/** Residents' insurance rows start from here (the schemes' merger), employees' rows from EMPLOYED_FROM. */
const STARTED_FROM = Date.UTC(2005, 0, 1) / DAY_MS
const EMPLOYED_FROM = Date.UTC(1995, 0, 1) / DAY_MS
const STARTED_TO = AS_OF

/** The earliest day a row of `type` may start for someone born on `birthDate`: employees' types from 18, residents' pension from 16, residents' medical from birth. */
function earliestStart (type: InsuranceType, birthDate: string): number {
  if (type === '390') return Math.max(STARTED_FROM, birthday(birthDate))
  if (type === '170') return Math.max(STARTED_FROM, birthday(birthDate, 16))
  return Math.max(EMPLOYED_FROM, birthday(birthDate, 18))
}

/**
 * The row of `person` for insurance type slot `slot` after `revision` changes (revision 0 is the
 * enrolment as first sent; each later pass over the register may suspend, resume or end it), the
 * change made at `changedAt` (epoch ms). O(1).
 */
export function itemAt (reg: Register, person: number, slot: number, revision: number, changedAt: number): InsuranceItem {
  const insured = insuredAt(reg, person)
  const type = insured.types[slot]
  if (type === undefined) throw new RangeError(`person ${person} has ${insured.types.length} insurance types, not ${slot + 1}`)
  const r = seeded(reg.seed, person * 8 + slot, SALT_ROW)
  // the Beijing day of the change: a row starts the day before at the latest, so an end fits between
  const changeDay = Math.floor((changedAt + 8 * 3_600_000) / DAY_MS)
  const born = birthday(insured.birthDate)
  const retiredOn = birthday(insured.birthDate, 60)
  const earliest = earliestStart(type, insured.birthDate)
  // a newborn is enrolled in residents' medical within its first year; a retiree's employee rows began before 60
  let latest = Math.min(STARTED_TO, changeDay - 1, type === '390' && born >= STARTED_FROM ? born + 365 : Infinity, insured.retired ? retiredOn - 1 : Infinity)
  latest = Math.max(latest, earliest)
  const started = earliest + int(r, latest - earliest + 1)
  // a pass over the register changes about 1 row in 5: suspended, resumed, ended or re-enrolled
  const changed = revision > 0 && seeded(reg.seed, (person * 8 + slot) ^ (revision << 24), SALT_CHANGE)() < 0.2
  const baseRoll = r()
  const stateRoll = changed ? seeded(reg.seed, person * 8 + slot, SALT_CHANGE + revision)() : baseRoll
  const drawnEnd = started + 30 + int(r, 3000)
  // a retiree's pension is in payment and their employees' medical goes on; unemployment and work
  // injury ended at retirement, and none of it changes from one pass to the next
  const state = insured.retired ? (type === '210' || type === '410' ? '4' : '1') : stateRoll < 0.8 ? '1' : stateRoll < 0.92 ? '2' : '4'
  const ended = Math.max(started + 1, Math.min(insured.retired ? retiredOn : drawnEnd, changeDay))
  const employer = insured.employer === undefined ? undefined : employerAt(reg, insured.employer)
  return {
    AAC002: insured.idNumber,
    AAC003: insured.name,
    AAC004: insured.gender,
    AAE140: type,
    AAC008: state,
    AAE030: ymd(started),
    AAE031: state === '4' ? ymd(ended) : '', // empty while ongoing
    AAB001: employer?.number ?? '', // empty for residents' insurance
    AAB004: employer?.name ?? '',
    AAB998: employer?.creditCode ?? '',
    AAE005: insured.phone,
    AAE036: formatBeijingCompact(changedAt),
  }
}

/** Where in the register the next batch starts: a person and one of their rows. */
export interface RowCursor { person: number, slot: number, revision: number }

export const startOfRegister: RowCursor = { person: 0, slot: 0, revision: 0 }

/**
 * The next rows from `from`, at most `items` (wrapping round the register; each wrap is one more
 * revision), and where the batch after them starts. `whole`: a person's rows are not split between
 * two batches (a batch then ends short of `items` before a person whose rows do not fit), so two
 * batches sent within one second of AAE036 never both speak of one person, and applying a batch
 * again leaves the person as it was. O(items).
 */
export function rowsFrom (reg: Register, from: RowCursor, items: number, changedAt: number, whole = true): { items: InsuranceItem[], next: RowCursor } {
  const out: InsuranceItem[] = []
  let { person, slot, revision } = from
  while (out.length < items) {
    const types = insuredAt(reg, person).types.length
    if (whole && slot === 0 && out.length > 0 && out.length + types > items) break
    if (slot >= types) { slot = 0; person++ } else out.push(itemAt(reg, person, slot++, revision, changedAt))
    if (person >= reg.persons) { person = 0; revision++ }
  }
  return { items: out, next: { person, slot, revision } }
}

/** `SI` + YYYYMMDD (Beijing, of the send time) + 5-digit sequence: the spec's batchNo, and the webhook-id. */
export function batchNo (sentAt: number, sequence: number): string {
  return `SI${formatBeijingCompact(sentAt).slice(0, 8)}${pad(sequence % 100_000, 5)}`
}

/** `2026-11-20T09:31:05+08:00`, the spec's sendTime. */
export function sendTime (sentAt: number): string {
  const c = formatBeijingCompact(sentAt)
  return `${c.slice(0, 4)}-${c.slice(4, 6)}-${c.slice(6, 8)}T${c.slice(8, 10)}:${c.slice(10, 12)}:${c.slice(12, 14)}+08:00`
}

/** The IV the simulator encrypts field `field` of item `index` of batch `batch` with: seeded, so a run is repeatable, and unique per value. */
export function ivFor (seed: number, batch: string, index: number, field: string): Buffer {
  const r = mulberry32(seedKey(seed, index, SALT_IV, STREAM) ^ hash(`${batch}/${field}`))
  const iv = Buffer.alloc(16)
  for (let i = 0; i < 16; i += 4) iv.writeUInt32BE(Math.floor(r() * 0x1_0000_0000), i)
  return iv
}

function hash (s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return h >>> 0
}
