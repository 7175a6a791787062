// Deterministic residents and messages for the household-registration simulator and tests.
//
// Everything here is pure: `residentAt(seed, index)` is O(1) and gives the same record for the
// same arguments on every machine, so a population of a million residents costs nothing until a
// message mentions one. This module depends on nothing in the platform but the SDK's test kit (in
// particular not on src/normalize): the simulator plays the department, and the department
// computes its own check characters.
// The kit's data modules, not its index: the demo story loads this file in gateway processes,
// which must not load the simulator servers.
import { int, mulberry32, pad, pick, seeded, weighted, type Rng } from '../../src/adapter-sdk/testkit/random.ts'
import { residentIdCheckChar as idCheckChar, RESIDENT_ID_CHECK_CHARS } from '../../src/adapter-sdk/testkit/check-characters.ts'
import { COUNTIES, ESTATES, OTHER_BIRTHPLACES, VILLAGES, type County, type Town } from '../../src/adapter-sdk/testkit/geography.ts'
import { ETHNICITIES, givenName, landline, mobilePhone, SURNAMES, TIBETAN, UYGHUR_FEMALE, UYGHUR_MALE } from '../../src/adapter-sdk/testkit/people.ts'

export { idCheckChar, mulberry32, seeded }

/** One resident as the department sends it (spec "Body" table). */
export interface HouseholdRecord {
  GMSFHM: string
  XM: string
  XB: string
  MZ: string
  CSRQ: string
  HJDZ_XZQHDM: string
  HJDZ_XZJDDM?: string
  HJDZ_QHNXXDZ: string
  LXDH: string
}

/** A message body as the department POSTs it. */
export interface HouseholdMessage {
  msgId: string
  eventType: string
  occurTime: string
  records: HouseholdRecord[]
}

export const EVENT_TYPES = ['CS', 'QR', 'QC', 'BG', 'SW'] as const
export type EventType = (typeof EVENT_TYPES)[number]

/** Why a generated record is expected to be quarantined (spec: "about 1 in 50"). */
export type Quirk = 'checksum' | 'birthdate'

/** What the platform should end up with for a resident that is not quirky. */
export interface ResidentFacts {
  /** Canonical 18-character ID (upper-case X), whatever form the record carries. */
  idNumber: string
  /** The name without padding or full-width spaces. */
  name: string
  gender: 'male' | 'female'
  /** ISO date from the ID number. */
  birthDate: string
  ethnicityCode: string
  /** How the GMSFHM field is written in the records. */
  idForm: 'standard' | 'legacy-15' | 'lowercase-x'
  quirk: Quirk | undefined
}

// ---------------------------------------------------------------------------------------------
// seeded randomness and the GB 11643 check character: the SDK's test kit (department-side code,
// independent of src/normalize). This simulator keys its streams with the kit's default stream.

const SALT_IDENTITY = 1
const SALT_RESIDENCE = 2
const SALT_PICK = 3
const SALT_EVENT = 4

// ---------------------------------------------------------------------------------------------
// identity: everything that never changes for a resident

interface Identity {
  birthplace: string
  county: County
  birth: { y: number, m: number, d: number }
  male: boolean
  id18: string
  idNumber: string // as sent
  idForm: ResidentFacts['idForm']
  name: string // canonical
  xm: string // as sent
  mz: string
  csrq: string // as sent
  quirk: Quirk | undefined
}

const BIRTH_FROM = Date.UTC(1930, 0, 1) / 86_400_000
const BIRTH_TO = Date.UTC(2024, 11, 31) / 86_400_000

function ymd (epochDay: number): { y: number, m: number, d: number } {
  const dt = new Date(epochDay * 86_400_000)
  return { y: dt.getUTCFullYear(), m: dt.getUTCMonth() + 1, d: dt.getUTCDate() }
}
const compact = (b: { y: number, m: number, d: number }): string => `${b.y}${pad(b.m, 2)}${pad(b.d, 2)}`

function identity (seed: number, index: number): Identity {
  const r = seeded(seed, index, SALT_IDENTITY)
  // draws happen in a fixed order: do not reorder without accepting different data
  const county = pick(r, COUNTIES)
  const bornElsewhere = r() < 0.1
  const elsewhere = pick(r, OTHER_BIRTHPLACES)
  const birthplace = bornElsewhere ? elsewhere : county.code
  const epochDay = BIRTH_FROM + int(r, BIRTH_TO - BIRTH_FROM + 1)
  const birth = ymd(epochDay)
  const male = r() < 0.5
  const seq = int(r, 500) * 2 + (male ? 1 : 0) // 17th digit: odd = male, even = female
  const first17 = `${birthplace}${compact(birth)}${pad(seq, 3)}`
  const id18 = first17 + idCheckChar(first17)

  const mz = weighted(r, ETHNICITIES)
  const surname = weighted(r, SURNAMES)
  const given = givenName(r, male, birth.y)
  const layoutRoll = r()
  const formRoll = r()
  const quirkRoll = r()
  const quirkShift = 1 + int(r, 400)
  const wrongCheck = pick(r, RESIDENT_ID_CHECK_CHARS.split('').filter((c) => c !== id18[17]))
  const uyFather = pick(r, UYGHUR_MALE)
  const uyGiven = pick(r, male ? UYGHUR_MALE : UYGHUR_FEMALE)
  const tibetan = pick(r, TIBETAN) + (r() < 0.5 ? pick(r, TIBETAN) : '')

  // the name, and sometimes the padding the department's forms leave in it
  let name: string
  let xm: string
  if (mz === '05') {
    name = `${uyGiven}·${uyFather}`
    xm = name
  } else if (mz === '04') {
    name = tibetan
    xm = name
  } else {
    name = surname + given
    if (layoutRoll < 0.05 && name.length === 2) xm = `${name[0]}\u3000${name[1]}` // 张　伟
    else if (layoutRoll < 0.08) xm = `${name}  `
    else if (layoutRoll < 0.10) xm = `\u3000${name}\u3000`
    else xm = name
  }

  // 1 in 50: a wrong check character or a birth date that disagrees with the ID number
  let quirk: Quirk | undefined
  if (quirkRoll < 0.01) quirk = 'checksum'
  else if (quirkRoll < 0.02) quirk = 'birthdate'

  let idNumber = id18
  let idForm: ResidentFacts['idForm'] = 'standard'
  let csrq = compact(birth)
  if (quirk === 'checksum') {
    idNumber = first17 + wrongCheck
  } else if (quirk === 'birthdate') {
    csrq = compact(ymd(epochDay - quirkShift))
  } else if (birth.y < 2000 && formRoll < 0.05) {
    idNumber = `${birthplace}${compact(birth).slice(2)}${pad(seq, 3)}` // legacy 15-digit form
    idForm = 'legacy-15'
  } else if (id18.endsWith('X') && formRoll < 0.4) {
    idNumber = id18.slice(0, 17) + 'x'
    idForm = 'lowercase-x'
  }

  return { birthplace, county, birth, male, id18, idNumber, idForm, name, xm, mz, csrq, quirk }
}

// ---------------------------------------------------------------------------------------------
// residence: what a change of registration (revision) may alter

function addressDetail (r: Rng, town: Town): string {
  if (town.street || r() < 0.2) {
    const estate = pick(r, ESTATES)
    return `${town.name}${estate}${1 + int(r, 40)}幢${1 + int(r, 4)}单元${1 + int(r, 18)}0${1 + int(r, 4)}室`
  }
  return `${town.name}${pick(r, VILLAGES)}${1 + int(r, 300)}号`
}

/**
 * Resident `index` of the population `seed`, as the department sends it. `revision` varies where
 * the resident lives and their phone (a later registration change); identity never changes.
 * Pure and O(1).
 */
export function residentAt (seed: number, index: number, revision = 0): HouseholdRecord {
  const id = identity(seed, index)
  const r = seeded(seed, index * 0x10000 + (revision % 0x10000), SALT_RESIDENCE)
  const stays = revision === 0 || r() < 0.7
  const county = stays ? id.county : pick(r, COUNTIES)
  const town = pick(r, county.towns)
  const detail = addressDetail(r, town)
  const phoneRoll = r()
  const phone = phoneRoll < 0.65 ? mobilePhone(r) : phoneRoll < 0.8 ? landline(r) : ''
  const noTown = r() < 0.05

  const record: HouseholdRecord = {
    GMSFHM: id.idNumber,
    XM: id.xm,
    XB: id.male ? '1' : '2',
    MZ: id.mz,
    CSRQ: id.csrq,
    HJDZ_XZQHDM: county.code,
    HJDZ_XZJDDM: town.code,
    HJDZ_QHNXXDZ: detail,
    LXDH: phone,
  }
  if (noTown) delete record.HJDZ_XZJDDM // about 1 in 20 (spec)
  return record
}

/** The quirk that should send resident `index` to quarantine, if any (stable across revisions). */
export function isQuirky (seed: number, index: number): Quirk | undefined {
  return identity(seed, index).quirk
}

/** What a correct pipeline should store for resident `index` (identity fields only). */
export function residentFacts (seed: number, index: number): ResidentFacts {
  const id = identity(seed, index)
  return {
    idNumber: id.id18,
    name: id.name,
    gender: id.male ? 'male' : 'female',
    birthDate: `${id.birth.y}-${pad(id.birth.m, 2)}-${pad(id.birth.d, 2)}`,
    ethnicityCode: id.mz,
    idForm: id.idForm,
    quirk: id.quirk,
  }
}

// ---------------------------------------------------------------------------------------------
// messages

/** `YYYY-MM-DD HH:mm:ss` in Beijing time (UTC+8), the shape of `occurTime`. */
export function formatBeijing (at: Date | number): string {
  const d = new Date((typeof at === 'number' ? at : at.getTime()) + 8 * 3_600_000)
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)} ` +
    `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`
}

/** Default occurTime of message n: 2026-11-20 09:00:00 Beijing time plus a minute per message. */
export const BASE_OCCUR_MS = Date.UTC(2026, 10, 20, 1, 0, 0)

export interface MessageOptions {
  /** How many residents (1..500 per spec), or the records themselves. */
  records: number | readonly HouseholdRecord[]
  /** Population size residents are picked from (default 1000). */
  residents?: number
  /** Take residents residentFrom, residentFrom+1, … (mod residents) instead of seeded picks. */
  residentFrom?: number
  /** Defaults to a seeded pick: QR, BG, QC, CS, SW by frequency. Any string is sent as is. */
  eventType?: string
  /** A Date is written in Beijing time; a string is sent verbatim (to test bad values). */
  occurTime?: Date | string
  /** Passed to residentAt (default: the message number, so later messages carry newer details). */
  revision?: number
}

/** The resident indices message `messageNo` carries when `records` is a count. */
export function messageResidents (seed: number, messageNo: number, count: number, residents = 1000, residentFrom?: number): number[] {
  if (!Number.isInteger(residents) || residents < 1) throw new RangeError('residents must be a positive integer')
  const out: number[] = []
  if (residentFrom !== undefined) {
    for (let i = 0; i < count; i++) out.push((residentFrom + i) % residents)
    return out
  }
  const r = seeded(seed, messageNo, SALT_PICK)
  for (let i = 0; i < count; i++) out.push(int(r, residents))
  return out
}

/** The event type a message gets when none is asked for. */
export function defaultEventType (seed: number, messageNo: number): EventType {
  return weighted(seeded(seed, messageNo, SALT_EVENT), [['QR', 35], ['BG', 30], ['QC', 15], ['CS', 10], ['SW', 10]] as const)
}

/**
 * Message `messageNo` of the population `seed`: a spec body with msgId
 * `HR` + yyyyMMddHHmmss (Beijing, from occurTime) + 6-digit sequence (messageNo mod 10^6).
 */
export function buildMessage (seed: number, messageNo: number, opts: MessageOptions): HouseholdMessage {
  let records: HouseholdRecord[]
  if (typeof opts.records === 'number') {
    const revision = opts.revision ?? messageNo
    records = messageResidents(seed, messageNo, opts.records, opts.residents, opts.residentFrom)
      .map((i) => residentAt(seed, i, revision))
  } else {
    records = [...opts.records]
  }
  const occur = opts.occurTime ?? new Date(BASE_OCCUR_MS + messageNo * 60_000)
  const occurTime = typeof occur === 'string' ? occur : formatBeijing(occur)
  let stamp = occurTime.replace(/\D/g, '').slice(0, 14)
  if (stamp.length < 14) stamp = formatBeijing(BASE_OCCUR_MS).replace(/\D/g, '')
  return {
    msgId: `HR${stamp}${pad(((messageNo % 1_000_000) + 1_000_000) % 1_000_000, 6)}`,
    eventType: opts.eventType ?? defaultEventType(seed, messageNo),
    occurTime,
    records,
  }
}
