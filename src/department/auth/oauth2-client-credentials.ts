// OAuth2 client credentials: a bearer token fetched from the department's token endpoint, cached
// until shortly before it expires, and fetched once for all requests waiting on it.
import { AUTH_CREDENTIALS, DepartmentAuthError, DepartmentUnavailableError, type CredentialsOf, type OAuth2ClientCredentialsAuth } from '../../adapter-sdk/index.ts'
import type { AuthContext, AuthStrategy } from './types.ts'
import { bearer, type BearerState, type FetchedToken } from './bearer.ts'

type Credentials = CredentialsOf<'oauth2-client-credentials'>
type Context = AuthContext<OAuth2ClientCredentialsAuth, BearerState>

async function fetchToken (credentials: () => Promise<Credentials>, ctx: Context): Promise<FetchedToken> {
  const { clientId, clientSecret } = await credentials()
  const res = await ctx.send({
    method: 'POST',
    path: ctx.declaration.tokenPath,
    headers: { accept: 'application/json' },
    form: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret },
  })
  let parsed: { access_token?: unknown, expires_in?: unknown }
  try { parsed = JSON.parse(res.body) } catch { throw new DepartmentUnavailableError(ctx.department, 'token endpoint answered non-JSON') }
  if (res.status !== 200 || typeof parsed.access_token !== 'string') {
    throw new DepartmentAuthError(ctx.department, `token endpoint answered HTTP ${res.status}`)
  }
  return { value: parsed.access_token, ttlSeconds: typeof parsed.expires_in === 'number' ? parsed.expires_in : 300 }
}

export const oauth2ClientCredentials: AuthStrategy<OAuth2ClientCredentialsAuth, Credentials, BearerState> = {
  credentials: AUTH_CREDENTIALS['oauth2-client-credentials'],
  state: () => ({}),
  async apply (request, credentials, ctx) {
    request.headers.authorization = `Bearer ${await bearer(ctx, async () => await fetchToken(credentials, ctx))}`
  },
}
