// The auth strategies, by the name an adapter declares, and the per-connection authenticator the
// department client applies to every request. Adding a strategy: its declaration and credentials
// in src/adapter-sdk/auth.ts, a module here, one line below.
import type { AuthDeclaration, CredentialsOf, DepartmentRequest, DepartmentResponse, HttpAuthDeclaration } from '../../adapter-sdk/index.ts'
import { TongbanError } from '../../errors.ts'
import type { AuthStrategy, OutgoingRequest } from './types.ts'
import { oauth2ClientCredentials } from './oauth2-client-credentials.ts'
import { jsonToken } from './json-token.ts'
import { signedParams } from './signed-params.ts'
import { hmacHeaders } from './hmac-headers.ts'
import { sm2 } from './sm2.ts'
import { basic } from './basic.ts'

export type { OutgoingRequest } from './types.ts'

// An SSH key (`sftp-key`) authenticates SFTP sessions (src/department/files/sftp.ts), never an HTTP request.
export const AUTH_STRATEGIES: { [T in HttpAuthDeclaration['type']]: AuthStrategy<Extract<AuthDeclaration, { type: T }>, CredentialsOf<T>, any> } = {
  'oauth2-client-credentials': oauth2ClientCredentials,
  'json-token': jsonToken,
  'signed-params': signedParams,
  'hmac-headers': hmacHeaders,
  sm2,
  basic,
}

export interface Authenticator {
  apply: (request: OutgoingRequest) => Promise<void>
  /** `DepartmentHttp.sign`: the signed values for an adapter's own body. */
  sign: (values: Record<string, string>) => Promise<Record<string, string>>
  /** The department refused what we sent (token expired or revoked): start the strategy's state afresh. */
  reset: () => void
}

export interface AuthenticatorOptions {
  department: string
  declaration: AuthDeclaration | undefined
  /** The instance's credentials as configured or stored, asked for at each use; checked against the strategy's shape. */
  credentials: (() => Promise<unknown>) | undefined
  send: (req: DepartmentRequest) => Promise<DepartmentResponse>
  now?: () => Date
}

export function createAuthenticator (opts: AuthenticatorOptions): Authenticator {
  const { declaration, department } = opts
  if (!declaration) {
    return {
      apply: async () => {},
      sign: async () => { throw new TypeError(`${department}: sign() needs an auth strategy that signs parameters`) },
      reset: () => {},
    }
  }
  if (declaration.type === 'sftp-key') throw new TypeError(`${department}: an sftp-key authenticates SFTP file drops, not HTTP calls`)
  const strategy = AUTH_STRATEGIES[declaration.type] as AuthStrategy<AuthDeclaration, unknown, unknown>
  const credentials = async (): Promise<unknown> => {
    if (!opts.credentials) throw new TongbanError('TB_DEPARTMENT_AUTH', [department, 'no credentials configured'])
    const parsed = strategy.credentials.safeParse(await opts.credentials())
    if (parsed.success) return parsed.data
    // Only the key and zod's message: the value may be a secret.
    const issue = parsed.error.issues[0]!
    throw new TongbanError('TB_DEPARTMENT_AUTH', [department, `${declaration.type} credentials: ${issue.path.join('.') || '(root)'}: ${issue.message}`])
  }
  const ctx = { declaration, department, state: strategy.state(), send: opts.send, now: opts.now ?? (() => new Date()) }
  return {
    apply: async (request) => { await strategy.apply(request, credentials, ctx) },
    async sign (values) {
      if (!strategy.values) throw new TypeError(`${department}: sign() needs an auth strategy that signs parameters, not ${declaration.type}`)
      return await strategy.values(values, credentials, ctx)
    },
    reset: () => { ctx.state = strategy.state() },
  }
}
