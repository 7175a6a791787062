// Statistical division codes (统计用区划代码): 12 digits = province 2, city 2, county 2, town 3,
// village 3. Departments send 6 (county), 9 (town) or 12 digits; the short forms are padded on the
// right with zeros. The level is that of the most specific non-zero part.
import { isSpaceCode } from './chars.ts'
import { failNote } from './fail-note.ts'
import { ok, type Normalized } from './result.ts'

export type DivisionLevel = 'province' | 'city' | 'county' | 'town' | 'village'

/** Province-level codes (GB/T 2260): 11-15, 21-23, 31-37, 41-46, 50-54, 61-65, 71 Taiwan, 81 Hong Kong, 82 Macao. */
const PROVINCES = new Set([
  11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
  50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
])

const ZEROS = ['000000', '000', '']

/** Scratch digits (normalisers are synchronous, so one buffer serves every call). */
const d = new Int32Array(12)

/** Normalise a division code to 12 digits, with its level. */
export function divisionCode (input: string): Normalized<string, { level: DivisionLevel }> {
  let start = 0
  let end = input.length
  while (start < end && isSpaceCode(input.charCodeAt(start))) start++
  while (end > start && isSpaceCode(input.charCodeAt(end - 1))) end--
  const n = end - start
  if (n !== 6 && n !== 9 && n !== 12) return failNote('TB_DIVISION_INVALID', 'expected 6, 9 or 12 digits', input)
  let digits = ''
  let copy = start !== 0 || end !== input.length
  d.fill(0)
  for (let i = 0; i < n; i++) {
    let c = input.charCodeAt(start + i)
    if (c >= 0xff10 && c <= 0xff19) { c -= 0xfee0; copy = true }
    if (c < 48 || c > 57) return failNote('TB_DIVISION_INVALID', `character ${i + 1} is not a digit`, input)
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
  return ok(value, { level })
}
