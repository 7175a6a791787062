// A department's business codes as a table: which codes mean success and which the platform
// treats as an expired token, a rate limit or an outage. Every other code is a business error.
import {
  DepartmentAuthError, DepartmentBusinessError, DepartmentRateLimitedError, DepartmentUnavailableError,
} from './errors.ts'
import { select } from './select.ts'

export type BusinessOutcome = 'ok' | 'auth' | 'rate-limited' | 'unavailable'

/** The codes most provincial interfaces use: 0000 ok, 4001 token, 4290 rate limit, 5000 internal error. */
export const STANDARD_BUSINESS_CODES: Readonly<Record<string, BusinessOutcome>> = Object.freeze({
  '0000': 'ok', 4001: 'auth', 4290: 'rate-limited', 5000: 'unavailable',
})

export interface BusinessCodeSpec {
  /** Dotted path of the code in the answer (a string or a number). */
  code: string
  /** Dotted path of the department's message, quoted in errors. */
  message?: string
  /** Code -> outcome; codes not listed throw DepartmentBusinessError. */
  table?: Readonly<Record<string, BusinessOutcome>>
}

/**
 * A check for one department's answers: returns when the code means success, otherwise throws the
 * SDK error the code stands for. An answer that is not a JSON object or carries no code is the
 * department failing (DepartmentUnavailableError).
 */
export function businessCodes (department: string, spec: BusinessCodeSpec): (answer: unknown) => void {
  const codeOf = select(spec.code)
  const messageOf = spec.message === undefined ? () => undefined : select(spec.message)
  const table = spec.table ?? STANDARD_BUSINESS_CODES
  return (answer) => {
    if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) {
      throw new DepartmentUnavailableError(department, 'the answer is not a JSON object')
    }
    const raw = codeOf(answer)
    if (typeof raw !== 'string' && typeof raw !== 'number') throw new DepartmentUnavailableError(department, 'the answer has no business code')
    const code = String(raw)
    const outcome = Object.hasOwn(table, code) ? table[code] : undefined
    if (outcome === 'ok') return
    const message = messageOf(answer)
    const said = `${code} ${typeof message === 'string' ? message : ''}`.trim()
    switch (outcome) {
      case 'auth': throw new DepartmentAuthError(department, `token expired or revoked (${said})`)
      case 'rate-limited': throw new DepartmentRateLimitedError(department)
      case 'unavailable': throw new DepartmentUnavailableError(department, `internal error (${said})`)
      default: throw new DepartmentBusinessError(department, code)
    }
  }
}
