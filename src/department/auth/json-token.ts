// A department's own token call (not OAuth2's form): the client id and secret POSTed as JSON under
// the department's names, the bearer token and its lifetime read from the answer where the adapter
// says. An answer without a token (HTTP 200 with a business error, say) is an auth error.
import { AUTH_CREDENTIALS, DepartmentAuthError, DepartmentUnavailableError, select, type CredentialsOf, type JsonTokenAuth } from '../../adapter-sdk/index.ts'
import type { AuthContext, AuthStrategy } from './types.ts'
import { bearer, type BearerState, type FetchedToken } from './bearer.ts'

type Credentials = CredentialsOf<'json-token'>
type Context = AuthContext<JsonTokenAuth, BearerState>

async function fetchToken (credentials: () => Promise<Credentials>, ctx: Context): Promise<FetchedToken> {
  const { clientId, clientSecret } = await credentials()
  const { tokenPath, names, answer, ttlSeconds } = ctx.declaration
  const res = await ctx.send({ method: 'POST', path: tokenPath, headers: { accept: 'application/json' }, json: { [names.clientId]: clientId, [names.clientSecret]: clientSecret } })
  let parsed: unknown
  try { parsed = JSON.parse(res.body) } catch { throw new DepartmentUnavailableError(ctx.department, 'token call answered non-JSON') }
  const token = select(answer.token)(parsed)
  if (res.status !== 200 || typeof token !== 'string' || token === '') {
    throw new DepartmentAuthError(ctx.department, `token call answered HTTP ${res.status} without a token at ${answer.token}: check the instance's clientId and clientSecret`)
  }
  const expiresIn = answer.expiresIn === undefined ? undefined : select(answer.expiresIn)(parsed)
  return { value: token, ttlSeconds: typeof expiresIn === 'number' && expiresIn > 0 ? expiresIn : ttlSeconds ?? 300 }
}

export const jsonToken: AuthStrategy<JsonTokenAuth, Credentials, BearerState> = {
  credentials: AUTH_CREDENTIALS['json-token'],
  state: () => ({}),
  async apply (request, credentials, ctx) {
    request.headers.authorization = `Bearer ${await bearer(ctx, async () => await fetchToken(credentials, ctx))}`
  },
}
