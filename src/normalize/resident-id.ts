// GB 11643 citizen ID numbers (公民身份号码): 6-digit division code, 8-digit birth date, 3-digit
// sequence (odd = male), and an ISO 7064 MOD 11-2 check character (0-9 or X). Legacy 15-digit
// numbers (YYMMDD, no check character) are upgraded: century 19 and the computed check character.
// The division code must be a county-level code in use at some time since 1980 (an ID number keeps
// the code it was issued under); the details name what the code named then and what it is now.
//
// Hot path: the number is validated with charCode loops and precomputed tables; a clean 18-character
// input is returned as the value without copying.
import { isAfterBeijingToday, isRealDate } from './calendar.ts'
import { isSpaceCode } from './chars.ts'
import { county, currentCounties, type County, type CurrentDivision } from './county.ts'
import { failNote } from './fail-note.ts'
import { fail, ok, type Normalized } from './result.ts'

export interface ResidentIdDetails {
  /** YYYY-MM-DD, from positions 7-14. */
  birthDate: string
  /** From the 17th digit: odd male, even female. */
  gender: 'male' | 'female'
  /** The first 6 digits: the county-level division where the number was first issued (not necessarily where the person lives). */
  divisionCode: string
  /** That division's current name; for an abolished code, its last name. */
  divisionName: string
  /** False when the division code has since been abolished. */
  divisionCurrent: boolean
  /**
   * When the code has been abolished, or named another division before (桥东区 until 2020, now
   * 襄都区): every division it named since 1980, oldest first, with the divisions in use today that
   * each became. Absent for a code that has named one division, still in use.
   */
  divisionHistory?: readonly DivisionPeriod[]
  /** True when the input was a 15-digit legacy number. */
  upgradedFrom15: boolean
}

/** A division an ID number's code named at some time, and what it is now. */
export interface DivisionPeriod {
  name: string
  province: string
  /** The prefecture as then named; absent under a municipality. */
  prefecture?: string
  /** First year in use, and the year it was abolished or changed (absent while in use). */
  from: number
  until?: number
  /** The county-level divisions in use today that took over its area (itself while in use). */
  now: readonly CurrentDivision[]
}

/** Weights 2^(17-i) mod 11 for positions 1..17. */
const WEIGHTS = Int32Array.of(7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
/** Check character code for (sum mod 11): '1', '0', 'X', '9', '8', ..., '2'. */
const CHECK = Int32Array.from('10X98765432', (c) => c.charCodeAt(0))
const CHECK_TEXT = '10X98765432'

const MIN_BIRTH_YEAR = 1880

const X = 88 // 'X'

/**
 * The ID text trimmed, with full-width digits and X and a lowercase x made ASCII; `input` itself
 * when nothing needed changing. undefined when the trimmed length is neither 15 nor 18.
 */
function canonicalText (input: string): string | undefined {
  let start = 0
  let end = input.length
  while (start < end && isSpaceCode(input.charCodeAt(start))) start++
  while (end > start && isSpaceCode(input.charCodeAt(end - 1))) end--
  const n = end - start
  if (n !== 18 && n !== 15) return undefined
  let clean = start === 0 && end === input.length
  if (clean) {
    for (let i = 0; i < n; i++) {
      const c = input.charCodeAt(i)
      if (c > 0x7f || c === 120 /* x */) { clean = false; break }
    }
    if (clean) return input
  }
  let out = ''
  for (let i = start; i < end; i++) {
    let c = input.charCodeAt(i)
    if (c >= 0xff10 && c <= 0xff19) c -= 0xfee0 // full-width digits
    else if (c === 0xff38 || c === 0xff58 || c === 120) c = X // Ｘ ｘ x
    out += String.fromCharCode(c)
  }
  return out
}

/** Normalise a citizen ID number to its 18-character form (upper-case X). */
export function residentId (input: string): Normalized<string, ResidentIdDetails> {
  // fast path: 18 ASCII digits (the last may be X), nothing to trim or convert
  if (input.length === 18) {
    let sum = 0
    let i = 0
    for (; i < 17; i++) {
      const d = input.charCodeAt(i) - 48
      if (d < 0 || d > 9) break
      sum += d * WEIGHTS[i]!
    }
    const last = input.charCodeAt(17)
    if (i === 17 && ((last >= 48 && last <= 57) || last === X)) return checked18(input, input, sum, last)
  }
  const s = canonicalText(input)
  if (s === undefined) return failNote('TB_ID_FORMAT', 'expected 18 characters or a 15-digit legacy number', input)

  if (s.length === 18) {
    let sum = 0
    for (let i = 0; i < 17; i++) {
      const d = s.charCodeAt(i) - 48
      if (d < 0 || d > 9) return failNote('TB_ID_FORMAT', `character ${i + 1} is not a digit`, input)
      sum += d * WEIGHTS[i]!
    }
    const last = s.charCodeAt(17)
    if ((last < 48 || last > 57) && last !== X) return failNote('TB_ID_FORMAT', 'character 18 is not a digit or X', input)
    return checked18(input, s, sum, last)
  }

  // 15-digit legacy number: DDDDDD YYMMDD SSS -> DDDDDD 19YYMMDD SSS C
  let sum = 1 * WEIGHTS[6]! + 9 * WEIGHTS[7]!
  for (let i = 0; i < 15; i++) {
    const d = s.charCodeAt(i) - 48
    if (d < 0 || d > 9) return failNote('TB_ID_FORMAT', `character ${i + 1} of the 15-digit number is not a digit`, input)
    sum += d * WEIGHTS[i < 6 ? i : i + 2]!
  }
  return checkedParts(input, `${s.slice(0, 6)}19${s.slice(6)}${CHECK_TEXT[sum % 11]!}`, true)
}

/** The rest of the 18-character check once the format is right: check character, division, birth date. */
function checked18 (input: string, s: string, sum: number, last: number): Normalized<string, ResidentIdDetails> {
  if (last !== CHECK[sum % 11]) return fail('TB_ID_CHECKSUM', input)
  return checkedParts(input, s, false)
}

const digit = (s: string, i: number): number => s.charCodeAt(i) - 48

/** The division and birth-date checks of an 18-character number `s` whose format and check character are right. */
function checkedParts (input: string, s: string, upgradedFrom15: boolean): Normalized<string, ResidentIdDetails> {
  const code = digit(s, 0) * 100000 + digit(s, 1) * 10000 + digit(s, 2) * 1000 + digit(s, 3) * 100 + digit(s, 4) * 10 + digit(s, 5)
  const division = county(code)
  if (division === undefined) return failNote('TB_ID_DIVISION', `${s.slice(0, 6)} was never a county-level code since 1980`, input)
  const bad = birthDateProblem(s, 6)
  if (bad !== undefined) return failNote('TB_ID_BIRTHDATE', bad, input)
  const details: ResidentIdDetails = {
    birthDate: `${s.slice(6, 10)}-${s.slice(10, 12)}-${s.slice(12, 14)}`,
    gender: (s.charCodeAt(16) & 1) === 1 ? 'male' : 'female',
    divisionCode: s.slice(0, 6),
    divisionName: division.name,
    divisionCurrent: division.current,
    upgradedFrom15,
  }
  const history = divisionHistory(division)
  if (history !== undefined) details.divisionHistory = history
  return ok(s, details)
}

/** Computed once per code: following successors is a graph walk, an ID number is a hot path. */
const HISTORIES = new Map<County, readonly DivisionPeriod[] | undefined>()

function divisionHistory (division: County): readonly DivisionPeriod[] | undefined {
  if (HISTORIES.has(division)) return HISTORIES.get(division)
  const { periods } = division
  const history = periods.length === 0 || (division.current && periods.length === 1)
    ? undefined
    : Object.freeze(periods.map((p): DivisionPeriod => Object.freeze({
      name: p.name,
      province: p.province,
      ...(p.prefecture === undefined ? {} : { prefecture: p.prefecture }),
      from: p.from,
      ...(p.until === undefined ? {} : { until: p.until }),
      now: Object.freeze(currentCounties(p)),
    })))
  HISTORIES.set(division, history)
  return history
}

/** Why the 8 digits YYYYMMDD at `at` are not a plausible birth date, or undefined. */
function birthDateProblem (s: string, at: number): string | undefined {
  const y = digit(s, at) * 1000 + digit(s, at + 1) * 100 + digit(s, at + 2) * 10 + digit(s, at + 3)
  const m = digit(s, at + 4) * 10 + digit(s, at + 5)
  const d = digit(s, at + 6) * 10 + digit(s, at + 7)
  if (!isRealDate(y, m, d)) return `birth date ${s.slice(at, at + 8)} is not a real date`
  if (y < MIN_BIRTH_YEAR) return `birth date ${s.slice(at, at + 8)} is before ${MIN_BIRTH_YEAR}`
  if (isAfterBeijingToday(y * 10000 + m * 100 + d)) return `birth date ${s.slice(at, at + 8)} is in the future`
  return undefined
}

export type IdAgreement =
  | { ok: true }
  | { ok: false, error: { code: 'TB_ID_BIRTHDATE' | 'TB_ID_GENDER', message: string } }

const AGREES: IdAgreement = Object.freeze({ ok: true })

/**
 * Cross-field check for a person: the birth date and gender a department states must agree with
 * what the (already normalised, 18-character) ID number encodes. A missing value, and the gender
 * 'unknown', never contradict. `birthDate` is YYYY-MM-DD (separators are ignored).
 */
export function idAgrees (idNumber18: string, birthDate?: string, gender?: 'male' | 'female' | 'unknown'): IdAgreement {
  if (idNumber18.length !== 18) return AGREES // not a normalised number: residentId reports that, not this check
  if (birthDate !== undefined) {
    let digits = ''
    for (let i = 0; i < birthDate.length; i++) {
      const c = birthDate.charCodeAt(i)
      if (c >= 48 && c <= 57) digits += birthDate[i]
    }
    const encoded = idNumber18.slice(6, 14)
    if (digits !== encoded) {
      const f = failNote('TB_ID_BIRTHDATE', `the record says ${birthDate}, the ID number encodes ${encoded.slice(0, 4)}-${encoded.slice(4, 6)}-${encoded.slice(6, 8)}`, idNumber18)
      return { ok: false, error: { code: 'TB_ID_BIRTHDATE', message: f.error.message } }
    }
  }
  if (gender === 'male' || gender === 'female') {
    const encoded = (idNumber18.charCodeAt(16) & 1) === 1 ? 'male' : 'female'
    if (gender !== encoded) {
      const f = failNote('TB_ID_GENDER', `the record says ${gender}, the ID number encodes ${encoded}`, idNumber18)
      return { ok: false, error: { code: 'TB_ID_GENDER', message: f.error.message } }
    }
  }
  return AGREES
}
