// Operations: calls an adapter makes *to* its department on a person's behalf (look up one
// resident's assistance, submit a case). The platform runs them through the instance's
// department connection (breaker, rate, auth), retries only those declared idempotent, audits
// every call and serves each at POST /api/v1/adapters/:instance/operations/:name to callers with
// the permission the operation declares.
import type { z } from 'zod'
import type { DepartmentHttp } from './http.ts'
import type { DigestEncoding } from './auth.ts'

/**
 * The staff member's own department account (from the vault, mapped per staff member and
 * instance), placed into the request by the platform under the department's names. `password`
 * is sent as the digest the department wants (`md5` uppercase hex, say) or in plain.
 */
export interface StaffAccountPlacement {
  names: { username: string, password: string }
  passwordDigest: 'plain' | { algorithm: 'md5' | 'sha256' | 'sm3', encoding: DigestEncoding }
  /** `body`: returned by `http.sign(values)` with the signed values, for the adapter's own body (SOAP). */
  placement: 'query' | 'form' | 'body'
}

export interface OperationContext<I> {
  /** The department connection: as the service account, or carrying the staff member's account (`actAs: { staff }`). */
  http: DepartmentHttp
  input: I
  signal: AbortSignal
}

export interface OperationDeclaration<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  title: { zh: string, en: string }
  input: I
  output: O
  /**
   * Who the department sees. `service`: the instance's service credentials. `{ staff }`: the
   * signed-in staff member through their mapped department account; a caller without one is refused.
   */
  actAs: 'service' | { staff: StaffAccountPlacement }
  /** The permission a caller needs (one of the platform's, e.g. `records:read`); checked when the adapter loads. */
  permission: string
  /**
   * The key of one logical call, from its input: calls with the same key are one call (retried
   * on failure, answered from the first result within a day). Absent: not idempotent — never retried.
   */
  idempotencyKey?: (input: z.infer<I>) => string
  /**
   * Valid inputs as a caller sends them: `tongban adapter check` gives each the idempotency key
   * twice and, against the simulator, calls the operation with it.
   */
  examples?: ReadonlyArray<z.input<I>>
  /** Audit subject: the person (ID number) or enterprise (credit code) the call concerns, if any. */
  subject?: (input: z.infer<I>) => { kind: 'person' | 'enterprise', key: string } | undefined
  run: (ctx: OperationContext<z.infer<I>>) => Promise<z.infer<O>>
}

/** Identity function that infers an operation's input and output types from its schemas. */
export function defineOperation<I extends z.ZodType, O extends z.ZodType> (operation: OperationDeclaration<I, O>): OperationDeclaration<I, O> {
  return operation
}
