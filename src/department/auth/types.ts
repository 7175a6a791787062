// The contract between the department client and an auth strategy: the client builds the request
// as it will go on the wire; the strategy adds what the department wants (a bearer token, signed
// parameters, signature headers) with credentials it asks for only when it needs them.
import type { z } from 'zod'
import type { AuthDeclaration, DepartmentRequest, DepartmentResponse } from '../../adapter-sdk/index.ts'

/** A request about to be sent; strategies change its URL, headers or body in place. */
export interface OutgoingRequest {
  method: string
  url: URL
  headers: Record<string, string>
  body: string | Uint8Array | undefined
  /** Values the department's signature covers (`DepartmentRequest.signed`). */
  signed: Record<string, string> | undefined
}

export interface AuthContext<D extends AuthDeclaration, S> {
  declaration: D
  department: string
  /** What the strategy keeps between requests (OAuth's token); the client starts it afresh when the department refuses it. */
  state: S
  /** Sends a request to the department without auth (OAuth's token endpoint). */
  send: (req: DepartmentRequest) => Promise<DepartmentResponse>
  now: () => Date
}

export interface AuthStrategy<D extends AuthDeclaration, C, S = undefined> {
  credentials: z.ZodType<C>
  state: () => S
  /** Credentials are asked for only when needed (see src/department/credentials.ts for how long a connection keeps them). */
  apply: (request: OutgoingRequest, credentials: () => Promise<C>, ctx: AuthContext<D, S>) => Promise<void>
  /** The signed values an adapter writes into its own body (`DepartmentHttp.sign`); only strategies that sign parameters. */
  values?: (signed: Record<string, string>, credentials: () => Promise<C>, ctx: AuthContext<D, S>) => Promise<Record<string, string>>
}
