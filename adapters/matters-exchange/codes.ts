// The case exchange's answers: always HTTP 200, `{code, msg, data}` with a business code, which
// this turns into the SDK error the platform acts on (spec: /work/shared/departments/matters-exchange.md).
import {
  DepartmentAuthError, DepartmentBusinessError, DepartmentConflictError, DepartmentFieldsRefusedError, DepartmentForbiddenError,
  DepartmentRateLimitedError, DepartmentUnavailableError, type RefusedField,
} from '../../src/adapter-sdk/index.ts'

export const ID = 'matters-exchange'

/** The spec's business codes. */
export const CODES = {
  ok: '0',
  badSignature: '1001',
  staleOrReused: '1002',
  forbidden: '1003',
  invalid: '2001',
  conflict: '2002',
  tooMany: '4290',
  busy: '5000',
} as const

function refusedFields (errors: unknown): RefusedField[] {
  if (!Array.isArray(errors)) return []
  return errors.flatMap((e: unknown) => {
    if (typeof e !== 'object' || e === null) return []
    const { field, message } = e as Record<string, unknown>
    return typeof field === 'string' ? [{ field, message: typeof message === 'string' ? message : String(message ?? '') }] : []
  })
}

/**
 * The `data` of a successful answer; otherwise throws what the code means. `what` names the
 * request in conflicts (a case number).
 */
export function dataOf (answer: unknown, what = 'the request'): unknown {
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) throw new DepartmentUnavailableError(ID, 'the answer is not a JSON object')
  const { code, msg, data, errors } = answer as Record<string, unknown>
  if (typeof code !== 'string' && typeof code !== 'number') throw new DepartmentUnavailableError(ID, 'the answer has no business code')
  const said = `${String(code)} ${typeof msg === 'string' ? msg : ''}`.trim()
  switch (String(code)) {
    case CODES.ok: return data
    case CODES.badSignature:
      throw new DepartmentAuthError(ID, `signature refused (${said}): check the instance's appId and appSecret (HMAC-SM3 key) against the platform's registration`)
    case CODES.staleOrReused:
      throw new DepartmentAuthError(ID, `timestamp or nonce refused (${said}): check this server's clock (NTP), the platform allows 5 minutes, and that no proxy replays requests`)
    case CODES.forbidden:
      throw new DepartmentForbiddenError(ID, `${said}: the app id is not allowed this matter; ask the provincial platform to grant it to the town`)
    case CODES.invalid: throw new DepartmentFieldsRefusedError(ID, refusedFields(errors))
    case CODES.conflict: throw new DepartmentConflictError(ID, what)
    case CODES.tooMany: throw new DepartmentRateLimitedError(ID)
    case CODES.busy: throw new DepartmentUnavailableError(ID, `busy (${said}), retry later`)
    default: throw new DepartmentBusinessError(ID, said)
  }
}
