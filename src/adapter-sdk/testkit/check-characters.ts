// Check characters of Chinese identifiers, for department simulators. A simulator plays the
// department, and the department computes its own check characters: generating valid (and
// deliberately invalid) identifiers with the platform's normalisers would make a simulator agree
// with the platform by construction, so a bug in src/normalize could never show up in a test.
// These are written from the standards, independently of the normalisers the platform validates
// with; keep them that way (nothing here imports from src/normalize).

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const

/** The check characters of GB 11643 resident ID numbers, indexed by the weighted sum mod 11. */
export const RESIDENT_ID_CHECK_CHARS = '10X98765432'

/** The 18th character of a resident ID number (GB 11643, ISO 7064 MOD 11-2) for its first 17 digits. */
export function residentIdCheckChar (first17: string): string {
  let sum = 0
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * (ID_WEIGHTS[i] as number)
  return RESIDENT_ID_CHECK_CHARS[sum % 11] as string
}

/** GB 32100 character set: digits and capitals without I, O, Z, S, V. */
export const CREDIT_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const

/** The 18th character of a unified social credit code (GB 32100) for its first 17. */
export function creditCodeCheckChar (first17: string): string {
  let sum = 0
  for (let i = 0; i < 17; i++) {
    const v = CREDIT_CHARS.indexOf(first17[i] as string)
    if (v < 0) throw new RangeError(`not a credit-code character: ${first17[i]}`)
    sum += v * (CREDIT_WEIGHTS[i] as number)
  }
  const c = 31 - (sum % 31)
  return CREDIT_CHARS[c === 31 ? 0 : c] as string
}

const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2] as const

/** The 9th character of an organisation code (GB 11714) for its first 8 (digits and capitals). */
export function orgCodeCheckChar (first8: string): string {
  let sum = 0
  for (let i = 0; i < 8; i++) {
    const ch = first8.charCodeAt(i)
    const v = ch >= 48 && ch <= 57 ? ch - 48 : ch - 55 // A = 10 … Z = 35
    sum += v * (ORG_WEIGHTS[i] as number)
  }
  const c = 11 - (sum % 11)
  return c === 10 ? 'X' : c === 11 ? '0' : String(c)
}
