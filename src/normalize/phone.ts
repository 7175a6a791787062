// Mainland China phone numbers: mobile -> 11 digits; landline -> 'area-local' (0519-86781234).
// Area codes: 010 and 02x have three digits, every other (0 + 3..9 + two digits) has four.
// Local numbers have 7 or 8 digits and do not start with 0 or 1.
import { isSpaceCode, toHalfWidth } from './chars.ts'
import { failNote } from './fail-note.ts'
import { fail, ok, type Normalized } from './result.ts'

/** Separators people put inside numbers: spaces, hyphens and dashes, parentheses, dots. */
function isSeparator (c: number): boolean {
  return isSpaceCode(c) || c === 45 || c === 40 || c === 41 || c === 46 || c === 0x2010 || c === 0x2011 ||
    c === 0x2012 || c === 0x2013 || c === 0x2014 || c === 0x2212
}

function isMobile (s: string): boolean {
  if (s.charCodeAt(0) !== 49) return false
  const c1 = s.charCodeAt(1)
  if (c1 < 51 || c1 > 57) return false
  for (let i = 2; i < 11; i++) {
    const c = s.charCodeAt(i)
    if (c < 48 || c > 57) return false
  }
  return true
}

/** Normalise a mainland mobile or landline number. */
export function phone (input: string): Normalized<string> {
  if (input.length === 11 && isMobile(input)) return ok(input) // the common case, no copy
  const half = toHalfWidth(input)
  let s = ''
  let plus = false
  for (let i = 0; i < half.length; i++) {
    const c = half.charCodeAt(i)
    if (c >= 48 && c <= 57) s += half[i]
    else if (c === 43 /* + */ && s.length === 0 && !plus) plus = true
    else if (!isSeparator(c)) return failNote('TB_PHONE_INVALID', `unexpected character ${JSON.stringify(half[i])}`, input)
  }
  if (s.length === 0) return fail('TB_PHONE_INVALID', input)

  // country code: +86, 0086, and a bare 86 in front of a mobile number
  let international = false
  if (plus) {
    if (!s.startsWith('86')) return failNote('TB_PHONE_INVALID', 'not a +86 number', input)
    s = s.slice(2)
    international = true
  } else if (s.startsWith('0086')) {
    s = s.slice(4)
    international = true
  } else if (s.length === 13 && s.startsWith('861')) {
    s = s.slice(2)
  }
  // the international form drops the trunk 0 of the area code: +86 519 86781234, +86 10 62345678
  if (international && s.length > 0 && s[0] !== '0' && !(s.length === 11 && isMobile(s))) s = `0${s}`

  const c0 = s.charCodeAt(0)
  const c1 = s.charCodeAt(1)
  if (c0 === 49 /* 1 */) {
    if (s.length === 11 && c1 >= 51 /* 3 */) return ok(s)
    return failNote('TB_PHONE_INVALID', 'a mobile number has 11 digits and starts with 13-19', input)
  }
  if (c0 !== 48 /* 0 */) return failNote('TB_PHONE_INVALID', 'a landline needs its area code', input)

  let areaLength: number
  if (c1 === 49) {
    if (s.charCodeAt(2) !== 48) return failNote('TB_PHONE_INVALID', 'no area code starts with 01 except 010', input)
    areaLength = 3 // 010 Beijing
  } else if (c1 === 50) {
    areaLength = 3 // 020-029
  } else if (c1 >= 51 && c1 <= 57) {
    areaLength = 4
  } else {
    return failNote('TB_PHONE_INVALID', 'not an area code', input)
  }
  const local = s.slice(areaLength)
  if (local.length < 7 || local.length > 8) return failNote('TB_PHONE_INVALID', 'a local number has 7 or 8 digits', input)
  if (local.charCodeAt(0) < 50) return failNote('TB_PHONE_INVALID', 'a local number does not start with 0 or 1', input)
  return ok(`${s.slice(0, areaLength)}-${local}`)
}
