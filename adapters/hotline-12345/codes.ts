// The hotline's answers: HTTP 200 with `{"success": true}` or `{"success": false, "errCode",
// "errMsg"}`, which this turns into the SDK error the platform acts on (spec:
// /work/shared/departments/hotline-12345.md).
import {
  DepartmentAuthError, DepartmentBusinessError, DepartmentRateLimitedError, DepartmentStateError, DepartmentUnavailableError, timeFormat,
} from '../../src/adapter-sdk/index.ts'

export const ID = 'hotline-12345'

/** How the hotline writes every instant, both ways: Beijing local time. */
export const WIRE_TIME = timeFormat('YYYY-MM-DD HH:mm:ss')

/** The spec's error codes. */
export const ERR_CODES = {
  /** Not allowed in the order's state. */
  state: 'E_STATE',
  /** Too late (a return after 2 working days): final. */
  deadline: 'E_DEADLINE',
  /** The token is missing, expired or revoked. */
  auth: 'E_AUTH',
  /** Over 10 requests per second. */
  limit: 'E_LIMIT',
} as const

/** Returns when the hotline took the answer; otherwise throws what its errCode means. `what` names the call in errors. */
export function acceptedOrThrow (answer: unknown, what: string): void {
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) throw new DepartmentUnavailableError(ID, 'the answer is not a JSON object')
  const { success, errCode, errMsg } = answer as Record<string, unknown>
  if (success === true) return
  if (success !== false || typeof errCode !== 'string') throw new DepartmentUnavailableError(ID, 'the answer has neither success: true nor an errCode')
  const said = `${errCode} ${typeof errMsg === 'string' ? errMsg : ''}`.trim()
  switch (errCode) {
    case ERR_CODES.state: throw new DepartmentStateError(ID, `${what} (${said})`)
    case ERR_CODES.deadline: throw new DepartmentBusinessError(ID, said)
    case ERR_CODES.auth: throw new DepartmentAuthError(ID, `token refused (${said})`)
    case ERR_CODES.limit: throw new DepartmentRateLimitedError(ID)
    default: throw new DepartmentBusinessError(ID, said)
  }
}
