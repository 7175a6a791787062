import { errorCatalogue, type ErrorCode } from '../errors.ts'

// A normaliser never guesses: it answers a value (with optional details) or an error with a
// stable code. The same shape is what `tongban normalize` prints.
export type Normalized<T, D = undefined> =
  | { ok: true, value: T, details?: D }
  | { ok: false, error: { code: ErrorCode, message: string } }

export type Normalizer<T = unknown> = (input: string) => Normalized<T, unknown>

export function ok<T, D = undefined> (value: T, details?: D): Normalized<T, D> {
  return details === undefined ? { ok: true, value } : { ok: true, value, details }
}

export function fail (code: ErrorCode, ...args: unknown[]): { ok: false, error: { code: ErrorCode, message: string } } {
  let i = 0
  const message = errorCatalogue[code].message.replace(/%s/g, () => (i < args.length ? JSON.stringify(args[i++]) : '?'))
  return { ok: false, error: { code, message } }
}
