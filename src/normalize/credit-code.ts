// GB 32100 unified social credit codes (统一社会信用代码): 18 characters from the 31-character set
// 0-9 A-H J-N P Q R T U W X Y (no I, O, Z, S, V).
//   position 1      registration authority (登记管理部门码), e.g. 9 market regulation
//   position 2      entity type within that authority (机构类别码), e.g. 1 enterprise
//   positions 3-8   division code of the registering authority (digits)
//   positions 9-17  organisation code (GB 11714), whose 9th character is its own check character
//   position 18     check character: weights 3^(i-1) mod 31 over positions 1..17
import { isSpaceCode } from './chars.ts'
import { failNote } from './fail-note.ts'
import { ok, type Normalized } from './result.ts'

export interface CreditCodeDetails {
  /** Registration authority code, position 1 (e.g. '9' market regulation, '5' civil affairs, '1' establishment office). */
  authority: string
  /** Entity type code, position 2 (e.g. '1' enterprise, '2' individual business, '3' farmers' cooperative under authority 9). */
  entityType: string
  /** Positions 3-8: the registering authority's division code. */
  divisionCode: string
  /** Positions 9-17: the GB 11714 organisation code, check character included. */
  organizationCode: string
}

const CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY'

/** Code unit -> value 0..30 in the credit-code set, or -1. Covers ASCII; callers map full-width and lower case first. */
const VALUE = new Int8Array(128).fill(-1)
for (let i = 0; i < CHARS.length; i++) VALUE[CHARS.charCodeAt(i)] = i

/** 3^i mod 31, i = 0..16 */
const WEIGHTS = Int32Array.from({ length: 17 }, (_, i) => {
  let w = 1
  for (let k = 0; k < i; k++) w = (w * 3) % 31
  return w
})

/** GB 11714 weights for the organisation code body. */
const ORG_WEIGHTS = Int32Array.of(3, 7, 9, 10, 5, 8, 4, 2)

/** Trimmed, full-width made half-width, upper-cased; `input` itself when already so. */
function canonicalText (input: string): string {
  let start = 0
  let end = input.length
  while (start < end && isSpaceCode(input.charCodeAt(start))) start++
  while (end > start && isSpaceCode(input.charCodeAt(end - 1))) end--
  let clean = start === 0 && end === input.length
  if (clean) {
    for (let i = 0; i < end; i++) {
      const c = input.charCodeAt(i)
      if (c > 0x7f || (c >= 97 && c <= 122)) { clean = false; break }
    }
    if (clean) return input
  }
  let out = ''
  for (let i = start; i < end; i++) {
    let c = input.charCodeAt(i)
    if (c >= 0xff01 && c <= 0xff5e) c -= 0xfee0
    if (c >= 97 && c <= 122) c -= 32
    out += String.fromCharCode(c)
  }
  return out
}

/** Normalise a unified social credit code: 18 upper-case characters, both check characters verified. */
export function creditCode (input: string): Normalized<string, CreditCodeDetails> {
  const s = canonicalText(input)
  if (s.length !== 18) return failNote('TB_CREDIT_CODE_FORMAT', `expected 18 characters, got ${s.length}`, input)
  let sum = 0
  for (let i = 0; i < 18; i++) {
    const c = s.charCodeAt(i)
    const v = c < 128 ? VALUE[c]! : -1
    if (v < 0) return failNote('TB_CREDIT_CODE_FORMAT', `character ${i + 1} is not in 0-9A-HJ-NPQRTUWXY`, input)
    if (i >= 2 && i <= 7 && v > 9) return failNote('TB_CREDIT_CODE_FORMAT', `character ${i + 1} is part of the division code and must be a digit`, input)
    if (i < 17) sum += v * WEIGHTS[i]!
  }

  // GB 11714 organisation code: body of 8 (digits and capitals, A = 10 ... Z = 35) + check (0-9 or X)
  let orgSum = 0
  for (let i = 0; i < 8; i++) {
    const c = s.charCodeAt(8 + i)
    orgSum += (c <= 57 ? c - 48 : c - 55) * ORG_WEIGHTS[i]!
  }
  const orgCheck = 11 - (orgSum % 11)
  const orgCheckCode = orgCheck === 11 ? 48 : orgCheck === 10 ? 88 : 48 + orgCheck
  if (s.charCodeAt(16) !== orgCheckCode) {
    return failNote('TB_CREDIT_CODE_CHECKSUM', 'character 17, the check character of the organisation code in positions 9-17', input)
  }

  const check = (31 - (sum % 31)) % 31
  if (s.charCodeAt(17) !== CHARS.charCodeAt(check)) return failNote('TB_CREDIT_CODE_CHECKSUM', 'character 18', input)

  return ok(s, {
    authority: s[0]!,
    entityType: s[1]!,
    divisionCode: s.slice(2, 8),
    organizationCode: s.slice(8, 17),
  })
}
