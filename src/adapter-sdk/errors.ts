import { TongbanError } from '../errors.ts'

// Errors an adapter throws to tell the platform what its department said. The platform decides
// what follows: refresh the token, back off, retry with jitter, or trip the circuit breaker.

/** The department rejected the token (expired or revoked): the platform refreshes it and retries once. */
export class DepartmentAuthError extends TongbanError {
  constructor (department: string, reason: string) {
    super('TB_DEPARTMENT_AUTH', [department, reason])
  }
}

/** The department asked us to slow down: retried with backoff, does not count against the breaker. */
export class DepartmentRateLimitedError extends TongbanError {
  constructor (department: string) {
    super('TB_DEPARTMENT_RATE_LIMITED', [department])
  }
}

/** The department is down, failing or slow: retried with backoff and counted by the breaker. */
export class DepartmentUnavailableError extends TongbanError {
  constructor (department: string, reason: string) {
    super('TB_DEPARTMENT_UNAVAILABLE', [department, reason])
  }
}

/** A business error the spec does not ask us to retry. */
export class DepartmentBusinessError extends TongbanError {
  readonly businessCode: string
  constructor (department: string, businessCode: string) {
    super('TB_DEPARTMENT_ERROR', [department, businessCode])
    this.businessCode = businessCode
  }
}

/**
 * The department refused the staff member's own account there (wrong user name or password) in an
 * operation acting as them: not retried; their department account mapping needs correcting.
 */
export class DepartmentAccountRejectedError extends TongbanError {
  constructor (department: string, reason: string) {
    super('TB_DEPARTMENT_ACCOUNT_REJECTED', [department, reason])
  }
}

/** The department does not let the account make this request (outside its area, its role): not retried. */
export class DepartmentForbiddenError extends TongbanError {
  constructor (department: string, reason: string) {
    super('TB_DEPARTMENT_FORBIDDEN', [department, reason])
  }
}

/**
 * A SOAP fault (`soap:Client`, `E101 签名错误`). Unmapped it is a business error; an adapter maps the
 * faults its spec names to the errors above (a signature or operator fault to auth, `E201` to rate).
 */
export class SoapFaultError extends DepartmentBusinessError {
  readonly faultCode: string
  readonly faultString: string
  constructor (department: string, faultCode: string, faultString: string) {
    super(department, `${faultCode} ${faultString}`)
    this.faultCode = faultCode
    this.faultString = faultString
  }
}

/** One field the department refused, as it names it (`formData.idNumber`, `applicant.certNo`). */
export interface RefusedField { field: string, message: string }

/**
 * The department validated a request and refused some of its fields: not retried; the fields go
 * back to whoever filled them in (the window shows each at its field).
 */
export class DepartmentFieldsRefusedError extends TongbanError {
  readonly fields: readonly RefusedField[]
  constructor (department: string, fields: readonly RefusedField[]) {
    super('TB_DEPARTMENT_FIELDS_REFUSED', [department, fields.map((f) => `${f.field}: ${f.message}`).join('; ') || 'no field named'], { details: { fields } })
    this.fields = fields
  }
}

/** The department already holds a different request under the same identifier (a case number reused): not retried. */
export class DepartmentConflictError extends TongbanError {
  constructor (department: string, what: string) {
    super('TB_DEPARTMENT_CONFLICT', [department, what])
  }
}

/** The department does not allow the request in the current state of what it names (an order already signed, not yet signed): not retried. */
export class DepartmentStateError extends TongbanError {
  constructor (department: string, what: string) {
    super('TB_DEPARTMENT_STATE', [department, what])
  }
}
