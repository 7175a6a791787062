import type { ErrorCode } from '../errors.ts'
import { fail } from './result.ts'

/** `fail(code, ...args)` with a parenthesised note after the catalogue message, e.g. which rule failed. */
export function failNote (code: ErrorCode, note: string, ...args: unknown[]): ReturnType<typeof fail> {
  const failure = fail(code, ...args)
  failure.error.message += ` (${note})`
  return failure
}
